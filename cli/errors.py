"""Turn exceptions into what a person reads on stderr, and into exit codes.

The only place that chooses exit statuses: 0 success, 1 a mathematical error (domain,
non-finite), 2 bad usage or bad input, 3 an internal error (a bug: please report it).
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from collections.abc import Sequence
from typing import NoReturn

from autodiff.core.errors import AutodiffError, InputError, Span
from autodiff.core.notation import to_ascii

EXIT_OK = 0
EXIT_MATH = 1
EXIT_INPUT = 2
EXIT_INTERNAL = 3
PROG = "autodiff"


def exit_code(error: AutodiffError) -> int:
    return EXIT_INPUT if isinstance(error, InputError) else EXIT_MATH


def end_quietly_on_closed_pipe() -> NoReturn:
    """The reader of stdout went away (``| head``): stop with status 0 and no message, in every
    format. Rich's own handler exits 1, the status of a math error; and stdout now points at
    the null device, so that flushing what is still buffered at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout is no file (a test's capture): nothing to flush
        pass
    raise SystemExit(EXIT_OK)


WINDOW = 76  # characters of a long source line shown around the error
LONGEST_WORD = 200  # a longer run of non-blank characters in a message is shortened


def printable(text: str) -> str:
    """``text`` on one line of a terminal: control characters (a line break, a carriage return,
    an escape sequence typed into an argument) are written as escapes such as ``\\n``, and a
    huge token (a million digits) is cut in the middle."""
    if text.isprintable():
        safe = text
    else:
        safe = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return re.sub(rf"\S{{{LONGEST_WORD + 1},}}", _shorten, safe)


def _shorten(match: re.Match[str]) -> str:
    word = match.group()
    return f"{word[: LONGEST_WORD // 2]}…{word[-10:]} ({len(word):,} characters)"


def _visible(char: str, ascii_only: bool) -> str:
    """One character of the source line as one column: controls as their pictures (U+2400…),
    and in ASCII mode anything else that is not ASCII as ``?``."""
    if ascii_only:
        return char if " " <= char <= "~" else "?"
    if char.isprintable():
        return char
    code = ord(char)
    return chr(0x2400 + code) if code < 0x20 else "\u2421" if code == 0x7F else "?"


def _columns(text: str) -> int:
    """How many terminal columns ``text`` takes (wide East Asian characters take two)."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


def _where(span: Span, sources: Sequence[str]) -> tuple[str, int, int, int]:
    """The source line holding the span, the span's 1-based column, its width on that line,
    and the offset of the shown window of the line (long lines are cut around the error)."""
    text = sources[span.expr] if span.expr < len(sources) else ""
    line_start = text.rfind("\n", 0, span.start) + 1
    line_end = text.find("\n", span.start)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    column = span.start - line_start + 1
    width = max(1, min(span.end, line_start + len(line)) - span.start)
    offset = 0 if len(line) <= WINDOW else max(0, min(column - WINDOW // 2, len(line) - WINDOW))
    return line, column, width, offset


def _caret_lines(line: str, column: int, width: int, offset: int, ascii_only: bool) -> list[str]:
    """The (windowed) source line and a caret line under the error's columns."""
    ellipsis = "..." if ascii_only else "…"
    shown = "".join(_visible(c, ascii_only) for c in line[offset : offset + WINDOW])
    lead = ellipsis if offset else ""
    trail = ellipsis if offset + WINDOW < len(line) else ""
    before = lead + shown[: column - 1 - offset]
    marked = shown[column - 1 - offset : column - 1 - offset + min(width, WINDOW // 2)]
    caret = " " * _columns(before) + "^" * max(1, _columns(marked))
    return [f"  {lead}{shown}{trail}", f"  {caret}"]


# The option that gives each argument of a library call an error can name (``error.argument``).
OPTIONS = {"at": "--at", "wrt": "--wrt", "tol": "--tol", "name": "--name", "inputs": "--inputs"}


def format_error(
    error: AutodiffError,
    sources: Sequence[str],
    ascii_only: bool = False,
    *,
    lead: str = f"{PROG}: error",
) -> str:
    """``autodiff: error: …`` (or ``lead`` and the rest) and, for bad input with a known span,
    the line with a caret."""
    message = error.message
    if error.argument in OPTIONS:
        message = f"{OPTIONS[error.argument]}: {message}"
    location = ""
    lines: list[str] = []
    if error.span is not None and sources:
        line, column, width, offset = _where(error.span, sources)
        expr = f"expression {error.span.expr + 1}, " if len(sources) > 1 else ""
        if isinstance(error, InputError):
            location = f" at {expr}column {column}"
            lines = _caret_lines(line, column, width, offset, ascii_only)
        else:
            message += source_of(error.span, sources)
    first = f"{lead}{location}: {printable(message)}"
    return "\n".join([_ascii_message(first) if ascii_only else first, *lines])


def _ascii_message(text: str) -> str:
    """ASCII notation (v-1 for v₋₁), but the user's text quoted in the message ('²') escaped
    rather than transliterated, so that it still names the character that was typed."""
    quoted = re.sub(
        r"'[^']*'", lambda m: m.group().encode("ascii", "backslashreplace").decode(), text
    )
    return to_ascii(quoted)


def source_of(span: Span | None, sources: Sequence[str]) -> str:
    """`` (from "log(x - 1.5)" at column 5)`` for a span of the sources, or nothing."""
    if span is None or not sources:
        return ""
    line, column, width, _ = _where(span, sources)
    expr = f"expression {span.expr + 1}, " if len(sources) > 1 else ""
    snippet = line[column - 1 : column - 1 + width]
    if len(snippet) > 40:
        snippet = snippet[:37] + "…"
    return f' (from "{snippet}" at {expr}column {column})'


def format_warning(
    message: str, ascii_only: bool = False, span: Span | None = None, sources: Sequence[str] = ()
) -> str:
    text = f"{PROG}: warning: {printable(message + source_of(span, sources))}"
    return to_ascii(text) if ascii_only else text
