"""autodiff: algorithmic differentiation and Wengert lists.

The Python API, usable without Typer or Rich (nor NumPy, but for batches)::

    from autodiff import parse, gradient
    g = gradient(parse("log(x1)+x1*x2-sin(x2)"), {"x1": 2, "x2": 5})
    g.gradient  # (5.5, 1.7163378145367738)

Names resolve lazily so that ``import autodiff`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_DERIVATIVES = "autodiff.core.derivatives"
# public name → (module, attribute)
_API = {
    "parse": ("autodiff.grammar.build", "parse"),
    "evaluate": (_DERIVATIVES, "evaluate"),
    "gradient": (_DERIVATIVES, "gradient"),
    "grad": (_DERIVATIVES, "gradient"),
    "jacobian": (_DERIVATIVES, "jacobian"),
    "jvp": (_DERIVATIVES, "jvp"),
    "vjp": (_DERIVATIVES, "vjp"),
    "hessian": (_DERIVATIVES, "hessian"),
    "hvp": (_DERIVATIVES, "hvp"),
    "evaluate_batch": ("autodiff.core.vectorized", "evaluate_batch"),
    "differentiate": ("autodiff.core.symbolic", "differentiate"),
    "check": ("autodiff.core.check", "check"),
    "generate": ("autodiff.core.codegen", "generate"),
    "Graph": ("autodiff.core.graph", "Graph"),
    "Evaluation": (_DERIVATIVES, "Evaluation"),
    "Gradient": (_DERIVATIVES, "Gradient"),
    "Jacobian": (_DERIVATIVES, "Jacobian"),
    "Hessian": (_DERIVATIVES, "Hessian"),
    "AutodiffError": ("autodiff.core.errors", "AutodiffError"),
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        module, attribute = _API[name]
        return getattr(import_module(module), attribute)
    raise AttributeError(f"module 'autodiff' has no attribute {name!r}")
