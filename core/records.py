"""One flat record per point: the columns of CSV, TSV and JSONL output, for one point or a batch.

Columns: the inputs, the outputs (``value``, or ``y1 … ym``), then what the command computes:
``d/dNAME`` (grad, hessian, hvp), ``dyK/dNAME`` (jacobian), ``jvp_yK``, ``vjp_NAME``,
``hvp_NAME``, ``d2/dAdB`` (hessian; with ``--eig`` its eigenvalues ``lambdaK`` and ``verdict``).
The single-point renderers and the batch evaluator both name and fill columns here, so a batch
row and a single call print the same line.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
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
    return list(iter_columns(command, graph, wrt, eig))


def iter_columns(
    command: str, graph: Graph, wrt: Sequence[int], eig: bool = False
) -> Iterator[str]:
    """The names of ``columns`` one at a time: a Hessian of 3,000 inputs has 9M of them."""
    if command not in COMMANDS:
        raise ValueError(f"no record for {command!r}")
    names = list(graph.input_names)
    by = [names[j] for j in wrt]
    outputs = output_names(graph)
    yield from names + outputs
    if command == "grad":
        yield from (f"d/d{x}" for x in by)
    elif command == "jacobian":
        y = graph.output_stem
        yield from (f"d{y}{k + 1}/d{x}" for k in range(len(outputs)) for x in by)
    elif command == "jvp":
        yield from (["jvp"] if len(outputs) == 1 else [f"jvp_{y}" for y in outputs])
    elif command == "vjp":
        yield from (f"vjp_{x}" for x in by)
    elif command == "hessian":
        yield from (f"d/d{x}" for x in by)
        yield from (f"d2/d{a}d{b}" for a in by for b in by)
        if eig:
            yield from (f"lambda{k + 1}" for k in range(len(by)))
            yield "verdict"
    elif command == "hvp":
        yield from (f"d/d{x}" for x in by)
        yield from (f"hvp_{x}" for x in by)


def record(command: str, result: Any) -> list[float | str]:
    """The values of ``columns(...)`` for one result of ``command`` (the verdict of a Hessian's
    eigenvalues is the one word among them)."""
    return list(iter_record(command, result))


def iter_record(command: str, result: Any) -> Iterator[float | str]:
    """The values of ``record`` one at a time (a matrix is read row by row)."""
    evaluation: Evaluation = result if isinstance(result, Evaluation) else result.evaluation
    if command != "eval" and not isinstance(result, (Jacobian, Jvp, Vjp, Hessian, Hvp)):
        raise ValueError(f"no record for {command!r}")
    yield from evaluation.point
    yield from evaluation.outputs
    if command == "eval":
        return
    if isinstance(result, Jacobian):
        yield from (d for row in result.matrix for d in row)
    elif isinstance(result, (Jvp, Vjp)):
        yield from result.product
    elif isinstance(result, Hessian):
        yield from result.gradient
        yield from (h for row in result.matrix for h in row)
        if result.curvature is not None:
            yield from result.curvature.eigenvalues
            yield result.curvature.verdict
    else:
        yield from result.gradient
        yield from result.product


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
        return hessian(graph, at, wrt, record=record_steps)
    if command == "hvp":
        return hvp(graph, at, direction, wrt)
    raise ValueError(f"unknown command {command!r}")
