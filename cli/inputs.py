"""Where expressions and points come from: arguments, ``-`` (stdin), ``-f FILE``, ``--points``."""

from __future__ import annotations

import io
import math
import re
import sys
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from autodiff.core.errors import InputError, PointError

STDIN = "-"


class SourceError(InputError):
    """An expression file or points file that cannot be read."""


READ_BLOCK = 1 << 20  # bytes read at a time, so that a progress bar can follow


def _read(path: str, what: str, on_read: Callable[[int], object] | None = None) -> str:
    """The text of a file or of stdin, decoded the same way: UTF-8, a leading byte-order mark
    (which spreadsheets write) ignored. ``on_read`` is told the size of each block read."""
    source = "standard input" if path == STDIN else f"the {what} {path}"
    blocks = []
    try:
        with nullcontext(_stdin_bytes()) if path == STDIN else open(path, "rb") as stream:
            while block := stream.read(READ_BLOCK):
                blocks.append(block)
                if on_read is not None:
                    on_read(len(block))
    except OSError as error:
        raise SourceError(f"cannot read {source}: {error.strerror or error}") from None
    data = b"".join(blocks)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise SourceError(
            f"{source} is not UTF-8 text (byte 0x{data[error.start]:02x} on line {line})"
        ) from None


def _stdin_bytes() -> Any:
    """Standard input as a stream of bytes; a closed stdin (``<&-``) is bad input, not a crash."""
    stream = sys.stdin
    if stream is None:
        raise SourceError("standard input is closed, so - has nothing to read")
    buffer = getattr(stream, "buffer", None)
    if buffer is None:  # a text stream without bytes underneath (a notebook's, a test's)
        return io.BytesIO(stream.read().encode("utf-8", "surrogateescape"))
    return buffer


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


# A points cell is a decimal number as the grammar writes one, with an optional sign and spaces
# around it: the numbers --at takes without arithmetic. ``_cell`` (the row-by-row reader) accepts
# exactly these. The NumPy reader is given only bodies made of the characters such numbers use
# (no ``#``, which NumPy reads as a comment, no ``_``, ``x``, ``nan`` or ``inf``); over those
# characters NumPy's float syntax is this one (tests check both readers on the same cells), so a
# cell reads the same on either path.
_CELL = re.compile(r" *[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)? *")
MAX_CELL = 128 * 1024  # characters in one cell: the limit of Python's csv module


def _cell(text: str, name: str) -> float:
    if not _CELL.fullmatch(text):
        shown = text.strip() if len(text) <= 40 else text.strip()[:40] + "…"
        if shown.lower().lstrip("+-") in ("nan", "inf", "infinity"):
            raise ValueError(f"the value of {name} must be a finite number, not {shown!r}")
        raise ValueError(f"the value of {name} is not a number: {shown!r}")
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the value of {name} must be a finite number, not {text.strip()!r}")
    return value


def _numeric_body(delimiter: str) -> re.Pattern[str]:
    """Text made only of the characters of numbers, spaces, ``delimiter`` and line ends."""
    return re.compile(rf"[0-9.eE+\- {re.escape(delimiter)}\r\n]*")


def read_points(path: str, on_read: Callable[[int], object] | None = None) -> Points:
    """A CSV (or TSV, by its header) with a header row naming the variables; ``on_read`` is
    told the size of each block read (the progress bar's reading stage)."""
    text = _read(path, "points file", on_read)
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
    """NumPy's parser for the common case: only cells ``_cell`` accepts (else None)."""
    import csv  # only points need it (≈1.7 ms of every start-up otherwise)

    names = [cell.strip() for cell in next(csv.reader([first], delimiter=delimiter), [])]
    if not names or len(set(names)) != len(names) or any(len(n) > MAX_CELL for n in names):
        return None
    lines = body.rstrip("\n").split("\n") if body.strip() else []
    if any(not line.strip() for line in lines) or not _numeric_body(delimiter).fullmatch(body):
        return None  # a blank line or a cell that is not a plain number: the slow path names it
    if not lines:  # a header alone: no points (and no NumPy warning about empty input)
        return Points(names, {name: [] for name in names}, [], {})
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
    import csv

    where = "standard input" if path == STDIN else path
    _check_cell_sizes(where, text, delimiter)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
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
    except csv.Error as error:  # e.g. a NUL character: the file is not a table
        raise PointError(f"line {reader.line_num} of {where}: {error}") from None
    return Points(names, columns, lines, bad)


def _check_cell_sizes(where: str, text: str, delimiter: str) -> None:
    """Refuse a cell longer than ``MAX_CELL`` characters, naming its line and column."""
    if len(text) <= MAX_CELL:
        return
    import csv

    header = next(csv.reader([text.partition("\n")[0][: MAX_CELL + 1]], delimiter=delimiter), [])
    start, number = 0, 1
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        if end - start > MAX_CELL:
            for column, cell in enumerate(text[start:end].split(delimiter)):
                if len(cell) > MAX_CELL:
                    name = header[column].strip() if number > 1 and column < len(header) else ""
                    what = f"column {name}" if name else f"column {column + 1}"
                    raise PointError(
                        f"line {number} of {where}, {what}: a value longer than "
                        f"{MAX_CELL:,} characters is not a number"
                    )
        start, number = end + 1, number + 1
