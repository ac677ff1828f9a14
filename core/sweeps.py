"""The sweeps over a Wengert list: primal, local partials, tangent (forward) and adjoint (reverse).

Each sweep is one loop over the graph's operations (``graph.code`` or ``graph.program``); values
live in per-sweep lists indexed by node id, apart from the graph. Both derivative modes use the
same local partials from the primitive table: forward ``v̇ᵢ = Σₖ ∂vᵢ/∂vₖ · v̇ₖ``, reverse
``v̄ₖ += v̄ᵢ · ∂vᵢ/∂vₖ``. The forward sweeps read them from a table computed once per point; a
single reverse sweep computes each where it uses it, so that a gradient costs one primal loop
and one adjoint loop.

A product with a zero factor contributes exactly zero, even when the other factor is infinite
or NaN (0·∞ = 0): the derivative of ``x1 + sqrt(x2)`` with respect to ``x1`` at ``x2 = 0`` is 1,
not NaN, and both modes agree on ``x2*sqrt(x1)`` at the origin (0, not an error in one of them).
Where such a zero was computed rather than structural, ``core.indeterminate`` warns.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import DomainError, NonFiniteError, Span
from .graph import (
    ADD,
    B_ADD,
    B_CALL1,
    B_CALL2,
    B_CALL2_NC,
    B_DIV,
    B_DIV_CN,
    B_MUL,
    B_NEG_OF_X,
    B_OF_X,
    B_OUTPUT,
    B_SUB,
    CALL1,
    DIV,
    LINEAR,
    MUL,
    NEG,
    SUB,
    Const,
    Graph,
)
from .notation import describe_node
from .primitives import PRIMITIVES, pair_index

Rows = Sequence[tuple[float, ...]]  # ∂vᵢ/∂(k-th operand), by node id


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """Something the user should know that does not stop the computation."""

    message: str
    node: int | None = None
    span: Span | None = None
    kind: str = "overflow"  # "overflow", "kink" or "indeterminate" (core.indeterminate)


@dataclass(frozen=True, slots=True)
class AdjointStep:
    """One accumulation of the reverse sweep, in the order it happens.

    ``source is None`` marks a seed ``v̄ = ȳ`` (then ``operand`` is the output index);
    otherwise the step is ``v̄[target] (+)= v̄[source] · ∂v[source]/∂v[target]`` through the
    ``operand``-th argument of ``source``.
    """

    target: int
    source: int | None
    operand: int
    partial: float
    contribution: float
    accumulate: bool  # False for the first assignment (=), True for an update (+=)
    adjoint: float  # v̄[target] after the step


def _operand_values(values: Sequence[float], operands: tuple[int | Const, ...]) -> list[float]:
    return [values[a] if type(a) is int else a.value for a in operands]  # type: ignore[union-attr,index]


def _undefined(graph: Graph, i: int, values: Sequence[float], error: Exception) -> Exception:
    """The error for a primitive that raised at node ``i``: outside its domain, or overflow."""
    node = graph.nodes[i]
    if isinstance(error, OverflowError):
        return NonFiniteError(
            f"overflow at {describe_node(graph, i, values)}: exceeds the float range",
            span=node.span,
            node=i,
        )
    primitive = PRIMITIVES[node.op]
    return DomainError(
        f"{node.op} is undefined at {describe_node(graph, i, values)}: "
        f"{node.op} needs {primitive.domain}",
        span=node.span,
        node=i,
    )


def primal(graph: Graph, inputs: Sequence[float]) -> tuple[list[float], list[Diagnostic]]:
    """Evaluate every node at the point; raise ``DomainError`` where a primitive is undefined.

    One loop over ``graph.code``: products, sums, differences, quotients and negations inline,
    every other operation through its row's ``value``. Constants sit in slots after the nodes,
    dropped before returning.
    """
    code = graph.code
    values = [*inputs, *code.slots]
    i = graph.n_inputs
    try:
        for i, op, a, b, f in code.forward:
            if op == MUL:
                values[i] = values[a] * values[b]
            elif op == CALL1:
                values[i] = f(values[a])
            elif op == ADD:
                values[i] = values[a] + values[b]
            elif op == SUB:
                values[i] = values[a] - values[b]
            elif op == DIV:
                values[i] = values[a] / values[b]
            elif op == NEG:
                values[i] = -values[a]
            else:
                values[i] = f(values[a], values[b])
    except (ValueError, ZeroDivisionError, OverflowError) as error:
        raise _undefined(graph, i, values, error) from None
    del values[len(graph.nodes) :]
    # A finite sum means every value is finite; otherwise find the overflows node by node.
    return values, [] if math.isfinite(sum(values)) else _overflows(graph, values)


def _overflows(graph: Graph, values: Sequence[float]) -> list[Diagnostic]:
    """The nodes whose value is inf or nan although their operands are finite."""
    warnings = []
    for i in range(graph.n_inputs, len(graph.nodes)):
        out = values[i]
        if out - out != 0.0:  # inf or nan: an overflow, unless an operand was already one
            args = _operand_values(values, graph.nodes[i].operands)
            if all(math.isfinite(x) for x in args):
                message = f"{describe_node(graph, i, values)} gives {out!r} (IEEE overflow)"
                warnings.append(Diagnostic(message, i, graph.nodes[i].span))
    return warnings


def kinks(graph: Graph, values: Sequence[float]) -> list[Diagnostic]:
    """Every node evaluated exactly at a point where its primitive is not differentiable."""
    found = []
    for i in graph.code.kinked:
        node = graph.nodes[i]
        kink = PRIMITIVES[node.op].kink
        assert kink is not None
        if kink.at(*_operand_values(values, node.operands)):
            message = (
                f"{describe_node(graph, i, values)} is at a kink of {node.op}: the one-sided "
                f"derivatives are {kink.one_sided}; autodiff uses {kink.convention}"
            )
            found.append(Diagnostic(message, i, node.span, "kink"))
    return found


class Partials(Sequence[tuple[float, ...]]):
    """∂vᵢ/∂(k-th operand) for every node at a point, from the primitive table; 0.0 for constant
    operands. ``partials[i][k]``.

    The table of rows is computed on first use. The reverse sweep does not need it: it computes
    each partial where it consumes it (``adjoint``), so a gradient is one primal loop and one
    adjoint loop. ``values`` must not change afterwards.
    """

    __slots__ = ("_rows", "graph", "values")

    def __init__(self, graph: Graph, values: Sequence[float]) -> None:
        self.graph = graph
        self.values = values
        self._rows: list[tuple[float, ...]] | None = None

    @property
    def computed(self) -> bool:
        return self._rows is not None

    def compute(self) -> list[tuple[float, ...]]:
        """The rows, computed now if they are not yet (for several sweeps that read them)."""
        if self._rows is None:
            self._rows = _rows(self.graph, self.values)
        return self._rows

    rows = property(compute)

    def __getitem__(self, i: Any) -> Any:
        return self.compute()[i]

    def __len__(self) -> int:
        return len(self.graph.nodes)

    def __iter__(self) -> Iterator[tuple[float, ...]]:
        return iter(self.rows)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return self.rows == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Partials({self.rows!r})"


def local_partials(graph: Graph, values: Sequence[float]) -> Partials:
    """∂vᵢ/∂(k-th operand) for every node at ``values`` (computed when first read)."""
    return Partials(graph, values)


def _rows(graph: Graph, values: Sequence[float]) -> list[tuple[float, ...]]:
    """Every node's row of partials, from the primitive table."""
    partials: list[tuple[float, ...]] = [()] * len(graph.nodes)
    for i, primitive, shape, a, b in graph.program:
        rules = primitive.partials
        out = values[i]
        try:
            if shape == 1:
                x, y = values[a], values[b]
                partials[i] = (rules[0](x, y, out), rules[1](x, y, out))
            elif shape == 0:
                partials[i] = (rules[0](values[a], out),)
            elif shape == 2:
                partials[i] = (rules[0](values[a], b, out), 0.0)
            else:
                partials[i] = (0.0, rules[1](a, values[b], out))
        except (ArithmeticError, ValueError):
            partials[i] = _partials_one_by_one(graph, i, values)
    return partials


def _partials_one_by_one(graph: Graph, i: int, values: Sequence[float]) -> tuple[float, ...]:
    """The partials of node ``i``, a rule that raises giving nan (the evaluators report it)."""
    node = graph.nodes[i]
    rules = PRIMITIVES[node.op].partials
    args = _operand_values(values, node.operands)
    row = []
    for k, operand in enumerate(node.operands):
        try:
            row.append(rules[k](*args, values[i]) if type(operand) is int else 0.0)
        except (ArithmeticError, ValueError):
            row.append(math.nan)
    return tuple(row)


def tangent(graph: Graph, partials: Rows, seed: Sequence[float]) -> list[float]:
    """One forward sweep: the tangent of every node for the input direction ``seed``."""
    if type(partials) is Partials:
        partials = partials.rows
    dots = list(seed) + [0.0] * (len(graph.nodes) - graph.n_inputs)
    for i, _, shape, a, b in graph.program:
        d = partials[i]
        acc = 0.0
        if shape != 3:
            t = dots[a]
            if t != 0.0 and d[0] != 0.0:
                acc += d[0] * t
        if shape & 1:  # shapes 1 and 3: the second operand is a node
            t = dots[b]
            if t != 0.0 and d[1] != 0.0:
                acc += d[1] * t
        dots[i] = acc
    return dots


def output_weights(
    graph: Graph, output_bar: Sequence[Any] | Mapping[int, Any]
) -> Iterator[tuple[int, Any]]:
    """(output index, weight) of a seed given per output or as ``{output index: weight}``;
    a dense seed longer than the outputs has its tail ignored."""
    if isinstance(output_bar, Mapping):
        return iter(output_bar.items())
    return zip(range(len(graph.outputs)), output_bar)


def adjoint(
    graph: Graph,
    partials: Rows,
    output_bar: Sequence[float] | Mapping[int, float],
    *,
    record: bool = False,
) -> tuple[list[float], list[AdjointStep]]:
    """One reverse sweep from the output adjoints ``output_bar``: one per graph output, or
    ``{output index: weight}`` for the nonzero ones only (a row of a Jacobian of m outputs
    then seeds in O(1), not O(m); the recorded steps name only the outputs given).

    With ``record`` the accumulation steps are returned in the paper's order: nodes from the
    last to the first, each node's operands left to right. Given ``local_partials`` not yet
    computed, the sweep computes each node's partials as it reaches it (``_reverse``).
    """
    nodes = graph.nodes
    bars = [0.0] * len(nodes)
    touched = [False] * len(nodes) if record else []
    steps: list[AdjointStep] = []
    for k, w in output_weights(graph, output_bar):
        output = graph.outputs[k]
        if type(output) is int:
            bars[output] += w
            if record:
                steps.append(AdjointStep(output, None, k, 1.0, w, touched[output], bars[output]))
                touched[output] = True
    if not record and type(partials) is Partials and not partials.computed:
        _reverse(graph, partials.values, bars)
        return bars, steps
    if type(partials) is Partials:
        partials = partials.rows
    if not record:
        for i, _, shape, a, b in reversed(graph.program):
            bar = bars[i]
            if bar == 0.0:
                continue
            d = partials[i]
            if shape != 3 and d[0] != 0.0:
                bars[a] += bar * d[0]
            if shape & 1 and d[1] != 0.0:  # shapes 1 and 3: the second operand is a node
                bars[b] += bar * d[1]
        return bars, steps
    for i in range(len(nodes) - 1, graph.n_inputs - 1, -1):
        bar = bars[i]
        for k, (operand, d) in enumerate(zip(nodes[i].operands, partials[i])):
            if type(operand) is not int:
                continue
            contribution = bar * d if bar != 0.0 and d != 0.0 else 0.0
            bars[operand] += contribution
            if record:
                steps.append(
                    AdjointStep(operand, i, k, d, contribution, touched[operand], bars[operand])
                )
                touched[operand] = True
    return bars, steps


def _reverse(graph: Graph, values: Sequence[float], bars: list[float]) -> None:
    """The reverse sweep over ``graph.code``, each partial computed where it is used.

    ``v̄ₖ += v̄ᵢ·∂vᵢ/∂vₖ`` with the partials of the table: inline for the arithmetic opcodes
    (∂(x·y) = (y, x), ∂(x/y) = (1/y, −(x/y)/y), ±1 for sums and differences; a test checks them
    against the table's rows), the function or the output a unary rule's ``form`` names, a call
    of the row's rule otherwise. A zero adjoint or partial contributes nothing (0·∞ = 0), as in
    ``tangent``. A rule that raises gives nan, as in the table of rows (``_partials_one_by_one``).
    """
    for i, op, a, b, g in graph.code.backward:
        bar = bars[i]
        try:
            if op == LINEAR:  # g finite and nonzero: a zero adjoint adds ±0, which changes nothing
                bars[a] += bar * g
            elif bar == 0.0:
                continue
            elif op == B_ADD:
                bars[a] += bar
                bars[b] += bar
            elif op == B_MUL:
                d, e = values[b], values[a]
                if d != 0.0:
                    bars[a] += bar * d
                if e != 0.0:
                    bars[b] += bar * e
            elif op == B_CALL1:
                d = g(values[a], values[i])
                if d != 0.0:
                    bars[a] += bar * d
            elif op == B_OF_X:
                d = g(values[a])
                if d != 0.0:
                    bars[a] += bar * d
            elif op == B_NEG_OF_X:  # v̄ₐ += v̄·(−f(x)), which is v̄ₐ −= v̄·f(x) exactly in IEEE
                d = g(values[a])
                if d != 0.0:
                    bars[a] -= bar * d
            elif op == B_SUB:
                bars[a] += bar
                bars[b] -= bar
            elif op == B_OUTPUT:
                d = values[i]
                if d != 0.0:
                    bars[a] += bar * d
            elif op == B_DIV:
                y = values[b]
                d, e = 1.0 / y, -values[i] / y
                if d != 0.0:
                    bars[a] += bar * d
                if e != 0.0:
                    bars[b] += bar * e
            elif op == B_DIV_CN:
                e = -values[i] / values[a]
                if e != 0.0:
                    bars[a] += bar * e
            elif op == B_CALL2:
                x, y, out = values[a], values[b], values[i]
                d, e = g[0](x, y, out), g[1](x, y, out)
                if d != 0.0:
                    bars[a] += bar * d
                if e != 0.0:
                    bars[b] += bar * e
            elif op == B_CALL2_NC:
                d = g[0](values[a], g[1], values[i])
                if d != 0.0:
                    bars[a] += bar * d
            else:  # B_CALL2_CN
                d = g[0](g[1], values[a], values[i])
                if d != 0.0:
                    bars[a] += bar * d
        except (ArithmeticError, ValueError):  # before any update: every partial comes first
            row = _partials_one_by_one(graph, i, values)
            for operand, d in zip(graph.nodes[i].operands, row):
                if type(operand) is int and d != 0.0:
                    bars[operand] += bar * d


def local_second_partials(graph: Graph, values: Sequence[float]) -> list[tuple[float, ...]]:
    """∂²vᵢ/∂(k-th)∂(l-th operand) for every node, upper triangle row-major (see ``pair_index``).

    Pairs that involve a constant operand are 0.0: constants have no tangent.
    """
    nodes = graph.nodes
    seconds: list[tuple[float, ...]] = [()] * len(nodes)
    for i in range(graph.n_inputs, len(nodes)):
        node = nodes[i]
        rules = PRIMITIVES[node.op].second
        args = _operand_values(values, node.operands)
        out = values[i]
        arity = len(node.operands)
        row = []
        for k in range(arity):
            for m in range(k, arity):
                if type(node.operands[k]) is not int or type(node.operands[m]) is not int:
                    row.append(0.0)
                    continue
                try:
                    row.append(float(rules[pair_index(k, m, arity)](*args, out)))
                except (ArithmeticError, ValueError):
                    row.append(math.nan)
        seconds[i] = tuple(row)
    return seconds


def second_order_adjoint(
    graph: Graph,
    partials: Rows,
    seconds: Rows,
    dots: Sequence[float],
    output_bar: Sequence[float],
) -> tuple[list[float], list[float]]:
    """Forward-over-reverse: the reverse sweep and its tangent along ``dots`` in one loop.

    Differentiating ``v̄ₖ += v̄ᵢ·∂vᵢ/∂vₖ`` along the direction whose tangents are ``dots`` gives
    ``v̄̇ₖ += v̄̇ᵢ·∂vᵢ/∂vₖ + v̄ᵢ·Σₗ ∂²vᵢ/∂vₖ∂vₗ·v̇ₗ``. With ȳ = 1 the inputs' ``v̄`` is the gradient
    and their ``v̄̇`` is the Hessian times the direction. Returns ``(bars, bar_dots)``.
    """
    if type(partials) is Partials:
        partials = partials.rows
    nodes = graph.nodes
    bars = [0.0] * len(nodes)
    bar_dots = [0.0] * len(nodes)
    for output, w in zip(graph.outputs, output_bar):
        if type(output) is int:
            bars[output] += w
    for i in range(len(nodes) - 1, graph.n_inputs - 1, -1):
        bar, bar_dot = bars[i], bar_dots[i]
        if bar == 0.0 and bar_dot == 0.0:
            continue
        operands = nodes[i].operands
        arity = len(operands)
        first, second = partials[i], seconds[i]
        for k, operand in enumerate(operands):
            if type(operand) is not int:
                continue
            d = first[k]
            if bar != 0.0 and d != 0.0:
                bars[operand] += bar * d
            acc = bar_dot * d if bar_dot != 0.0 and d != 0.0 else 0.0
            if bar != 0.0:
                curvature = 0.0
                for m, other in enumerate(operands):
                    dd = second[pair_index(k, m, arity)]
                    if type(other) is int and dots[other] != 0.0 and dd != 0.0:
                        curvature += dd * dots[other]
                if curvature != 0.0:
                    acc += bar * curvature
            bar_dots[operand] += acc
    return bars, bar_dots
