"""What ``expr.lark`` says, read from its text without Lark: the lexer's one regular expression
(from the terminal definitions) and each rule's alternatives with their aliases.

Lark reads the grammar only to derive the LALR tables, once. Every start reads these two things
itself, so that the lexer never comes from the cache (a pattern there could hang the lexer)
and the cached tables can be checked against the grammar (``tables.check``). Only the part of
Lark's grammar language that ``expr.lark`` uses is understood — rules with ``?``, ``->``
aliases and EBNF groups; terminals made of string and regexp literals, alternatives of them and
a priority; ``%ignore`` of a regexp — and anything else raises ``ValueError``, so a grammar
this reader misreads cannot go unnoticed (the tests read ``expr.lark``, and compare the lexer
with Lark's). It is read with string methods and no regular expression or dataclass of its
own: compiling those would cost more of every start than reading the grammar does.
"""

from __future__ import annotations

import re

_UNBOUNDED = 1 << 64  # the widest match of an unbounded repetition (sre_parse's MAXWIDTH)
_EBNF = str.maketrans("()*+?[]~", "        ")


class Alternative:
    """One alternative of a rule: its symbols in order (EBNF operators left out), its alias,
    and whether it is ``plain`` (no EBNF: Lark makes it one rule of exactly these symbols)."""

    __slots__ = ("alias", "origin", "plain", "symbols")

    def __init__(self, origin: str, symbols: tuple[str, ...], alias: str | None, plain: bool):
        self.origin, self.symbols, self.alias, self.plain = origin, symbols, alias, plain

    def __repr__(self) -> str:
        return f"Alternative({self.origin!r}, {self.symbols!r}, {self.alias!r}, {self.plain})"


class Grammar:
    """The grammar as the driver and the table check need it."""

    __slots__ = ("alternatives", "inlined", "pattern", "terminals")

    def __init__(
        self,
        terminals: tuple[str, ...],  # the token terminals, in the lexer's order
        pattern: str,  # the lexer's regular expression (see ``_lexer_pattern``)
        alternatives: tuple[Alternative, ...],
        inlined: frozenset[str],  # the ``?rule``s: an alternative of one symbol keeps its value
    ) -> None:
        self.terminals, self.pattern = terminals, pattern
        self.alternatives, self.inlined = alternatives, inlined


# A terminal's (or one of its alternatives') regular expression as Lark sorts them: the
# regexp, what Lark measures the length of (the string, or the regexp), its (least, widest)
# match.
_Piece = tuple[str, str, tuple[int, int]]


def _unknown(where: str) -> ValueError:
    return ValueError(f"expr.lark: {where}: syntax this reader of the grammar does not know")


def _literals(body: str, where: str) -> list[tuple[str, str]]:
    """The literals of a terminal's body, ``"…"`` or ``/…/`` separated by ``|``, each as
    (kind, its text without quotes or slashes); a ``//`` comment may end the line."""
    found: list[tuple[str, str]] = []
    rest = body.strip()
    while True:
        quote = rest[:1]
        if quote not in ('"', "/") or rest.startswith("//"):
            raise _unknown(where)
        end = 1
        while end < len(rest) and rest[end] != quote:
            end += 2 if rest[end] == "\\" else 1  # a regexp's escaped '/'
        text = rest[1:end]
        if end >= len(rest) or not text or (quote == '"' and "\\" in text):
            raise _unknown(where)  # unclosed, empty, or a string with escapes
        found.append(("string" if quote == '"' else "regexp", text))
        rest = rest[end + 1 :].lstrip()
        if not rest or rest.startswith("//"):
            return found
        if rest[0] != "|":  # flags, or anything else
            raise _unknown(where)
        rest = rest[1:].lstrip()


def _widths(regexp: str, alone: bool) -> tuple[int, int]:
    """A regexp's (least, widest) match, as Lark measures it with sre_parse — or, when it is
    ``alone`` (only the widest counts) and it plainly repeats without bound (``*``, ``+`` or
    ``{n,}`` outside a character class, and no ``(?`` group), (0, unbounded) without parsing
    it: sre_parse would cost more than all the rest of reading the grammar."""
    repeats = escaped = in_class = False
    for i, char in enumerate(regexp):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]" or regexp[i - 1] in "[^"
        elif char == "[":
            in_class = True
        elif char == "(" and regexp[i + 1 : i + 2] == "?":
            repeats = False  # a lookaround or a group's options: ask sre_parse
            break
        elif char in "*+" or (char == "," and regexp[i + 1 : i + 2] == "}"):
            repeats = True
    if alone and repeats:
        return 0, _UNBOUNDED
    try:
        from re import _parser as sre_parse  # type: ignore[attr-defined]
    except ImportError:  # Python 3.10
        import sre_parse  # type: ignore[no-redef]
    low, high = sre_parse.parse(regexp).getwidth()
    unbounded = getattr(sre_parse, "MAXWIDTH", sre_parse.MAXREPEAT)  # by Python's version
    return int(low), _UNBOUNDED if high >= unbounded else int(high)


def _terminal(name: str, body: str) -> _Piece:
    """A terminal defined by literals or alternatives of literals, joined as Lark joins them
    (the longest first, or ``(l|ll)`` would prefer the shorter)."""
    literals = _literals(body, f"terminal {name}")
    pieces: list[_Piece] = [
        (re.escape(text), text, (len(text), len(text)))
        if kind == "string"
        else (text, text, _widths(text, len(literals) == 1))
        for kind, text in literals
    ]
    if len(pieces) == 1:
        return pieces[0]
    pieces.sort(key=lambda p: (-p[2][1], -p[2][0], -len(p[1])))
    joined = f"(?:{'|'.join(p[0] for p in pieces)})"
    return joined, joined, (min(p[2][0] for p in pieces), max(p[2][1] for p in pieces))


def _alternatives(origin: str, body: str) -> list[Alternative]:
    """The alternatives on one line of a rule (a rule has no literals: ``//`` is a comment)."""
    return [_alternative(origin, alternative) for alternative in body.split("//")[0].split("|")]


def _alternative(origin: str, body: str) -> Alternative:
    expansion, arrow, alias = body.partition("->")
    words = expansion.translate(_EBNF)
    symbols = tuple(words.split())
    balanced = body.count("(") == body.count(")") and body.count("[") == body.count("]")
    known = all(symbol.isidentifier() for symbol in symbols)
    if not (symbols and balanced and known and (alias.strip().isidentifier() or not arrow)):
        raise _unknown(f"rule {origin}")  # a literal in a rule, a '|' in a group, …
    return Alternative(origin, symbols, alias.strip() if arrow else None, words == expansion)


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
        stripped = line.strip()
        if not stripped or stripped.startswith("//"):
            continue
        if line[0] in " \t":  # another alternative of the rule above
            if not origin or stripped[0] != "|":
                raise _unknown(stripped)
            alternatives += _alternatives(origin, stripped[1:])
            continue
        if stripped.startswith("%ignore "):
            ((kind, literal),) = _literals(stripped[len("%ignore ") :], "%ignore")
            ignored.append(literal if kind == "regexp" else re.escape(literal))
            origin = ""
            continue
        head, colon, body = line.partition(":")
        inline = head.startswith("?")
        name, dot, priority = head.strip().removeprefix("?").partition(".")
        if not (colon and name.isidentifier() and (priority.lstrip("-").isdigit() or not dot)):
            raise _unknown(stripped)
        if name.isupper():  # a terminal (Lark's default priority: 0)
            terminals[name] = (int(priority or 0), _terminal(name, body))
            origin = ""
        elif not priority:
            origin = name
            if inline:
                inlined.add(name)
            alternatives += _alternatives(name, body)
        else:
            raise _unknown(stripped)
    # Lark's basic lexer tries terminals by priority, then the widest possible match, then
    # the longest definition, then the name
    ordered = sorted(
        terminals.items(),
        key=lambda item: (-item[1][0], -item[1][1][2][1], -len(item[1][1][1]), item[0]),
    )
    return Grammar(
        terminals=tuple(name for name, _ in ordered),
        pattern=_lexer_pattern([(name, piece[0]) for name, (_, piece) in ordered], ignored),
        alternatives=tuple(alternatives),
        inlined=frozenset(inlined),
    )
