"""The fast sweeps against the primitive table, bit for bit.

``primal`` and the reverse sweep compute products, sums, differences, quotients and negations
inline and every partial where the adjoint uses it (``graph.code``); here they are checked
against a naive loop over the table's rows (``value`` and ``partials``) with the sweeps'
conventions: a zero adjoint or partial contributes nothing (0·∞ = 0), a rule that raises gives
nan. Special values (±0, ±inf, nan, the extremes of the float range) are included.
"""

from __future__ import annotations

import itertools
import math
import random

import pytest

from autodiff.core.errors import DomainError, NonFiniteError
from autodiff.core.graph import INLINE, INPUT, Const, Graph, Node
from autodiff.core.primitives import PRIMITIVES
from autodiff.core.sweeps import adjoint, local_partials, primal, tangent

INF, NAN = math.inf, math.nan
SPECIAL = (0.0, -0.0, 1.0, -1.0, 2.5, -0.3, 1e300, -1e300, 5e-324, INF, -INF, NAN)
SEEDS = (1.0, 0.0, -2.0, INF, NAN)


def same(x: float, y: float) -> bool:
    """Equal including the sign of zero; any nan equals any nan."""
    if x != x or y != y:
        return x != x and y != y
    return x == y and math.copysign(1.0, x) == math.copysign(1.0, y)


def same_list(xs: list[float], ys: list[float]) -> bool:
    return len(xs) == len(ys) and all(same(x, y) for x, y in zip(xs, ys))


def arguments(node: Node, values: list[float]) -> list[float]:
    return [a.value if isinstance(a, Const) else values[a] for a in node.operands]


def naive_primal(graph: Graph, x: list[float]) -> list[float] | None:
    """Every value from the table's ``value``; None where one raises."""
    values = list(x)
    for node in graph.nodes[graph.n_inputs :]:
        try:
            values.append(PRIMITIVES[node.op].value(*arguments(node, values)))
        except (ValueError, ZeroDivisionError, OverflowError):
            return None
    return values


def naive_partials(graph: Graph, values: list[float]) -> list[tuple[float, ...]]:
    rows: list[tuple[float, ...]] = [()] * graph.n_inputs
    for i in range(graph.n_inputs, len(graph.nodes)):
        node = graph.nodes[i]
        args = arguments(node, values)
        row = []
        for k, operand in enumerate(node.operands):
            try:
                d = PRIMITIVES[node.op].partials[k](*args, values[i])
            except (ArithmeticError, ValueError):
                d = NAN
            row.append(d if isinstance(operand, int) else 0.0)
        rows.append(tuple(row))
    return rows


def naive_adjoint(graph: Graph, values: list[float], output_bar: list[float]) -> list[float]:
    rows = naive_partials(graph, values)
    bars = [0.0] * len(graph.nodes)
    for output, w in zip(graph.outputs, output_bar):
        if isinstance(output, int):
            bars[output] += w
    for i in range(len(graph.nodes) - 1, graph.n_inputs - 1, -1):
        for operand, d in zip(graph.nodes[i].operands, rows[i]):
            if isinstance(operand, int) and bars[i] != 0.0 and d != 0.0:
                bars[operand] += bars[i] * d
    return bars


def check(graph: Graph, x: list[float], seeds: tuple[float, ...] = SEEDS) -> None:
    expected = naive_primal(graph, x)
    if expected is None:
        with pytest.raises((DomainError, NonFiniteError)):
            primal(graph, x)
        return
    values, warnings = primal(graph, x)
    assert same_list(values, expected)
    overflowed = [  # a value that is not finite although every operand is
        i
        for i in range(graph.n_inputs, len(graph.nodes))
        if not math.isfinite(values[i])
        and all(math.isfinite(arg) for arg in arguments(graph.nodes[i], values))
    ]
    assert [w.node for w in warnings] == overflowed
    partials = local_partials(graph, values)
    assert not partials.computed  # the reverse sweep computes them where it uses them
    for w in seeds:
        fused, _ = adjoint(graph, local_partials(graph, values), [w])
        assert same_list(fused, naive_adjoint(graph, values, [w])), (graph, x, w)
    rows = naive_partials(graph, values)
    for row, expected_row in zip(partials, rows):
        assert same_list(list(row), list(expected_row))
    assert len(partials) == len(graph.nodes) and partials == list(partials)
    # Once the rows exist, the sweeps read them: the same adjoints, and the recorded path too.
    assert same_list(adjoint(graph, partials, [1.0])[0], naive_adjoint(graph, values, [1.0]))
    recorded, _ = adjoint(graph, partials, [1.0], record=True)
    assert same_list(recorded, naive_adjoint(graph, values, [1.0]))


def graph_of(op: str, operands: tuple[int | Const, ...], n_inputs: int = 2) -> Graph:
    inputs = tuple(Node(INPUT, name=f"x{j + 1}") for j in range(n_inputs))
    return Graph((*inputs, Node(op, operands, level=1)), n_inputs, (n_inputs,))


@pytest.mark.parametrize("op", sorted(INLINE))
def test_inline_arithmetic_agrees_with_the_table_rows(op: str) -> None:
    """The opcodes computed inline give the table's value and partials, bit for bit."""
    if PRIMITIVES[op].arity == 1:
        for x in SPECIAL:
            check(graph_of(op, (0,), 1), [x])
        return
    shapes = [(0, 1), (0, 0)] + [(0, Const(c)) for c in SPECIAL] + [(Const(c), 0) for c in SPECIAL]
    for operands in shapes:
        for x, y in itertools.product(SPECIAL, repeat=2):
            check(graph_of(op, operands), [x, y])  # type: ignore[arg-type]


@pytest.mark.parametrize("op", sorted(set(PRIMITIVES) - set(INLINE)))
def test_calls_of_the_table_at_special_values(op: str) -> None:
    arity = PRIMITIVES[op].arity
    if arity == 1:
        for x in SPECIAL:
            check(graph_of(op, (0,), 1), [x])
        return
    for operands in [(0, 1), (0, Const(0.5)), (Const(-2.0), 0), (0, Const(0.0))]:
        for x, y in itertools.product(SPECIAL, repeat=2):
            check(graph_of(op, operands), [x, y], seeds=(1.0, 0.0))  # type: ignore[arg-type]


def random_graph(rng: random.Random, n_inputs: int, size: int) -> Graph:
    names = sorted(PRIMITIVES)
    nodes = [Node(INPUT, name=f"x{j + 1}") for j in range(n_inputs)]
    constants = (0.0, 2.0, -0.5, 3.0, 1e-300, 1e300)
    for i in range(n_inputs, n_inputs + size):
        op = rng.choice(names)
        operands: list[int | Const] = [rng.randrange(i) for _ in range(PRIMITIVES[op].arity)]
        if len(operands) == 2 and rng.random() < 0.4:
            operands[rng.randrange(2)] = Const(rng.choice(constants))
        level = 1 + max(nodes[a].level for a in operands if isinstance(a, int))
        nodes.append(Node(op, tuple(operands), level=level))
    outputs = (len(nodes) - 1,)
    return Graph(tuple(nodes), n_inputs, outputs)


def test_random_graphs_of_every_primitive_agree_with_the_table() -> None:
    rng = random.Random(8)
    for _ in range(400):
        graph = random_graph(rng, 3, rng.randrange(1, 40))
        graph.validate()
        x = [rng.choice([*SPECIAL, 0.5, -1.5, 3.0]) if rng.random() < 0.2 else rng.uniform(-2, 2)]
        x += [rng.uniform(-2, 2) for _ in range(2)]
        check(graph, x, seeds=(1.0, -0.5))


def test_tangent_reads_the_same_partials() -> None:
    graph = graph_of("mul", (0, 1))
    values, _ = primal(graph, [3.0, 4.0])
    assert tangent(graph, local_partials(graph, values), [1.0, 0.0])[2] == 4.0
