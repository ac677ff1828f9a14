"""One flat record per point: the columns of CSV, TSV and JSONL output, for one point or a batch.

Columns: the inputs, the outputs (``value``, or ``y1 … ym``), then what the command computes:
``d/dNAME`` (grad, hessian, hvp), ``dyK/dNAME`` (jacobian), ``jvp_yK``, ``vjp_NAME``,
``hvp_NAME``, ``d2/dAdB`` (hessian; with ``--eig`` its eigenvalues ``lambdaK`` and ``verdict``).
The single-point renderers and the batch evaluator both name and fill columns here, so a batch
row and a single call print the same line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .derivatives import (
    Evaluation,
    Hessian,
    Hvp,
    Jacobian,
    JacobianMode,
    Jvp,
    Vjp,
    evaluate,
    gradient,
    hessian,
    hvp,
    jacobian,
    jvp,
    vjp,
)
from .graph import Graph

COMMANDS = ("eval", "grad", "jacobian", "jvp", "vjp", "hessian", "hvp")


def output_names(graph: Graph) -> list[str]:
    m = len(graph.outputs)
    return ["value"] if m == 1 else [f"{graph.output_stem}{k + 1}" for k in range(m)]


def columns(command: str, graph: Graph, wrt: Sequence[int], eig: bool = False) -> list[str]:
    """The record's column names for ``command`` on ``graph`` differentiated w.r.t. ``wrt``;
    ``eig`` adds the Hessian's eigenvalues and the verdict of the second-order test."""
    names = list(graph.input_names)
    by = [names[j] for j in wrt]
    outputs = output_names(graph)
    head = names + outputs
    if command == "eval":
        return head
    if command == "grad":
        return head + [f"d/d{x}" for x in by]
    if command == "jacobian":
        y = graph.output_stem
        return head + [f"d{y}{k + 1}/d{x}" for k in range(len(outputs)) for x in by]
    if command == "jvp":
        return head + (["jvp"] if len(outputs) == 1 else [f"jvp_{y}" for y in outputs])
    if command == "vjp":
        return head + [f"vjp_{x}" for x in by]
    if command == "hessian":
        second = [f"d2/d{a}d{b}" for a in by for b in by]
        eigen = [f"lambda{k + 1}" for k in range(len(by))] + ["verdict"] if eig else []
        return head + [f"d/d{x}" for x in by] + second + eigen
    if command == "hvp":
        return head + [f"d/d{x}" for x in by] + [f"hvp_{x}" for x in by]
    raise ValueError(f"no record for {command!r}")


def record(command: str, result: Any) -> list[float | str]:
    """The values of ``columns(...)`` for one result of ``command`` (the verdict of a Hessian's
    eigenvalues is the one word among them)."""
    evaluation: Evaluation = result if isinstance(result, Evaluation) else result.evaluation
    head = [*evaluation.point, *evaluation.outputs]
    if command == "eval":
        return head
    if isinstance(result, Jacobian):
        return head + [d for row in result.matrix for d in row]
    if isinstance(result, (Jvp, Vjp)):
        return head + list(result.product)
    if isinstance(result, Hessian):
        test = result.curvature
        eigen = [] if test is None else [*test.eigenvalues, test.verdict]
        return head + list(result.gradient) + [h for row in result.matrix for h in row] + eigen
    if isinstance(result, Hvp):
        return head + list(result.gradient) + list(result.product)
    raise ValueError(f"no record for {command!r}")


def wrt_of(result: Any) -> tuple[int, ...]:
    """The ``wrt`` input ids of a result (all inputs for an evaluation)."""
    if isinstance(result, Evaluation):
        return tuple(range(result.graph.n_inputs))
    return tuple(result.wrt)


def compute(
    command: str,
    graph: Graph,
    at: dict[str, float],
    mode: JacobianMode = "auto",
    wrt: Sequence[str] | None = None,
    direction: Sequence[float] = (),
    cotangent: Sequence[float] = (),
    *,
    record_steps: bool = False,
) -> Any:
    """Run ``command`` at one point with the single-point functions of ``core.derivatives``."""
    if command == "eval":
        return evaluate(graph, at)
    if command == "grad":
        return gradient(graph, at, "reverse" if mode == "auto" else mode, wrt, record=record_steps)
    if command == "jacobian":
        return jacobian(graph, at, mode, wrt, record=record_steps)
    if command == "jvp":
        return jvp(graph, at, direction, wrt)
    if command == "vjp":
        return vjp(graph, at, cotangent, wrt)
    if command == "hessian":
        return hessian(graph, at, wrt)
    if command == "hvp":
        return hvp(graph, at, direction, wrt)
    raise ValueError(f"unknown command {command!r}")
