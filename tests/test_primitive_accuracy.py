"""Every first and second partial of the primitive table, against mpmath, over the whole domain.

``tests/test_primitives.py`` checks that each rule is the right derivative (central differences
at ordinary points); this module checks that it is computed without losing digits: at spread
points — ordinary values, the tails up to |x| ~ 700 and 1e±300, tiny and subnormal values,
signed zeros, the edges of each domain, and pairs of huge and tiny magnitudes for the binary
rows — each partial must be within a few ulp of the exact derivative (mpmath, 50 digits) wherever
that is a normal float, ±inf where it overflows, and within the smallest normal of it where it
is subnormal or zero. Points on kinks are left out: there the partials follow the documented
conventions (``tests/test_primitives.py`` checks those).

The tests are parametrised over ``PRIMITIVES``: a new row fails here until ``EXACT`` has its
derivatives. The NumPy table of ``--points`` is held to the scalar one at the same points.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable

import pytest
from typer.testing import CliRunner

from autodiff.cli.app import app
from autodiff.core.primitives import PRIMITIVES, Primitive

mpmath = pytest.importorskip("mpmath")
np = pytest.importorskip("numpy")

from mpmath import mp, mpf  # noqa: E402

Point = tuple[float, ...]
Exact = Callable[..., object]  # mpf arguments -> mpf, or None where the derivative is undefined

DIGITS = 50
ULPS = 4  # the default bound, wherever the exact derivative is a normal float
TINY = 2.2250738585072014e-308  # the smallest normal float
SUBNORMAL = 5e-324

# --- exact derivatives, in forms that cancel nothing at 50 digits ----------------------------


def _sigmoid_slope(x: object) -> object:
    # σ'(x) = σ(x)·σ(−x) = 1/(2 + 2 cosh x): no 1 − σ, which 50 digits lose at x = 700.
    return 1 / (2 + 2 * mp.cosh(x))


def _real_cbrt(x: object) -> object:
    return mp.sign(x) * mp.root(abs(x), 3)


def _real_log(x: object) -> object:
    """ln x, or None where it is not real (x^y for x < 0 has no real derivative in y)."""
    return None if x < 0 else mp.log(x)


def _power(x: object, y: object) -> object:
    """x^y; where |y ln |x|| > 10⁴ (far outside the floats) 2^±100000 with x^y's sign instead,
    which mpmath would take seconds to reduce and which rounds to the same float (0 or ±inf)."""
    if x != 0 and abs(y * mp.log(abs(x))) > 10_000:
        magnitude = mpf(2) ** (100_000 if y * mp.log(abs(x)) > 0 else -100_000)
        return -magnitude if x < 0 and y % 2 == 1 else magnitude
    return x**y


def _pow_dy(x: object, y: object) -> object:
    lx = _real_log(x)
    return None if lx is None else _power(x, y) * lx


def _pow_dxdy(x: object, y: object) -> object:
    lx = _real_log(x)
    return None if lx is None else _power(x, y) / x * (1 + y * lx)


def _pow_dydy(x: object, y: object) -> object:
    lx = _real_log(x)
    return None if lx is None else _power(x, y) * lx * lx


def _one(*_: object) -> object:
    return mpf(1)


def _zero(*_: object) -> object:
    return mpf(0)


def _r2(y: object, x: object) -> object:
    return x * x + y * y


def _hypot(x: object, y: object) -> object:
    return mp.sqrt(x * x + y * y)


# name -> (first partials, second partials in the table's order (00,) or (00, 01, 11)).
EXACT: dict[str, tuple[tuple[Exact, ...], tuple[Exact, ...]]] = {
    "neg": ((lambda x: mpf(-1),), (_zero,)),
    "add": ((_one, _one), (_zero, _zero, _zero)),
    "sub": ((_one, lambda x, y: mpf(-1)), (_zero, _zero, _zero)),
    "mul": ((lambda x, y: y, lambda x, y: x), (_zero, _one, _zero)),
    "div": (
        (lambda x, y: 1 / y, lambda x, y: -x / y**2),
        (_zero, lambda x, y: -1 / y**2, lambda x, y: 2 * x / y**3),
    ),
    "pow": (
        # x^y/x, not x^(y − 1): y − 1 = 1e100 − 1 is not exact even at 50 digits.
        (lambda x, y: y * _power(x, y) / x, _pow_dy),
        (lambda x, y: y * (y - 1) * _power(x, y) / x**2, _pow_dxdy, _pow_dydy),
    ),
    "exp": ((mp.exp,), (mp.exp,)),
    "log": ((lambda x: 1 / x,), (lambda x: -1 / x**2,)),
    "log2": ((lambda x: 1 / (x * mp.ln2),), (lambda x: -1 / (x**2 * mp.ln2),)),
    "log10": ((lambda x: 1 / (x * mp.ln10),), (lambda x: -1 / (x**2 * mp.ln10),)),
    "log1p": ((lambda x: 1 / (1 + x),), (lambda x: -1 / (1 + x) ** 2,)),
    "expm1": ((mp.exp,), (mp.exp,)),
    "sqrt": ((lambda x: 1 / (2 * mp.sqrt(x)),), (lambda x: -1 / (4 * x * mp.sqrt(x)),)),
    "cbrt": (
        (lambda x: 1 / (3 * _real_cbrt(x) ** 2),),
        (lambda x: -2 / (9 * _real_cbrt(x) ** 5),),
    ),
    "sin": ((mp.cos,), (lambda x: -mp.sin(x),)),
    "cos": ((lambda x: -mp.sin(x),), (lambda x: -mp.cos(x),)),
    "tan": ((lambda x: mp.sec(x) ** 2,), (lambda x: 2 * mp.tan(x) * mp.sec(x) ** 2,)),
    "asin": ((lambda x: 1 / mp.sqrt(1 - x * x),), (lambda x: x / (1 - x * x) ** 1.5,)),
    "acos": ((lambda x: -1 / mp.sqrt(1 - x * x),), (lambda x: -x / (1 - x * x) ** 1.5,)),
    "atan": ((lambda x: 1 / (1 + x * x),), (lambda x: -2 * x / (1 + x * x) ** 2,)),
    "atan2": (
        (lambda y, x: x / _r2(y, x), lambda y, x: -y / _r2(y, x)),
        (
            lambda y, x: -2 * x * y / _r2(y, x) ** 2,
            lambda y, x: (y * y - x * x) / _r2(y, x) ** 2,
            lambda y, x: 2 * x * y / _r2(y, x) ** 2,
        ),
    ),
    "sinh": ((mp.cosh,), (mp.sinh,)),
    "cosh": ((mp.sinh,), (mp.cosh,)),
    "tanh": ((lambda x: mp.sech(x) ** 2,), (lambda x: -2 * mp.tanh(x) * mp.sech(x) ** 2,)),
    "asinh": ((lambda x: 1 / mp.sqrt(1 + x * x),), (lambda x: -x / (1 + x * x) ** 1.5,)),
    "acosh": ((lambda x: 1 / mp.sqrt(x * x - 1),), (lambda x: -x / (x * x - 1) ** 1.5,)),
    "atanh": ((lambda x: 1 / (1 - x * x),), (lambda x: 2 * x / (1 - x * x) ** 2,)),
    "sigmoid": (
        (_sigmoid_slope,),
        (lambda x: -_sigmoid_slope(x) * mp.tanh(x / 2),),
    ),
    "softplus": ((lambda x: 1 / (1 + mp.exp(-x)),), (_sigmoid_slope,)),
    "relu": ((lambda x: mpf(1) if x > 0 else mpf(0),), (_zero,)),
    "abs": ((mp.sign,), (_zero,)),
    "sign": ((_zero,), (_zero,)),
    "max": (
        (lambda x, y: mpf(x > y), lambda x, y: mpf(y > x)),
        (_zero, _zero, _zero),
    ),
    "min": (
        (lambda x, y: mpf(x < y), lambda x, y: mpf(y < x)),
        (_zero, _zero, _zero),
    ),
    "hypot": (
        (lambda x, y: x / _hypot(x, y), lambda x, y: y / _hypot(x, y)),
        (
            lambda x, y: y * y / _hypot(x, y) ** 3,
            lambda x, y: -x * y / _hypot(x, y) ** 3,
            lambda x, y: x * x / _hypot(x, y) ** 3,
        ),
    ),
}

# Points where a row's partials follow a documented convention rather than the limit, besides
# its kink: x^y at x = 0 (∂/∂y is taken as 0 there, and ∂/∂x is a one-sided limit).
CONVENTIONS: dict[str, Callable[..., bool]] = {"pow": lambda x, y: x == 0.0}

# Partials that are a sum whose terms may cancel at a zero of the partial that the row's inputs
# cannot avoid: a double-precision evaluation is held to ULPS ulp of the largest term there.
# ∂²(x^y)/∂x∂y = x^(y−1)·(1 + y ln x) is 0 on y ln x = −1; near that curve 1 + y ln x keeps only
# the digits of ln x beyond its leading ones (0.5 ulp of y ln x is 11 ulp of the sum at (3, −1)).
LARGEST_TERM: dict[tuple[str, str], Exact] = {
    ("pow", "∂²/∂arg0∂arg1"): lambda x, y: abs(_power(x, y) / x * y * mp.log(x)) if x > 0 else None,
}

# --- the points ----------------------------------------------------------------------------------

_ONE_MINUS = 1.0 - 2.0**-53  # the float just below 1
_MAGNITUDES = (
    SUBNORMAL,
    1e-320,
    TINY,
    1e-300,
    1e-200,
    1e-160,
    1e-155,
    1.4e-154,  # x² is subnormal below 1.49e-154, where 1/x² is still a normal float
    1e-100,
    1e-20,
    1e-8,
    1e-5,
    0.1,
    0.3,
    0.5,
    1.0,
    1.5,
    2.0,
    2.5,
    3.0,
    5.0,
    10.0,
    20.0,
    30.0,
    40.0,
    100.0,
    300.0,
    700.0,
    709.0,
    710.0,
    745.0,
    1e5,
    1e10,
    1e20,
    1e77,
    1e100,
    1e154,
    1e155,
    1e200,
    1e300,
    1.7e308,
)
# The edges of the domains: ±1 for asin, acos, atanh; 1 for acosh; −1 for log1p; π/2 for tan.
_EDGES = (
    _ONE_MINUS,
    1.0 - 2.0**-52,
    1.0 - 1e-10,
    1.0 - 1e-5,
    1.0 + 2.0**-52,
    1.0 + 1e-10,
    1.0 + 1e-5,
    -1.0 + 2.0**-53,
    -1.0 + 1e-10,
    -1.0 + 1e-5,
    math.pi / 2,
    math.nextafter(math.pi / 2, 0.0),
    -math.pi / 2,
    math.pi,
    0.7,
    0.99,
    -0.99,
)
UNARY_POINTS: tuple[Point, ...] = (
    *((s * v,) for v in (*_MAGNITUDES, *_EDGES) for s in (1.0, -1.0)),
    (0.0,),
    (-0.0,),
)

_PAIR_MAGNITUDES = (
    0.0,
    SUBNORMAL,
    1e-320,
    1e-310,
    1e-300,
    1e-200,
    1e-100,
    1e-20,
    1e-8,
    1e-5,
    0.3,
    1.0,
    2.5,
    3.0,
    1e5,
    1e20,
    1e100,
    1e200,
    1e300,
    1.7e308,
)
_SIGNED = tuple(s * v for v in _PAIR_MAGNITUDES for s in (1.0, -1.0))
BINARY_POINTS: tuple[Point, ...] = tuple(itertools.product(_SIGNED, repeat=2))


def _value(primitive: Primitive, args: Point) -> float | None:
    """The row's value, or None outside its domain or where the value itself overflows."""
    try:
        ans = primitive.value(*args)
    except (ArithmeticError, ValueError):
        return None
    return ans if math.isfinite(ans) else None


def sweep_points(primitive: Primitive) -> list[Point]:
    """The points of the sweep inside the row's domain, off its kink and its conventions."""
    candidates = UNARY_POINTS if primitive.arity == 1 else BINARY_POINTS
    return [
        p
        for p in candidates
        if _value(primitive, p) is not None and not _on_kink(primitive.name, p)
    ]


def _on_kink(name: str, args: Point) -> bool:
    """On the row's kink, or at a point where its partials follow a convention."""
    kink = PRIMITIVES[name].kink
    convention = CONVENTIONS.get(name)
    return bool(
        (kink is not None and kink.at(*args)) or (convention is not None and convention(*args))
    )


# --- the comparison --------------------------------------------------------------------------


def _exact(rule: Exact, args: Point) -> object:
    """The exact derivative at the float arguments, or None where it is undefined or infinite.
    (Called with mpmath at ``DIGITS``.)"""
    try:
        value = rule(*(mpf(a) for a in args))
    except (ZeroDivisionError, ValueError):
        return None
    if value is None or not mp.isfinite(value):
        return None
    assert not isinstance(value, mpmath.mpc), f"complex reference {value} at {args}"
    return +value


def disagreement(got: float, exact: object, ulps: int, largest: object = None) -> str | None:
    """Why ``got`` is not an acceptable float for the exact derivative, or None if it is.

    ``largest``, if given, is the largest term of a sum that cancels to ``exact``: the error is
    then measured in ulp of that term where it exceeds the result. (Called with mpmath at
    ``DIGITS``.)
    """
    want = float(exact)  # correctly rounded; ±inf beyond the largest float
    if math.isnan(got):
        return f"nan, exact {want!r}"
    if abs(exact) < TINY:
        # Subnormal or zero: only an absolute error is meaningful.
        return None if abs(mpf(got) - exact) <= TINY else f"{got!r}, exact {want!r}"
    if math.isinf(want):
        return None if got == want else f"{got!r}, exact overflows to {want!r}"
    scale = max(abs(want), float(largest)) if largest is not None else want
    error = abs(mpf(got) - exact) / math.ulp(scale) if math.isfinite(got) else math.inf
    return None if error <= ulps else f"{got!r}, exact {want!r} ({float(error):.3g} ulp)"


def partial_rules(primitive: Primitive) -> list[tuple[str, Callable[..., float], Exact]]:
    """(label, the table's rule, the exact derivative) for every first and second partial."""
    firsts, seconds = EXACT[primitive.name]
    labels = [f"∂/∂arg{i}" for i in range(primitive.arity)]
    pairs = [(i, j) for i in range(primitive.arity) for j in range(i, primitive.arity)]
    labels += [f"∂²/∂arg{i}∂arg{j}" for i, j in pairs]
    rules = (*primitive.partials, *primitive.second)
    return list(zip(labels, rules, (*firsts, *seconds)))


def inaccurate_partials(primitive: Primitive, points: list[Point], ulps: int) -> list[str]:
    with mp.workdps(DIGITS):
        return _inaccurate_partials(primitive, points, ulps)


def _inaccurate_partials(primitive: Primitive, points: list[Point], ulps: int) -> list[str]:
    found = []
    for args in points:
        ans = primitive.value(*args)
        for label, rule, exact_rule in partial_rules(primitive):
            exact = _exact(exact_rule, args)
            if exact is None:
                continue
            term = LARGEST_TERM.get((primitive.name, label))
            largest = _exact(term, args) if term is not None else None
            why = disagreement(rule(*args, ans), exact, ulps, largest)
            if why is not None:
                found.append(f"{primitive.name} {label} at {args}: {why}")
    return found


# --- the sweep -----------------------------------------------------------------------------------


def test_every_row_has_exact_derivatives() -> None:
    assert sorted(EXACT) == sorted(PRIMITIVES)
    for name, (firsts, seconds) in EXACT.items():
        arity = PRIMITIVES[name].arity
        assert (len(firsts), len(seconds)) == (arity, arity * (arity + 1) // 2), name


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_exact_derivatives_are_derivatives_of_the_value(name: str) -> None:
    """The references themselves, against mpmath's numerical differentiation of the value."""
    primitive = PRIMITIVES[name]
    ordinary = (0.3, -0.45, 0.6, 1.7, 2.5)
    candidates = itertools.product(ordinary, repeat=primitive.arity)
    defined = [p for p in candidates if _value(primitive, p) is not None and not _on_kink(name, p)]
    points = defined[::4]  # a few, spread: mp.diff at 50 digits is slow
    assert points, name
    firsts, seconds = EXACT[name]
    with mp.workdps(DIGITS):
        for args in points:
            at = [mpf(a) for a in args]
            for exact, order in zip((*firsts, *seconds), _orders(primitive.arity)):
                numeric = mp.diff(lambda *xs: _mp_value(name, xs), at, order)
                assert abs(exact(*at) - numeric) <= mpf("1e-20") * (1 + abs(numeric)), (
                    name,
                    args,
                    order,
                )


def _orders(arity: int) -> list[tuple[int, ...]]:
    """mp.diff's orders for the first partials, then the second in the table's order."""
    firsts = [tuple(int(k == i) for k in range(arity)) for i in range(arity)]
    seconds = [
        tuple(int(k == i) + int(k == j) for k in range(arity))
        for i in range(arity)
        for j in range(i, arity)
    ]
    return firsts + seconds


def _mp_value(name: str, xs: tuple[object, ...]) -> object:
    """The row's value in mpmath (for checking the references only)."""
    x = xs[0]
    y = xs[1] if len(xs) > 1 else None
    values: dict[str, Callable[[], object]] = {
        "neg": lambda: -x,
        "add": lambda: x + y,
        "sub": lambda: x - y,
        "mul": lambda: x * y,
        "div": lambda: x / y,
        "pow": lambda: x**y,
        "log2": lambda: mp.log(x, 2),
        "log10": lambda: mp.log10(x),
        "cbrt": lambda: _real_cbrt(x),
        "atan2": lambda: mp.atan2(x, y),
        "sigmoid": lambda: 1 / (1 + mp.exp(-x)),
        "softplus": lambda: mp.log(1 + mp.exp(x)),
        "relu": lambda: x if x > 0 else 0 * x,
        "abs": lambda: abs(x),
        "sign": lambda: mp.sign(x),
        "max": lambda: max(x, y),
        "min": lambda: min(x, y),
        "hypot": lambda: mp.hypot(x, y),
    }
    return values[name]() if name in values else getattr(mp, name)(x)


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_partials_are_accurate_over_the_whole_domain(name: str) -> None:
    primitive = PRIMITIVES[name]
    points = sweep_points(primitive)
    assert len(points) >= 20, name
    assert inaccurate_partials(primitive, points, ULPS) == []


def test_the_sweep_catches_a_cancelling_formula() -> None:
    """sigmoid' as a(1 − a), the textbook form, loses every digit in the tail."""
    sigmoid = PRIMITIVES["sigmoid"]
    textbook = (lambda x, a: a * (1.0 - a),)
    broken = Primitive(**{**_fields(sigmoid), "partials": textbook})
    found = inaccurate_partials(broken, [(20.0,), (40.0,)], ULPS)
    assert len(found) == 2 and "exact 4.248354255291589e-18" in found[1]


def _fields(primitive: Primitive) -> dict[str, object]:
    return {f: getattr(primitive, f) for f in Primitive.__slots__}


# --- the NumPy table of --points gives the scalar table's numbers ----------------------------


def _same_float(a: float, b: float) -> bool:
    """Equal, or both nan, or within one ulp (NumPy's exp, hypot, … may round one ulp otherwise
    than libm's)."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= math.ulp(max(abs(a), abs(b)))


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_batch_partials_match_scalar_partials_at_the_extremes(name: str) -> None:
    from autodiff.core.vectorized import array_table

    scalar, batch = PRIMITIVES[name], array_table()[name]
    points = sweep_points(scalar)
    columns = [np.array(column, dtype=float) for column in zip(*points)]
    # The scalar outputs for both, so that the partials are compared and not NumPy's values
    # (its tanh is 2 ulp from libm's at 0.7).
    answers = [scalar.value(*args) for args in points]
    with np.errstate(all="ignore"):
        array = np.array(answers)
        results = [rule(*columns, array) for rule in (*batch.partials, *batch.second)]
    found = []
    for k, args in enumerate(points):
        for label_rule, result in zip(partial_rules(scalar), results):
            label, rule, _ = label_rule
            want = rule(*args, answers[k])
            got = float(np.broadcast_to(result, array.shape)[k])
            if not _same_float(got, want):
                found.append(f"{label} at {args}: batch {got!r}, scalar {want!r}")
    assert found == []


def test_a_batch_in_the_tails_gives_the_single_point_numbers() -> None:
    """--points at extreme points: the same Jacobian as one call per point, to an ulp."""
    from autodiff.core.records import compute, record
    from autodiff.core.vectorized import evaluate_batch
    from autodiff.grammar.build import parse

    graph = parse(["sigmoid(x)", "tanh(y)", "atan2(x, y)", "expm1(-abs(x))", "hypot(x, y)"])
    points = [(40.0, 20.0), (-40.0, -20.0), (1e200, 1e200), (-1e-300, 1e-310), (700.0, -700.0)]
    xs, ys = (np.array(column) for column in zip(*points))
    batch = evaluate_batch("jacobian", graph, {"x": xs, "y": ys}, {})
    assert not batch.errors
    for (x, y), got in zip(points, batch.rows()):
        want = record("jacobian", compute("jacobian", graph, {"x": x, "y": y}))
        assert len(got) == len(want)
        assert all(_same_float(g, w) for g, w in zip(got, want)), (x, y, got, want)


# --- the issue's examples, through the command line --------------------------------------------

runner = CliRunner()


@pytest.mark.parametrize(
    ("expression", "at", "exact"),
    [
        # exact values from mpmath at 50 digits, rounded to the nearest float
        ("sigmoid(x)", ["x=20"], ["2.061153613941849e-09"]),
        ("sigmoid(x)", ["x=40"], ["4.248354255291589e-18"]),
        ("sigmoid(x)", ["x=-40"], ["4.248354255291589e-18"]),
        ("tanh(x)", ["x=10"], ["8.244614455767397e-09"]),
        ("tanh(x)", ["x=20"], ["1.6993417021166355e-17"]),
        ("expm1(x)", ["x=-20"], ["2.061153622438558e-09"]),
        ("atan2(x, y)", ["x=1e200", "y=1e200"], ["5e-201", "-5e-201"]),
    ],
)
def test_issue_examples_on_the_command_line(
    expression: str, at: list[str], exact: list[str]
) -> None:
    args = ["grad", expression, "-F", "json"]
    for assignment in at:
        args += ["--at", assignment]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    got = list(json.loads(result.stdout)["gradient"].values())
    with mp.workdps(DIGITS):
        for g, e in zip(got, exact):
            assert disagreement(float(g), mpf(e), ULPS) is None, (expression, at, g, e)
