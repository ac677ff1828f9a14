"""Trace tables as plain rows: what every renderer (Rich, JSON, CSV, Markdown, LaTeX) shows.

Rows carry the paper's notation (Unicode, from ``core.notation``) and unrounded numbers;
renderers only choose how to print them. Nothing here computes a derivative.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from .derivatives import ForwardPass, ReversePass
from .graph import Const, Graph
from .notation import (
    BAR,
    DOT,
    Number,
    adjoint_rule,
    const_text,
    node_text,
    output_name,
    seed_name,
    tangent_rule,
    var,
    worked_adjoint,
    worked_primal,
    worked_tangent,
)

Arg = int | float  # a Wengert index (int) or an inline constant (float)


@dataclass(frozen=True, slots=True)
class NodeRow:
    """One Wengert step ``v_i = op(args)``, with its value when a point is given."""

    node: int  # id in the graph
    index: int  # the paper's subscript (−1, 0, 1, …)
    var: str  # v₋₁
    op: str  # "input" or a primitive name
    name: str | None  # an input's name
    args: tuple[Arg, ...]  # Wengert indices of operands; constants as floats
    const_args: tuple[bool, ...]  # which args are constants
    expr: str  # "ln v₋₁", or the input's name
    level: int
    value: float | None = None
    work: str | None = None  # "ln 2": the step with its operands' values, when asked for


@dataclass(frozen=True, slots=True)
class TangentRow:
    """One tangent step ``v̇_i = rule``, with the tangent of each forward pass."""

    node: int
    index: int
    var: str  # v̇₁
    rule: str  # v̇₋₁/v₋₁
    tangents: tuple[float, ...]  # one per seed (input)
    works: tuple[str, ...] | None = None  # "1×5 + 0×2": worked arithmetic, one per seed


@dataclass(frozen=True, slots=True)
class AdjointRow:
    """One accumulation step of the reverse sweep, in the order it happens."""

    step: int  # 1-based
    target: int  # Wengert index of the adjoint being updated
    var: str  # v̄₀
    accumulate: bool  # "+=" rather than "="
    symbolic: str  # v̄₃·∂v₃/∂v₀
    local: str  # v̄₃·cos v₀
    partial: float
    contribution: float
    adjoint: float  # running value after the step
    work: str = ""  # the local term as the paper writes it: v̄₄×1, v̄₅×(−1)


@dataclass(frozen=True, slots=True)
class OutputRow:
    """A row that closes a trace: ``y = v₅`` (or ``y₂ = 3`` for a constant output), or an
    input's adjoint ``x̄1 = v̄₋₁``, with its value."""

    name: str
    expr: str
    value: float | None = None


def node_rows(
    graph: Graph, values: Sequence[float] | None = None, number: Number | None = None
) -> list[NodeRow]:
    """The Wengert list, with values when given; with ``number`` (how a table writes a number)
    also each step's worked arithmetic."""
    return list(iter_node_rows(graph, values, number))


def iter_node_rows(
    graph: Graph, values: Sequence[float] | None = None, number: Number | None = None
) -> Iterator[NodeRow]:
    """The rows of ``node_rows`` one at a time (a renderer that streams keeps one)."""
    for i, node in enumerate(graph.nodes):
        args = tuple(
            a.value if isinstance(a, Const) else graph.wengert_index(a) for a in node.operands
        )
        yield (
            NodeRow(
                node=i,
                index=graph.wengert_index(i),
                var=var(graph, i),
                op=node.op,
                name=node.name,
                args=args,
                const_args=tuple(isinstance(a, Const) for a in node.operands),
                expr=node_text(graph, i),
                level=node.level,
                value=None if values is None else values[i],
                work=None
                if values is None or number is None
                else worked_primal(graph, i, values, number),
            )
        )


def output_rows(graph: Graph, outputs: tuple[float, ...] | None = None) -> list[OutputRow]:
    rows = []
    for k, output in enumerate(graph.outputs):
        expr = var(graph, output) if isinstance(output, int) else const_text(output)
        value = None if outputs is None else outputs[k]
        rows.append(OutputRow(output_name(graph, k), expr, value))
    return rows


def input_adjoint_rows(graph: Graph, sweep: ReversePass) -> list[OutputRow]:
    """``x̄1 = v̄₋₁ = 5.5`` for every input: the rows the paper's adjoint trace ends with."""
    return [
        OutputRow(seed_name(name, BAR), var(graph, j, BAR), sweep.bars[j])
        for j, name in enumerate(graph.input_names)
    ]


def iter_tangent_rows(
    graph: Graph,
    passes: Sequence[ForwardPass],
    values: Sequence[float] = (),
    number: Number | None = None,
) -> Iterator[TangentRow]:
    """The tangent trace, one column per forward pass, a row at a time; with the primal
    ``values`` and ``number`` also each step's worked arithmetic in every pass."""
    return (
        TangentRow(
            node=i,
            index=graph.wengert_index(i),
            var=var(graph, i, DOT),
            rule=tangent_rule(graph, i),
            tangents=tuple(p.dots[i] for p in passes),
            works=None
            if number is None
            else tuple(worked_tangent(graph, i, values, p.dots, number) for p in passes),
        )
        for i in range(len(graph.nodes))
    )


def iter_adjoint_rows(graph: Graph, sweep: ReversePass, work: bool = False) -> Iterator[AdjointRow]:
    """The accumulation steps of one reverse pass, in the order they happen, a row at a time;
    with ``work`` each with its local term as the paper writes it."""
    return (adjoint_row(graph, sweep, number, work) for number in range(1, len(sweep.steps) + 1))


def adjoint_row(graph: Graph, sweep: ReversePass, number: int, work: bool = False) -> AdjointRow:
    """The row of step ``number`` (counted from 1) of a reverse pass, alone: a table read
    upward builds only the last steps it prints."""
    step = sweep.steps[number - 1]
    symbolic, local = adjoint_rule(graph, step.target, step.source, step.operand)
    return AdjointRow(
        step=number,
        target=graph.wengert_index(step.target),
        var=var(graph, step.target, BAR),
        accumulate=step.accumulate,
        symbolic=symbolic,
        local=local,
        partial=step.partial,
        contribution=step.contribution,
        adjoint=step.adjoint,
        work=worked_adjoint(graph, step.source, step.operand) if work else "",
    )
