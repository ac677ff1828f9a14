"""The Wengert list: numbering, sharing, folding, validation, and depth without recursion."""

from __future__ import annotations

import math

import pytest
from conftest import PAPER_EXPRESSION

from autodiff.core.derivatives import evaluate, gradient
from autodiff.core.errors import LimitError
from autodiff.core.graph import INPUT, Const, Graph, Node
from autodiff.core.notation import node_text, var
from autodiff.grammar.build import parse


def listing(graph: Graph) -> list[str]:
    return [f"{var(graph, i)} = {node_text(graph, i)}" for i in range(len(graph.nodes))]


def test_paper_numbering(paper_graph: Graph) -> None:
    # Baydin et al. (2018), Table 2: plain post-order would put the sum before sin.
    assert listing(paper_graph) == [
        "v₋₁ = x1",
        "v₀ = x2",
        "v₁ = ln v₋₁",
        "v₂ = v₋₁ × v₀",
        "v₃ = sin v₀",
        "v₄ = v₁ + v₂",
        "v₅ = v₄ − v₃",
    ]
    assert paper_graph.outputs == (6,)
    assert paper_graph.input_names == ("x1", "x2")
    paper_graph.validate()


def test_inputs_in_natural_order() -> None:
    graph = parse("x10 + x2 + x1 + alpha")
    assert graph.input_names == ("alpha", "x1", "x2", "x10")


def test_shared_subexpressions_are_one_node() -> None:
    graph = parse("x*y + sin(x*y)")
    assert listing(graph) == ["v₋₁ = x", "v₀ = y", "v₁ = v₋₁ × v₀", "v₂ = sin v₁", "v₃ = v₁ + v₂"]


def test_constants_inline_and_folded() -> None:
    graph = parse("2*x + (3 - 1)^2 * pi")
    texts = listing(graph)
    assert texts[1] == "v₁ = 2 × v₀"
    # (3-1)^2*pi folds to one constant written inline in the sum
    assert texts[-1].startswith("v₂ = v₁ + 12.566")
    assert listing(parse("-3*x"))[1] == "v₁ = (-3) × v₀"


def test_signed_zero_constants_are_different_nodes() -> None:
    # Issue 13: -0.0 == 0.0 in Python, so atan2(-0, x) was shared with atan2(0, x): 2π, not 0.
    graph = parse("atan2(0,x)+atan2(-0,x)")
    assert listing(graph)[1:] == ["v₁ = atan2(0, v₀)", "v₂ = atan2((-0), v₀)", "v₃ = v₁ + v₂"]
    assert evaluate(graph, {"x": -1}).value == 0.0
    assert listing(parse("atan2(0,x)+atan2(0.0,x)"))[2] == "v₂ = v₁ + v₁"  # same bits: shared


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("atan2(-0.0, -1)", -math.pi),
        ("atan2(-0, -1)", -math.pi),  # -0 is neg(0), folded to -0.0
        ("atan2(0*-1, x)", -math.pi),  # folded products keep the sign of zero
        ("atan2(-(0), x) + atan2(0*-1, x)", -2 * math.pi),  # two -0s: one node
        ("atan2(0, x) - atan2(-0, x)", 2 * math.pi),
    ],
)
def test_folding_keeps_the_sign_of_zero(text: str, expected: float) -> None:
    assert evaluate(parse(text), {"x": -1} if "x" in text else {}).value == expected


def test_constants_are_equal_only_with_the_same_bits() -> None:
    assert Const(0.0) != Const(-0.0)
    assert Const(2.0) == Const(2.0) and hash(Const(2.0)) == hash(Const(2.0))
    assert Const(math.pi, "π") != Const(math.pi)
    nan = float("nan")
    assert Const(nan) == Const(nan) and hash(Const(nan)) == hash(Const(float("nan")))


def test_constant_expression_has_no_nodes() -> None:
    graph = parse("2^-1 + e")
    assert graph.nodes == ()
    assert isinstance(graph.outputs[0], Const)
    assert evaluate(graph, {}).value == 0.5 + 2.718281828459045


def test_power_binds_tighter_than_unary_minus_and_is_right_associative() -> None:
    assert evaluate(parse("-x^2"), {"x": 3}).value == -9.0
    assert evaluate(parse("2^3^2"), {}).value == 512.0
    assert evaluate(parse("2**-1"), {}).value == 0.5
    assert evaluate(parse("x - -x"), {"x": 1.5}).value == 3.0
    assert evaluate(parse("+x"), {"x": 1.5}).value == 1.5


def test_numbers() -> None:
    for text, value in [("3", 3.0), ("2.5", 2.5), (".5", 0.5), ("1e-3", 1e-3), ("2.", 2.0)]:
        assert evaluate(parse(text), {}).value == value


def test_validate_rejects_broken_lists() -> None:
    good = parse(PAPER_EXPRESSION)
    bad = Graph((*good.nodes[:2], Node("add", (5, 0), None, None, 1)), 2, (2,))
    with pytest.raises(ValueError, match="earlier"):
        bad.validate()
    with pytest.raises(ValueError, match="inputs must come first"):
        Graph((Node("sin", (0,), level=1), Node(INPUT, (), "x")), 1, (0,)).validate()


def test_output_may_be_an_input() -> None:
    result = gradient(parse("x"), {"x": 4.0})
    assert result.evaluation.value == 4.0
    assert result.gradient == (1.0,)


def test_max_nodes_is_enforced() -> None:
    with pytest.raises(LimitError, match="more than 10"):
        parse("+".join(f"sin(x{i})" for i in range(20)), max_nodes=10)


@pytest.mark.parametrize("n", [20_000])
def test_long_sum_does_not_recurse(n: int) -> None:
    graph = parse("+".join(f"x{i}" for i in range(n)))
    result = gradient(graph, {f"x{i}": float(i) for i in range(n)})
    assert result.evaluation.value == sum(range(n))
    assert set(result.gradient) == {1.0}


def test_deep_parentheses_and_unary_minus() -> None:
    depth = 5_000
    graph = parse("(" * depth + "x" + ")" * depth)
    assert gradient(graph, {"x": 2.0}).gradient == (1.0,)
    graph = parse("-" * depth + "sin(x)")  # 5,000 nested negations: an even count
    result = gradient(graph, {"x": 0.5}, mode="forward")
    assert result.gradient == (pytest.approx(0.8775825618903728, rel=1e-15),)
    assert len(graph.nodes) == depth + 2


@pytest.mark.slow
def test_million_term_sum() -> None:
    n = 1_000_000
    graph = parse("+".join(f"x{i % 1000}" for i in range(n)))
    result = gradient(graph, {f"x{i}": 1.0 for i in range(1000)})
    assert result.gradient == (1000.0,) * 1000
