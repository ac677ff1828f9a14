"""The one table of primitives: every elementary operation, defined once.

Each row gives the value, the partial derivative with respect to each argument, the second
partials, and how the operation and its partials read in the paper's notation. Every mode
(primal, tangent, adjoint, Hessian) and every printer reads this table; nothing else in the
code knows what ``sin`` is. Adding a function is one row here; the parametrised tests in
``tests/test_primitives.py`` pick it up automatically.

Conventions:
- ``value(*args)`` raises ``ValueError`` or ``ZeroDivisionError`` outside the domain and
  ``OverflowError`` when the result does not fit a float, as ``math`` does.
- Partials receive the arguments and the output (``ans``), so ``exp``, ``sqrt``, ``tanh`` reuse
  it. They never raise: where a derivative blows up they return ``inf`` or ``nan``, and the
  evaluators report the node.
- At kinks (``abs``, ``max``, ``min`` at their switching point, ``hypot(0, 0)``) the partials
  take the midpoint of the one-sided derivatives; ``relu'(0) = 0``. See the README's table.
  ``H`` in the notation is the Heaviside step with H(0) = ½.
- Notation templates use ``{0}``, ``{1}`` for the arguments, in Unicode; ``core.notation``
  derives the ASCII form.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

Fn = Callable[..., float]

INF = math.inf
NAN = math.nan
LN2 = math.log(2.0)
LN10 = math.log(10.0)


@dataclass(frozen=True, slots=True)
class Primitive:
    """One elementary operation: its value, first and second partials, and its notation."""

    name: str
    arity: int
    value: Fn
    # partials[i](*args, ans) = ∂ans/∂args[i]
    partials: tuple[Fn, ...]
    # second[k](*args, ans) = ∂²ans/∂args[i]∂args[j] for the k-th pair (i ≤ j), row-major:
    # arity 1 → (00,), arity 2 → (00, 01, 11).
    second: tuple[Fn, ...]
    notation: str
    partial_notation: tuple[str, ...]
    domain: str = "all real numbers"
    kind: str = "function"  # "function" or "operator": how the grammar spells it

    def second_partial(self, i: int, j: int) -> Fn:
        """∂²/∂args[i]∂args[j] (symmetric in i, j)."""
        return self.second[pair_index(i, j, self.arity)]


def pair_index(i: int, j: int, arity: int) -> int:
    """Position of the pair (i, j) in a row-major upper triangle: (0,0), (0,1), …, (1,1), …"""
    i, j = min(i, j), max(i, j)
    return i * arity - i * (i - 1) // 2 + (j - i)


# --- helpers that turn a blow-up into inf/nan instead of an exception -------------------------


def _div(a: float, b: float) -> float:
    """a / b with IEEE semantics: ±inf for a nonzero a over zero, nan for 0/0."""
    if b == 0.0:
        if a == 0.0 or math.isnan(a):
            return NAN
        return math.copysign(INF, a) * math.copysign(1.0, b)
    return a / b


def _pow(x: float, y: float) -> float:
    """x ** y with IEEE semantics: inf for zero to a negative power, nan outside the domain."""
    try:
        return math.pow(x, y)
    except ValueError:
        return INF if x == 0.0 else NAN
    except OverflowError:
        return INF


def _log(x: float) -> float:
    return -INF if x == 0.0 else (math.log(x) if x > 0 else NAN)


def _cbrt(x: float) -> float:
    # math.cbrt is Python 3.11+; the fallback is exact for perfect cubes up to rounding.
    return math.copysign(abs(x) ** (1.0 / 3.0), x)


_CBRT: Fn = getattr(math, "cbrt", _cbrt)


def _zero(*_: float) -> float:
    return 0.0


def _sigmoid(x: float) -> float:
    # Two branches so that neither exp overflows.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _softplus(x: float) -> float:
    return math.log1p(math.exp(-abs(x))) + max(x, 0.0)


def _pow_value(x: float, y: float) -> float:
    return math.pow(x, y)


def _pow_dx(x: float, y: float, ans: float) -> float:
    return 0.0 if y == 0.0 else y * _pow(x, y - 1.0)


def _pow_dy(x: float, y: float, ans: float) -> float:
    # d/dy x^y = x^y ln x; at x = 0 and y > 0, x^y is identically 0 near y, so the slope is 0.
    if x == 0.0 and y > 0.0:
        return 0.0
    return ans * _log(x)


def _pow_dxdx(x: float, y: float, ans: float) -> float:
    return 0.0 if y in (0.0, 1.0) else y * (y - 1.0) * _pow(x, y - 2.0)


def _pow_dxdy(x: float, y: float, ans: float) -> float:
    # d/dy (y x^(y-1)) = x^(y-1) (1 + y ln x)
    if y == 0.0:
        return _div(1.0, x)
    if x == 0.0 and y > 1.0:
        return 0.0
    return _pow(x, y - 1.0) * (1.0 + y * _log(x))


def _pow_dydy(x: float, y: float, ans: float) -> float:
    if x == 0.0 and y > 0.0:
        return 0.0
    lx = _log(x)
    return ans * lx * lx


def _kink_step(a: float, b: float) -> float:
    """∂max(a, b)/∂a: 1 if a wins, 0 if b wins, ½ on a tie (midpoint of the one-sided slopes)."""
    return 1.0 if a > b else (0.0 if a < b else 0.5)


def _sign(x: float) -> float:
    return 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)


def _hypot_partial(a: float, b: float, ans: float) -> float:
    return 0.0 if ans == 0.0 else a / ans


def _r2(y: float, x: float) -> float:
    return x * x + y * y


def _prim(
    name: str,
    value: Fn,
    partials: tuple[Fn, ...],
    second: tuple[Fn, ...],
    notation: str,
    partial_notation: tuple[str, ...],
    domain: str = "all real numbers",
    kind: str = "function",
) -> Primitive:
    arity = len(partials)
    assert len(partial_notation) == arity, name
    assert len(second) == arity * (arity + 1) // 2, name
    return Primitive(name, arity, value, partials, second, notation, partial_notation, domain, kind)


_TABLE: tuple[Primitive, ...] = (
    # --- arithmetic operators ------------------------------------------------------------------
    _prim("neg", lambda x: -x, (lambda x, a: -1.0,), (_zero,), "−{0}", ("−1",), kind="operator"),
    _prim(
        "add",
        lambda x, y: x + y,
        (lambda x, y, a: 1.0, lambda x, y, a: 1.0),
        (_zero, _zero, _zero),
        "{0} + {1}",
        ("1", "1"),
        kind="operator",
    ),
    _prim(
        "sub",
        lambda x, y: x - y,
        (lambda x, y, a: 1.0, lambda x, y, a: -1.0),
        (_zero, _zero, _zero),
        "{0} − {1}",
        ("1", "−1"),
        kind="operator",
    ),
    _prim(
        "mul",
        lambda x, y: x * y,
        (lambda x, y, a: y, lambda x, y, a: x),
        (_zero, lambda x, y, a: 1.0, _zero),
        "{0} × {1}",
        ("{1}", "{0}"),
        kind="operator",
    ),
    _prim(
        "div",
        lambda x, y: x / y,
        (lambda x, y, a: _div(1.0, y), lambda x, y, a: _div(-a, y)),
        (_zero, lambda x, y, a: _div(-1.0, y * y), lambda x, y, a: _div(2.0 * a, y * y)),
        "{0} / {1}",
        ("1/{1}", "−{0}/{1}²"),
        domain="a nonzero divisor",
        kind="operator",
    ),
    _prim(
        "pow",
        _pow_value,
        (_pow_dx, _pow_dy),
        (_pow_dxdx, _pow_dxdy, _pow_dydy),
        "{0}^{1}",
        ("{1}·{0}^({1} − 1)", "{0}^{1}·ln {0}"),
        domain="x > 0, or x = 0 with y ≥ 0, or x < 0 with an integer y",
    ),
    # --- exponentials and logarithms -----------------------------------------------------------
    _prim("exp", math.exp, (lambda x, a: a,), (lambda x, a: a,), "exp {0}", ("exp {0}",)),
    _prim(
        "log",
        math.log,
        (lambda x, a: _div(1.0, x),),
        (lambda x, a: _div(-1.0, x * x),),
        "ln {0}",
        ("1/{0}",),
        domain="x > 0",
    ),
    _prim(
        "log2",
        math.log2,
        (lambda x, a: _div(1.0, x * LN2),),
        (lambda x, a: _div(-1.0, x * x * LN2),),
        "log2 {0}",
        ("1/({0} ln 2)",),
        domain="x > 0",
    ),
    _prim(
        "log10",
        math.log10,
        (lambda x, a: _div(1.0, x * LN10),),
        (lambda x, a: _div(-1.0, x * x * LN10),),
        "log10 {0}",
        ("1/({0} ln 10)",),
        domain="x > 0",
    ),
    _prim(
        "log1p",
        math.log1p,
        (lambda x, a: _div(1.0, 1.0 + x),),
        (lambda x, a: _div(-1.0, (1.0 + x) * (1.0 + x)),),
        "log1p {0}",
        ("1/(1 + {0})",),
        domain="x > −1",
    ),
    _prim(
        "expm1",
        math.expm1,
        (lambda x, a: a + 1.0,),
        (lambda x, a: a + 1.0,),
        "expm1 {0}",
        ("exp {0}",),
    ),
    _prim(
        "sqrt",
        math.sqrt,
        (lambda x, a: _div(0.5, a),),
        (lambda x, a: _div(-0.25, x * a),),
        "√{0}",
        ("1/(2√{0})",),
        domain="x ≥ 0",
    ),
    _prim(
        "cbrt",
        _CBRT,
        (lambda x, a: _div(1.0, 3.0 * a * a),),
        (lambda x, a: _div(-2.0, 9.0 * a * a * a * a * a),),
        "∛{0}",
        ("1/(3∛{0}²)",),
    ),
    # --- trigonometric ---------------------------------------------------------------------
    _prim(
        "sin", math.sin, (lambda x, a: math.cos(x),), (lambda x, a: -a,), "sin {0}", ("cos {0}",)
    ),
    _prim(
        "cos", math.cos, (lambda x, a: -math.sin(x),), (lambda x, a: -a,), "cos {0}", ("−sin {0}",)
    ),
    _prim(
        "tan",
        math.tan,
        (lambda x, a: 1.0 + a * a,),
        (lambda x, a: 2.0 * a * (1.0 + a * a),),
        "tan {0}",
        ("1 + tan² {0}",),
    ),
    _prim(
        "asin",
        math.asin,
        (lambda x, a: _div(1.0, math.sqrt(1.0 - x * x)),),
        (lambda x, a: _div(x, _pow(1.0 - x * x, 1.5)),),
        "asin {0}",
        ("1/√(1 − {0}²)",),
        domain="−1 ≤ x ≤ 1",
    ),
    _prim(
        "acos",
        math.acos,
        (lambda x, a: _div(-1.0, math.sqrt(1.0 - x * x)),),
        (lambda x, a: _div(-x, _pow(1.0 - x * x, 1.5)),),
        "acos {0}",
        ("−1/√(1 − {0}²)",),
        domain="−1 ≤ x ≤ 1",
    ),
    _prim(
        "atan",
        math.atan,
        (lambda x, a: 1.0 / (1.0 + x * x),),
        (lambda x, a: -2.0 * x / ((1.0 + x * x) * (1.0 + x * x)),),
        "atan {0}",
        ("1/(1 + {0}²)",),
    ),
    _prim(
        "atan2",
        math.atan2,
        (lambda y, x, a: _div(x, _r2(y, x)), lambda y, x, a: _div(-y, _r2(y, x))),
        (
            lambda y, x, a: _div(-2.0 * x * y, _r2(y, x) * _r2(y, x)),
            lambda y, x, a: _div(y * y - x * x, _r2(y, x) * _r2(y, x)),
            lambda y, x, a: _div(2.0 * x * y, _r2(y, x) * _r2(y, x)),
        ),
        "atan2({0}, {1})",
        ("{1}/({0}² + {1}²)", "−{0}/({0}² + {1}²)"),
    ),
    # --- hyperbolic ------------------------------------------------------------------------
    _prim(
        "sinh",
        math.sinh,
        (lambda x, a: math.cosh(x),),
        (lambda x, a: a,),
        "sinh {0}",
        ("cosh {0}",),
    ),
    _prim(
        "cosh",
        math.cosh,
        (lambda x, a: math.sinh(x),),
        (lambda x, a: a,),
        "cosh {0}",
        ("sinh {0}",),
    ),
    _prim(
        "tanh",
        math.tanh,
        (lambda x, a: 1.0 - a * a,),
        (lambda x, a: -2.0 * a * (1.0 - a * a),),
        "tanh {0}",
        ("1 − tanh² {0}",),
    ),
    _prim(
        "asinh",
        math.asinh,
        (lambda x, a: 1.0 / math.sqrt(1.0 + x * x),),
        (lambda x, a: _div(-x, _pow(1.0 + x * x, 1.5)),),
        "asinh {0}",
        ("1/√({0}² + 1)",),
    ),
    _prim(
        "acosh",
        math.acosh,
        (lambda x, a: _div(1.0, math.sqrt(x * x - 1.0)),),
        (lambda x, a: _div(-x, _pow(x * x - 1.0, 1.5)),),
        "acosh {0}",
        ("1/√({0}² − 1)",),
        domain="x ≥ 1",
    ),
    _prim(
        "atanh",
        math.atanh,
        (lambda x, a: _div(1.0, 1.0 - x * x),),
        (lambda x, a: _div(2.0 * x, (1.0 - x * x) * (1.0 - x * x)),),
        "atanh {0}",
        ("1/(1 − {0}²)",),
        domain="−1 < x < 1",
    ),
    # --- machine learning ------------------------------------------------------------------
    _prim(
        "sigmoid",
        _sigmoid,
        (lambda x, a: a * (1.0 - a),),
        (lambda x, a: a * (1.0 - a) * (1.0 - 2.0 * a),),
        "sigmoid {0}",
        ("sigmoid {0}·(1 − sigmoid {0})",),
    ),
    _prim(
        "softplus",
        _softplus,
        (lambda x, a: _sigmoid(x),),
        (lambda x, a: _sigmoid(x) * (1.0 - _sigmoid(x)),),
        "softplus {0}",
        ("sigmoid {0}",),
    ),
    _prim(
        "relu",
        lambda x: x if x > 0.0 else 0.0,
        # relu'(0) = 0, as in PyTorch and JAX (not the midpoint): what ML users expect.
        (lambda x, a: 1.0 if x > 0.0 else 0.0,),
        (_zero,),
        "relu {0}",
        ("[{0} > 0]",),
    ),
    # --- piecewise -------------------------------------------------------------------------
    _prim("abs", abs, (lambda x, a: _sign(x),), (_zero,), "|{0}|", ("sign {0}",)),
    _prim(
        "max",
        max,
        (lambda x, y, a: _kink_step(x, y), lambda x, y, a: _kink_step(y, x)),
        (_zero, _zero, _zero),
        "max({0}, {1})",
        ("H({0} − {1})", "H({1} − {0})"),
    ),
    _prim(
        "min",
        min,
        (lambda x, y, a: _kink_step(y, x), lambda x, y, a: _kink_step(x, y)),
        (_zero, _zero, _zero),
        "min({0}, {1})",
        ("H({1} − {0})", "H({0} − {1})"),
    ),
    _prim(
        "hypot",
        math.hypot,
        (lambda x, y, a: _hypot_partial(x, y, a), lambda x, y, a: _hypot_partial(y, x, a)),
        (
            lambda x, y, a: _div(y * y, a * a * a),
            lambda x, y, a: _div(-x * y, a * a * a),
            lambda x, y, a: _div(x * x, a * a * a),
        ),
        "hypot({0}, {1})",
        ("{0}/hypot({0}, {1})", "{1}/hypot({0}, {1})"),
    ),
)

PRIMITIVES: dict[str, Primitive] = {p.name: p for p in _TABLE}

# Other spellings a user may type for the same primitive.
ALIASES: dict[str, str] = {"ln": "log"}

# Named constants the grammar accepts where a number may stand.
CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}

# Function names a user may call: every function-kind primitive and every alias.
FUNCTION_NAMES: tuple[str, ...] = tuple(
    sorted([p.name for p in _TABLE if p.kind == "function"] + list(ALIASES))
)


def lookup_function(name: str) -> Primitive | None:
    """The primitive a call by this name means, or None."""
    primitive = PRIMITIVES.get(ALIASES.get(name, name))
    return primitive if primitive is not None and primitive.kind == "function" else None
