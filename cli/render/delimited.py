"""CSV and TSV for programs: a header row, then rows at full round-trip precision.

By default one row per result (the record of ``core.records``: inputs, outputs, derivatives);
with ``--trace`` (and always for ``wengert``) one row per node of the trace, the JSON trace rows
flattened (``tangent`` per pass becomes ``tangent_x1``, ``tangent_x2``, …).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from typing import Any, TextIO

from autodiff.core.records import iter_columns, iter_record, wrt_of

from . import json as json_render
from .options import RenderOptions


def _format(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def write(header: Sequence[str], rows: Iterable[Sequence[Any]], delimiter: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([_format(v) for v in row] for row in rows)
    return out.getvalue().rstrip("\n")


def _flatten(item: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in item.items():
        if isinstance(value, dict):
            flat.update({f"{key}_{k}": v for k, v in value.items()})
        elif key == "args":
            flat[key] = " ".join(
                _format(a["const"]) if isinstance(a, dict) else str(a) for a in value
            )
        else:
            flat[key] = value
    return flat


EMPTY_TRACE_HEADER = ("id", "var", "op", "args", "expr", "value")


def trace_rows(
    command: str, result: Any, options: RenderOptions
) -> tuple[list[str], list[list[Any]]]:
    """The trace as a header and rows: one row per Wengert node."""
    document = json_render.document(command, result, options)
    items = [_flatten(item) for item in document.get("trace", [])]
    # A constant expression has no nodes: its trace is a header alone.
    header: list[str] = [] if items else list(EMPTY_TRACE_HEADER)
    for item in items:
        header += [key for key in item if key not in header]
    return header, [[item.get(key) for key in header] for item in items]


def render(command: str, result: Any, options: RenderOptions, delimiter: str, trace: bool) -> str:
    out = io.StringIO()
    write_result(out, command, result, options, delimiter, trace)
    return out.getvalue().rstrip("\n")


def write_result(
    out: TextIO, command: str, result: Any, options: RenderOptions, delimiter: str, trace: bool
) -> None:
    """The result's rows (its trace, or its one record) to ``out``, each ending in a newline."""
    if trace or command == "wengert":
        header, rows = trace_rows(command, result, options)
        out.write(write(header, rows, delimiter) + "\n")
        return
    graph = result.graph if hasattr(result, "graph") else result.evaluation.graph
    # One record can be 9M cells (a Hessian of 3,000 inputs): written a slice at a time.
    eig = getattr(result, "curvature", None) is not None
    write_header(out, iter_columns(command, graph, wrt_of(result), eig), delimiter)
    write_cells(out, map(_format, iter_record(command, result)), delimiter)


def write_header(out: TextIO, header: Iterable[str], delimiter: str) -> None:
    """A header of any length, each name quoted as ``csv.writer`` would (only when it must)."""
    write_cells(out, map(_quoted(delimiter), header), delimiter)


def _quoted(delimiter: str) -> Callable[[str], str]:
    """A cell as ``csv.writer`` writes it (quoted only when it must be)."""
    special = (delimiter, '"', "\n", "\r")

    def quote(cell: str) -> str:
        return write([cell], [], delimiter) if any(c in cell for c in special) else cell

    return quote


def write_cells(out: TextIO, cells: Iterable[str], delimiter: str, slice_size: int = 4096) -> None:
    """One line of cells of any number, joined a slice at a time."""
    cells = iter(cells)
    separator = ""
    while piece := list(islice(cells, slice_size)):
        out.write(separator + delimiter.join(piece))
        separator = delimiter
    out.write("\n")
