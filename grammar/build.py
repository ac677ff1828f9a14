"""Text → ``Graph``: the LALR parser from ``expr.lark`` with the graph builder inlined.

The builder's callbacks run as the parser reduces, so no parse tree is kept and nothing
recurses: a 20,000-term sum or 5,000 nested parentheses are as easy as ``x + 1``. Every Lark
error is translated into a ``ParseError`` with the column and a reason a person can act on.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from functools import lru_cache

from lark import Lark, Token, Transformer, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from autodiff.core.builder import DEFAULT_MAX_NODES, GraphBuilder, Term
from autodiff.core.errors import (
    ArityError,
    NameUsageError,
    ParseError,
    Span,
    UnknownFunctionError,
)
from autodiff.core.graph import Graph
from autodiff.core.primitives import CONSTANTS, FUNCTION_NAMES, lookup_function

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


class _Callbacks(Transformer):  # type: ignore[type-arg]
    """Reduce callbacks: each returns a ``Term`` built by the current ``GraphBuilder``."""

    def __init__(self) -> None:
        super().__init__(visit_tokens=False)
        self.builder = GraphBuilder()
        self.expr = 0

    def _span(self, first: Token | Term, last: Token | Term) -> Span:
        start = first.start_pos if isinstance(first, Token) else first.span.start
        end = last.end_pos if isinstance(last, Token) else last.span.end
        return Span(start or 0, end or 0, self.expr)

    def _binary(self, op: str, children: list) -> Term:  # type: ignore[type-arg]
        left, _, right = children
        return self.builder.apply(op, [left, right], self._span(left, right))

    def add(self, c: list) -> Term:  # type: ignore[type-arg]
        return self._binary("add", c)

    def sub(self, c: list) -> Term:  # type: ignore[type-arg]
        return self._binary("sub", c)

    def mul(self, c: list) -> Term:  # type: ignore[type-arg]
        return self._binary("mul", c)

    def div(self, c: list) -> Term:  # type: ignore[type-arg]
        return self._binary("div", c)

    def pow(self, c: list) -> Term:  # type: ignore[type-arg]
        return self._binary("pow", c)

    def neg(self, c: list) -> Term:  # type: ignore[type-arg]
        sign, operand = c
        return self.builder.apply("neg", [operand], self._span(sign, operand))

    def pos(self, c: list) -> Term:  # type: ignore[type-arg]
        sign, operand = c
        return Term(operand.operand, self._span(sign, operand))

    def group(self, c: list) -> Term:  # type: ignore[type-arg]
        left, inner, right = c
        return Term(inner.operand, self._span(left, right))

    def number(self, c: list) -> Term:  # type: ignore[type-arg]
        (token,) = c
        value = float(token)
        if not math.isfinite(value):
            raise ParseError(
                f"the number {token} is too large for a float", span=self._span(token, token)
            )
        return self.builder.constant(value, self._span(token, token))

    def name(self, c: list) -> Term:  # type: ignore[type-arg]
        (token,) = c
        span = self._span(token, token)
        if token in CONSTANTS:
            return self.builder.constant(CONSTANTS[token], span, _CONSTANT_LABELS[token])
        if lookup_function(token) is not None:
            raise NameUsageError(f"{token} is a function: call it as {token}(…)", span=span)
        return self.builder.input(str(token), span)

    def arguments(self, c: list) -> list[Term]:  # type: ignore[type-arg]
        return [item for item in c if isinstance(item, Term)]

    def call(self, c: list) -> Term:  # type: ignore[type-arg]
        name, _, args, right = c
        args = args or []
        span = self._span(name, right)
        primitive = lookup_function(name)
        if primitive is None:
            raise UnknownFunctionError(
                _unknown_function_message(str(name)), span=self._span(name, name)
            )
        if len(args) != primitive.arity:
            plural = "argument" if primitive.arity == 1 else "arguments"
            raise ArityError(f"{name} takes {primitive.arity} {plural}, got {len(args)}", span=span)
        return self.builder.apply(primitive.name, args, span)


def _unknown_function_message(name: str) -> str:
    if name in CONSTANTS:
        return f"{name} is a constant, not a function"
    close = difflib.get_close_matches(name, FUNCTION_NAMES, n=1, cutoff=0.6)
    if close:
        return f"unknown function {name!r}: did you mean {close[0]}?"
    return f"unknown function {name!r} (for a product write {name}*(…))"


@lru_cache(maxsize=1)
def _parser() -> tuple[Lark, _Callbacks]:
    callbacks = _Callbacks()
    parser = Lark.open(
        "expr.lark", rel_to=__file__, parser="lalr", transformer=callbacks, maybe_placeholders=True
    )
    return parser, callbacks


def _check_brackets(text: str, expr: int) -> None:
    """Report unbalanced parentheses precisely, before the parser reports them vaguely."""
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
    before = text[:pos].rstrip()
    return before[-1] if before else ""


def _translate(error: UnexpectedInput, text: str, expr: int) -> ParseError:
    """A Lark error as a ``ParseError`` that says what was found and what would fit."""
    if isinstance(error, UnexpectedCharacters):
        pos = error.pos_in_stream
        return ParseError(f"unexpected character {text[pos]!r}", span=Span(pos, pos + 1, expr))
    assert isinstance(error, UnexpectedToken)
    token = error.token
    if token.type == "$END":
        pos = len(text.rstrip())
        return ParseError("the expression ends too early", span=Span(pos, pos + 1, expr))
    pos = token.start_pos or 0
    span = Span(pos, token.end_pos or pos + 1, expr)
    before = _previous_char(text, pos)
    if token.type in ("NAME", "NUMBER", "LPAR") and (before.isalnum() or before in "_)."):
        left = text[:pos].rstrip()
        word = left.split()[-1] if left.split() else left
        return ParseError(
            f"missing operator before {str(token)!r}: write {word}*{token} for a product", span=span
        )
    expected = sorted(_DESCRIBE[t] for t in error.expected if t in _DESCRIBE)
    hint = f" (expected {', '.join(expected)})" if expected and len(expected) <= 4 else ""
    return ParseError(f"unexpected {str(token)!r}{hint}", span=span)


def parse(texts: str | Sequence[str], *, max_nodes: int = DEFAULT_MAX_NODES) -> Graph:
    """Parse one expression (or several: the outputs of one function) into a Wengert list."""
    sources = (texts,) if isinstance(texts, str) else tuple(texts)
    if not sources:
        raise ParseError("no expression given")
    parser, callbacks = _parser()
    callbacks.builder = builder = GraphBuilder(max_nodes=max_nodes)
    outputs: list[Term] = []
    for expr, text in enumerate(sources):
        callbacks.expr = expr
        if not text.strip():
            raise ParseError("the expression is empty", span=Span(0, 1, expr))
        _check_brackets(text, expr)
        try:
            outputs.append(parser.parse(text))
        except UnexpectedInput as error:
            raise _translate(error, text, expr) from None
    return builder.finish(outputs, sources)
