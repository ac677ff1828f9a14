"""The text → graph path itself: the fast lexer and the driver against Lark's own lexer and
parser, the cached tables (and no Lark when they load), the numbering rule on random
expressions, and the inputs fuzzing found (Unicode digits and spaces, huge tokens, the
--max-nodes message)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lark import Lark, UnexpectedCharacters, UnexpectedToken
from strategies import SETTINGS, expressions

import autodiff
import autodiff.grammar.build as build
from autodiff.core.builder import GraphBuilder
from autodiff.core.errors import (
    AutodiffError,
    LimitError,
    MathError,
    NameUsageError,
    ParseError,
    UnknownFunctionError,
)
from autodiff.core.graph import INPUT
from autodiff.grammar.build import parse

GRAMMAR = Path(build.__file__).with_name("expr.lark").read_text(encoding="utf-8")

# --- the lexer: the same tokens as Lark's basic lexer on the same grammar ----------------------

_lark_lexer = Lark(GRAMMAR, parser="lalr", lexer="basic")
_our_lexer = build._make_parser(GRAMMAR, None).lexer  # from the grammar's text

_PIECES = [*"0123456789.eE+-*/^(),xy_z ", "**", "1e5", ".5", "2.5E-3", "sin", "\t", "\n", "\r"]
_STRANGE = ["$", ";", "٣", "１", "\u2003", "\u00a0", "é", "\x00", "\f"]
soup = st.lists(st.sampled_from(_PIECES) | st.sampled_from(_STRANGE), max_size=30).map("".join)


Found = tuple[list[tuple[str, str, int, int]], int | None]


def _lark_tokens(text: str) -> Found:
    """The (type, text, start, end) of each token, and where an unexpected character stopped it."""
    found: list[tuple[str, str, int, int]] = []
    try:
        for token in _lark_lexer.lex(text):
            found.append((token.type, str(token), token.start_pos, token.end_pos))
    except UnexpectedCharacters as error:
        return found, error.pos_in_stream
    return found, None


def _our_tokens(text: str) -> Found:
    found: list[tuple[str, str, int, int]] = []
    tokens: Iterator[tuple[str, str, int, int]] = _our_lexer.lex(text)
    try:
        found.extend(tokens)
    except build._Unexpected as error:
        assert error.kind == "_BAD" and error.end == error.start + 1
        return found, error.start
    return found, None


@settings(max_examples=400, deadline=None)
@given(soup)
def test_the_lexer_finds_the_tokens_lark_finds(text: str) -> None:
    assert _our_tokens(text) == _lark_tokens(text)


@pytest.mark.parametrize(
    "text", ["x" + " " * 10**6, " " * 10**6 + "x", "x" + " " * 10**6 + "$", "(" + "\n" * 10**6]
)
def test_long_runs_of_whitespace_take_no_quadratic_time(text: str) -> None:
    tokens, bad = _our_tokens(text)
    assert len(tokens) == 1 and bad == (len(text) - 1 if text.endswith("$") else None)


# --- the driver: the tables Lark derives, run by our loop, stop where Lark's parser stops ----

_lark_parser = Lark(GRAMMAR, parser="lalr", lexer="basic", maybe_placeholders=False)
_our_parser = build._make_parser(GRAMMAR, None)  # tables from this Lark
_GRAMMAR_SOUP = [*_PIECES, "x", "y", "2", "(", ")", "+", "-", "*", ",", "x(", "f(", "   ", "$"]


def _stop(parse: Callable[[str], object], text: str) -> tuple[object, ...] | None:
    """Where and why Lark's parser rejects the text (None when it accepts it)."""
    try:
        parse(text)
    except UnexpectedCharacters as error:
        return ("character", error.pos_in_stream)
    except UnexpectedToken as error:
        token = error.token
        where = () if token.type == "$END" else (str(token), token.start_pos, token.end_pos)
        return ("token", token.type, *where, sorted(error.expected))
    return None


def _our_stop(text: str) -> tuple[object, ...] | None:
    """The same for our driver, which raises ``_Unexpected`` (``_END`` is Lark's ``$END``)."""
    try:
        _our_parser.parse(text, _callbacks())
    except build._Unexpected as error:
        if error.kind == "_BAD":
            return ("character", error.start)
        expected = sorted("$END" if t == "_END" else t for t in error.expected)
        if error.kind == "_END":
            return ("token", "$END", expected)
        return (
            "token",
            error.kind,
            text[error.start : error.end],
            error.start,
            error.end,
            expected,
        )
    return None


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(_GRAMMAR_SOUP), max_size=20))
def test_the_driver_stops_where_lark_s_parser_stops(pieces: list[str]) -> None:
    text = "".join(pieces)
    try:
        ours = _our_stop(text)
    except AutodiffError:
        return  # a callback's error (a function used as a name, …): Lark builds no graph
    assert ours == _stop(_lark_parser.parse, text)


def _callbacks() -> build._Callbacks:
    return build._Callbacks(GraphBuilder())


def test_the_driver_returns_the_start_rule_s_term() -> None:
    callbacks = _callbacks()
    driver = build._make_parser(GRAMMAR, None)
    assert driver.parse(" -(x) ", callbacks) == (1, 1, 5)  # neg of input 0, spanning "-(x)"
    assert driver.parse("atan2(x, 2^y)", callbacks) == (4, 0, 13)


def test_the_collector_is_back_on_after_a_parse_and_after_an_error() -> None:
    assert gc.isenabled()
    parse("x + 1")
    assert gc.isenabled()
    with pytest.raises(ParseError):
        parse("x + $")
    assert gc.isenabled()
    gc.disable()
    try:
        parse("x")
        assert not gc.isenabled()  # a caller's choice is kept
    finally:
        gc.enable()


# --- threads: the driver is shared, what a parse builds is not --------------------------------

_THREADS = 8


def _worker_texts(worker: int) -> list[str]:
    """Different expressions per thread, so a graph built from another thread's text shows."""
    return [f"x{worker} * sin(y + {i}) - log(z{i % 3}) / (1 + x{worker}^2)" for i in range(50)]


def test_parse_from_several_threads_builds_every_graph_right() -> None:
    """``autodiff.parse`` (the library's, and the one the CLI calls) from 8 threads at once."""
    expected = {worker: [parse(t) for t in _worker_texts(worker)] for worker in range(_THREADS)}
    found: dict[int, list[object]] = {}
    errors: list[BaseException] = []
    everyone_ready = threading.Barrier(_THREADS)

    def work(worker: int) -> None:
        everyone_ready.wait()  # all threads parse at once
        try:
            found[worker] = [autodiff.parse(t) for t in _worker_texts(worker)]
        except BaseException as error:  # any error at all is a failure, reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert found == expected


def test_no_builder_outlives_its_parse() -> None:
    parse("x * y + sin(x)")
    gc.collect()
    assert not [o for o in gc.get_objects() if isinstance(o, GraphBuilder)]


# --- the numbering rule, which finish() gets by a stable sort on the level alone --------------


@SETTINGS
@given(st.lists(expressions, min_size=1, max_size=3))
def test_operations_are_numbered_by_level_then_text_then_position(texts: list[str]) -> None:
    try:
        graph = parse(texts)
    except MathError:
        return  # a constant subexpression outside its domain, folded while parsing
    graph.validate()
    keys = []
    for node in graph.nodes[graph.n_inputs :]:
        assert node.op != INPUT and node.span is not None
        keys.append((node.level, node.span.expr, node.span.start))
    assert keys == sorted(keys) and len(set(keys)) == len(keys)


# --- inputs found by fuzzing --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "column", "char"),
    [
        ("٣", 1, "٣"),  # Arabic-Indic three
        ("x + ١٢", 5, "١"),
        ("2*１", 3, "１"),  # fullwidth one
        ("\u2003", 1, "\u2003"),  # em space alone: unexpected, not "empty"
        ("\u00a0x", 1, "\u00a0"),
        ("x\u2003+ y", 2, "\u2003"),
        ("x +\f1", 4, "\f"),
    ],
)
def test_only_ascii_digits_and_ascii_whitespace(text: str, column: int, char: str) -> None:
    with pytest.raises(ParseError) as info:
        parse(text)
    assert info.value.message == f"unexpected character {char!r}"
    assert info.value.span is not None and info.value.span.start + 1 == column


@pytest.mark.parametrize("text", ["", " ", " \t\r\n "])
def test_only_ascii_whitespace_is_empty(text: str) -> None:
    with pytest.raises(ParseError, match="the expression is empty"):
        parse(text)


HUGE = 10**6


@pytest.mark.parametrize(
    ("text", "kind", "shown"),
    [
        ("1" + "0" * HUGE, ParseError, f"the number 1{'0' * 31}… is too large"),
        ("a" * HUGE + "(x)", UnknownFunctionError, f"unknown function '{'a' * 32}…'"),
        ("x " + "y" * HUGE, ParseError, f"missing operator before '{'y' * 32}…'"),
        ("z" * HUGE + " 2", ParseError, f"write {'z' * 32}…*2 for a product"),
        ("x + * " + "7" * HUGE, ParseError, "unexpected '*'"),
        ("x ** ** " + "w" * HUGE, ParseError, "unexpected '**'"),
        ("sin(x) " + "9" * HUGE, ParseError, f"before '{'9' * 32}…'"),
    ],
)
def test_a_huge_token_is_quoted_short(text: str, kind: type[Exception], shown: str) -> None:
    with pytest.raises(kind) as info:
        parse(text)
    message = info.value.message  # type: ignore[attr-defined]
    assert shown in message and len(message) < 160, message[:200]


def test_short_tokens_are_quoted_whole() -> None:
    name = "a_name_of_exactly_32_characters_"
    with pytest.raises(UnknownFunctionError, match=rf"unknown function '{name}' \(for"):
        parse(f"{name}(x)")
    with pytest.raises(NameUsageError, match=r"^sin is a function"):
        parse("sin + 1")


@pytest.mark.parametrize(
    ("text", "limit", "message"),
    [
        ("sin(x) + y", 1, "the expression has more than 1 operation (see --max-nodes)"),
        ("a*b + c*d + e*f", 4, "the expression has more than 4 operations (see --max-nodes)"),
        ("+".join(f"x{i}" for i in range(1002)), 1000, "more than 1,000 operations"),
    ],
)
def test_max_nodes_counts_operations(text: str, limit: int, message: str) -> None:
    with pytest.raises(LimitError) as info:
        parse(text, max_nodes=limit)
    assert message in info.value.message


def test_max_nodes_does_not_count_inputs_shared_nodes_or_constants() -> None:
    assert len(parse("x*y", max_nodes=1).nodes) == 3  # two inputs and one operation
    assert len(parse("sin(x) + sin(x) - 2*3", max_nodes=3).nodes) == 4
    with pytest.raises(LimitError):
        parse("sin(x) + cos(x)", max_nodes=2)
