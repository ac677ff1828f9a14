"""``-o FILE``: a command's stdout sent to a file instead."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path

from .errors import EXIT_INPUT, PROG, printable
from .runner import fail


@contextmanager
def stdout_to(path: Path | None) -> Iterator[None]:
    """Everything the block prints to stdout goes to ``path`` (UTF-8) when one is given; a file
    that cannot be opened is bad usage, named with the reason."""
    if path is None:
        yield
        return
    try:
        stream = open(path, "w", encoding="utf-8")
    except OSError as problem:
        why = problem.strerror or str(problem)
        fail(printable(f"{PROG}: error: cannot write {path}: {why}"), EXIT_INPUT)
    with stream, redirect_stdout(stream):
        yield
