"""One strict JSON document per command: full round-trip precision, no NaN or Infinity tokens.

A non-finite number (an intermediate that overflowed, reported as a warning) is written as
``null``; results are always finite, since non-finite results are errors.
"""

from __future__ import annotations

import json
import math
from typing import Any

from autodiff.core.derivatives import Evaluation, Gradient
from autodiff.core.graph import Graph
from autodiff.core.trace import NodeRow, adjoint_rows, node_rows, output_rows, tangent_rows

from .options import RenderOptions


def _num(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def _args(row: NodeRow) -> list[Any]:
    return [{"const": _num(a)} if const else a for a, const in zip(row.args, row.const_args)]


def _node(row: NodeRow, options: RenderOptions) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": row.index,
        "var": options.text(row.var),
        "op": row.op,
        "args": _args(row),
        "expr": options.text(row.expr),
        "level": row.level,
    }
    if row.name is not None:
        item["name"] = row.name
    if row.value is not None:
        item["value"] = _num(row.value)
    return item


def _header(command: str, graph: Graph, evaluation: Evaluation | None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "command": command,
        "expression": graph.sources[0] if len(graph.sources) == 1 else list(graph.sources),
        "inputs": list(graph.input_names),
    }
    if evaluation is not None:
        doc["at"] = dict(zip(graph.input_names, evaluation.point))
        doc["value"] = _num(evaluation.value) if len(evaluation.outputs) == 1 else None
        doc["warnings"] = [w.message for w in evaluation.warnings]
    return doc


def _outputs(
    graph: Graph, options: RenderOptions, evaluation: Evaluation | None
) -> list[dict[str, Any]]:
    rows = output_rows(graph, evaluation.outputs if evaluation else None)
    return [
        {"name": options.text(r.name), "expr": options.text(r.expr)}
        | ({} if r.value is None else {"value": _num(r.value)})
        for r in rows
    ]


def _dump(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, allow_nan=False, indent=2)


def wengert_json(
    graph: Graph, evaluation: Evaluation | None, options: RenderOptions, command: str = "wengert"
) -> str:
    doc = _header(command, graph, evaluation)
    values = evaluation.values if evaluation else None
    doc["trace"] = [_node(row, options) for row in node_rows(graph, values)]
    doc["outputs"] = _outputs(graph, options, evaluation)
    return _dump(doc)


def eval_json(evaluation: Evaluation, options: RenderOptions) -> str:
    return wengert_json(evaluation.graph, evaluation, options, command="eval")


def grad_json(result: Gradient, options: RenderOptions) -> str:
    graph = result.graph
    evaluation = result.evaluation
    doc = _header("grad", graph, evaluation)
    doc["gradient"] = dict(zip(graph.input_names, map(_num, result.gradient)))
    doc["mode"] = result.mode
    doc["trace"] = trace = [_node(row, options) for row in node_rows(graph, evaluation.values)]
    if result.mode == "forward":
        for item, row in zip(trace, tangent_rows(result)):
            item["tangent_rule"] = options.text(row.rule)
            item["tangent"] = dict(zip(graph.input_names, map(_num, row.tangents)))
    else:
        for item, bar in zip(trace, result.adjoints):
            item["adjoint"] = _num(bar)
        doc["adjoint_steps"] = [
            {
                "step": row.step,
                "target": row.target,
                "var": options.text(row.var),
                "op": "+=" if row.accumulate else "=",
                "symbolic": options.text(row.symbolic),
                "local": options.text(row.local),
                "partial": _num(row.partial),
                "contribution": _num(row.contribution),
                "adjoint": _num(row.adjoint),
            }
            for row in adjoint_rows(result)
        ]
    doc["outputs"] = _outputs(graph, options, evaluation)
    return _dump(doc)
