"""autodiff: algorithmic differentiation and Wengert lists.

The Python API, usable without Typer or Rich (nor NumPy, but for batches)::

    from autodiff import gradient
    g = gradient("log(x1)+x1*x2-sin(x2)", {"x1": 2, "x2": 5})
    g.gradient  # {'x1': 5.5, 'x2': 1.7163378145367738}

The functions live in ``functions.py``, their results in ``results.py``. Names resolve lazily
so that ``import autodiff`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_FUNCTIONS = "autodiff.functions"
_RESULTS = "autodiff.results"
_ERRORS = "autodiff.core.errors"
# public name → (module, attribute)
_API = {
    "parse": (_FUNCTIONS, "parse"),
    "evaluate": (_FUNCTIONS, "evaluate"),
    "gradient": (_FUNCTIONS, "gradient"),
    "grad": (_FUNCTIONS, "gradient"),
    "jacobian": (_FUNCTIONS, "jacobian"),
    "jvp": (_FUNCTIONS, "jvp"),
    "vjp": (_FUNCTIONS, "vjp"),
    "hessian": (_FUNCTIONS, "hessian"),
    "hvp": (_FUNCTIONS, "hvp"),
    "evaluate_batch": (_FUNCTIONS, "evaluate_batch"),
    "differentiate": (_FUNCTIONS, "differentiate"),
    "check": (_FUNCTIONS, "check"),
    "generate": (_FUNCTIONS, "generate"),
    "Graph": ("autodiff.core.graph", "Graph"),
    "Evaluation": (_RESULTS, "Evaluation"),
    "Gradient": (_RESULTS, "Gradient"),
    "Jacobian": (_RESULTS, "Jacobian"),
    "Jvp": (_RESULTS, "Jvp"),
    "Vjp": (_RESULTS, "Vjp"),
    "Hessian": (_RESULTS, "Hessian"),
    "Hvp": (_RESULTS, "Hvp"),
    "Check": (_RESULTS, "Check"),
    "Derivatives": (_RESULTS, "Derivatives"),
    "Batch": (_RESULTS, "Batch"),
    "ByName": (_RESULTS, "ByName"),
    "AutodiffError": (_ERRORS, "AutodiffError"),
    "InputError": (_ERRORS, "InputError"),
    "MathError": (_ERRORS, "MathError"),
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        module, attribute = _API[name]
        return getattr(import_module(module), attribute)
    raise AttributeError(f"module 'autodiff' has no attribute {name!r}")
