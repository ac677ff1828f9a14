"""The complex versions of the primitives: one per row of the table, equal to the real
primitive on real arguments, and giving its partials by the complex step."""

from __future__ import annotations

import pytest
from test_primitives import CASES, _case_id

from autodiff.core.complex_step import COMPLEX, STEP, jacobian, obstacle
from autodiff.core.derivatives import gradient
from autodiff.core.primitives import PRIMITIVES
from autodiff.grammar.build import parse

ANALYTIC_CASES = [case for case in CASES if COMPLEX[case[0]] is not None]


def test_every_primitive_has_a_complex_version_or_is_marked_not_analytic() -> None:
    assert set(COMPLEX) == set(PRIMITIVES), "a primitive needs an entry in COMPLEX (or None)"
    assert {name for name, f in COMPLEX.items() if f is None} == {
        "abs",
        "relu",
        "max",
        "min",
        "hypot",
        "sign",
    }


@pytest.mark.parametrize("case", ANALYTIC_CASES, ids=_case_id)
def test_complex_version_equals_the_real_one(case: tuple[str, tuple[float, ...]]) -> None:
    name, point = case
    value = COMPLEX[name](*(complex(x) for x in point))  # type: ignore[misc]
    assert value.real == pytest.approx(PRIMITIVES[name].value(*point), rel=1e-14, abs=1e-300)
    assert value.imag == 0.0


@pytest.mark.parametrize("case", ANALYTIC_CASES, ids=_case_id)
def test_complex_step_gives_the_tables_partials(case: tuple[str, tuple[float, ...]]) -> None:
    name, point = case
    primitive = PRIMITIVES[name]
    value = primitive.value(*point)
    for k in range(primitive.arity):
        args = [complex(x) for x in point]
        args[k] += complex(0.0, STEP)
        derivative = COMPLEX[name](*args).imag / STEP  # type: ignore[misc]
        expected = primitive.partials[k](*point, value)
        assert derivative == pytest.approx(expected, rel=1e-13, abs=1e-300), (name, k)


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ("log(x1)+x1*x2-sin(x2)", {"x1": 2.0, "x2": 5.0}),
        ("(x - 3)^101", {"x": 1.0}),  # a negative base to a large odd power
        # ∂/∂y is expm1(x) + log1p(x): their real parts must keep every digit near 0.
        ("expm1(x) * y + log1p(x) * y", {"x": 1e-12, "y": 3.0}),
        ("atan2(y, x)", {"x": -1.0, "y": -1e-3}),  # across the quadrants
        ("atan2(y, x)", {"x": 0.0, "y": 2.0}),
        ("sqrt(x)", {"x": 1e-20}),  # a step far below the input's scale
        ("softplus(x) + sigmoid(-x)", {"x": -40.0}),
        ("cbrt(x)", {"x": -8.0}),
    ],
)
def test_complex_step_of_whole_functions(text: str, at: dict[str, float]) -> None:
    graph = parse(text)
    expected = gradient(graph, at).gradient
    point = [at[n] for n in graph.input_names]
    (row,) = jacobian(graph, point, range(graph.n_inputs))
    assert row == pytest.approx(expected, rel=1e-13)


def test_a_kink_on_the_path_is_named() -> None:
    graph = parse("sin(x) + abs(y)")
    blocker = obstacle(graph, [1])
    assert blocker is not None and blocker.op == "abs" and blocker.text == "v₂ = |v₀|"
    # Differentiating with respect to x only, abs(y) is a constant: the step is allowed.
    assert obstacle(graph, [0]) is None
    (row,) = jacobian(graph, [0.5, -2.0], [0])
    assert row == pytest.approx(gradient(graph, {"x": 0.5, "y": -2.0}, wrt=["x"]).gradient)
