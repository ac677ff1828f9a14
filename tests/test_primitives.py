"""Every row of the primitive table, checked on its own.

The tests are parametrised over ``PRIMITIVES``, so a new row is picked up without editing this
file. What a new row may need here:

- a reference for its value in ``REFERENCES`` (a test fails until it has one);
- sample points in ``SPECIAL_POINTS`` if its domain is not all real numbers, or if the default
  points sit on a kink;
- a spelling in ``OPERATOR_SYNTAX`` if it is an operator rather than a function.

Partials are checked against central differences of ``value``, second partials against central
differences of the first partials; the harness itself is checked on deliberately broken rows.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import operator
import string
from collections.abc import Callable, Sequence

import pytest

from autodiff.core.derivatives import evaluate, gradient
from autodiff.core.primitives import PRIMITIVES, Primitive, lookup_function
from autodiff.grammar.build import parse

Point = tuple[float, ...]

# --- sample points ------------------------------------------------------------------------

UNARY_DEFAULT: tuple[Point, ...] = ((-1.3,), (0.4,), (2.1,))
BINARY_DEFAULT: tuple[Point, ...] = ((1.3, 0.7), (2.1, -0.4), (-0.8, 1.6), (-1.1, -2.3))

_POSITIVE: tuple[Point, ...] = ((0.3,), (1.7,), (4.2,))
_OPEN_UNIT: tuple[Point, ...] = ((-0.7,), (0.2,), (0.6,))

# Rows whose domain is not all real numbers, or whose default points would be unsuitable.
SPECIAL_POINTS: dict[str, tuple[Point, ...]] = {
    "log": _POSITIVE,
    "log2": _POSITIVE,
    "log10": _POSITIVE,
    "sqrt": _POSITIVE,
    "log1p": ((-0.6,), (0.4,), (2.1,)),
    "asin": _OPEN_UNIT,
    "acos": _OPEN_UNIT,
    "atanh": _OPEN_UNIT,
    "acosh": ((1.2,), (2.5,), (4.0,)),
    # A positive base keeps x^y differentiable in y as well as in x.
    "pow": ((1.3, 0.7), (2.1, -0.4), (0.6, 2.5), (1.7, 3.0)),
}


def _defined(primitive: Primitive, args: Point) -> bool:
    try:
        return math.isfinite(primitive.value(*args))
    except (ArithmeticError, ValueError):
        return False


def sample_points(primitive: Primitive) -> tuple[Point, ...]:
    """Points inside the domain and away from kinks, at least two per primitive."""
    if primitive.name in SPECIAL_POINTS:
        candidates = SPECIAL_POINTS[primitive.name]
    elif primitive.arity == 1:
        candidates = UNARY_DEFAULT
    elif primitive.arity == 2:
        candidates = BINARY_DEFAULT
    else:
        seeds = (1.3, -0.7, 2.1, 0.4, -1.6)
        candidates = tuple(
            tuple(seeds[(k + i) % len(seeds)] for i in range(primitive.arity)) for k in range(3)
        )
    return tuple(p for p in candidates if _defined(primitive, p))


CASES: list[tuple[str, Point]] = [
    (name, point) for name, primitive in PRIMITIVES.items() for point in sample_points(primitive)
]


def _case_id(case: tuple[str, Point]) -> str:
    name, point = case
    return f"{name}{point}".replace(" ", "")


# --- references for the value ----------------------------------------------------------------

# Independent formulas where one is accurate at the sample points, ``math`` otherwise.
REFERENCES: dict[str, Callable[..., float]] = {
    "neg": operator.neg,
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "pow": operator.pow,
    "exp": lambda x: math.e**x,
    "log": math.log,
    "log2": lambda x: math.log(x) / math.log(2.0),
    "log10": lambda x: math.log(x) / math.log(10.0),
    "log1p": lambda x: math.log(1.0 + x),
    "expm1": lambda x: math.exp(x) - 1.0,
    "sqrt": lambda x: x**0.5,
    "cbrt": lambda x: math.copysign(math.exp(math.log(abs(x)) / 3.0), x),
    "sin": math.sin,
    "cos": math.cos,
    "tan": lambda x: math.sin(x) / math.cos(x),
    "asin": lambda x: math.atan2(x, math.sqrt(1.0 - x * x)),
    "acos": lambda x: math.atan2(math.sqrt(1.0 - x * x), x),
    "atan": math.atan,
    "atan2": math.atan2,
    "sinh": lambda x: (math.exp(x) - math.exp(-x)) / 2.0,
    "cosh": lambda x: (math.exp(x) + math.exp(-x)) / 2.0,
    "tanh": lambda x: (math.exp(2.0 * x) - 1.0) / (math.exp(2.0 * x) + 1.0),
    "asinh": lambda x: math.log(x + math.sqrt(x * x + 1.0)),
    "acosh": lambda x: math.log(x + math.sqrt(x * x - 1.0)),
    "atanh": lambda x: 0.5 * math.log((1.0 + x) / (1.0 - x)),
    "sigmoid": lambda x: 1.0 / (1.0 + math.exp(-x)),
    "softplus": lambda x: math.log(1.0 + math.exp(x)),
    "relu": lambda x: x if x > 0.0 else 0.0,
    "abs": lambda x: x if x >= 0.0 else -x,
    "max": lambda x, y: x if x >= y else y,
    "min": lambda x, y: x if x <= y else y,
    "hypot": lambda x, y: math.sqrt(x * x + y * y),
    "sign": lambda x: math.copysign(1.0, x) if x != 0.0 else 0.0,
}

# How the grammar spells each operator-kind row ({0}, {1} are the arguments).
OPERATOR_SYNTAX: dict[str, str] = {
    "neg": "-{0}",
    "add": "{0} + {1}",
    "sub": "{0} - {1}",
    "mul": "{0} * {1}",
    "div": "{0} / {1}",
}

# --- finite differences ------------------------------------------------------------------

STEP = 1e-6
FD_REL_TOL = 1e-6
FD_ABS_TOL = 1e-8


def central_difference(f: Callable[..., float], args: Point, i: int) -> float:
    """∂f/∂args[i] by a central difference with a step scaled to the argument."""
    h = STEP * max(1.0, abs(args[i]))
    up, down = list(args), list(args)
    up[i] += h
    down[i] -= h
    return (f(*up) - f(*down)) / (up[i] - down[i])


def first_partial(primitive: Primitive, i: int) -> Callable[..., float]:
    """args ↦ ∂value/∂args[i], with ``ans`` supplied as the evaluators do."""
    return lambda *args: primitive.partials[i](*args, primitive.value(*args))


def first_partial_mismatches(primitive: Primitive, args: Point) -> list[str]:
    """Each first partial that disagrees with a central difference of ``value``."""
    ans = primitive.value(*args)
    found = []
    for i, partial in enumerate(primitive.partials):
        analytic = partial(*args, ans)
        numeric = central_difference(primitive.value, args, i)
        if not math.isclose(analytic, numeric, rel_tol=FD_REL_TOL, abs_tol=FD_ABS_TOL):
            found.append(f"∂/∂arg{i} at {args}: table {analytic!r}, central difference {numeric!r}")
    return found


def second_partial_mismatches(primitive: Primitive, args: Point) -> list[str]:
    """Each second partial that disagrees with a central difference of a first partial.

    Every ordered pair (i, j) is checked: ∂/∂args[j] of the i-th partial must match
    ``second_partial(i, j)``, so the mixed partials are compared from both sides.
    """
    ans = primitive.value(*args)
    found = []
    for i, j in itertools.product(range(primitive.arity), repeat=2):
        analytic = primitive.second_partial(i, j)(*args, ans)
        numeric = central_difference(first_partial(primitive, i), args, j)
        if not math.isclose(analytic, numeric, rel_tol=FD_REL_TOL, abs_tol=FD_ABS_TOL):
            found.append(
                f"∂²/∂arg{i}∂arg{j} at {args}: table {analytic!r}, central difference {numeric!r}"
            )
    return found


# --- structure -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_row_is_consistent(name: str) -> None:
    primitive = PRIMITIVES[name]
    assert primitive.name == name
    assert primitive.arity >= 1
    assert primitive.arity == len(primitive.partials) == len(primitive.partial_notation)
    assert len(primitive.second) == primitive.arity * (primitive.arity + 1) // 2
    assert primitive.kind in ("function", "operator")
    assert primitive.domain.strip()


def _placeholders(template: str) -> list[str]:
    return [field for _, field, _, _ in string.Formatter().parse(template) if field is not None]


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_notation_placeholders_name_arguments(name: str) -> None:
    primitive = PRIMITIVES[name]
    allowed = {str(k) for k in range(primitive.arity)}
    # The operation itself mentions every argument; partials may mention any subset.
    assert set(_placeholders(primitive.notation)) == allowed, primitive.notation
    for template in primitive.partial_notation:
        assert set(_placeholders(template)) <= allowed, template
    names = [f"a{k}" for k in range(primitive.arity)]
    for template in (primitive.notation, *primitive.partial_notation):
        assert "{" not in template.format(*names) and "}" not in template.format(*names)


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_second_partials_are_symmetric(name: str) -> None:
    primitive = PRIMITIVES[name]
    points = sample_points(primitive)
    for i, j in itertools.combinations(range(primitive.arity), 2):
        upper, lower = primitive.second_partial(i, j), primitive.second_partial(j, i)
        if upper is lower:
            continue
        for args in points:
            ans = primitive.value(*args)
            assert upper(*args, ans) == lower(*args, ans), (i, j, args)


def _constant(c: float) -> Callable[..., float]:
    return lambda *_: c


def test_second_partial_index_is_row_major_upper_triangle() -> None:
    third = dataclasses.replace(
        PRIMITIVES["add"],
        name="three",
        arity=3,
        second=tuple(_constant(float(k)) for k in range(6)),
    )
    pairs = [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)]
    assert [third.second_partial(i, j)() for i, j in pairs] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert [third.second_partial(j, i)() for i, j in pairs] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_every_row_has_enough_sample_points(name: str) -> None:
    assert len(sample_points(PRIMITIVES[name])) >= 2, (
        f"{name}: add points inside its domain to SPECIAL_POINTS"
    )


# --- value -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_every_row_has_a_reference(name: str) -> None:
    assert name in REFERENCES, f"add a reference for {name!r} to REFERENCES in this file"


def test_no_reference_without_a_row() -> None:
    assert set(REFERENCES) <= set(PRIMITIVES)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_value_matches_reference(case: tuple[str, Point]) -> None:
    name, args = case
    if name not in REFERENCES:
        pytest.fail(f"add a reference for {name!r} to REFERENCES in this file")
    got = PRIMITIVES[name].value(*args)
    expected = REFERENCES[name](*args)
    assert math.isclose(got, expected, rel_tol=1e-12, abs_tol=1e-15), (got, expected)


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("sigmoid", (-800.0,), 0.0),
        ("sigmoid", (800.0,), 1.0),
        ("softplus", (800.0,), 800.0),
        ("softplus", (-800.0,), 0.0),
        ("cbrt", (-27.0,), -3.0),
        ("cbrt", (8.0,), 2.0),
        ("pow", (-2.0, 3.0), -8.0),
        ("pow", (0.0, 0.5), 0.0),
    ],
)
def test_value_at_awkward_arguments(name: str, args: Point, expected: float) -> None:
    assert math.isclose(PRIMITIVES[name].value(*args), expected, rel_tol=1e-15, abs_tol=1e-300)


# --- derivatives -----------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_first_partials_match_central_differences(case: tuple[str, Point]) -> None:
    name, args = case
    assert first_partial_mismatches(PRIMITIVES[name], args) == []


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_second_partials_match_central_differences(case: tuple[str, Point]) -> None:
    name, args = case
    assert second_partial_mismatches(PRIMITIVES[name], args) == []


_GRID = (0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.0, -2.0, 1e-300, 1e300, -1e300)


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_partials_never_raise_where_the_value_is_defined(name: str) -> None:
    primitive = PRIMITIVES[name]
    rules = (*primitive.partials, *primitive.second)
    for args in itertools.product(_GRID, repeat=primitive.arity):
        if not _defined(primitive, args):
            continue
        ans = primitive.value(*args)
        for rule in rules:
            assert isinstance(rule(*args, ans), float), args


@pytest.mark.parametrize(
    "name", sorted(name for name, p in PRIMITIVES.items() if p.domain == "all real numbers")
)
def test_rows_for_all_real_numbers_accept_every_small_argument(name: str) -> None:
    primitive = PRIMITIVES[name]
    moderate = (0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.0, -2.0)
    for args in itertools.product(moderate, repeat=primitive.arity):
        assert math.isfinite(primitive.value(*args)), args


# --- through the parser and the sweeps ----------------------------------------------------------


def _spell(primitive: Primitive, names: Sequence[str]) -> str:
    if primitive.kind == "operator":
        assert primitive.name in OPERATOR_SYNTAX, f"add {primitive.name!r} to OPERATOR_SYNTAX"
        return OPERATOR_SYNTAX[primitive.name].format(*names)
    return f"{primitive.name}({', '.join(names)})"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_row_through_parser_and_both_modes(case: tuple[str, Point]) -> None:
    name, args = case
    primitive = PRIMITIVES[name]
    names = [f"x{k + 1}" for k in range(primitive.arity)]
    graph = parse(_spell(primitive, names))
    assert [node.op for node in graph.nodes[graph.n_inputs :]] == [name]
    at = dict(zip(names, args))
    ans = primitive.value(*args)
    assert evaluate(graph, at).value == ans
    expected = tuple(partial(*args, ans) for partial in primitive.partials)
    assert gradient(graph, at, mode="reverse").gradient == expected
    assert gradient(graph, at, mode="forward").gradient == expected


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_function_rows_are_callable_by_name(name: str) -> None:
    primitive = PRIMITIVES[name]
    if primitive.kind == "function":
        assert lookup_function(name) is primitive
    else:
        assert lookup_function(name) is None


# --- conventions at kinks -------------------------------------------------------------------


def _partials_at(name: str, *args: float) -> tuple[float, ...]:
    primitive = PRIMITIVES[name]
    ans = primitive.value(*args)
    return tuple(partial(*args, ans) for partial in primitive.partials)


def test_abs_derivative_at_zero_is_zero() -> None:
    assert _partials_at("abs", 0.0) == (0.0,)
    assert _partials_at("abs", -0.0) == (0.0,)


def test_relu_derivative_at_zero_is_zero() -> None:
    # As in PyTorch and JAX, not the midpoint that max(x, 0) takes on its tie.
    assert _partials_at("relu", 0.0) == (0.0,)
    assert _partials_at("relu", -0.0) == (0.0,)
    assert _partials_at("relu", 1e-300) == (1.0,)


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("x", [0.0, 1.5, -2.0])
def test_max_min_on_a_tie_split_evenly(name: str, x: float) -> None:
    assert _partials_at(name, x, x) == (0.5, 0.5)


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_off_the_tie_pick_the_winner(name: str) -> None:
    larger_first = (1.0, 0.0) if name == "max" else (0.0, 1.0)
    assert _partials_at(name, 2.0, 1.0) == larger_first
    assert _partials_at(name, 1.0, 2.0) == larger_first[::-1]


def test_hypot_at_the_origin_has_zero_partials() -> None:
    assert _partials_at("hypot", 0.0, 0.0) == (0.0, 0.0)


# --- domain ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("log", (-1.0,)),
        ("log", (0.0,)),
        ("log2", (-1.0,)),
        ("log10", (0.0,)),
        ("sqrt", (-4.0,)),
        ("div", (1.0, 0.0)),
        ("div", (0.0, 0.0)),
        ("pow", (-8.0, 0.5)),
        ("pow", (0.0, -1.0)),
        ("asin", (2.0,)),
        ("acos", (-1.5,)),
        ("acosh", (0.5,)),
        ("atanh", (1.0,)),
        ("atanh", (-1.0,)),
        ("log1p", (-1.0,)),
    ],
    ids=lambda value: value if isinstance(value, str) else str(value).replace(" ", ""),
)
def test_outside_the_domain_raises(name: str, args: Point) -> None:
    with pytest.raises((ValueError, ZeroDivisionError)):
        PRIMITIVES[name].value(*args)


# --- the harness can fail ---------------------------------------------------------------------


def test_harness_catches_a_wrong_first_partial() -> None:
    broken = dataclasses.replace(PRIMITIVES["sin"], partials=(lambda x, a: -math.cos(x),))
    assert first_partial_mismatches(broken, (0.4,))


def test_harness_catches_a_slightly_wrong_first_partial() -> None:
    broken = dataclasses.replace(PRIMITIVES["exp"], partials=(lambda x, a: a * (1 + 1e-5),))
    assert first_partial_mismatches(broken, (0.4,))


def test_harness_catches_a_wrong_mixed_second_partial() -> None:
    atan2 = PRIMITIVES["atan2"]
    broken = dataclasses.replace(
        atan2, second=(atan2.second[0], _negated(atan2.second[1]), atan2.second[2])
    )
    assert second_partial_mismatches(broken, (1.3, 0.7))


def test_harness_catches_swapped_second_partials() -> None:
    hypot = PRIMITIVES["hypot"]
    broken = dataclasses.replace(hypot, second=hypot.second[::-1])
    assert second_partial_mismatches(broken, (1.3, 0.7))


def _negated(f: Callable[..., float]) -> Callable[..., float]:
    return lambda *args: -f(*args)
