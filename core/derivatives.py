"""Derivative operators built on the sweeps; each returns a plain dataclass for any front end.

``evaluate`` runs the primal trace; ``gradient`` adds a reverse sweep (one adjoint pass) or a
forward sweep (one tangent pass per input) and checks that what it reports is finite.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from .errors import NonFiniteError, PointError
from .graph import Const, Graph, Operand
from .notation import describe_node, partial_symbol, var
from .sweeps import AdjointStep, Diagnostic, Partials, adjoint, local_partials, primal, tangent

Mode = Literal["reverse", "forward"]
MODES: tuple[Mode, ...] = ("reverse", "forward")


@dataclass(frozen=True)
class Evaluation:
    """The primal trace at a point."""

    graph: Graph
    point: tuple[float, ...]  # input values, in ``graph.input_names`` order
    values: tuple[float, ...]  # every node's value, by id
    outputs: tuple[float, ...]  # y₁ … yₘ
    warnings: tuple[Diagnostic, ...] = ()

    @property
    def value(self) -> float:
        return self.outputs[0]


@dataclass(frozen=True)
class Gradient:
    """∇y at a point, with the traces that produced it."""

    evaluation: Evaluation
    mode: Mode
    gradient: tuple[float, ...]  # ∂y/∂xⱼ in input order
    partials: Partials  # local partials, by node and operand
    tangents: tuple[tuple[float, ...], ...] = ()  # forward: one tangent trace per input seed
    adjoints: tuple[float, ...] = ()  # reverse: v̄ for every node
    steps: tuple[AdjointStep, ...] = ()  # reverse: the accumulation steps, in order

    @property
    def graph(self) -> Graph:
        return self.evaluation.graph


def bind_point(graph: Graph, at: Mapping[str, float]) -> tuple[float, ...]:
    """Input values in graph order: every input needs a finite value; only inputs get one."""
    names = graph.input_names
    unknown = [name for name in at if name not in names]
    if unknown:
        uses = ", ".join(names) if names else "no variables"
        raise PointError(f"{unknown[0]} is not a variable of the expression (it uses {uses})")
    missing = [name for name in names if name not in at]
    if missing:
        listed = ", ".join(missing)
        raise PointError(f"no value for {listed}: give one with --at {missing[0]}=…")
    for name in names:
        if not math.isfinite(at[name]):
            raise PointError(f"the value of {name} must be a finite number, not {at[name]!r}")
    return tuple(float(at[name]) for name in names)


def _read(values: Sequence[float], operand: Operand) -> float:
    return operand.value if isinstance(operand, Const) else values[operand]


def evaluate(graph: Graph, at: Mapping[str, float]) -> Evaluation:
    """Run the primal trace; raise if an output is not a finite number."""
    point = bind_point(graph, at)
    values, warnings = primal(graph, point)
    outputs = tuple(_read(values, output) for output in graph.outputs)
    if not all(math.isfinite(y) for y in outputs):
        first = next(i for i in range(graph.n_inputs, len(values)) if not math.isfinite(values[i]))
        node = graph.nodes[first]
        raise NonFiniteError(
            f"the value is not finite: it first overflows at {describe_node(graph, first, values)}",
            span=node.span,
            node=first,
        )
    return Evaluation(graph, point, tuple(values), outputs, tuple(warnings))


def _check_derivative(
    graph: Graph, values: Sequence[float], partials: Partials, result: Sequence[float]
) -> None:
    """Raise, naming the first node whose local partial blew up, if a derivative is not finite."""
    if all(math.isfinite(d) for d in result):
        return
    for i in range(graph.n_inputs, len(graph.nodes)):
        for k, d in enumerate(partials[i]):
            if not math.isfinite(d) and isinstance(graph.nodes[i].operands[k], int):
                raise NonFiniteError(
                    f"the derivative is not finite: {partial_symbol(graph, i, k)} = {d!r} "
                    f"at {describe_node(graph, i, values)}",
                    span=graph.nodes[i].span,
                    node=i,
                )
    first = next(i for i in range(len(values)) if not math.isfinite(values[i]))
    raise NonFiniteError(
        f"the derivative is not finite: {var(graph, first)} = {values[first]!r}",
        span=graph.nodes[first].span,
        node=first,
    )


def _output_tangent(dots: Sequence[float], output: Operand) -> float:
    return 0.0 if isinstance(output, Const) else dots[output]


def gradient(graph: Graph, at: Mapping[str, float], mode: Mode = "reverse") -> Gradient:
    """∇y of a single-output graph by one reverse sweep, or by one forward sweep per input."""
    if len(graph.outputs) != 1:
        raise ValueError("gradient needs a graph with one output")
    evaluation = evaluate(graph, at)
    values = evaluation.values
    partials = local_partials(graph, values)
    n = graph.n_inputs
    if mode == "forward":
        tangents = []
        for j in range(n):
            seed = [0.0] * n
            seed[j] = 1.0
            tangents.append(tuple(tangent(graph, partials, seed)))
        result = tuple(_output_tangent(dots, graph.outputs[0]) for dots in tangents)
        _check_derivative(graph, values, partials, result)
        return Gradient(evaluation, mode, result, partials, tangents=tuple(tangents))
    if mode != "reverse":
        raise ValueError(f"unknown mode {mode!r}")
    bars, steps = adjoint(graph, partials, [1.0], record=True)
    result = tuple(bars[:n])
    _check_derivative(graph, values, partials, result)
    return Gradient(evaluation, mode, result, partials, adjoints=tuple(bars), steps=tuple(steps))
