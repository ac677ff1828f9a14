"""One strict JSON document per command: full round-trip precision, no NaN or Infinity tokens.

A non-finite number (an intermediate that overflowed, reported as a warning) is written as
``null``; results are always finite, since non-finite results are errors.

Every document has ``command``, ``expression`` (a string, or a list for several outputs),
``inputs``, ``outputs`` (the expressions), ``output_nodes`` (the Wengert id of each output, or
``{"const": c}``) and, given a point, ``at``, ``values``, ``value`` (one output) and
``warnings``; then what the command computes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from autodiff.core.derivatives import (
    Evaluation,
    ForwardPass,
    Gradient,
    Hessian,
    Hvp,
    Jacobian,
    Jvp,
    ReversePass,
    SecondOrderPass,
    Vjp,
)
from autodiff.core.graph import Const, Graph
from autodiff.core.notation import Number
from autodiff.core.trace import NodeRow, iter_adjoint_rows, iter_node_rows, iter_tangent_rows

from .json_stream import Stream, materialize, write
from .options import RenderOptions

Doc = dict[str, Any]


def _num(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def _nums(xs: Sequence[float]) -> list[float | None]:
    return [_num(x) for x in xs]


def _by_name(names: Sequence[str], xs: Sequence[float]) -> dict[str, float | None]:
    return dict(zip(names, _nums(xs)))


def _args(row: NodeRow) -> list[Any]:
    return [{"const": _num(a)} if const else a for a, const in zip(row.args, row.const_args)]


def _node(row: NodeRow, options: RenderOptions) -> Doc:
    item: Doc = {
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
    if row.work is not None:
        item["work"] = options.text(row.work)
    return item


def _header(command: str, graph: Graph, evaluation: Evaluation | None) -> Doc:
    sources = list(graph.sources)
    doc: Doc = {
        "command": command,
        "expression": sources[0] if len(sources) == 1 else sources,
        "inputs": list(graph.input_names),
        "outputs": sources,
        "output_nodes": [
            {"const": o.value} if isinstance(o, Const) else graph.wengert_index(o)
            for o in graph.outputs
        ],
    }
    if evaluation is not None:
        doc["at"] = dict(zip(graph.input_names, evaluation.point))
        doc["values"] = _nums(evaluation.outputs)
        if len(evaluation.outputs) == 1:
            doc["value"] = _num(evaluation.value)
        doc["warnings"] = [w.message for w in evaluation.warnings]
    return doc


def _trace(
    graph: Graph, evaluation: Evaluation | None, options: RenderOptions
) -> Stream | list[Doc]:
    if not options.trace:  # --no-trace: a large graph's rows would cost time and memory
        return []
    values = evaluation.values if evaluation else None
    return Stream(_node(row, options) for row in iter_node_rows(graph, values, _work(options)))


def _work(options: RenderOptions) -> Number | None:
    """--work: how the worked arithmetic writes numbers (rounded as the tables round them)."""
    return options.number if options.work else None


def _extend(trace: Stream | list[Doc], more: Iterable[Doc]) -> Stream | list[Doc]:
    """Each trace item with the keys of the matching item of ``more`` after its own."""
    if not trace:
        return trace
    return Stream(item | extra for item, extra in zip(trace, more))


def _steps(graph: Graph, sweep: ReversePass | None, options: RenderOptions) -> Stream | list[Doc]:
    if not options.trace or sweep is None:
        return []
    return Stream(
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
            **({"work": options.text(row.work)} if options.work else {}),
        }
        for row in iter_adjoint_rows(graph, sweep, options.work)
    )


def _tangents(
    evaluation: Evaluation,
    passes: Sequence[ForwardPass],
    labels: Sequence[str] | None,
    options: RenderOptions,
) -> Iterable[Doc]:
    """Each trace row's tangent rule and its tangent in every pass, by pass label (or as one
    number, without labels); with --work the worked arithmetic too."""
    rows = iter_tangent_rows(evaluation.graph, passes, evaluation.values, _work(options))
    for row in rows:
        item: Doc = {"tangent_rule": options.text(row.rule)}
        works = [options.text(w) for w in row.works or ()]
        if labels is None:
            item["tangent"] = _num(row.tangents[0])
            if works:
                item["tangent_work"] = works[0]
        else:
            item["tangent"] = _by_name(labels, row.tangents)
            if works:
                item["tangent_work"] = dict(zip(labels, works))
        yield item


def _adjoints(bars: Sequence[float]) -> Iterable[Doc]:
    return ({"adjoint": _num(bar)} for bar in bars)


_LONG_KEYS = ("trace", "adjoint_steps", "passes")


def _ordered(doc: Doc) -> Doc:
    """Results first, the long traces last, so the answer is on a reader's first screen."""
    ordered = {k: v for k, v in doc.items() if k not in _LONG_KEYS}
    ordered.update((k, doc[k]) for k in _LONG_KEYS if k in doc)
    return ordered


def write_document(doc: Doc, out: TextIO, compact: bool = False) -> None:
    """``dump(doc)`` written to ``out`` piece by piece, its ``Stream``s read as they go."""
    write(_ordered(doc), out, compact)


def dump(doc: Doc, compact: bool = False) -> str:
    """The document as text (``Stream``s read into it), in the order of ``_ordered``."""
    ordered = materialize(_ordered(doc))
    if compact:
        return json.dumps(ordered, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return json.dumps(ordered, ensure_ascii=False, allow_nan=False, indent=2)


def _trace_doc(
    command: str, graph: Graph, evaluation: Evaluation | None, options: RenderOptions
) -> Doc:
    doc = _header(command, graph, evaluation)
    doc["trace"] = _trace(graph, evaluation, options)
    return doc


def wengert_doc(subject: Graph | Evaluation, options: RenderOptions) -> Doc:
    """The Wengert list of a graph, or the primal trace of an evaluation."""
    if isinstance(subject, Evaluation):
        return _trace_doc("wengert", subject.graph, subject, options)
    return _trace_doc("wengert", subject, None, options)


def eval_doc(evaluation: Evaluation, options: RenderOptions) -> Doc:
    return _trace_doc("eval", evaluation.graph, evaluation, options)


def _first_order(command: str, result: Jacobian, options: RenderOptions) -> Doc:
    graph = result.graph
    doc = _header(command, graph, result.evaluation)
    doc["wrt"] = list(result.wrt_names)
    doc["mode"] = result.mode
    doc["trace"] = trace = _trace(graph, result.evaluation, options)
    if result.mode == "forward":
        tangents = _tangents(result.evaluation, result.forward, result.wrt_names, options)
        doc["trace"] = _extend(trace, tangents)
    return doc


def grad_doc(result: Gradient, options: RenderOptions) -> Doc:
    doc = _first_order("grad", result, options)
    doc["gradient"] = _by_name(result.wrt_names, result.gradient)
    if result.mode == "reverse":
        sweep = result.reverse[0] if result.reverse else None  # kept when recorded
        if sweep is not None:
            doc["trace"] = _extend(doc["trace"], _adjoints(sweep.bars))
        doc["adjoint_steps"] = _steps(result.graph, sweep, options)
    return doc


def jacobian_doc(result: Jacobian, options: RenderOptions) -> Doc:
    doc = _first_order("jacobian", result, options)
    doc["jacobian"] = Stream(_nums(row) for row in result.matrix)
    if result.cost is not None:
        cost = result.cost
        doc["cost"] = {
            "n": cost.n,
            "m": cost.m,
            "nodes": cost.nodes,
            "edges": cost.edges,
            "forward": cost.forward,
            "reverse": cost.reverse,
            "choice": cost.choice,
        }
    if result.mode == "reverse":
        doc["passes"] = Stream(
            {
                "seed": _nums(sweep.seed),
                "adjoints": _nums(sweep.bars),
                "steps": _steps(result.graph, sweep, options),
            }
            for sweep in result.reverse
        )
    return doc


def jvp_doc(result: Jvp, options: RenderOptions) -> Doc:
    graph = result.evaluation.graph
    names = [graph.input_names[j] for j in result.wrt]
    doc = _header("jvp", graph, result.evaluation)
    doc["wrt"] = names
    doc["direction"] = _by_name(names, result.direction)
    doc["jvp"] = _nums(result.product)
    tangents = _tangents(result.evaluation, [result.sweep], None, options)
    doc["trace"] = _extend(_trace(graph, result.evaluation, options), tangents)
    return doc


def vjp_doc(result: Vjp, options: RenderOptions) -> Doc:
    graph = result.evaluation.graph
    names = [graph.input_names[j] for j in result.wrt]
    doc = _header("vjp", graph, result.evaluation)
    doc["wrt"] = names
    doc["cotangent"] = _nums(result.cotangent)
    doc["vjp"] = _by_name(names, result.product)
    doc["trace"] = _extend(_trace(graph, result.evaluation, options), _adjoints(result.sweep.bars))
    doc["adjoint_steps"] = _steps(graph, result.sweep, options)
    return doc


def _second_order_trace(passes: Sequence[SecondOrderPass]) -> Stream:
    return Stream(
        {
            "direction": _nums(p.direction),
            "tangents": _nums(p.dots),
            "adjoints": _nums(p.bars),
            "adjoint_tangents": _nums(p.bar_dots),
        }
        for p in passes
    )


def hessian_doc(result: Hessian, options: RenderOptions) -> Doc:
    graph = result.evaluation.graph
    names = [graph.input_names[j] for j in result.wrt]
    doc = _header("hessian", graph, result.evaluation)
    doc["wrt"] = names
    doc["gradient"] = _by_name(names, result.gradient)
    doc["hessian"] = Stream(_nums(row) for row in result.matrix)
    doc["asymmetry"] = result.asymmetry
    if result.curvature is not None:
        doc["eigenvalues"] = list(result.curvature.eigenvalues)
        doc["eigenvalue_tol"] = result.curvature.tol
        doc["verdict"] = result.curvature.verdict
    if options.trace:
        doc["trace"] = _trace(graph, result.evaluation, options)
        doc["passes"] = _second_order_trace(result.passes)
    return doc


def hvp_doc(result: Hvp, options: RenderOptions) -> Doc:
    graph = result.evaluation.graph
    names = [graph.input_names[j] for j in result.wrt]
    doc = _header("hvp", graph, result.evaluation)
    doc["wrt"] = names
    doc["direction"] = _by_name(names, result.direction)
    doc["gradient"] = _by_name(names, result.gradient)
    doc["hvp"] = _by_name(names, result.product)
    if options.trace:
        doc["trace"] = _trace(graph, result.evaluation, options)
        doc["passes"] = _second_order_trace([result.sweep])
    return doc


_DOCUMENTS = {
    "wengert": wengert_doc,
    "eval": eval_doc,
    "grad": grad_doc,
    "jacobian": jacobian_doc,
    "jvp": jvp_doc,
    "vjp": vjp_doc,
    "hessian": hessian_doc,
    "hvp": hvp_doc,
}


def lazy_document(command: str, result: Any, options: RenderOptions) -> Doc:
    """The JSON document of one command's result, its long lists ``Stream``s made as they are
    written (``write_document``): a trace of 300k nodes is never in memory at once."""
    return _DOCUMENTS[command](result, options)


def document(command: str, result: Any, options: RenderOptions) -> Doc:
    """The JSON document of one command's result, as Python data."""
    doc: Doc = materialize(lazy_document(command, result, options))
    return doc


def render(command: str, result: Any, options: RenderOptions, compact: bool = False) -> str:
    """One strict JSON document; ``compact`` puts it on one line (JSON Lines)."""
    return dump(lazy_document(command, result, options), compact)
