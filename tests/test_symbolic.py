"""Symbolic derivatives: the rule of every primitive, the derivative against AD, the printer,
the light simplification, expression swell, and depth without recursion."""

from __future__ import annotations

import itertools
import math

import pytest
from conftest import PAPER_EXPRESSION, PAPER_GRADIENT, PAPER_POINT
from hypothesis import assume, example, given, reject
from strategies import (
    LIMIT,
    ORIGIN,
    SETTINGS,
    ZERO_TIMES_NAN,
    at_point,
    close,
    evaluate_or_reject,
    expressions,
    parse_or_reject,
    points,
)
from test_primitives import CASES, OPERATOR_SYNTAX, _case_id
from test_properties import _path_sums, _underflows

from autodiff.core.derivatives import gradient
from autodiff.core.errors import LimitError, MathError, UsageError
from autodiff.core.expressions import STEP_FUNCTIONS, Expressions
from autodiff.core.graph import Graph
from autodiff.core.primitives import PRIMITIVES
from autodiff.core.symbolic import GRAMMAR, RULES, differentiate, primal_terms, swell
from autodiff.grammar.build import parse

# --- the rules, row by row ---------------------------------------------------------------------


def test_every_primitive_has_a_rule_and_a_spelling() -> None:
    assert set(RULES) == set(PRIMITIVES), "a primitive needs a rule in core/symbolic.py RULES"
    for name in list(PRIMITIVES) + list(STEP_FUNCTIONS):
        assert name in GRAMMAR.spellings, name


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_rule_agrees_with_the_table(case: tuple[str, tuple[float, ...]]) -> None:
    """Each symbolic partial, evaluated, equals the table's numeric partial at sample points."""
    name, point = case
    primitive = PRIMITIVES[name]
    e = Expressions()
    args = [e.input(f"a{k}") for k in range(primitive.arity)]
    ans = e.apply(name, *args)
    partials = RULES[name](e, *args, ans)
    assert len(partials) == primitive.arity
    at = {f"a{k}": x for k, x in enumerate(point)}
    values = e.evaluate(partials, at)
    value = primitive.value(*point)
    for k, partial in enumerate(partials):
        expected = primitive.partials[k](*point, value)
        assert values[partial] == pytest.approx(expected, rel=1e-12, abs=1e-15), (name, k)


# --- the derivative against AD ---------------------------------------------------------------


def symbolic_gradient(graph: Graph, at: dict[str, float]) -> list[float]:
    derivatives = differentiate(graph)
    values = derivatives.expressions.evaluate(derivatives.roots(), at)
    return [values[t] for t in derivatives.matrix[0]]


def test_the_papers_example() -> None:
    graph = parse(PAPER_EXPRESSION)
    derivatives = differentiate(graph)
    assert [derivatives.text(0, c) for c in range(2)] == ["1/x1 + x2", "x1 - cos(x2)"]
    assert symbolic_gradient(graph, PAPER_POINT) == pytest.approx(PAPER_GRADIENT, rel=1e-15)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The lecture: σ'(x1·x2)·x2 + x2 and σ'(x1·x2)·x1 + x1, σ' = σ(1 − σ), written as
        # σ(u)·σ(−u), which does not cancel to 0 for large u.
        (
            "sigmoid(x1*x2) + x1*x2",
            [
                "sigmoid(x1*x2)*sigmoid(-x1*x2)*x2 + x2",
                "sigmoid(x1*x2)*sigmoid(-x1*x2)*x1 + x1",
            ],
        ),
        # sech² x as 4σ(2x)σ(−2x), and 1/√(y² + 1) through hypot: neither cancels nor overflows.
        ("tanh(x) + asinh(y)", ["4*sigmoid(2*x)*sigmoid(-2*x)", "1/hypot(y, 1)"]),
        ("x1^2 + x2^2", ["2*x1", "2*x2"]),  # the paraboloid
        ("x*x", ["2*x"]),
        ("x/y", ["1/y", "-x/y^2"]),
        ("cos(cos(x))", ["sin(x)*sin(cos(x))"]),  # the two minus signs cancel
        ("exp(exp(x))", ["exp(x)*exp(exp(x))"]),  # exp' reuses the value
        ("sin(x^2)", ["2*x*cos(x^2)"]),
        ("x^-1", ["-x^(-2)"]),
        ("log2(x) + pi*x", ["1/(log(2)*x) + pi"]),  # constants keep their names
        ("x*1 + 0*y + y^1", ["1", "1"]),  # ×1, +0, ×0 and ^1 disappear
        ("x - y - (x - y)", ["0", "0"]),
        (
            "abs(x) + max(x, y) + relu(y)",
            ["sign(x) + (1 + sign(x - y))/2", "(1 + sign(y - x))/2 + relu(sign(y))"],
        ),
        ("(-2)^x", ["(-2)^x*log(-2)"]),  # undefined, and left written out to say so
    ],
)
def test_derivatives_read_as_a_person_would_write_them(text: str, expected: list[str]) -> None:
    derivatives = differentiate(parse(text))
    assert [derivatives.text(0, c) for c in range(len(expected))] == expected


def test_wrt_and_several_outputs() -> None:
    derivatives = differentiate(parse(["x*y", "sin(x) + z"]), ["z", "x"])
    assert derivatives.wrt_names == ("z", "x")
    assert [[derivatives.text(k, c) for c in range(2)] for k in range(2)] == [
        ["0", "y"],
        ["1", "cos(x)"],
    ]
    entries = derivatives.entries(max_size=100)
    assert [e.symbol for e in entries] == ["∂y₁/∂z", "∂y₁/∂x", "∂y₂/∂z", "∂y₂/∂x"]


def test_errors() -> None:
    with pytest.raises(UsageError, match="no variables"):
        differentiate(parse("2 + 3"))
    with pytest.raises(UsageError, match="q is not a variable") as raised:
        differentiate(parse("x"), ["q"])
    assert raised.value.argument == "wrt"


def _moderate(*numbers: float) -> bool:
    return all(math.isfinite(v) and abs(v) <= LIMIT for v in numbers)


@SETTINGS
@given(expressions, points)
@example(ZERO_TIMES_NAN, ORIGIN)  # failed once: the tolerance from the path sums was NaN
def test_symbolic_derivative_agrees_with_reverse_mode(text: str, point: dict[str, float]) -> None:
    graph = parse_or_reject(text)
    assume(graph.n_inputs > 0)
    at = at_point(graph, point)
    try:
        result = gradient(graph, at, record=False)
    except MathError:
        reject()
    assume(_moderate(*result.evaluation.values, *result.gradient))
    assume(not _underflows(graph, result.evaluation.values))
    try:
        symbolic = symbolic_gradient(graph, at)
    except (ArithmeticError, ValueError):
        # Only where AD needed its 0·∞ = 0 convention or a special point of the table.
        reject()
    # The two add the same chain-rule products grouped differently: their rounding is bounded
    # by the sum over paths of |product of partials|, not by the gradient (which may cancel).
    for a, s, paths in zip(result.gradient, symbolic, _path_sums(result)):
        assert close(s, a, 0.0, 1e-10 * (1.0 + paths)), (text, at, a, s)


# --- the printer -------------------------------------------------------------------------------


def reprint(graph: Graph) -> list[str]:
    """Each output of the graph, rebuilt as terms and printed in the input language."""
    e = Expressions()
    terms = primal_terms(graph, e)
    return [
        e.write(terms[o] if isinstance(o, int) else e.const(o.value), GRAMMAR)
        for o in graph.outputs
    ]


@pytest.mark.parametrize(
    ("text", "printed"),
    [
        ("x^y^z", "x^y^z"),
        ("(x^y)^z", "(x^y)^z"),
        ("x - (y - z)", "x - (y - z)"),
        ("(x - y) - z", "x - y - z"),
        ("x/(y*z)", "x/(y*z)"),
        ("-(x + y)", "-(x + y)"),
        ("-(x - y)", "y - x"),
        ("2^-x", "2^(-x)"),
        ("-x^2", "-x^2"),
        ("(-x)^2", "(-x)^2"),
        ("x*(-3)", "-3*x"),
        ("atan2(x, -y)", "atan2(x, -y)"),
    ],
)
def test_printing_parenthesises_only_where_needed(text: str, printed: str) -> None:
    assert reprint(parse(text)) == [printed]


@SETTINGS
@given(expressions, points)
def test_printed_expressions_parse_back_to_the_same_values(
    text: str, point: dict[str, float]
) -> None:
    graph = parse_or_reject(text)
    evaluation = evaluate_or_reject(graph, at_point(graph, point))
    again = parse_or_reject(reprint(graph)[0])
    assume(again.n_inputs == graph.n_inputs)  # simplification may cancel a variable (x - x)
    other = evaluate_or_reject(again, at_point(again, point))
    assume(_moderate(evaluation.value, other.value))
    assert other.value == pytest.approx(evaluation.value, rel=1e-12, abs=1e-12)


def test_a_printed_derivative_is_valid_input() -> None:
    text = differentiate(parse("atan2(x, y) * tanh(x*y) / (1 + x^2)")).text(0, 0)
    again = parse(text)
    at = {"x": 0.3, "y": -1.7}
    symbolic = symbolic_gradient(parse("atan2(x, y) * tanh(x*y) / (1 + x^2)"), at)[0]
    assert gradient(again, at).evaluation.value == pytest.approx(symbolic, rel=1e-14)


def test_operator_rows_print_as_the_grammar_spells_them() -> None:
    for syntax in OPERATOR_SYNTAX.values():
        graph = parse(syntax.format("a", "b"))
        assert reprint(graph) == [syntax.format("a", "b").replace(" * ", "*").replace(" / ", "/")]


# --- simplification ----------------------------------------------------------------------------


def test_simplification_rules() -> None:
    e = Expressions()
    x, y = e.input("x"), e.input("y")
    zero, one, two = e.const(0.0), e.const(1.0), e.const(2.0)
    assert e.mul(x, zero) == zero and e.mul(one, x) == x and e.add(zero, x) == x
    assert e.sub(x, zero) == x and e.div(x, one) == x and e.pow(x, one) == x
    assert e.neg(e.neg(x)) == x
    assert e.add(x, x) == e.mul(two, x)
    assert e.mul(two, e.mul(e.const(3.0), x)) == e.mul(e.const(6.0), x)
    assert e.add(x, e.neg(y)) == e.sub(x, y)
    assert e.mul(x, e.div(one, y)) == e.div(x, y)
    assert e.add(two, e.const(3.0)) == e.const(5.0)
    # A constant that is undefined stays written out; evaluating it reports the problem.
    undefined = e.apply("log", e.const(-1.0))
    assert e.write(undefined, GRAMMAR) == "log(-1)"
    with pytest.raises(ValueError):
        e.evaluate([undefined], {})


def test_sharing_is_hash_consing() -> None:
    e = Expressions()
    x = e.input("x")
    assert e.apply("sin", x) == e.apply("sin", x)
    assert len(e.terms) == 2


# --- swell -------------------------------------------------------------------------------------


def product(n: int) -> str:
    return "*".join(f"x{i}" for i in range(1, n + 1))


def test_swell_of_a_product_of_20_factors() -> None:
    sizes = swell(differentiate(parse(product(20))))
    assert (sizes.function, sizes.tree, sizes.shared, sizes.program) == (19, 360, 207, 55)
    assert sizes.entries == ((18,) * 20,)


def test_swell_grows_quadratically_for_symbolic_and_linearly_for_ad() -> None:
    small, large = (swell(differentiate(parse(product(n)))) for n in (20, 40))
    assert large.tree / small.tree > 3.5  # ~n²
    assert large.program / small.program < 2.2  # ~n
    assert large.program < 3 * large.function + 5


def test_the_logistic_map_swells_exponentially_as_a_tree() -> None:
    text = "x"
    trees = []
    for _ in range(6):
        text = f"4*({text})*(1-({text}))"
        sizes = swell(differentiate(parse(text)))
        trees.append(sizes.tree)
        assert sizes.shared <= 4 * sizes.function and sizes.program <= 4 * sizes.function
    # Each iteration more than doubles the tree (n·2ⁿ), while sharing and AD grow by a constant.
    assert all(b > 2 * a for a, b in itertools.pairwise(trees))


def test_entries_not_printed_beyond_max_size() -> None:
    derivatives = differentiate(parse("exp(exp(exp(x)))"))
    (entry,) = derivatives.entries(max_size=3)
    assert entry.text is None and entry.operations == 8
    (entry,) = derivatives.entries(max_size=8)
    assert entry.text == "exp(x)*exp(exp(x))*exp(exp(exp(x)))"


# --- depth and size without recursion ----------------------------------------------------------


def test_deep_and_long_expressions() -> None:
    deep = "x"
    for _ in range(400):
        deep = f"sin({deep})"
    derivatives = differentiate(parse(deep))
    text = derivatives.text(0, 0)  # 400 nested products of nested calls, printed by a loop
    assert text.count("cos(") == 400 and len(text) > 300_000
    assert differentiate(parse("-" * 5000 + "x")).text(0, 0) == "1"
    total = "+".join(f"{k}*x" for k in range(1, 20001))
    assert differentiate(parse(total)).text(0, 0) == "200010000"  # 1 + 2 + … + 20,000


@pytest.mark.parametrize(
    "text",
    [
        "-(" + "*".join(f"x{i}" for i in range(1, 3001)) + ")",  # a minus sign outside
        "-" + "*".join(f"(-x{i})" for i in range(1, 3001)),  # and on every factor
        "cos(" + "*".join(["x"] * 3000) + ")",  # a sum of products inside a call
    ],
)
def test_long_chains_of_products_build_without_recursion(text: str) -> None:
    # One column: all 3,000 partials of a 3,000-factor product would be 9 million terms.
    derivatives = differentiate(parse(text), ["x1" if "x1" in text else "x"])
    swell(derivatives)
    assert derivatives.entries(max_size=10)[0].text is None  # sized without printing


def test_swell_beyond_the_limit_is_refused() -> None:
    product = parse("*".join(f"x{i}" for i in range(1, 101)))
    with pytest.raises(LimitError, match=r"more than 1,000 distinct terms .* --wrt"):
        differentiate(product, max_terms=1_000)
    assert differentiate(product, ["x7"], max_terms=1_000).wrt_names == ("x7",)
