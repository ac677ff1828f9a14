"""Text → ``Graph``: the LALR parser from ``expr.lark`` with the graph builder inlined.

The builder's callbacks run as the parser reduces, so no parse tree is kept and nothing
recurses: a 20,000-term sum or 5,000 nested parentheses are as easy as ``x + 1``. Every Lark
error is translated into a ``ParseError`` with the column and a reason a person can act on.

Speed (10⁶-node inputs) and start-up: Lark builds the LALR tables from ``expr.lark`` (once:
they are kept as JSON in the user's cache directory, see ``_make_parser``), and ``_Driver``
runs them: one compiled regular expression over the grammar's own terminals (``_Lexer``) and
a plain shift/reduce loop calling Lark's own reduce callbacks, instead of Lark's per-token
parser objects. The cyclic garbage collector is paused while a graph is built (the graph has
no cycles).
"""

from __future__ import annotations

import difflib
import gc
import hashlib
import json
import math
import os
import re
from collections.abc import Iterator, Sequence
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from typing import Any

import lark
from lark import Lark, Token, Transformer, UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.grammar import Rule
from lark.lexer import Lexer, TerminalDef
from lark.parse_tree_builder import ExpandSingleChild
from lark.parsers.lalr_analysis import Shift

from autodiff.core.builder import DEFAULT_MAX_NODES, GraphBuilder, Term
from autodiff.core.errors import (
    ArityError,
    NameUsageError,
    ParseError,
    Span,
    UnknownFunctionError,
)
from autodiff.core.graph import Const, Graph, Operand
from autodiff.core.primitives import CONSTANTS, FUNCTION_NAMES, lookup_function

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
    token = str(token)  # a Lark Token's repr is not the text
    return token if len(token) <= _QUOTED_CHARS else token[:_QUOTED_CHARS] + "…"


def _quote(token: str) -> str:
    return repr(_short(token))


class _Lexer(Lexer):
    """The grammar's terminals as one regular expression, matched by ``re.finditer``.

    Each match is optional ignored text (whitespace) and then one token, the end of the text,
    or a character no terminal accepts. Terminals are tried in the order of Lark's own basic
    lexer (priority, then longest possible match), so ``**`` is POW and not two STARs.
    ``_Driver`` runs ``pattern`` itself; ``lex`` is the same as Lark's lexer interface.
    """

    def __init__(self, conf: Any) -> None:
        ignored = [t.pattern.to_regexp() for t in conf.terminals if t.name in conf.ignore]
        tokens = sorted(
            (t for t in conf.terminals if t.name not in conf.ignore),
            key=lambda t: (-t.priority, -t.pattern.max_width, -len(t.pattern.value), t.name),
        )
        alternatives = [f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in tokens]
        skip = f"(?:{'|'.join(ignored)})*" if ignored else ""
        self.pattern = re.compile(
            f"{skip}(?:{'|'.join(alternatives)}|(?P<_END>\\Z)|(?P<_BAD>(?s:.)))",
            conf.g_regex_flags,
        )

    def lex(self, text: str) -> Iterator[Token]:  # type: ignore[override]
        for match in self.pattern.finditer(text):
            kind = match.lastgroup or ""
            start, end = match.span(kind)
            if kind == "_END":
                return
            if kind == "_BAD":
                raise _unexpected_character(text, start)
            yield Token(kind, text[start:end], start, end_pos=end)


def _unexpected_character(text: str, pos: int) -> UnexpectedCharacters:
    """What Lark's lexer raises for a character no terminal accepts."""
    line = text.count("\n", 0, pos) + 1
    return UnexpectedCharacters(text, pos, line, pos - text.rfind("\n", 0, pos))


# A token as the driver shifts it: (text, start, end), the shape of a ``Term``.
Lexeme = tuple[str, int, int]


class _Callbacks(Transformer):  # type: ignore[type-arg]
    """Reduce callbacks: each returns the ``Term`` (operand, start, end) of what it reduced.

    Tokens arrive as ``Lexeme`` tuples (text, start, end), not as Lark tokens: ``_Driver``
    shifts them.
    """

    def __init__(self) -> None:
        super().__init__(visit_tokens=False)
        self.builder = GraphBuilder()
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
    close = difflib.get_close_matches(name, FUNCTION_NAMES, n=1, cutoff=0.6)
    if close:
        return f"unknown function {_quote(name)}: did you mean {close[0]}?"
    return f"unknown function {_quote(name)} (for a product write {_short(name)}*(…))"


# --- the parser: built from expr.lark once, then loaded from JSON ---------------------------

# JSON has no tuples and only string keys; Lark's tables have both. A dict with other keys
# and a tuple become one-key objects with these (otherwise impossible) keys.
_PAIRS, _TUPLE = "\x00pairs", "\x00tuple"
_CACHE_FORMAT = 1  # bump when what is cached changes


def _to_json(value: Any) -> Any:
    if isinstance(value, dict):
        if all(type(key) is str for key in value):
            return {key: _to_json(item) for key, item in value.items()}
        return {_PAIRS: [[_to_json(key), _to_json(item)] for key, item in value.items()]}
    if isinstance(value, tuple):
        return {_TUPLE: [_to_json(item) for item in value]}
    if isinstance(value, list):
        return [_to_json(item) for item in value]
    if value is None or type(value) in (str, int, float, bool):
        return value
    raise TypeError(f"cannot write a {type(value).__name__} as JSON")


def _from_json_object(value: dict[str, Any]) -> Any:
    if len(value) == 1:
        if _PAIRS in value:
            return {key: item for key, item in value[_PAIRS]}
        if _TUPLE in value:
            return tuple(value[_TUPLE])
    return value


def _cache_file(grammar: str) -> Path | None:
    """Where the tables of this grammar, built by this version of Lark, are kept (or None)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # unset, or relative: the XDG spec says to ignore it
        base = os.path.join(os.path.expanduser("~"), ".cache")
        if not os.path.isabs(base):
            return None  # no home directory: do not write into the working directory
    key = f"{_CACHE_FORMAT}\0{lark.__version__}\0{grammar}".encode()
    return Path(base, "autodiff", f"grammar-{hashlib.sha256(key).hexdigest()[:24]}.json")


def _build_tables(grammar: str) -> str:
    """The LALR tables of ``grammar`` as Lark serialises them (what its standalone tool
    writes), in JSON."""
    built = Lark(grammar, parser="lalr", lexer="basic", maybe_placeholders=False)
    data, memo = built.memo_serialize([TerminalDef, Rule])
    return json.dumps(_to_json({"data": data, "memo": memo}), separators=(",", ":"))


def _load(tables: str, callbacks: _Callbacks) -> _Driver:
    found = json.loads(tables, object_hook=_from_json_object)
    data = found["data"]
    # Built with Lark's basic lexer (a class is no JSON); ours makes the regular expression.
    data["options"]["lexer"] = data["parser"]["lexer_conf"]["lexer_type"] = _Lexer
    return _Driver(Lark._load_from_dict(data, found["memo"], transformer=callbacks))


class _Driver:
    """The LALR(1) loop over Lark's own tables, calling Lark's own reduce callbacks.

    Lark builds the tables from ``expr.lark`` and the callbacks from ``_Callbacks`` (aliases,
    ``?rule`` inlining); this only runs them, as Lark's ``ParserState.feed_token`` does, with
    the lexer inlined and plain integers for actions. The reductions that ``?rule`` inlines
    (``sum: product``) keep the value and only change the state, to one that depends on the
    state below and the next token alone: the goto table jumps over them (``x`` is read
    with one reduction, ``atom: NAME``, not four). An unexpected token or character raises
    the very exception Lark would (same token, same expected terminals), which ``_translate``
    turns into a ``ParseError``.
    """

    def __init__(self, parser: Lark) -> None:
        lalr = parser.parser.parser.parser  # lark.parsers.lalr_parser._Parser
        table, callbacks = lalr.parse_table, lalr.callbacks
        self.lexer: _Lexer = parser.parser.lexer.lexer
        self.lark_states: dict[int, dict[str, tuple[Any, Any]]] = table.states  # for errors
        self.start: int = table.start_states["start"]
        self.end: int = table.end_states["start"]
        # actions[state][terminal]: ≥ 0 shift to that state, < 0 reduce by rules[~action];
        # gotos[state][rule name][terminal]: the state after reducing to that rule, and then
        # by the rules that keep the value, with that terminal next. The lexer calls the end
        # of the text _END (a group name cannot be $END).
        self.actions: list[dict[str, int]] = [{} for _ in table.states]
        gotos: list[dict[str, int]] = [{} for _ in table.states]
        # (length of the rule, its callback or None when the reduction keeps the value, name)
        self.rules: list[tuple[int, Any, str]] = []
        numbers: dict[Rule, int] = {}
        for state, row in table.states.items():
            for symbol, (action, arg) in row.items():
                if action is Shift:
                    if symbol.isupper():
                        self.actions[state][symbol] = arg
                    else:
                        gotos[state][symbol] = arg
                    continue
                if arg not in numbers:
                    numbers[arg] = len(self.rules)
                    size, callback = len(arg.expansion), callbacks[arg]
                    keeps = size == 1 and isinstance(callback, ExpandSingleChild)
                    self.rules.append((size, None if keeps else callback, arg.origin.name))
                self.actions[state]["_END" if symbol == "$END" else symbol] = ~numbers[arg]
        terminals = self.lexer.pattern.groupindex
        self.gotos: list[dict[str, dict[str, int]]] = [
            {
                name: {t: self._settle(gotos, below, to, t) for t in terminals}
                for name, to in row.items()
            }
            for below, row in enumerate(gotos)
        ]

    def _settle(self, gotos: list[dict[str, int]], below: int, state: int, terminal: str) -> int:
        """Where the reductions that keep the value lead from ``state`` (over ``below``), with
        ``terminal`` next: each pops ``state`` only, so ``below`` stays."""
        while state != self.end:
            action = self.actions[state].get(terminal, 0)
            if action >= 0 or self.rules[~action][1] is not None:
                return state
            state = gotos[below][self.rules[~action][2]]
        return state

    def parse(self, text: str) -> Any:
        """The value of the start rule (a ``Term``); Lark's exceptions on bad input."""
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
                    raise self._unexpected(text, match, state) from None
                if action >= 0:
                    break
                size, callback, origin = rules[~action]
                if callback is None:  # the value stays (only after a shift: see _settle)
                    state = states[-1] = gotos[states[-2]][origin][kind]  # type: ignore[index]
                else:
                    children = values[-size:]
                    del values[-size:]
                    del states[-size:]
                    values.append(callback(children))
                    state = gotos[states[-1]][origin][kind]  # type: ignore[index]
                    states.append(state)
                if state == end_state:  # only reached on _END: the start rule is reduced
                    return values[-1]
            start, end = match.span(kind)
            values.append((text[start:end], start, end))
            states.append(action)
            state = action
        raise AssertionError("the lexer's pattern always matches the end of the text")

    def _unexpected(self, text: str, match: re.Match[str], state: int) -> UnexpectedInput:
        """What Lark raises here: its lexer for a character no terminal accepts, else its
        parser for a token (or the end) the state does not accept."""
        kind = match.lastgroup or ""
        start, end = match.span(kind)
        if kind == "_BAD":
            return _unexpected_character(text, start)
        if kind == "_END":
            token = Token("$END", "", start, end_pos=end)
        else:
            token = Token(kind, text[start:end], start, end_pos=end)
        expected = {symbol for symbol in self.lark_states[state] if symbol.isupper()}
        return UnexpectedToken(token, expected)


def _make_parser(callbacks: _Callbacks, cache: Path | None) -> _Driver:
    """The parser, from the cached tables when they are there and sound; else built from the
    grammar and cached. A cache that cannot be read or written is only slower."""
    grammar = _GRAMMAR.read_text(encoding="utf-8")
    if cache is not None:
        try:
            return _load(cache.read_text(encoding="utf-8"), callbacks)
        except Exception:  # missing, unreadable or damaged (any way at all): build it again
            pass
    tables = _build_tables(grammar)
    if cache is not None:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            partial = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
            partial.write_text(tables, encoding="utf-8")
            os.replace(partial, cache)  # atomic: a concurrent reader sees all or nothing
        except OSError:
            pass
    return _load(tables, callbacks)


@lru_cache(maxsize=1)
def _parser() -> tuple[_Driver, _Callbacks]:
    callbacks = _Callbacks()
    grammar = _GRAMMAR.read_text(encoding="utf-8")
    return _make_parser(callbacks, _cache_file(grammar)), callbacks


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


def _translate(error: UnexpectedInput, text: str, expr: int) -> ParseError:
    """A Lark error as a ``ParseError`` that says what was found and what would fit."""
    if isinstance(error, UnexpectedCharacters):
        pos = error.pos_in_stream
        return ParseError(f"unexpected character {text[pos]!r}", span=Span(pos, pos + 1, expr))
    assert isinstance(error, UnexpectedToken)
    token = error.token
    if token.type == "$END":
        pos = len(text.rstrip(_WHITESPACE))
        return ParseError("the expression ends too early", span=Span(pos, pos + 1, expr))
    pos = token.start_pos or 0
    span = Span(pos, token.end_pos or pos + 1, expr)
    before = _previous_char(text, pos)
    if token.type in ("NAME", "NUMBER", "LPAR") and (before.isalnum() or before in "_)."):
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


def parse(texts: str | Sequence[str], *, max_nodes: int = DEFAULT_MAX_NODES) -> Graph:
    """Parse one expression (or several: the outputs of one function) into a Wengert list."""
    sources = (texts,) if isinstance(texts, str) else tuple(texts)
    if not sources:
        raise ParseError("no expression given")
    parser, callbacks = _parser()
    callbacks.builder = builder = GraphBuilder(max_nodes=max_nodes)
    callbacks.names = {}
    outputs: list[Operand] = []
    collecting = gc.isenabled()
    gc.disable()  # the graph is acyclic: collecting while it grows only costs time
    try:
        for expr, text in enumerate(sources):
            builder.expr = expr
            if not text.strip(_WHITESPACE):
                raise ParseError("the expression is empty", span=Span(0, 1, expr))
            _check_brackets(text, expr)
            try:
                outputs.append(parser.parse(text)[0])
            except UnexpectedInput as error:
                raise _translate(error, text, expr) from None
        return builder.finish(outputs, sources)
    finally:
        if collecting:
            gc.enable()
