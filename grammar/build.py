"""Text → ``Graph``: the LALR parser from ``expr.lark`` with the graph builder inlined.

The builder's callbacks run as the parser reduces, so no parse tree is kept and nothing
recurses: a 20,000-term sum or 5,000 nested parentheses are as easy as ``x + 1``. Every
syntax error becomes a ``ParseError`` with the column and a reason a person can act on.

Speed (10⁶-node inputs) and start-up: Lark derives the LALR tables from ``expr.lark`` (once:
they are kept as plain JSON in the user's cache directory, checked when read back, see
``tables``, ``cache`` and ``_make_parser``), and ``_Driver`` runs them: one compiled regular
expression over the grammar's own terminals (``_Lexer``, from ``source``) and a plain
shift/reduce loop calling the builder's methods by rule alias, instead of Lark's per-token
parser objects. So Lark is imported only when the tables are built (the first run, or a
missing or damaged cache). The cyclic garbage collector is paused while a graph is built (the
graph has no cycles).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from types import FunctionType
from typing import Any

from autodiff.core.builder import DEFAULT_MAX_NODES, GraphBuilder, Term
from autodiff.core.errors import (
    ArityError,
    AutodiffError,
    NameUsageError,
    ParseError,
    Span,
    UnknownFunctionError,
)
from autodiff.core.graph import Const, Graph, Operand, collector_paused
from autodiff.core.primitives import CONSTANTS, FUNCTION_NAMES, lookup_function
from autodiff.grammar import cache, source, tables
from autodiff.grammar.source import Grammar

_GRAMMAR = Path(__file__).with_name("expr.lark")
_CONSTANT_LABELS = {"pi": "π", "e": "e"}
_DESCRIBE = {
    "NUMBER": "a number",
    "NAME": "a name",
    "LPAR": "'('",
    "RPAR": "')'",
    "COMMA": "','",
    "PLUS": "'+'",
    "MINUS": "'-'",
    "STAR": "'*'",
    "SLASH": "'/'",
    "POW": "'^'",
}
_QUOTED_CHARS = 32  # a longer token is quoted as its first 32 characters and …


def _short(token: str) -> str:
    """A token as a message shows it: a 10⁶-digit number is not repeated in full."""
    return token if len(token) <= _QUOTED_CHARS else token[:_QUOTED_CHARS] + "…"


def _quote(token: str) -> str:
    return repr(_short(token))


class _Unexpected(Exception):
    """Where the driver stopped, as plain data: ``_translate`` makes the ``ParseError``.

    ``kind`` is the terminal found there, ``_END`` for the end of the text, or ``_BAD`` for a
    character no terminal accepts; ``expected`` names the terminals the parser's state accepts
    (``_END`` among them when the text may end there).
    """

    def __init__(self, kind: str, start: int, end: int, expected: frozenset[str]) -> None:
        super().__init__(kind, start, end)
        self.kind, self.start, self.end, self.expected = kind, start, end, expected


class _Lexer:
    """The grammar's terminals as one regular expression, matched by ``re.finditer``.

    Each match is optional ignored text (whitespace) and then one token (the group named after
    its terminal), the end of the text (``_END``), or a character no terminal accepts
    (``_BAD``). ``source.read`` writes the expression from the grammar's terminals; ``_Driver``
    runs ``pattern`` itself, and ``lex`` is for the tests.
    """

    def __init__(self, pattern: str) -> None:
        self.pattern = re.compile(pattern)

    def lex(self, text: str) -> Iterator[tuple[str, str, int, int]]:
        """Each token as (terminal, text, start, end); ``_Unexpected`` at a bad character."""
        for match in self.pattern.finditer(text):
            kind = match.lastgroup or ""
            start, end = match.span(kind)
            if kind == "_END":
                return
            if kind == "_BAD":
                raise _Unexpected(kind, start, end, frozenset())
            yield kind, text[start:end], start, end


# A token as the driver shifts it: (text, start, end), the shape of a ``Term``.
Lexeme = tuple[str, int, int]


class _Callbacks:
    """Reduce callbacks, one per rule alias of ``expr.lark``: each gets the children of what
    it reduced and returns its ``Term`` (operand, start, end).

    Tokens arrive as ``Lexeme`` tuples (text, start, end): ``_Driver`` shifts them. The five
    binary operators are written out rather than sharing a helper: one Python call fewer per
    node, on the path a 10⁶-node expression takes. One object per ``parse`` call: it holds the
    graph being built, so it is never shared between calls (or threads).
    """

    def __init__(self, builder: GraphBuilder) -> None:
        self.builder = builder
        self.names: dict[str, Operand] = {}  # name → its input or constant, in this parse

    def add(self, c: list[Term]) -> Term:
        left, _, right = c
        return self.builder.binary("add", left[0], right[0], left[1], right[2]), left[1], right[2]

    def sub(self, c: list[Term]) -> Term:
        left, _, right = c
        return self.builder.binary("sub", left[0], right[0], left[1], right[2]), left[1], right[2]

    def mul(self, c: list[Term]) -> Term:
        left, _, right = c
        return self.builder.binary("mul", left[0], right[0], left[1], right[2]), left[1], right[2]

    def div(self, c: list[Term]) -> Term:
        left, _, right = c
        return self.builder.binary("div", left[0], right[0], left[1], right[2]), left[1], right[2]

    def pow(self, c: list[Term]) -> Term:
        left, _, right = c
        return self.builder.binary("pow", left[0], right[0], left[1], right[2]), left[1], right[2]

    def neg(self, c: list[Any]) -> Term:
        (_, start, _), (operand, _, end) = c
        return self.builder.unary("neg", operand, start, end), start, end

    def pos(self, c: list[Any]) -> Term:
        (_, start, _), (operand, _, end) = c
        return operand, start, end

    def group(self, c: list[Any]) -> Term:
        left, inner, right = c
        return inner[0], left[1], right[2]

    def number(self, c: list[Lexeme]) -> Term:
        ((text, start, end),) = c
        value = float(text)
        if not math.isfinite(value):
            raise ParseError(
                f"the number {_short(text)} is too large for a float",
                span=Span(start, end, self.builder.expr),
            )
        return Const(value), start, end

    def name(self, c: list[Lexeme]) -> Term:
        ((name, start, end),) = c
        operand = self.names.get(name)
        if operand is None:
            if name in CONSTANTS:
                operand = Const(CONSTANTS[name], _CONSTANT_LABELS[name])
            elif lookup_function(name) is not None:
                raise NameUsageError(
                    f"{name} is a function: call it as {name}(…)",
                    span=Span(start, end, self.builder.expr),
                )
            else:
                operand = self.builder.input(name, start, end)
            self.names[name] = operand
        return operand, start, end

    def call(self, c: list[Any]) -> Term:
        (name, start, name_end), end = c[0], c[-1][2]
        args = c[2:-1:2]  # NAME LPAR [sum (COMMA sum)*] RPAR
        primitive = lookup_function(name)
        if primitive is None:
            raise UnknownFunctionError(
                _unknown_function_message(name),
                span=Span(start, name_end, self.builder.expr),
            )
        if len(args) != primitive.arity:
            plural = "argument" if primitive.arity == 1 else "arguments"
            raise ArityError(
                f"{name} takes {primitive.arity} {plural}, got {len(args)}",
                span=Span(start, end, self.builder.expr),
            )
        if len(args) == 1:
            return self.builder.unary(primitive.name, args[0][0], start, end), start, end
        return self.builder.binary(primitive.name, args[0][0], args[1][0], start, end), start, end


def _unknown_function_message(name: str) -> str:
    if name in CONSTANTS:
        return f"{name} is a constant, not a function"
    import difflib  # only for this message: ~1.4 ms of every start otherwise

    close = difflib.get_close_matches(name, FUNCTION_NAMES, n=1, cutoff=0.6)
    if close:
        return f"unknown function {_quote(name)}: did you mean {close[0]}?"
    return f"unknown function {_quote(name)} (for a product write {_short(name)}*(…))"


# --- the parser: tables derived from expr.lark by Lark once, then loaded from JSON -------------


# A rule's reduction: a ``_Callbacks`` method, unbound (the driver is shared; each parse passes
# its own callbacks), on the children it reduced
Reduce = Callable[["_Callbacks", list[Any]], Any]


def _reducer(callback: Reduce, children: Any) -> Reduce:
    """``callback`` on the children the rule keeps, with the lists of inlined rules spliced."""
    if children is None:
        return callback
    picks = [(int(i), bool(splice)) for i, splice in children]

    def reduce(callbacks: _Callbacks, found: list[Any]) -> Any:
        kept: list[Any] = []
        for i, splice in picks:
            if not splice:
                kept.append(found[i])
            elif kept:
                kept += found[i]
            else:  # left recursion: the list grows in place, as Lark's ChildFilter does
                kept = found[i]
        return callback(callbacks, kept)

    return reduce


def _children(callbacks: _Callbacks, found: list[Any]) -> list[Any]:
    """The value of a rule Lark inlines into its parent: its children, spliced there."""
    return found


class _Broken(Exception):
    """Tables from the cache failed while driving: they are not what the grammar gives."""


class _Driver:
    """The LALR(1) loop over the tables ``tables.derive`` derives from ``expr.lark``.

    It runs them as Lark's ``ParserState.feed_token`` would, with the lexer inlined and plain
    integers for actions, calling the ``_Callbacks`` method each rule names. The reductions
    that ``?rule`` inlines (``sum: product``) keep the value and only change the state, to
    one that depends on the state below and the next token alone: the goto table jumps over
    them (``x`` is read with one reduction, ``atom: NAME``, not four). An unexpected token,
    end or character raises ``_Unexpected`` with what Lark would report (the same token, the
    same expected terminals); ``_translate`` turns it into a ``ParseError``.

    Immutable once made, so one driver serves every thread: each ``parse`` passes callbacks of
    its own to the (unbound) reductions. Any other failure of tables that came from the cache raises
    ``_Broken`` (``parse`` then builds them again), never a wrong graph or an internal error.
    """

    def __init__(self, tables: dict[str, Any], grammar: Grammar, *, cached: bool) -> None:
        self.lexer = _Lexer(grammar.pattern)
        self.cached = cached
        self.start: int = tables["start"]
        self.end: int = tables["end"]
        self.actions: list[dict[str, int]] = tables["actions"]
        self.gotos: list[dict[str, dict[str, int]]] = tables["gotos"]
        for rule in tables["rules"]:
            name = rule["callback"]
            if name is not None and not isinstance(getattr(_Callbacks, name, None), FunctionType):
                raise ValueError(f"no callback for the alias {name!r} of expr.lark")
        # (length of the rule, its reduction or None when the reduction keeps the value, name)
        self.rules: list[tuple[int, Reduce | None, str]] = [
            (
                len(rule["expansion"]),
                None
                if rule["keep"]
                else _reducer(
                    getattr(_Callbacks, rule["callback"]) if rule["callback"] else _children,
                    rule["children"],
                ),
                rule["origin"],
            )
            for rule in tables["rules"]
        ]

    def parse(self, text: str, callbacks: _Callbacks) -> Any:
        """The value of the start rule (a ``Term``) built by ``callbacks``; ``_Unexpected`` on
        bad input."""
        try:
            return self._parse(text, callbacks)
        except (_Unexpected, AutodiffError, MemoryError):
            raise
        except Exception as error:  # a goto missing, a stack too short: the tables are wrong
            if self.cached:
                raise _Broken from error
            raise

    def _parse(self, text: str, callbacks: _Callbacks) -> Any:
        actions, gotos, rules, end_state = self.actions, self.gotos, self.rules, self.end
        state = self.start
        states = [state]
        values: list[Any] = []
        for match in self.lexer.pattern.finditer(text):
            kind = match.lastgroup
            while True:
                try:
                    action = actions[state][kind]  # type: ignore[index]
                except KeyError:
                    raise self._unexpected(match, state) from None
                if action >= 0:
                    break
                size, callback, origin = rules[~action]
                if callback is None:  # the value stays (only after a shift: see _settle)
                    state = states[-1] = gotos[states[-2]][origin][kind]  # type: ignore[index]
                else:
                    children = values[-size:]
                    del values[-size:]
                    del states[-size:]
                    values.append(callback(callbacks, children))
                    state = gotos[states[-1]][origin][kind]  # type: ignore[index]
                    states.append(state)
                if state == end_state:  # only reached on _END: the start rule is reduced
                    return values[-1]
            start, end = match.span(kind)
            values.append((text[start:end], start, end))
            states.append(action)
            state = action
        raise AssertionError("the lexer's pattern always matches the end of the text")

    def _unexpected(self, match: re.Match[str], state: int) -> _Unexpected:
        """A character no terminal accepts, or a token (or the end) ``state`` does not."""
        kind = match.lastgroup or ""
        start, end = match.span(kind)
        expected = frozenset() if kind == "_BAD" else frozenset(self.actions[state])
        return _Unexpected(kind, start, end, expected)


def _make_parser(text: str, path: Path | None, *, rebuild: bool = False) -> _Driver:
    """The parser for the grammar's ``text``: from the tables cached at ``path`` when they are
    there and verified (and not ``rebuild``); else derived from the grammar (by Lark) and
    cached. A cache that cannot be read, trusted or written is only slower."""
    grammar = source.read(text)
    content = None if path is None or rebuild else cache.read(path)
    if content is not None:
        try:
            return _Driver(tables.load(content, text, grammar), grammar, cached=True)
        except Exception:  # damaged or altered, any way at all: build them again
            pass
    derived = tables.derive(text, grammar)
    if path is not None:
        cache.write(path, tables.dump(derived, text))
    return _Driver(derived, grammar, cached=False)


@lru_cache(maxsize=2)
def _parser(rebuild: bool = False) -> _Driver:
    """The driver of the process (immutable: every thread may use it at once), from the cache;
    or, with ``rebuild``, from the grammar, rewriting the cache (after the cached tables broke)."""
    text = _GRAMMAR.read_text(encoding="utf-8")
    path = cache.cache_file(text, tables.FORMAT)
    return _make_parser(text, path, rebuild=rebuild)


# --- parsing ----------------------------------------------------------------------------------

_WHITESPACE = " \t\r\n"  # what the grammar ignores; any other character is unexpected
_BRACKET = {"(": 1, ")": -1}


def _check_brackets(text: str, expr: int) -> None:
    """Report unbalanced parentheses precisely, before the parser reports them vaguely."""
    depths = list(accumulate(map(_BRACKET.__getitem__, re.findall("[()]", text))))
    if not depths or (depths[-1] == 0 and min(depths) >= 0):
        return  # balanced: the usual case, checked without a Python-level loop
    open_at: list[int] = []
    for pos, ch in enumerate(text):
        if ch == "(":
            open_at.append(pos)
        elif ch == ")":
            if not open_at:
                raise ParseError("unmatched ')'", span=Span(pos, pos + 1, expr))
            open_at.pop()
    if open_at:
        pos = open_at[-1]
        raise ParseError("'(' is never closed", span=Span(pos, pos + 1, expr))


def _previous_char(text: str, pos: int) -> str:
    before = text[:pos].rstrip(_WHITESPACE)
    return before[-1] if before else ""


def _translate(error: _Unexpected, text: str, expr: int) -> ParseError:
    """Where the driver stopped as a ``ParseError`` that says what was found and what would
    fit."""
    pos = error.start
    if error.kind == "_BAD":
        return ParseError(f"unexpected character {text[pos]!r}", span=Span(pos, pos + 1, expr))
    if error.kind == "_END":
        pos = len(text.rstrip(_WHITESPACE))
        return ParseError("the expression ends too early", span=Span(pos, pos + 1, expr))
    token = text[pos : error.end]
    span = Span(pos, error.end, expr)
    before = _previous_char(text, pos)
    if error.kind in ("NAME", "NUMBER", "LPAR") and (before.isalnum() or before in "_)."):
        left = text[:pos].rstrip(_WHITESPACE)
        word = left.split()[-1] if left.split() else left
        return ParseError(
            f"missing operator before {_quote(token)}: write {_short(word)}*{_short(token)} "
            "for a product",
            span=span,
        )
    expected = sorted(_DESCRIBE[t] for t in error.expected if t in _DESCRIBE)
    hint = f" (expected {', '.join(expected)})" if expected and len(expected) <= 4 else ""
    return ParseError(f"unexpected {_quote(token)}{hint}", span=span)


def parse(
    texts: str | Sequence[str],
    *,
    max_nodes: int = DEFAULT_MAX_NODES,
    inputs: Sequence[str] = (),
) -> Graph:
    """Parse one expression (or several: the outputs of one function) into a Wengert list;
    ``inputs`` names inputs to number first, in that order (the rest follow in natural order)."""
    sources = (texts,) if isinstance(texts, str) else tuple(texts)
    if not sources:
        raise ParseError("no expression given")
    try:
        return _parse(_parser(), sources, max_nodes, inputs)
    except _Broken:  # the cached tables passed the checks and still failed: build them again
        _parser.cache_clear()
        return _parse(_parser(rebuild=True), sources, max_nodes, inputs)


def _parse(
    parser: _Driver, sources: tuple[str, ...], max_nodes: int, inputs: Sequence[str]
) -> Graph:
    builder = GraphBuilder(max_nodes=max_nodes)
    callbacks = _Callbacks(builder)  # this call's own: nothing it builds is shared or kept
    outputs: list[Operand] = []
    with collector_paused():  # the graph is acyclic: collecting while it grows only costs time
        for expr, text in enumerate(sources):
            builder.expr = expr
            if not text.strip(_WHITESPACE):
                raise ParseError("the expression is empty", span=Span(0, 1, expr))
            _check_brackets(text, expr)
            try:
                outputs.append(parser.parse(text, callbacks)[0])
            except _Unexpected as error:
                raise _translate(error, text, expr) from None
        return builder.finish(outputs, sources, inputs)
