"""Writing the rows of a batch (``--points``) chunk by chunk, as the sweeps produce them.

Machine formats (CSV, TSV, JSON Lines, JSON) write each chunk's rows and keep nothing, so
memory does not grow with the number of points; JSON writes its ``points`` array item by item
(``render.json_stream``), byte for byte the document ``json.dumps`` would make. Tables for
people (Rich, Markdown) keep the first ``--max-rows`` rows and say how many were cut.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from typing import Any, TextIO

# The kept rows of one chunk: the column names (made on demand: a Hessian of 3,000 inputs has
# 9M), a (columns × rows) NumPy array of floats, each row's line.
Chunk = tuple[Callable[[], Iterator[str]], Any, list[int]]
CELLS = 1 << 16  # numbers turned into text at a time: a wide row is written in slices
Written = Callable[[int], None]  # told how many rows were just written (the progress bar)


def write_delimited(chunks: Iterable[Chunk], out: TextIO, delimiter: str, done: Written) -> None:
    from .render.delimited import write_cells, write_header

    header = False
    for names, data, lines in chunks:
        if not header:
            write_header(out, names(), delimiter)
            header = True
        # One repr per number and no per-cell quoting: the numbers are finite floats.
        if len(data) <= CELLS:
            out.writelines(delimiter.join(map(repr, row)) + "\n" for row in _rows(data))
        else:  # a row too wide to hold as Python floats at once (9M Hessian entries)
            for j in range(data.shape[1]):
                write_cells(out, map(repr, _cells(data[:, j])), delimiter)
        done(len(lines))


def _rows(data: Any) -> Iterator[list[float]]:
    """The rows of ``data`` (columns × rows) as lists of Python floats, a block at a time."""
    step = max(CELLS // max(len(data), 1), 1)
    for start in range(0, data.shape[1], step):
        yield from data[:, start : start + step].T.tolist()


def _cells(row: Any) -> Iterator[float]:
    """The entries of one long 1-D array as Python floats, a slice at a time."""
    for start in range(0, len(row), CELLS):
        yield from row[start : start + CELLS].tolist()


def write_json_lines(chunks: Iterable[Chunk], out: TextIO, done: Written) -> None:
    for names, data, lines in chunks:
        # One object per point without a json.dumps per row: a finite float's repr is JSON.
        keys = [json.dumps(c) + ":" for c in names()]
        for row, line in zip(data.T.tolist(), lines):
            cells = [k + repr(v) for k, v in zip(keys, row)]
            out.write("{" + ",".join([*cells, f'"line":{line}']) + "}\n")
        done(len(lines))


def write_json(chunks: Iterable[Chunk], out: TextIO, head: dict[str, Any], done: Written) -> None:
    """One document; its ``points`` are written as the chunks come."""
    from .render.json_stream import Stream, write

    chunks = iter(chunks)
    first = next(chunks)  # every batch has a chunk, perhaps without rows: it names the columns

    columns = list(first[0]())

    def points() -> Iterator[dict[str, Any]]:
        for _, data, lines in chain([first], chunks):
            rows = zip(data.T.tolist(), lines)
            yield from (dict(zip(columns, row), line=line) for row, line in rows)
            done(len(lines))

    write({**head, "columns": columns, "points": Stream(points())}, out)
    out.write("\n")


def table_rows(
    chunks: Iterable[Chunk], max_rows: int, done: Written
) -> tuple[list[str], list[list[Any]], int]:
    """The columns, the first ``max_rows`` rows (the line first) and how many rows there were."""
    columns: list[str] = []
    rows: list[list[Any]] = []
    total = 0
    for names, data, lines in chunks:
        columns = list(names())
        room = max(max_rows - len(rows), 0)
        kept = data[:, :room].T.tolist()
        rows.extend([str(line), *row] for row, line in zip(kept, lines[:room]))
        total += len(lines)
        done(len(lines))
    return columns, rows, total


def cut_note(shown: int, total: int) -> str | None:
    """What a table of points leaves out (the words of the trace tables' note)."""
    cut = total - shown
    return f"… {cut:,} more rows not shown (--max-rows {total} shows all)" if cut > 0 else None
