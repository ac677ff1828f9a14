"""The one table of primitives: every elementary operation, defined once.

Each row gives the value, the partial derivative with respect to each argument, the second
partials, and how the operation and its partials read in the paper's notation. Every mode
(primal, tangent, adjoint, Hessian) and every printer reads this table; nothing else in the
code knows what ``sin`` is. Adding a function is one row here; the parametrised tests in
``tests/test_primitives.py`` pick it up automatically.

Conventions:
- ``value(*args)`` raises ``ValueError`` or ``ZeroDivisionError`` outside the domain and
  ``OverflowError`` when the result does not fit a float, as ``math`` does.
- Partials receive the arguments and the output (``ans``), so ``exp``, ``sqrt``, ``cbrt`` reuse
  it. They never raise: where a derivative blows up they return ``inf`` or ``nan``, and the
  evaluators report the node.
- Partials are computed in forms that lose no digits over the whole domain, tails included
  (``tanh'`` as 4σ'(2x), not 1 − tanh²; ``atan2`` scaled by a power of two), to within a few
  ulp of the exact derivative wherever that is a normal float (``tests/test_primitive_accuracy.py``
  checks every partial against mpmath). The notation keeps the textbook form.
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
from typing import Any

Fn = Callable[..., float]

INF = math.inf
NAN = math.nan
LN2 = math.log(2.0)
LN10 = math.log(10.0)
TINY = 2.2250738585072014e-308  # the smallest normal float


@dataclass(frozen=True, slots=True)
class Kink:
    """Where a primitive is not differentiable, what the derivative is on either side there,
    and which value the partials take (the convention)."""

    at: Fn  # (*args) -> bool: the arguments sit exactly on the kink
    one_sided: str
    convention: str


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
    kink: Kink | None = None

    def second_partial(self, i: int, j: int) -> Fn:
        """∂²/∂args[i]∂args[j] (symmetric in i, j)."""
        return self.second[pair_index(i, j, self.arity)]


def pair_index(i: int, j: int, arity: int) -> int:
    """Position of the pair (i, j) in a row-major upper triangle: (0,0), (0,1), …, (1,1), …"""
    i, j = min(i, j), max(i, j)
    return i * arity - i * (i - 1) // 2 + (j - i)


# --- the arithmetic a rule may use ---------------------------------------------------------------
#
# Rules are written once, against a namespace ``m`` of elementary functions. ``ScalarMath`` gives
# Python floats (``math``, raising outside the domain as ``math`` does); ``core.vectorized`` gives
# NumPy arrays for batches of points. Helpers marked "safe" never raise: a blow-up becomes ±inf
# or nan, which the evaluators report. ``where`` evaluates both branches, so both must be safe.


def _div(a: float, b: float) -> float:
    """a / b with IEEE semantics: ±inf for a nonzero a over zero, nan for 0/0."""
    if b == 0.0:
        if a == 0.0 or math.isnan(a):
            return NAN
        return math.copysign(INF, a) * math.copysign(1.0, b)
    return a / b


def _powi(x: float, y: float) -> float:
    """x ** y, safe: inf for zero to a negative power, nan outside the domain."""
    try:
        return math.pow(x, y)
    except ValueError:
        return INF if x == 0.0 else NAN
    except OverflowError:
        # A negative base to an odd integer power overflows to −inf, as NumPy's power does.
        return -INF if x < 0.0 and y % 2.0 == 1.0 else INF


def _log0(x: float) -> float:
    """ln x, safe: -inf at 0, nan below."""
    return -INF if x == 0.0 else (math.log(x) if x > 0 else NAN)


def _cbrt(x: float) -> float:
    # math.cbrt is Python 3.11+; the fallback is exact for perfect cubes up to rounding.
    return math.copysign(abs(x) ** (1.0 / 3.0), x)


def _sigmoid(x: float) -> float:
    # Two branches so that neither exp overflows.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _softplus(x: float) -> float:
    return math.log1p(math.exp(-abs(x))) + max(x, 0.0)


def _exponent(x: float) -> int:
    """The k with |x| = f·2ᵏ, ½ ≤ f < 1 (0 for x = 0)."""
    return math.frexp(x)[1]


def _ldexp(x: float, k: int) -> float:
    """x·2ᵏ, exact unless it leaves the normal range; safe: ±inf where it overflows."""
    try:
        return math.ldexp(x, k)
    except OverflowError:
        return math.copysign(INF, x)


def _where(condition: bool, a: float, b: float) -> float:
    return a if condition else b


class ScalarMath:
    """Elementary functions of Python floats, for the rules of the primitive table."""

    exp = staticmethod(math.exp)
    log = staticmethod(math.log)
    log2 = staticmethod(math.log2)
    log10 = staticmethod(math.log10)
    log1p = staticmethod(math.log1p)
    expm1 = staticmethod(math.expm1)
    sqrt = staticmethod(math.sqrt)
    cbrt = staticmethod(getattr(math, "cbrt", _cbrt))
    sin = staticmethod(math.sin)
    cos = staticmethod(math.cos)
    tan = staticmethod(math.tan)
    asin = staticmethod(math.asin)
    acos = staticmethod(math.acos)
    atan = staticmethod(math.atan)
    atan2 = staticmethod(math.atan2)
    sinh = staticmethod(math.sinh)
    cosh = staticmethod(math.cosh)
    tanh = staticmethod(math.tanh)
    asinh = staticmethod(math.asinh)
    acosh = staticmethod(math.acosh)
    atanh = staticmethod(math.atanh)
    hypot = staticmethod(math.hypot)
    pow = staticmethod(math.pow)
    maximum = staticmethod(max)
    minimum = staticmethod(min)
    sigmoid = staticmethod(_sigmoid)
    softplus = staticmethod(_softplus)
    exponent = staticmethod(_exponent)
    ldexp = staticmethod(_ldexp)  # safe
    where = staticmethod(_where)
    div = staticmethod(_div)  # safe
    powi = staticmethod(_powi)  # safe
    log0 = staticmethod(_log0)  # safe


def _zero(*_: float) -> float:
    return 0.0


# Partials of one argument that are an elementary function of the argument, or the output
# itself, say so (``form``): the adjoint sweep then calls that function directly or reads the
# output, without the rule's own Python frame (core.graph's ``B_OF_X``, ``B_NEG_OF_X``,
# ``B_OUTPUT``). The rule stays the definition every other mode calls.


def of_argument(f: Fn) -> Fn:
    """The partial ``f(x)``."""
    rule = lambda x, ans: f(x)  # noqa: E731
    rule.form = ("x", f)  # type: ignore[attr-defined]
    return rule


def minus_of_argument(f: Fn) -> Fn:
    """The partial ``−f(x)``."""
    rule = lambda x, ans: -f(x)  # noqa: E731
    rule.form = ("-x", f)  # type: ignore[attr-defined]
    return rule


def _output(x: Any, ans: Any) -> Any:
    """The partial that is the output itself (d/dx eˣ = eˣ)."""
    return ans


_output.form = ("ans", None)  # type: ignore[attr-defined]


def _prim(
    name: str,
    value: Fn,
    partials: tuple[Fn, ...],
    second: tuple[Fn, ...],
    notation: str,
    partial_notation: tuple[str, ...],
    domain: str = "all real numbers",
    kind: str = "function",
    kink: Kink | None = None,
) -> Primitive:
    arity = len(partials)
    assert len(partial_notation) == arity, name
    assert len(second) == arity * (arity + 1) // 2, name
    return Primitive(
        name, arity, value, partials, second, notation, partial_notation, domain, kind, kink
    )


def build_table(m: Any) -> tuple[Primitive, ...]:
    """Every primitive's rules, written once against the elementary functions of ``m``."""

    def step(a: Any, b: Any) -> Any:
        """∂max(a, b)/∂a: 1 if a wins, 0 if b wins, ½ on a tie (the midpoint)."""
        return m.where(a > b, 1.0, m.where(a < b, 0.0, 0.5))

    def sign(x: Any) -> Any:
        return m.where(x > 0.0, 1.0, m.where(x < 0.0, -1.0, 0.0))

    def sigmoid_slope(x: Any) -> Any:
        """σ'(x) = σ(x)·σ(−x), as e^(−|x|)/(1 + e^(−|x|))²: the textbook σ(1 − σ) is 0 from
        x ≈ 37 on, where 1 − σ rounds to 0, and loses digits long before."""
        z = m.exp(-abs(x))
        return z / ((1.0 + z) * (1.0 + z))

    def tanh_slope(x: Any) -> Any:
        """tanh'(x) = sech² x = 4σ'(2x): the textbook 1 − tanh² x is 0 from |x| ≈ 19 on."""
        z = m.exp(-2.0 * abs(x))
        return 4.0 * z / ((1.0 + z) * (1.0 + z))

    def reciprocal_squared(x: Any) -> Any:
        # (1/x)², not 1/x²: x² is subnormal or 0 from |x| = 1e-154 down, where 1/x² is finite.
        r = m.div(1.0, x)
        return r * r

    def one_minus_square(x: Any) -> Any:
        # (1 − x)(1 + x), not 1 − x²: exact 1 − x near ±1, where x² rounds and 1 − x² cancels.
        return (1.0 - x) * (1.0 + x)

    def asinh_second(x: Any, ans: Any) -> Any:
        # −x/h³ as −(x/h)/h/h for h = hypot(1, x): h³ overflows from |x| = 1e102 on.
        h = m.hypot(1.0, x)
        return -(x / h) / h / h

    def acosh_root(x: Any) -> Any:
        return m.sqrt(x - 1.0) * m.sqrt(x + 1.0)

    def acosh_second(x: Any, ans: Any) -> Any:
        # −x/q^1.5 for q = (x − 1)(x + 1) as −(x/q)/√q; past 1e150 (where q overflows) x² − 1 is
        # x² to rounding and the value is −1/x².
        q = (x - 1.0) * (x + 1.0)
        return m.where(x < 1e150, m.div(m.div(-x, q), m.sqrt(q)), -reciprocal_squared(x))

    # --- hypot and atan2: scaled by a power of two, so that no square overflows or underflows.
    # (a, b) = 2ᵏ·(a', b') with max(|a'|, |b'|) in [½, 1): h' = hypot(a', b') is near 1, and a
    # partial of degree −n is its value at (a', b') times 2⁻ⁿᵏ, applied last, in one rounding.

    def scaled(a: Any, b: Any) -> tuple[Any, Any, Any, Any]:
        """(a', b', h', k): (a, b) = 2ᵏ·(a', b') and h' = hypot(a', b')."""
        k = m.exponent(m.maximum(abs(a), abs(b)))
        a_, b_ = m.ldexp(a, -k), m.ldexp(b, -k)
        return a_, b_, m.hypot(a_, b_), k

    def unscale(p: Any, q: Any, denominator: Any, k: Any) -> Any:
        """p·q/denominator·2ᵏ for |p|, |q| ≤ 3, rounded once at the end: each factor is raised
        by 2³⁰⁰ first (exactly, even if subnormal), so p·q underflows only where the result does."""
        raised = m.ldexp(p, 300) * m.ldexp(q, 300)
        return m.ldexp(m.div(raised, denominator), k - 600)

    def hypot_partial(a: Any, b: Any, ans: Any) -> Any:
        a_, _, h_, _ = scaled(a, b)
        return m.where(ans == 0.0, 0.0, m.div(a_, h_))

    def hypot_second(pair: int) -> Fn:
        """y²/h³, −xy/h³, x²/h³ for the pairs (x, x), (x, y), (y, y)."""

        def rule(x: Any, y: Any, ans: Any) -> Any:
            x_, y_, h_, k = scaled(x, y)
            p, q = ((y_, y_), (x_, -y_), (x_, x_))[pair]
            return unscale(p, q, h_ * h_ * h_, -k)

        return rule

    def atan2_partial(i: int) -> Fn:
        """∂/∂y = x/h², ∂/∂x = −y/h² (the row's arguments are y, x)."""

        def rule(y: Any, x: Any, ans: Any) -> Any:
            y_, x_, h_, k = scaled(y, x)
            return unscale(x_ if i == 0 else -y_, 1.0, h_ * h_, -k)

        return rule

    def atan2_second(pair: int) -> Fn:
        """−2xy/h⁴, (y² − x²)/h⁴, 2xy/h⁴ for the pairs (y, y), (y, x), (x, x)."""

        def rule(y: Any, x: Any, ans: Any) -> Any:
            y_, x_, h_, k = scaled(y, x)
            h4 = (h_ * h_) * (h_ * h_)
            if pair == 1:
                # (y − x)(y + x): each exact in the scaled arguments where it cancels.
                return unscale(y_ - x_, y_ + x_, h4, -2 * k)
            return unscale(x_, -2.0 * y_ if pair == 0 else 2.0 * y_, h4, -2 * k)

        return rule

    # --- pow: x^(y − n) = x^y/xⁿ. Where y − n is exact, powi(x, y − n) is the accurate form
    # (and exact for small integer powers); where it rounds (y = 0.3), ln x multiplies the
    # rounding error (hundreds of ulp at x = 1e-300), and the output x^y, if it is a normal
    # float, gives x^(y − n) from one or two divisions instead.

    def rounds_minus(y: Any, n: float) -> Any:
        """y − n has a rounding error (Knuth's two-sum error term is not 0)."""
        d = y - n
        back = d - y
        return (y - (d - back)) + (-n - back) != 0.0

    def normal_output(x: Any, ans: Any) -> Any:
        return (abs(ans) >= TINY) & (abs(ans) < INF) & (x != 0.0)

    def pow_power(x: Any, y: Any, ans: Any) -> Any:
        """x^(y − 1)."""
        by_division = normal_output(x, ans) & rounds_minus(y, 1.0)
        return m.where(by_division, m.div(ans, x), m.powi(x, y - 1.0))

    def pow_dx(x: Any, y: Any, ans: Any) -> Any:
        # y·x^(y − 1), or (y·x^y)/x: y first, lest x^y/x overflow at a subnormal x and a tiny y
        # (y·x^y cannot overflow where the result does not: x^y normal and huge y mean x ≈ 1).
        by_division = normal_output(x, ans) & rounds_minus(y, 1.0)
        general = m.where(by_division, m.div(y * ans, x), y * m.powi(x, y - 1.0))
        return m.where(y == 0.0, 0.0, general)

    def pow_dy(x: Any, y: Any, ans: Any) -> Any:
        # d/dy x^y = x^y ln x; at x = 0 and y > 0, x^y is identically 0 near y: the slope is 0.
        return m.where((x == 0.0) & (y > 0.0), 0.0, ans * m.log0(x))

    def pow_dxdx(x: Any, y: Any, ans: Any) -> Any:
        # y(y − 1)·x^(y − 2), with y − 1 applied first (y(y − 1) overflows at y = 1e200); where
        # y − 2 rounds, (y − 1)·(∂/∂x)/x, which also keeps y·x^(y − 2) at a subnormal x.
        by_division = normal_output(x, ans) & rounds_minus(y, 2.0)
        direct = y * ((y - 1.0) * m.powi(x, y - 2.0))
        general = m.where(by_division, (y - 1.0) * m.div(pow_dx(x, y, ans), x), direct)
        return m.where((y == 0.0) | (y == 1.0), 0.0, general)

    def pow_dxdy(x: Any, y: Any, ans: Any) -> Any:
        # d/dy (y x^(y-1)) = x^(y-1) (1 + y ln x); 0, not 0·∞, where x^(y-1) underflows and
        # y ln x overflows.
        power = pow_power(x, y, ans)
        zero = (power == 0.0) | ((x == 0.0) & (y > 1.0))
        general = m.where(zero, 0.0, power * (1.0 + y * m.log0(x)))
        return m.where(y == 0.0, m.div(1.0, x), general)

    def pow_dydy(x: Any, y: Any, ans: Any) -> Any:
        lx = m.log0(x)
        return m.where((x == 0.0) & (y > 0.0), 0.0, ans * lx * lx)

    return (
        # --- arithmetic operators ---
        _prim(
            "neg", lambda x: -x, (lambda x, a: -1.0,), (_zero,), "−{0}", ("−1",), kind="operator"
        ),
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
            (lambda x, y, a: m.div(1.0, y), lambda x, y, a: m.div(-a, y)),
            # −(1/y)² and 2·(x/y)/y/y: y·y underflows to 0 at |y| = 1e-170 where 1/y² is finite.
            (
                _zero,
                lambda x, y, a: -reciprocal_squared(y),
                lambda x, y, a: 2.0 * m.div(m.div(a, y), y),
            ),
            "{0} / {1}",
            ("1/{1}", "−{0}/{1}²"),
            domain="a nonzero divisor",
            kind="operator",
        ),
        _prim(
            "pow",
            m.pow,
            (pow_dx, pow_dy),
            (pow_dxdx, pow_dxdy, pow_dydy),
            "{0}^{1}",
            ("{1}·{0}^({1} − 1)", "{0}^{1}·ln {0}"),
            domain="x > 0, or x = 0 with y ≥ 0, or x < 0 with an integer y",
        ),
        # --- exponentials and logarithms ---
        _prim("exp", m.exp, (_output,), (lambda x, a: a,), "exp {0}", ("exp {0}",)),
        _prim(
            "log",
            m.log,
            (lambda x, a: m.div(1.0, x),),
            (lambda x, a: -reciprocal_squared(x),),
            "ln {0}",
            ("1/{0}",),
            domain="x > 0",
        ),
        _prim(
            "log2",
            m.log2,
            (lambda x, a: m.div(1.0, x) / LN2,),
            (lambda x, a: -reciprocal_squared(x) / LN2,),
            "log2 {0}",
            ("1/({0} ln 2)",),
            domain="x > 0",
        ),
        _prim(
            "log10",
            m.log10,
            (lambda x, a: m.div(1.0, x) / LN10,),
            (lambda x, a: -reciprocal_squared(x) / LN10,),
            "log10 {0}",
            ("1/({0} ln 10)",),
            domain="x > 0",
        ),
        _prim(
            "log1p",
            m.log1p,
            (lambda x, a: m.div(1.0, 1.0 + x),),
            (lambda x, a: -reciprocal_squared(1.0 + x),),
            "log1p {0}",
            ("1/(1 + {0})",),
            domain="x > −1",
        ),
        _prim(
            "expm1",
            m.expm1,
            # eˣ, not ans + 1: expm1(x) + 1 cancels for x < 0 (every digit by x = −37).
            (of_argument(m.exp),),
            (lambda x, a: m.exp(x),),
            "expm1 {0}",
            ("exp {0}",),
        ),
        _prim(
            "sqrt",
            m.sqrt,
            (lambda x, a: m.div(0.5, a),),
            # −¼/(√x·x) as (−¼/√x)/x: x·√x is subnormal at x = 1e-206, where the result is not.
            (lambda x, a: m.div(m.div(-0.25, a), x),),
            "√{0}",
            ("1/(2√{0})",),
            domain="x ≥ 0",
        ),
        _prim(
            "cbrt",
            m.cbrt,
            # x^(−2/3) as ∛x/x (one rounding of ∛x, not two in ∛x²), except at 0 where it is ∞.
            (lambda x, a: m.where(x == 0.0, m.div(1.0, 3.0 * a * a), m.div(a, x) / 3.0),),
            (
                lambda x, a: m.where(
                    x == 0.0,
                    m.div(-2.0, 9.0 * a * a * a * a * a),
                    m.div(m.div(a, x), x) * (-2.0 / 9.0),
                ),
            ),
            "∛{0}",
            ("1/(3∛{0}²)",),
        ),
        # --- trigonometric ---
        _prim("sin", m.sin, (of_argument(m.cos),), (lambda x, a: -a,), "sin {0}", ("cos {0}",)),
        _prim(
            "cos", m.cos, (minus_of_argument(m.sin),), (lambda x, a: -a,), "cos {0}", ("−sin {0}",)
        ),
        _prim(
            "tan",
            m.tan,
            (lambda x, a: 1.0 + a * a,),
            (lambda x, a: 2.0 * a * (1.0 + a * a),),
            "tan {0}",
            ("1 + tan² {0}",),
        ),
        _prim(
            "asin",
            m.asin,
            (lambda x, a: m.div(1.0, m.sqrt(one_minus_square(x))),),
            (lambda x, a: m.div(x, m.powi(one_minus_square(x), 1.5)),),
            "asin {0}",
            ("1/√(1 − {0}²)",),
            domain="−1 ≤ x ≤ 1",
        ),
        _prim(
            "acos",
            m.acos,
            (lambda x, a: m.div(-1.0, m.sqrt(one_minus_square(x))),),
            (lambda x, a: m.div(-x, m.powi(one_minus_square(x), 1.5)),),
            "acos {0}",
            ("−1/√(1 − {0}²)",),
            domain="−1 ≤ x ≤ 1",
        ),
        _prim(
            "atan",
            m.atan,
            (lambda x, a: 1.0 / (1.0 + x * x),),
            # −2·(x/(1 + x²))/(1 + x²): (1 + x²)² overflows from |x| = 1e77 on, −2/x³ not.
            (lambda x, a: -2.0 * (x / (1.0 + x * x)) / (1.0 + x * x),),
            "atan {0}",
            ("1/(1 + {0}²)",),
        ),
        _prim(
            "atan2",
            m.atan2,
            (atan2_partial(0), atan2_partial(1)),
            (atan2_second(0), atan2_second(1), atan2_second(2)),
            "atan2({0}, {1})",
            ("{1}/({0}² + {1}²)", "−{0}/({0}² + {1}²)"),
        ),
        # --- hyperbolic ---
        _prim(
            "sinh",
            m.sinh,
            (of_argument(m.cosh),),
            (lambda x, a: a,),
            "sinh {0}",
            ("cosh {0}",),
        ),
        _prim(
            "cosh",
            m.cosh,
            (of_argument(m.sinh),),
            (lambda x, a: a,),
            "cosh {0}",
            ("sinh {0}",),
        ),
        _prim(
            "tanh",
            m.tanh,
            # sech² x, not 1 − tanh² x, which cancels as tanh x → ±1 (0 from |x| ≈ 19).
            (of_argument(tanh_slope),),
            (lambda x, a: -2.0 * a * tanh_slope(x),),
            "tanh {0}",
            ("1 − tanh² {0}",),
        ),
        _prim(
            "asinh",
            m.asinh,
            # 1/h for h = hypot(1, x): 1 + x² overflows from |x| = 1e154 on.
            (lambda x, a: 1.0 / m.hypot(1.0, x),),
            (asinh_second,),
            "asinh {0}",
            ("1/√({0}² + 1)",),
        ),
        _prim(
            "acosh",
            m.acosh,
            # With s = √(x − 1)·√(x + 1): x² − 1 cancels near 1 and overflows from 1e154 on.
            (lambda x, a: m.div(1.0, acosh_root(x)),),
            (acosh_second,),
            "acosh {0}",
            ("1/√({0}² − 1)",),
            domain="x ≥ 1",
        ),
        _prim(
            "atanh",
            m.atanh,
            (lambda x, a: m.div(1.0, one_minus_square(x)),),
            (lambda x, a: m.div(2.0 * x, one_minus_square(x) * one_minus_square(x)),),
            "atanh {0}",
            ("1/(1 − {0}²)",),
            domain="−1 < x < 1",
        ),
        # --- machine learning ---
        _prim(
            "sigmoid",
            m.sigmoid,
            # σ' = σ(x)·σ(−x) and σ'' = −σ'·tanh(x/2), not σ(1 − σ) and σ'(1 − 2σ), which
            # cancel: 1 − σ is 0 from x ≈ 37 on, 1 − 2σ loses digits near 0.
            (of_argument(sigmoid_slope),),
            (lambda x, a: -sigmoid_slope(x) * m.tanh(0.5 * x),),
            "σ {0}",
            ("σ {0}·(1 − σ {0})",),
        ),
        _prim(
            "softplus",
            m.softplus,
            (lambda x, a: m.sigmoid(x),),
            (lambda x, a: sigmoid_slope(x),),
            "softplus {0}",
            ("σ {0}",),
        ),
        _prim(
            "relu",
            lambda x: m.where(x > 0.0, x, 0.0),
            # relu'(0) = 0, as in PyTorch and JAX (not the midpoint): what ML users expect.
            (lambda x, a: m.where(x > 0.0, 1.0, 0.0),),
            (_zero,),
            "relu {0}",
            ("[{0} > 0]",),
            kink=Kink(
                lambda x: x == 0.0,
                "0 from the left, 1 from the right",
                "0 (as PyTorch and JAX)",
            ),
        ),
        # --- piecewise ---
        _prim(
            "abs",
            abs,
            (lambda x, a: sign(x),),
            (_zero,),
            "|{0}|",
            ("sign {0}",),
            kink=Kink(
                lambda x: x == 0.0,
                "-1 from the left, +1 from the right",
                "0, the midpoint (as PyTorch and JAX; ForwardDiff takes 1)",
            ),
        ),
        _prim(
            "max",
            m.maximum,
            (lambda x, y, a: step(x, y), lambda x, y, a: step(y, x)),
            (_zero, _zero, _zero),
            "max({0}, {1})",
            ("H({0} − {1})", "H({1} − {0})"),
            kink=Kink(
                lambda x, y: x == y,
                "(1, 0) where the first argument wins, (0, 1) where the second does",
                "(½, ½), the midpoint (as JAX)",
            ),
        ),
        _prim(
            "min",
            m.minimum,
            (lambda x, y, a: step(y, x), lambda x, y, a: step(x, y)),
            (_zero, _zero, _zero),
            "min({0}, {1})",
            ("H({1} − {0})", "H({0} − {1})"),
            kink=Kink(
                lambda x, y: x == y,
                "(1, 0) where the first argument wins, (0, 1) where the second does",
                "(½, ½), the midpoint (as JAX)",
            ),
        ),
        _prim(
            "hypot",
            m.hypot,
            (lambda x, y, a: hypot_partial(x, y, a), lambda x, y, a: hypot_partial(y, x, a)),
            (hypot_second(0), hypot_second(1), hypot_second(2)),
            "hypot({0}, {1})",
            ("{0}/hypot({0}, {1})", "{1}/hypot({0}, {1})"),
            kink=Kink(
                lambda x, y: (x == 0.0) & (y == 0.0),
                "(cos θ, sin θ) along the ray at angle θ: no gradient at the origin",
                "(0, 0), the midpoint of the subgradients",
            ),
        ),
        # sign is the derivative of abs: with it, every derivative `diff` prints reads back in.
        _prim(
            "sign",
            sign,
            (_zero,),
            (_zero,),
            "sign {0}",
            ("0",),
            kink=Kink(
                lambda x: x == 0.0,
                "0 on either side, but sign jumps from -1 to 1: no derivative",
                "0, the slope on either side",
            ),
        ),
    )


_TABLE = build_table(ScalarMath)

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
