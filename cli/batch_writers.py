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

# The kept rows of one chunk: the column names, one list of floats per column, each row's line.
Chunk = tuple[list[str], list[list[float]], list[int]]
Written = Callable[[int], None]  # told how many rows were just written (the progress bar)


def write_delimited(chunks: Iterable[Chunk], out: TextIO, delimiter: str, done: Written) -> None:
    from .render.delimited import write

    header = False
    for columns, data, lines in chunks:
        if not header:
            out.write(write(columns, [], delimiter) + "\n")
            header = True
        # One repr per number and no per-cell quoting: the numbers are finite floats.
        texts = [list(map(repr, column)) for column in data]
        out.writelines(delimiter.join(row) + "\n" for row in zip(*texts))
        done(len(lines))


def write_json_lines(chunks: Iterable[Chunk], out: TextIO, done: Written) -> None:
    for columns, data, lines in chunks:
        # One object per point without a json.dumps per row: a finite float's repr is JSON.
        keys = [json.dumps(c) + ":" for c in columns] + ['"line":']
        texts = [list(map(repr, column)) for column in data] + [list(map(str, lines))]
        for row in zip(*texts):
            out.write("{" + ",".join(k + v for k, v in zip(keys, row)) + "}\n")
        done(len(lines))


def write_json(chunks: Iterable[Chunk], out: TextIO, head: dict[str, Any], done: Written) -> None:
    """One document; its ``points`` are written as the chunks come."""
    from .render.json_stream import Stream, write

    chunks = iter(chunks)
    first = next(chunks)  # every batch has a chunk, perhaps without rows: it names the columns

    def points() -> Iterator[dict[str, Any]]:
        for columns, data, lines in chain([first], chunks):
            yield from (dict(zip(columns, row), line=line) for *row, line in zip(*data, lines))
            done(len(lines))

    write({**head, "columns": first[0], "points": Stream(points())}, out)
    out.write("\n")


def table_rows(
    chunks: Iterable[Chunk], max_rows: int, done: Written
) -> tuple[list[str], list[list[Any]], int]:
    """The columns, the first ``max_rows`` rows (the line first) and how many rows there were."""
    columns: list[str] = []
    rows: list[list[Any]] = []
    total = 0
    for names, data, lines in chunks:
        columns = names
        room = max(max_rows - len(rows), 0)
        rows.extend([str(line), *row] for *row, line in zip(*data, lines[:room]))
        total += len(lines)
        done(len(lines))
    return columns, rows, total


def cut_note(shown: int, total: int) -> str | None:
    """What a table of points leaves out (the words of the trace tables' note)."""
    cut = total - shown
    return f"… {cut:,} more rows not shown (--max-rows {total} shows all)" if cut > 0 else None
