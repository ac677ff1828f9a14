"""The text → graph path itself: the fast lexer against Lark's own, the cached tables, the
numbering rule on random expressions, and the inputs fuzzing found (Unicode digits and spaces,
huge tokens, the --max-nodes message)."""

from __future__ import annotations

import gc
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lark import Lark, UnexpectedCharacters, UnexpectedToken
from lark.grammar import Rule
from lark.lexer import TerminalDef
from strategies import SETTINGS, expressions

import autodiff.grammar.build as build
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
_our_lexer = build._parser()[0].lexer

_PIECES = [*"0123456789.eE+-*/^(),xy_z ", "**", "1e5", ".5", "2.5E-3", "sin", "\t", "\n", "\r"]
_STRANGE = ["$", ";", "٣", "１", "\u2003", "\u00a0", "é", "\x00", "\f"]
soup = st.lists(st.sampled_from(_PIECES) | st.sampled_from(_STRANGE), max_size=30).map("".join)


def _tokens(tokens: object) -> tuple[list[tuple[str, str, int, int]], int | None]:
    """The (type, text, start, end) of each token, and where an unexpected character stopped it."""
    found: list[tuple[str, str, int, int]] = []
    try:
        for token in tokens:  # type: ignore[attr-defined]
            found.append((token.type, str(token), token.start_pos, token.end_pos))
    except UnexpectedCharacters as error:
        return found, error.pos_in_stream
    return found, None


@settings(max_examples=400, deadline=None)
@given(soup)
def test_the_lexer_finds_the_tokens_lark_finds(text: str) -> None:
    assert _tokens(_our_lexer.lex(text)) == _tokens(_lark_lexer.lex(text))


@pytest.mark.parametrize(
    "text", ["x" + " " * 10**6, " " * 10**6 + "x", "x" + " " * 10**6 + "$", "(" + "\n" * 10**6]
)
def test_long_runs_of_whitespace_take_no_quadratic_time(text: str) -> None:
    tokens, bad = _tokens(_our_lexer.lex(text))
    assert len(tokens) == 1 and bad == (len(text) - 1 if text.endswith("$") else None)


# --- the driver: Lark's tables run by our loop stop where Lark's own parser stops -------------

_lark_parser = Lark(GRAMMAR, parser="lalr", lexer="basic", maybe_placeholders=False)
_our_parser = build._make_parser(build._Callbacks(), None)  # callbacks of its own
_GRAMMAR_SOUP = [*_PIECES, "x", "y", "2", "(", ")", "+", "-", "*", ",", "x(", "f(", "   ", "$"]


def _stop(parse: Callable[[str], object], text: str) -> tuple[object, ...] | None:
    """Where and why a parser rejects the text (None when it accepts it)."""
    try:
        parse(text)
    except UnexpectedCharacters as error:
        return ("character", error.pos_in_stream)
    except UnexpectedToken as error:
        token = error.token
        where = () if token.type == "$END" else (str(token), token.start_pos, token.end_pos)
        return ("token", token.type, *where, sorted(error.expected))
    return None


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(_GRAMMAR_SOUP), max_size=20))
def test_the_driver_stops_where_lark_s_parser_stops(pieces: list[str]) -> None:
    text = "".join(pieces)
    try:
        ours = _stop(_our_parser.parse, text)
    except AutodiffError:
        return  # a callback's error (a function used as a name, …): Lark builds no graph
    assert ours == _stop(_lark_parser.parse, text)


def test_the_driver_returns_the_start_rule_s_term() -> None:
    callbacks = build._Callbacks()
    driver = build._make_parser(callbacks, None)
    assert driver.parse(" -(x) ") == (1, 1, 5)  # neg of input 0, spanning "-(x)"
    assert driver.parse("atan2(x, 2^y)") == (4, 0, 13)


# --- the tables: built once, kept as JSON --------------------------------------------------------


def test_the_json_tables_are_lark_s_own_exactly() -> None:
    data, memo = Lark(GRAMMAR, parser="lalr", lexer="basic").memo_serialize([TerminalDef, Rule])
    tables = {"data": data, "memo": memo}
    found = json.loads(json.dumps(build._to_json(tables)), object_hook=build._from_json_object)
    # repr tells a tuple from a list and 1 from "1": JSON alone would not keep either
    assert repr(found) == repr(tables)


def test_the_parser_is_cached_and_a_bad_cache_is_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "autodiff" / "grammar.json"
    build._make_parser(build._Callbacks(), cache)
    assert cache.is_file() and not list(cache.parent.glob("*.tmp"))
    tables = cache.read_text(encoding="utf-8")

    def not_again(grammar: str) -> str:
        raise AssertionError("rebuilt although the cache was there")

    with monkeypatch.context() as patched:
        patched.setattr(build, "_build_tables", not_again)
        callbacks = build._Callbacks()
        parser = build._make_parser(callbacks, cache)
        assert parser.parse("x*y + 2")[0] == 3  # x, y, then the product (ids before numbering)
    for damaged in ("", "{", tables[: len(tables) // 2], '{"data": {}, "memo": {}}', "[1]"):
        cache.write_text(damaged, encoding="utf-8")
        assert build._make_parser(build._Callbacks(), cache).parse("x*y + 2")[0] == 3
        rebuilt = cache.read_text(encoding="utf-8")  # Lark may number the states otherwise
        assert build._load(rebuilt, build._Callbacks()).parse("x*y + 2")[0] == 3


def test_an_unwritable_cache_is_only_slower(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    callbacks = build._Callbacks()
    parser = build._make_parser(callbacks, blocker / "autodiff" / "grammar.json")
    assert parser.parse("sin(x)")[0] == 1


def test_the_cache_follows_xdg_and_keys_on_the_grammar(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere")
    path = build._cache_file(GRAMMAR)
    assert path is not None and path.parent == Path("/somewhere/autodiff")
    assert build._cache_file(GRAMMAR + " ") != path
    monkeypatch.setenv("XDG_CACHE_HOME", "relative")  # ignored, as the XDG spec says
    monkeypatch.setenv("HOME", "/home/someone")
    assert build._cache_file(GRAMMAR) == Path("/home/someone/.cache/autodiff", path.name)


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
