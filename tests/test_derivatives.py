"""Derivative operators: Jacobians by columns and rows, JVP, VJP, Hessian and HVP."""

from __future__ import annotations

import math

import pytest

from autodiff.core.derivatives import (
    advise,
    gradient,
    hessian,
    hvp,
    jacobian,
    jvp,
    vjp,
)
from autodiff.core.errors import NonFiniteError, UsageError
from autodiff.grammar.build import parse

ROSENBROCK = "(1-x)^2 + 100*(y-x^2)^2"
NETWORK = ["tanh(1*x1+2*x2+0.5)", "tanh(3*x1+4*x2-1)"]
NETWORK_AT = {"x1": 0.1, "x2": -0.2}


def test_rosenbrock_gradient_and_hessian() -> None:
    graph = parse(ROSENBROCK)
    at = {"x": -1.2, "y": 1.0}
    assert gradient(graph, at).gradient == pytest.approx((-215.6, -88.0), rel=1e-14)
    result = hessian(graph, at)
    assert result.gradient == pytest.approx((-215.6, -88.0), rel=1e-14)
    assert result.matrix == ((1330.0, 480.0), (480.0, 200.0))
    assert result.asymmetry == 0.0
    assert hvp(graph, at, [1.0, 0.0]).product == (1330.0, 480.0)
    assert hvp(graph, at, [0.0, 1.0]).product == (480.0, 200.0)


def test_network_jacobian_forward_columns_equal_reverse_rows() -> None:
    graph = parse(NETWORK)
    forward = jacobian(graph, NETWORK_AT, "forward")
    reverse = jacobian(graph, NETWORK_AT, "reverse")
    expected = [[0.961043, 1.922086], [0.542120, 0.722827]]
    for row, want in zip(forward.matrix, expected):
        assert row == pytest.approx(want, abs=1e-6)
    assert forward.matrix == reverse.matrix
    assert len(forward.forward) == 2 and len(reverse.reverse) == 2  # n columns, m rows


def test_several_outputs_share_one_wengert_list() -> None:
    graph = parse(["x1*x2", "sin(x1)+x2", "exp(x1*x2)"])
    assert sum(node.op == "mul" for node in graph.nodes) == 1
    result = jacobian(graph, {"x1": 1.0, "x2": 2.0})
    e2 = math.exp(2.0)
    assert result.matrix == ((2.0, 1.0), (math.cos(1.0), 1.0), (2.0 * e2, e2))


def test_mode_advisor_counts_this_graph() -> None:
    wide = parse(["x1*x2*x3*x4 + sin(x1)"])  # n = 4 ≫ m = 1: reverse
    cost = advise(wide, 4)
    assert (cost.n, cost.m, cost.choice) == (4, 1, "reverse")
    assert cost.forward == 4 * cost.edges and cost.reverse == cost.edges
    tall = parse(["sin(x)", "cos(x)", "x^2", "exp(x)"])  # n = 1 ≪ m = 4: forward
    assert advise(tall, 1).choice == "forward"
    assert jacobian(tall, {"x": 0.3}).mode == "forward"
    assert jacobian(wide, {f"x{i}": 1.0 for i in range(1, 5)}).mode == "reverse"
    # --wrt shrinks n: one column of a wide function is cheaper forward
    assert jacobian(wide, {f"x{i}": 1.0 for i in range(1, 5)}, wrt=["x2"]).mode == "forward"


def test_jvp_and_vjp_are_products_with_the_jacobian() -> None:
    graph = parse(NETWORK)
    J = jacobian(graph, NETWORK_AT).matrix
    u, w = [0.3, -1.7], [2.0, 0.5]
    Ju = jvp(graph, NETWORK_AT, u).product
    wJ = vjp(graph, NETWORK_AT, w).product
    for k in range(2):
        assert Ju[k] == pytest.approx(sum(J[k][j] * u[j] for j in range(2)), rel=1e-14)
    for j in range(2):
        assert wJ[j] == pytest.approx(sum(w[k] * J[k][j] for k in range(2)), rel=1e-14)
    # the dot-product identity ⟨w, J·u⟩ = ⟨Jᵀ·w, u⟩
    lhs = sum(a * b for a, b in zip(w, Ju))
    rhs = sum(a * b for a, b in zip(wJ, u))
    assert lhs == pytest.approx(rhs, rel=1e-14)


def test_wrt_holds_the_other_inputs_constant() -> None:
    graph = parse("x1 + sqrt(x2)")
    at = {"x1": 1.0, "x2": 0.0}
    assert gradient(graph, at, wrt=["x1"]).gradient == (1.0,)
    with pytest.raises(NonFiniteError):
        gradient(graph, at)
    result = hessian(parse("x^2*y^3"), {"x": 2.0, "y": 1.0}, wrt=["y"])
    assert result.matrix == ((24.0,),)
    assert jacobian(parse(["x*y", "y"]), {"x": 2.0, "y": 3.0}, wrt=["y", "x"]).matrix == (
        (2.0, 3.0),
        (1.0, 0.0),
    )


def test_hessian_of_every_binary_primitive_is_symmetric() -> None:
    at = {"x": 0.7, "y": 1.3}
    for text in ["atan2(x, y)", "hypot(x, y)", "x^y", "x/y", "x*y", "max(x,y)*x*y"]:
        result = hessian(parse(text), at)
        (_, b), (c, _) = result.matrix
        assert b == pytest.approx(c, rel=1e-13, abs=1e-15), text


def test_hessian_matches_differences_of_the_gradient() -> None:
    graph = parse("exp(x*y) * sin(x + y^2) / (1 + x^2)")
    at = {"x": 0.4, "y": -0.8}
    h = 1e-6
    result = hessian(graph, at)
    for j, name in enumerate(graph.input_names):
        plus = gradient(graph, {**at, name: at[name] + h}).gradient
        minus = gradient(graph, {**at, name: at[name] - h}).gradient
        column = [(p - m) / (2 * h) for p, m in zip(plus, minus)]
        for i in range(2):
            assert result.matrix[i][j] == pytest.approx(column[i], rel=1e-6, abs=1e-8)


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: gradient(parse("x"), {"x": 1.0}, wrt=["z"]), "z is not a variable"),
        (lambda: gradient(parse("x1+x2"), {"x1": 1.0, "x2": 1.0}, wrt=["x11"]), "did you mean x1"),
        (lambda: gradient(parse(["x", "x^2"]), {"x": 1.0}), "one expression, got 2"),
        (lambda: hessian(parse(["x", "x^2"]), {"x": 1.0}), "a Hessian needs one expression"),
        (
            lambda: jvp(parse("x*y"), {"x": 1.0, "y": 1.0}, [1.0]),
            "1 number, but the function has 2",
        ),
        (lambda: vjp(parse(["x", "y"]), {"x": 1.0, "y": 1.0}, [1.0, 2.0, 3.0]), "2 outputs"),
        (lambda: hvp(parse("x*y"), {"x": 1.0, "y": 1.0}, [1.0, 2.0, 3.0]), "3 numbers"),
    ],
)
def test_operator_usage_errors(call, fragment: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match=fragment):
        call()


def test_infinite_second_derivative_is_reported() -> None:
    with pytest.raises(NonFiniteError, match="second partial"):
        hessian(parse("x^1.5 + y"), {"x": 0.0, "y": 1.0})


@pytest.mark.parametrize("text", ["x2*sqrt(x1)", "sqrt(x1*x2)", "x1*atan2(x2, x3)"])
def test_zero_times_infinite_partial_is_zero_in_both_modes(text: str) -> None:
    # Along every axis through the origin these functions are constant, so each partial is 0;
    # 0·∞ = 0 in both sweeps keeps the modes in agreement (found by the property tests).
    graph = parse(text)
    at = dict.fromkeys(graph.input_names, 0.0)
    forward = gradient(graph, at, "forward").gradient
    reverse = gradient(graph, at, "reverse").gradient
    assert forward == reverse == (0.0,) * graph.n_inputs
