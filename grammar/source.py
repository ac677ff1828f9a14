"""What ``expr.lark`` says, read from its text without Lark: the lexer's one regular expression
(from the terminal definitions) and each rule's alternatives with their aliases.

Lark reads the grammar only to derive the LALR tables, once. Every start reads these two things
itself (~0.1 ms), so that the lexer never comes from the cache (a pattern there could hang the
lexer) and the cached tables can be checked against the grammar (``tables.check``). Only the
part of Lark's grammar language that ``expr.lark`` uses is understood — rules with ``?``,
``->`` aliases and EBNF groups; terminals made of string and regexp literals, alternatives of
them and a priority; ``%ignore`` of a literal — and anything else raises ``ValueError``, so a
grammar this reader misreads cannot go unnoticed (the tests read ``expr.lark``, and compare the
lexer with Lark's).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

try:  # how Lark measures a terminal's widths, to order the terminals as its lexer does
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # Python 3.10
    import sre_parse as _sre_parse  # type: ignore[no-redef]

# The lines of the grammar's text: a terminal's definition (NAME, priority, body), the first
# line of a rule (?, name, body), another alternative (body), an %ignore, nothing (a comment or
# a blank line). Any other line is not understood.
_TERMINAL = re.compile(r"([A-Z_][A-Z0-9_]*)(?:\.(-?[0-9]+))?[ \t]*:(.*)")
_RULE = re.compile(r"(\??)([a-z_][a-z0-9_]*)[ \t]*:(.*)")
_MORE = re.compile(r"[ \t]+\|(.*)")
_IGNORE = re.compile(r"%ignore[ \t]+(.*)")
_NOTHING = re.compile(r"[ \t]*(?://.*)?")
# A terminal's body: literals, each a string or a regexp, separated by '|'
_LITERAL = re.compile(r'[ \t]*("(?:[^"\\]|\\.)*"|/(?:[^/\\]|\\.)+/)([a-z]*)[ \t]*(\||//.*|$)')
# An alternative of a rule: symbols and EBNF operators, and perhaps "-> alias"
_ALTERNATIVE = re.compile(
    r"([A-Za-z0-9_ \t()*+?\[\]~]*?)(?:->[ \t]*([a-z_][a-z0-9_]*))?[ \t]*(?://.*)?"
)
_SYMBOL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_EBNF = re.compile(r"[()*+?\[\]~]")


@dataclass(frozen=True)
class Alternative:
    """One alternative of a rule: its symbols in order (EBNF operators left out), its alias,
    and whether it is ``plain`` (no EBNF: Lark makes it one rule of exactly these symbols)."""

    origin: str
    symbols: tuple[str, ...]
    alias: str | None
    plain: bool


@dataclass(frozen=True)
class Grammar:
    """The grammar as the driver and the table check need it."""

    terminals: tuple[str, ...]  # the token terminals, in the lexer's order
    pattern: str  # the lexer's regular expression (see ``_lexer_pattern``)
    alternatives: tuple[Alternative, ...]
    inlined: frozenset[str]  # the ``?rule``s: an alternative of one symbol keeps its value


@dataclass(frozen=True)
class _Piece:
    """A terminal's (or one alternative's) regular expression, as Lark sorts them."""

    regexp: str
    value: str  # what Lark measures the length of: the string, or the regexp
    widths: tuple[int, int]


def _literals(body: str, where: str) -> list[tuple[str, str]]:
    """The literals of a terminal's body, each as (kind, text without quotes or slashes)."""
    found, pos = [], 0
    while pos < len(body) and not body.startswith("//", pos):
        match = _LITERAL.match(body, pos)
        if match is None or match.group(2) or match.end() == pos:  # flags are not understood
            raise ValueError(f"expr.lark: {where}: a definition this reader does not know")
        literal = match.group(1)
        found.append(("string" if literal[0] == '"' else "regexp", literal[1:-1]))
        pos = match.end() if match.group(3) == "|" else len(body)
    if not found or any(kind == "string" and "\\" in text for kind, text in found):
        raise ValueError(f"expr.lark: {where}: a definition this reader does not know")
    return found


def _piece(kind: str, text: str) -> _Piece:
    if kind == "string":
        return _Piece(re.escape(text), text, (len(text), len(text)))
    low, high = _sre_parse.parse(text).getwidth()
    return _Piece(text, text, (int(low), int(high)))


def _terminal(name: str, body: str) -> _Piece:
    """A terminal defined by literals or alternatives of literals, joined as Lark joins them
    (the longest first, or ``(l|ll)`` would prefer the shorter)."""
    pieces = [_piece(kind, text) for kind, text in _literals(body, name)]
    if len(pieces) == 1:
        return pieces[0]
    pieces.sort(key=lambda p: (-p.widths[1], -p.widths[0], -len(p.value)))
    joined = f"(?:{'|'.join(p.regexp for p in pieces)})"
    widths = (min(p.widths[0] for p in pieces), max(p.widths[1] for p in pieces))
    return _Piece(joined, joined, widths)


def _alternative(origin: str, body: str) -> Alternative:
    match = _ALTERNATIVE.fullmatch(body)
    symbols = () if match is None else tuple(_SYMBOL.findall(match.group(1)))
    if match is None or not symbols:  # a literal in a rule, an empty alternative, …
        raise ValueError(f"expr.lark: rule {origin}: an alternative this reader does not know")
    return Alternative(origin, symbols, match.group(2), _EBNF.search(match.group(1)) is None)


def _lexer_pattern(ordered: list[tuple[str, str]], ignored: list[str]) -> str:
    """Each match is optional ignored text and then one token (the group named after its
    terminal), the end of the text (``_END``), or a character no terminal accepts (``_BAD``)."""
    alternatives = [f"(?P<{name}>{regexp})" for name, regexp in ordered]
    skip = f"(?:{'|'.join(ignored)})*" if ignored else ""
    return f"{skip}(?:{'|'.join(alternatives)}|(?P<_END>\\Z)|(?P<_BAD>(?s:.)))"


def read(text: str) -> Grammar:
    """The terminals, the lexer's pattern and the alternatives of ``text`` (``expr.lark``)."""
    terminals: dict[str, tuple[int, _Piece]] = {}  # name → (priority, pattern)
    ignored: list[str] = []
    alternatives: list[Alternative] = []
    inlined: set[str] = set()
    origin = ""  # the rule whose alternatives follow
    for line in text.splitlines():
        if match := _MORE.fullmatch(line):
            if not origin:
                raise ValueError(f"expr.lark: an alternative outside a rule: {line.strip()}")
            alternatives.extend(_alternative(origin, b) for b in match.group(1).split("|"))
        elif match := _RULE.fullmatch(line):
            inline, origin, body = match.groups()
            if inline:
                inlined.add(origin)
            alternatives.extend(_alternative(origin, b) for b in body.split("|"))
        elif match := _TERMINAL.fullmatch(line):
            name, priority, body = match.groups()
            terminals[name] = (int(priority or 0), _terminal(name, body))  # Lark's default: 0
            origin = ""
        elif match := _IGNORE.fullmatch(line):
            ((kind, literal),) = _literals(match.group(1), "%ignore")
            ignored.append(literal if kind == "regexp" else re.escape(literal))
            origin = ""
        elif not _NOTHING.fullmatch(line):
            raise ValueError(f"expr.lark: a line this reader does not know: {line.strip()}")
    # Lark's basic lexer tries terminals by priority, then the longest possible match, then
    # the longest definition, then the name
    ordered = sorted(
        terminals.items(),
        key=lambda item: (-item[1][0], -item[1][1].widths[1], -len(item[1][1].value), item[0]),
    )
    return Grammar(
        terminals=tuple(name for name, _ in ordered),
        pattern=_lexer_pattern([(name, piece.regexp) for name, (_, piece) in ordered], ignored),
        alternatives=tuple(alternatives),
        inlined=frozenset(inlined),
    )
