"""JSON for ``check`` and ``diff``, with the same header and rules as ``render/json.py``:
strict JSON, full round-trip precision, ``null`` for a non-finite number."""

from __future__ import annotations

from collections.abc import Sequence

from autodiff.core.check import Check
from autodiff.core.symbolic import STEP_NOTES, Derivatives, Swell

from .json import Doc, _header, _num, _nums, dump
from .options import RenderOptions


def _matrix(matrix: Sequence[Sequence[float]] | None) -> list[list[float | None]] | None:
    return None if matrix is None else [_nums(row) for row in matrix]


def check_json(result: Check, options: RenderOptions) -> str:
    doc = _header("check", result.graph, result.evaluation)
    doc["wrt"] = list(result.wrt_names)
    if result.direction is not None:  # then every "jacobian" below is J·u, one column
        doc["direction"] = dict(zip(result.wrt_names, result.direction))
    doc["tol"] = result.tol
    doc["agrees"] = result.agrees
    doc["jacobian"] = _matrix(result.reference)
    doc["methods"] = [
        {
            "method": m.key,
            "label": m.label,
            "jacobian": _matrix(m.matrix),
            "error": _num(m.error),
            "agrees": m.agrees,
            "h": m.step,
            "note": options.text(m.note),
        }
        for m in result.methods
    ]
    doc["steps"] = [
        {
            "h": row.h,
            "forward_difference": _matrix(row.forward),
            "forward_error": _num(row.forward_error),
            "central_difference": _matrix(row.central),
            "central_error": _num(row.central_error),
        }
        for row in result.steps
    ]
    return dump(doc)


def diff_json(
    derivatives: Derivatives, options: RenderOptions, swell: Swell | None, max_size: int
) -> str:
    graph = derivatives.graph
    doc: Doc = _header("diff", graph, None)
    doc["wrt"] = list(derivatives.wrt_names)
    entries = [
        {
            "output": entry.output + 1,
            "wrt": entry.wrt,
            "expression": entry.text,
            "operations": entry.operations,
        }
        for entry in derivatives.entries(max_size)
    ]
    doc["derivatives"] = entries
    doc["notes"] = [STEP_NOTES[name] for name in derivatives.steps_used()]
    if swell is not None:
        doc["stats"] = {
            "function": swell.function,
            "tree": swell.tree,
            "shared": swell.shared,
            "program": swell.program,
        }
    return dump(doc)
