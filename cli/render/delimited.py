"""CSV and TSV for programs: a header row, then rows at full round-trip precision.

By default one row per result (the record of ``core.records``: inputs, outputs, derivatives);
with ``--trace`` (and always for ``wengert``) one row per node of the trace, the JSON trace rows
flattened (``tangent`` per pass becomes ``tangent_x1``, ``tangent_x2``, …).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from autodiff.core.records import columns, record, wrt_of

from . import json as json_render
from .options import RenderOptions


def _format(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def write_columns(header: Sequence[str], columns: Sequence[Sequence[float]], delimiter: str) -> str:
    """Many rows of floats, fast: one ``repr`` per number and no per-cell quoting."""
    head = write(header, [], delimiter)
    texts = [list(map(repr, column)) for column in columns]
    return "\n".join([head, *map(delimiter.join, zip(*texts))])


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
    if trace or command == "wengert":
        header, rows = trace_rows(command, result, options)
        return write(header, rows, delimiter)
    graph = result.graph if hasattr(result, "graph") else result.evaluation.graph
    eig = getattr(result, "curvature", None) is not None
    header = columns(command, graph, wrt_of(result), eig)
    return write(header, [record(command, result)], delimiter)
