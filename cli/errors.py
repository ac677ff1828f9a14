"""Turn exceptions into what a person reads on stderr, and into exit codes.

The only place that chooses exit statuses: 0 success, 1 a mathematical error (domain,
non-finite), 2 bad usage or bad input, 3 an internal error (a bug: please report it).
"""

from __future__ import annotations

from collections.abc import Sequence

from autodiff.core.errors import AutodiffError, InputError, Span
from autodiff.core.notation import to_ascii

EXIT_OK = 0
EXIT_MATH = 1
EXIT_INPUT = 2
EXIT_INTERNAL = 3
PROG = "autodiff"


def exit_code(error: AutodiffError) -> int:
    return EXIT_INPUT if isinstance(error, InputError) else EXIT_MATH


WINDOW = 76  # characters of a long source line shown around the error


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


def format_error(error: AutodiffError, sources: Sequence[str], ascii_only: bool = False) -> str:
    """``autodiff: error: …`` and, for bad input with a known span, the line with a caret."""
    message = error.message
    location = ""
    lines: list[str] = []
    if error.span is not None and sources:
        line, column, width, offset = _where(error.span, sources)
        expr = f"expression {error.span.expr + 1}, " if len(sources) > 1 else ""
        if isinstance(error, InputError):
            location = f" at {expr}column {column}"
            shown = line[offset : offset + WINDOW]
            lead = "…" if offset else ""
            caret = " " * (len(lead) + column - 1 - offset) + "^" * min(width, WINDOW // 2)
            lines = [f"  {lead}{shown}{'…' if offset + WINDOW < len(line) else ''}", f"  {caret}"]
        else:
            message += source_of(error.span, sources)
    text = "\n".join([f"{PROG}: error{location}: {message}", *lines])
    return to_ascii(text) if ascii_only else text


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
    text = f"{PROG}: warning: {message}{source_of(span, sources)}"
    return to_ascii(text) if ascii_only else text
