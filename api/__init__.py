"""autodiff: algorithmic differentiation and Wengert lists.

The Python API, usable without Typer or Rich::

    from autodiff import parse, evaluate, gradient
    g = gradient(parse("log(x1)+x1*x2-sin(x2)"), {"x1": 2, "x2": 5})
    g.gradient  # (5.5, 1.7163378145367738)

Names resolve lazily so that ``import autodiff`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_API = {
    "parse": "autodiff.grammar.build",
    "evaluate": "autodiff.core.derivatives",
    "gradient": "autodiff.core.derivatives",
    "jacobian": "autodiff.core.derivatives",
    "jvp": "autodiff.core.derivatives",
    "vjp": "autodiff.core.derivatives",
    "hessian": "autodiff.core.derivatives",
    "hvp": "autodiff.core.derivatives",
    "Graph": "autodiff.core.graph",
    "Evaluation": "autodiff.core.derivatives",
    "Gradient": "autodiff.core.derivatives",
    "AutodiffError": "autodiff.core.errors",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'autodiff' has no attribute {name!r}")
