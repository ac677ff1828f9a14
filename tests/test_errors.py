"""Bad input: every case gives its own error class and points at the right column."""

from __future__ import annotations

import pytest

from autodiff.cli.point import parse_point
from autodiff.core.check import check
from autodiff.core.codegen import generate
from autodiff.core.derivatives import evaluate, gradient
from autodiff.core.errors import (
    ArityError,
    AutodiffError,
    DomainError,
    InputError,
    MathError,
    NameUsageError,
    NonFiniteError,
    ParseError,
    PointError,
    UnknownFunctionError,
)
from autodiff.grammar.build import parse

# (expression, error class, 1-based column of the span start, text the message must contain)
PARSE_CASES = [
    ("log(x1))+x2", ParseError, 8, "unmatched ')'"),
    ("(x+1", ParseError, 1, "never closed"),
    ("sin((x)", ParseError, 4, "never closed"),
    ("sni(x)", UnknownFunctionError, 1, "did you mean sin?"),
    ("exq(x)", UnknownFunctionError, 1, "did you mean exp?"),
    ("foo(x)", UnknownFunctionError, 1, "unknown function 'foo'"),
    ("atan2(x)", ArityError, 1, "atan2 takes 2 arguments, got 1"),
    ("sin(x, y)", ArityError, 1, "sin takes 1 argument, got 2"),
    ("x + sin()", ArityError, 5, "got 0"),
    ("2x", ParseError, 2, "write 2*x"),
    ("x y", ParseError, 3, "write x*y"),
    ("(a+b)(a-b)", ParseError, 6, "write (a+b)*("),
    ("", ParseError, 1, "empty"),
    ("   ", ParseError, 1, "empty"),
    ("x+", ParseError, 3, "ends too early"),
    ("x*/y", ParseError, 3, "unexpected '/'"),
    ("x + $", ParseError, 5, "unexpected character '$'"),
    ("__import__('os')", ParseError, 12, "unexpected character"),
    ("x; y", ParseError, 2, "unexpected character ';'"),
    ("x.real", ParseError, 2, "unexpected"),
    ("f'{x}'", ParseError, 2, "unexpected character"),
    ("sin", NameUsageError, 1, "sin is a function"),
    ("pi(2)", UnknownFunctionError, 1, "pi is a constant"),
    ("1e999 * x", ParseError, 1, "too large"),
]


@pytest.mark.parametrize(("text", "kind", "column", "fragment"), PARSE_CASES)
def test_parse_errors(text: str, kind: type[AutodiffError], column: int, fragment: str) -> None:
    with pytest.raises(kind) as info:
        parse(text)
    error = info.value
    assert isinstance(error, InputError)
    assert fragment in error.message
    assert error.span is not None
    assert error.span.start + 1 == column


# Constant subexpressions are folded while parsing, so their errors come with the span.
FOLD_CASES = [
    ("1/0", DomainError, 1, "1 / 0 is undefined"),
    ("x + log(-1)", DomainError, 5, "ln (-1) is undefined"),
    ("sqrt(-4)", DomainError, 1, "√(-4) is undefined"),
    ("(-8)^0.5", DomainError, 1, "is undefined"),
    ("9^9^9^9", NonFiniteError, 3, "overflows"),
    ("x*exp(1000)", NonFiniteError, 3, "overflows"),
]


@pytest.mark.parametrize(("text", "kind", "column", "fragment"), FOLD_CASES)
def test_constant_folding_errors(
    text: str, kind: type[AutodiffError], column: int, fragment: str
) -> None:
    with pytest.raises(kind) as info:
        parse(text)
    assert isinstance(info.value, MathError)
    assert fragment in info.value.message
    assert info.value.span is not None and info.value.span.start + 1 == column


POINT_CASES = [
    ("log(x1)", {"x1": -1.0}, DomainError, "log is undefined at v₁ = ln v₀ with v₀ = -1"),
    ("1/x", {"x": 0.0}, DomainError, "div is undefined at v₁ = 1 / v₀ with v₀ = 0"),
    ("sqrt(x)", {"x": -4.0}, DomainError, "sqrt needs x ≥ 0"),
    ("x^0.5", {"x": -8.0}, DomainError, "pow is undefined"),
    ("asin(x)", {"x": 2.0}, DomainError, "asin needs −1 ≤ x ≤ 1"),
    ("exp(x)", {"x": 1000.0}, NonFiniteError, "overflow at v₁ = exp v₀"),
    ("x*x*x", {"x": 1e200}, NonFiniteError, "not finite"),
    ("x + y", {"x": 1.0}, PointError, "no value for y"),
    ("x", {"x": 1.0, "z": 2.0}, PointError, "z is not a variable"),
    ("x", {"x": float("nan")}, PointError, "finite"),
]


@pytest.mark.parametrize(("text", "at", "kind", "fragment"), POINT_CASES)
def test_errors_at_a_point(
    text: str, at: dict[str, float], kind: type[AutodiffError], fragment: str
) -> None:
    with pytest.raises(kind) as info:
        evaluate(parse(text), at)
    assert fragment in info.value.message


def test_domain_error_names_node_and_span() -> None:
    with pytest.raises(DomainError) as info:
        evaluate(parse("x + log(x - 1.5)"), {"x": 1.0})
    error = info.value
    assert error.node is not None and error.span is not None
    assert (error.span.start, error.span.end) == (4, 16)


def test_infinite_derivative_is_reported() -> None:
    with pytest.raises(NonFiniteError, match=r"∂v₁/∂v₀ = inf at v₁ = √v₀ with v₀ = 0"):
        gradient(parse("sqrt(x)"), {"x": 0.0})


def test_zero_tangent_does_not_meet_an_infinite_partial() -> None:
    # ∂/∂x1 (x1 + sqrt(x2)) at x2 = 0 is still 1 in the x1 pass; but x2's own entry is inf.
    graph = parse("x1 + sqrt(x2)")
    with pytest.raises(NonFiniteError):
        gradient(graph, {"x1": 1.0, "x2": 0.0})
    assert gradient(parse("x1 + 0*sqrt(x2)"), {"x1": 1.0, "x2": 4.0}).gradient == (1.0, 0.0)


def test_overflow_in_an_intermediate_is_a_warning() -> None:
    result = evaluate(parse("exp(-(x*x))"), {"x": 1e200})
    assert result.value == 0.0
    assert any("IEEE overflow" in w.message for w in result.warnings)


POINT_SPEC_CASES = [
    (["x1"], "expected NAME=VALUE"),
    (["x1="], "expected NAME=VALUE"),
    (["x1=abc"], "not a number"),
    (["x1=2,x1=3"], "more than once"),
    (["x1=2", "x1=3"], "more than once"),
    (["1x=2"], "not a valid variable name"),
    (["x=nan"], "not a number"),
    (["x=inf"], "not a number"),
    (["x=1e999"], "not a number"),
    (["x=2)"], "not a number"),
]


@pytest.mark.parametrize(("specs", "fragment"), POINT_SPEC_CASES)
def test_bad_points(specs: list[str], fragment: str) -> None:
    with pytest.raises(PointError, match=fragment):
        parse_point(specs)


def test_point_values_may_be_constant_expressions() -> None:
    point = parse_point(["x=pi/4, y=-1.5e3", "z=atan2(1, 1)", "w=2^-1"])
    assert point == {"x": 0.7853981633974483, "y": -1500.0, "z": 0.7853981633974483, "w": 0.5}


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: gradient(parse("x*y"), {"x": 1.0}), "at"),
        (lambda: gradient(parse("x"), {"x": 1.0, "z": 2.0}), "at"),
        (lambda: gradient(parse("x"), {"x": 1.0}, wrt=["z"]), "wrt"),
        (lambda: gradient(parse("x"), {"x": 1.0}, wrt=["x", "x"]), "wrt"),
        (lambda: gradient(parse("x"), {"x": 1.0}, wrt=[]), "wrt"),
        (lambda: check(parse("x"), {"x": 1.0}, tol=-1.0), "tol"),
        (lambda: generate(parse("x"), "python", "1f"), "name"),
        (lambda: generate(parse("x"), "python", "lambda"), "name"),
    ],
)
def test_core_errors_name_the_argument_not_a_command_line_option(call, argument: str) -> None:  # type: ignore[no-untyped-def]
    # The library is called from Python too: the CLI words its own options (--at, --wrt).
    with pytest.raises(InputError) as raised:
        call()
    assert raised.value.argument == argument
    assert "--" not in raised.value.message
