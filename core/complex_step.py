"""Complex-step differentiation: ∂f/∂xⱼ ≈ Im f(x + i·h·eⱼ) / h.

For a function that is analytic near the point, the imaginary part carries the derivative
without any subtraction, so there is no cancellation and h can be tiny (1e-100): the result is
exact to rounding, unlike a finite difference. It needs every primitive on the path from the
input to the output to be analytic and evaluated in complex arithmetic.

``COMPLEX`` holds the complex version of each primitive, keyed by primitive name; ``None`` marks
the primitives that are not analytic (kinks), for which the method is refused. Each version
equals the real primitive on real arguments (``tests/test_complex_step.py`` checks that and the
complex-step derivative against the table's partials, row by row).
"""

from __future__ import annotations

import cmath
import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .graph import Const, Graph
from .notation import node_text, var
from .primitives import PRIMITIVES

ComplexFn = Callable[..., complex]

# Far below any input's scale (1e-20, the textbook choice, is not small beside x = 1e-20), and
# far above underflow for the imaginary parts of ordinary values.
STEP = 1e-100
LN2 = math.log(2.0)


def _pow(z: complex, w: complex) -> complex:
    w = complex(w)
    z = complex(z)
    if w.imag == 0.0 and w.real.is_integer() and z.real < 0.0:
        # (−u)ⁿ = (−1)ⁿ·uⁿ: Python's polar form loses the tiny imaginary part of a negative
        # base raised to a large integer power; with a positive base it does not.
        sign = -1.0 if w.real % 2.0 else 1.0
        return sign * (-z) ** w.real
    return z**w


def _cbrt(z: complex) -> complex:
    # The real cube root, continued analytically: odd, so the sign comes out first.
    z = complex(z)
    return -((-z) ** (1.0 / 3.0)) if z.real < 0.0 else z ** (1.0 / 3.0)


def _log1p(z: complex) -> complex:
    # log|1+z| = log1p(x) + ½·log1p((y/(1+x))²): accurate for small x, unlike log(1 + z).
    z = complex(z)
    x, y = z.real, z.imag
    ratio = y / (1.0 + x)
    return complex(math.log1p(x) + 0.5 * math.log1p(ratio * ratio), math.atan2(y, 1.0 + x))


def _expm1(z: complex) -> complex:
    # eᶻ − 1 = (expm1(x)·cos y − 2 sin²(y/2)) + i·eˣ sin y: no cancellation near 0.
    z = complex(z)
    x, y = z.real, z.imag
    half = math.sin(0.5 * y)
    return complex(math.expm1(x) * math.cos(y) - 2.0 * half * half, math.exp(x) * math.sin(y))


def _atan2(y: complex, x: complex) -> complex:
    # atan(y/x) plus the real function's quadrant offset, which is constant near the point.
    y, x = complex(y), complex(x)
    if x.real > 0.0:
        return cmath.atan(y / x)
    if x.real < 0.0:
        return cmath.atan(y / x) + (math.pi if y.real >= 0.0 else -math.pi)
    return (0.5 * math.pi if y.real > 0.0 else -0.5 * math.pi) - cmath.atan(x / y)


def _sigmoid(z: complex) -> complex:
    z = complex(z)
    if z.real >= 0.0:
        return 1.0 / (1.0 + cmath.exp(-z))
    w = cmath.exp(z)
    return w / (1.0 + w)


def _softplus(z: complex) -> complex:
    z = complex(z)
    return z + _log1p(cmath.exp(-z)) if z.real > 0.0 else _log1p(cmath.exp(z))


COMPLEX: dict[str, ComplexFn | None] = {
    "neg": operator.neg,
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "pow": _pow,
    "exp": cmath.exp,
    "log": cmath.log,
    "log2": lambda z: cmath.log(z) / LN2,
    "log10": cmath.log10,
    "log1p": _log1p,
    "expm1": _expm1,
    "sqrt": cmath.sqrt,
    "cbrt": _cbrt,
    "sin": cmath.sin,
    "cos": cmath.cos,
    "tan": cmath.tan,
    "asin": cmath.asin,
    "acos": cmath.acos,
    "atan": cmath.atan,
    "atan2": _atan2,
    "sinh": cmath.sinh,
    "cosh": cmath.cosh,
    "tanh": cmath.tanh,
    "asinh": cmath.asinh,
    "acosh": cmath.acosh,
    "atanh": cmath.atanh,
    "sigmoid": _sigmoid,
    "softplus": _softplus,
    # Not analytic: kinks (and hypot, which the method refuses rather than special-casing).
    "relu": None,
    "abs": None,
    "max": None,
    "min": None,
    "hypot": None,
    "sign": None,
}


@dataclass(frozen=True)
class NotAnalytic:
    """Why the complex step cannot be used: the first non-analytic node on the path."""

    node: int
    op: str
    text: str  # "v₂ = |v₁|"


def obstacle(graph: Graph, wrt: Sequence[int]) -> NotAnalytic | None:
    """The first non-analytic node that depends on a ``wrt`` input, if there is one."""
    depends = [i in wrt for i in range(graph.n_inputs)]
    for i in range(graph.n_inputs, len(graph.nodes)):
        node = graph.nodes[i]
        depends.append(any(isinstance(a, int) and depends[a] for a in node.operands))
        if depends[i] and COMPLEX[node.op] is None:
            return NotAnalytic(i, node.op, f"{var(graph, i)} = {node_text(graph, i)}")
    return None


def _outputs(graph: Graph, point: Sequence[complex]) -> list[complex]:
    values: list[complex] = list(point)
    for node in graph.nodes[graph.n_inputs :]:
        args = [values[a] if isinstance(a, int) else complex(a.value) for a in node.operands]
        function = COMPLEX[node.op]
        if function is None:
            # Off the path (``obstacle`` checked): the arguments are real, so is the value.
            function = PRIMITIVES[node.op].value
            args = [a.real for a in args]
        values.append(complex(function(*args)))
    return [complex(o.value) if isinstance(o, Const) else values[o] for o in graph.outputs]


def jacobian(
    graph: Graph, point: Sequence[float], wrt: Sequence[int], h: float = STEP
) -> tuple[tuple[float, ...], ...]:
    """J by one complex evaluation per ``wrt`` input; call ``obstacle`` first.

    Raises ``ValueError``/``ArithmeticError`` where a complex primitive is undefined.
    """
    units = [[1.0 if i == j else 0.0 for i in range(len(point))] for j in wrt]
    return along(graph, point, units, h)


def along(
    graph: Graph, point: Sequence[float], seeds: Sequence[Sequence[float]], h: float = STEP
) -> tuple[tuple[float, ...], ...]:
    """J·u for each seed u (one per column) by one complex evaluation: Im f(x + i·h·u) / h."""
    columns = []
    for seed in seeds:
        shifted = [complex(x, h * u) for x, u in zip(point, seed)]
        columns.append([y.imag / h for y in _outputs(graph, shifted)])
    return tuple(tuple(column[k] for column in columns) for k in range(len(graph.outputs)))
