"""Where expressions and points come from: arguments, ``-`` (stdin), ``-f FILE``, ``--points``."""

from __future__ import annotations

import csv
import io
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autodiff.core.errors import InputError, PointError

STDIN = "-"


class SourceError(InputError):
    """An expression file or points file that cannot be read."""


def _read(path: str, what: str) -> str:
    """The text of a file or of stdin, decoded the same way: UTF-8, a leading byte-order mark
    (which spreadsheets write) ignored."""
    source = "standard input" if path == STDIN else f"the {what} {path}"
    try:
        data = _stdin_bytes() if path == STDIN else Path(path).read_bytes()
    except OSError as error:
        raise SourceError(f"cannot read {source}: {error.strerror or error}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise SourceError(
            f"{source} is not UTF-8 text (byte 0x{data[error.start]:02x} on line {line})"
        ) from None


def _stdin_bytes() -> bytes:
    """Standard input's bytes; a closed stdin (``<&-``) is bad input, not a crash."""
    stream = sys.stdin
    if stream is None:
        raise SourceError("standard input is closed, so - has nothing to read")
    buffer = getattr(stream, "buffer", None)
    if buffer is None:  # a text stream without bytes underneath (a notebook's, a test's)
        return stream.read().encode("utf-8", "surrogateescape")
    return buffer.read()


def expression_lines(text: str) -> list[str]:
    """One expression per line; blank lines and ``#`` comments are skipped."""
    lines = []
    for line in text.splitlines():
        body = line.split("#", 1)[0].strip()
        if body:
            lines.append(body)
    return lines


def read_expressions(arguments: Sequence[str] | None, files: Sequence[str] | None) -> list[str]:
    """The expressions of a command: its arguments (``-`` reads stdin), then each ``-f FILE``."""
    expressions: list[str] = []
    for argument in arguments or []:
        if argument == STDIN:
            lines = expression_lines(_read(STDIN, "standard input"))
            if not lines:
                raise SourceError("no expression on standard input")
            expressions += lines
        else:
            expressions.append(argument)
    for path in files or []:
        lines = expression_lines(_read(path, "expression file"))
        if not lines:
            raise SourceError(f"no expression in {path}")
        expressions += lines
    if not expressions:
        raise SourceError("no expression given: pass EXPR, - to read standard input, or -f FILE")
    return expressions


@dataclass
class Points:
    """A table of points: a column of floats per variable, and each row's line in the file."""

    names: list[str]
    columns: dict[str, Any]  # a list of floats or an array per variable
    lines: list[int]  # the file line of each row (1-based; the header is line 1)
    bad: dict[int, str]  # rows that could not be read: file line → why

    def __len__(self) -> int:
        return len(self.lines)

    def arrays(self) -> dict[str, Any]:
        import numpy as np

        return {name: np.asarray(values, dtype=float) for name, values in self.columns.items()}


def _cell(text: str, name: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"the value of {name} is not a number: {text.strip()!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"the value of {name} must be a finite number, not {text.strip()!r}")
    return value


def read_points(path: str) -> Points:
    """A CSV (or TSV, by its header) with a header row naming the variables."""
    text = _read(path, "points file")
    first, _, body = text.partition("\n")
    delimiter = "\t" if "\t" in first else ","
    return _fast_points(first, body, delimiter) or _slow_points(path, text, delimiter)


def _header(path: str, header: list[str] | None) -> list[str]:
    if not header or not any(cell.strip() for cell in header):
        raise PointError(f"the points file {path} has no header row naming the variables")
    names = [cell.strip() for cell in header]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise PointError(f"the points file names {duplicated[0]} twice in its header")
    return names


def _fast_points(first: str, body: str, delimiter: str) -> Points | None:
    """NumPy's parser for the common case: plain numbers, no blank or bad lines (else None)."""
    names = [cell.strip() for cell in next(csv.reader([first], delimiter=delimiter), [])]
    lines = body.rstrip("\n").split("\n") if body.strip() else []
    if not names or len(set(names)) != len(names) or any(not line.strip() for line in lines):
        return None
    try:
        import numpy as np

        table = np.loadtxt(io.StringIO(body), delimiter=delimiter, ndmin=2, dtype=float)
    except (ImportError, ValueError):
        return None
    if table.shape != (len(lines), len(names)) or not np.isfinite(table).all():
        return None
    columns = {name: table[:, j] for j, name in enumerate(names)}
    return Points(names, columns, list(range(2, len(lines) + 2)), {})  # type: ignore[arg-type]


def _slow_points(path: str, text: str, delimiter: str) -> Points:
    """Row by row, so that every bad row is named with its line."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    names = _header(path, next(reader, None))
    columns: dict[str, list[float]] = {name: [] for name in names}
    lines: list[int] = []
    bad: dict[int, str] = {}
    for row in reader:
        line = reader.line_num
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) != len(names):
            bad[line] = f"{len(row)} values for {len(names)} columns"
            continue
        try:
            values = [_cell(cell, name) for cell, name in zip(row, names)]
        except ValueError as error:
            bad[line] = str(error)
            continue
        for name, value in zip(names, values):
            columns[name].append(value)
        lines.append(line)
    return Points(names, columns, lines, bad)
