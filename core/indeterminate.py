"""Products 0·∞ in the chain rule: the infinite local partials a zero factor hid.

The sweeps take a product with a zero factor as zero even when the other factor is infinite or
NaN (0·∞ = 0, see ``core.sweeps``). That is right when the zero is structural: the tangent of an
input that was not seeded (``x1 + sqrt(x2)`` with ``--wrt x1`` at x2 = 0), an adjoint of a node
that does not reach a weighted output, a product by the constant 0 (``0*sqrt(x)``). It is not
when the zero was computed: in ``cbrt(x)^3`` at 0 the partial ∂(u³)/∂u = 3u² is 0 and meets the
infinite ∂∛x/∂x, and the gradient comes out 0 where the true one is 1.

So after a derivative comes out finite, every infinite (or NaN) local partial on an edge from a
seeded input to a weighted output (products by the constant 0 cut an edge) is reported: a
finite result means it was multiplied by a zero on its way, and the result is not to be
trusted. The rule looks at the graph and the partials only, so the forward and the reverse
mode report the same nodes, and the batches (``core.vectorized``) find the same points.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from itertools import chain

from .graph import Const, Graph, Node
from .notation import describe_node, partial_symbol, var
from .primitives import pair_index
from .sweeps import Diagnostic, Partials, Rows, _partials_one_by_one

KIND = "indeterminate"


def _cut(node: Node, k: int) -> bool:
    """Nothing flows through the ``k``-th operand of ``node``: a product by the constant 0."""
    if node.op != "mul":
        return False
    other = node.operands[1 - k]
    return other.__class__ is Const and other.value == 0.0  # type: ignore[union-attr]


def reached(graph: Graph, inputs: Iterable[int]) -> list[bool]:
    """For every node, whether its value depends on one of ``inputs`` (through uncut edges)."""
    nodes = graph.nodes
    live = [False] * len(nodes)
    for j in inputs:
        live[j] = True
    for i in range(graph.n_inputs, len(nodes)):
        node = nodes[i]
        live[i] = any(
            type(a) is int and live[a] and not _cut(node, k) for k, a in enumerate(node.operands)
        )
    return live


def reaching(graph: Graph, outputs: Iterable[int]) -> list[bool]:
    """For every node, whether one of the ``outputs`` (node ids) depends on it (uncut edges)."""
    nodes = graph.nodes
    live = [False] * len(nodes)
    for o in outputs:
        live[o] = True
    for i in range(len(nodes) - 1, graph.n_inputs - 1, -1):
        if live[i]:
            node = nodes[i]
            for k, a in enumerate(node.operands):
                if type(a) is int and not _cut(node, k):
                    live[a] = True
    return live


def live_edges(
    graph: Graph, inputs: Iterable[int], outputs: Iterable[int]
) -> list[tuple[int, list[int]]]:
    """``(node, operand positions)`` for every node on a path from ``inputs`` to ``outputs``:
    the positions of its node operands that depend on an input (uncut edges only)."""
    before, after = reached(graph, inputs), reaching(graph, outputs)
    edges = []
    for i in range(graph.n_inputs, len(graph.nodes)):
        if after[i]:
            node = graph.nodes[i]
            ks = [
                k
                for k, a in enumerate(node.operands)
                if type(a) is int and before[a] and not _cut(node, k)
            ]
            if ks:
                edges.append((i, ks))
    return edges


def live_pairs(ks: Sequence[int], arity: int) -> list[int]:
    """Where the second partials of the operand pairs among ``ks`` sit in a row of them."""
    return [pair_index(k, m, arity) for k in ks for m in ks if k <= m]


def _finite(numbers: Iterable[float]) -> bool:
    # One C loop: a sum is finite only if every term is (an overflowing sum of finite terms
    # only costs the exact search below).
    return math.isfinite(sum(numbers))


def _may_hide(graph: Graph, partials: Partials, bars: Sequence[Sequence[float]]) -> bool:
    """Cheaply: could a non-finite partial be on a path at all? With the table of partials,
    whether it holds one; a reverse sweep without it (``bars``) hid one only behind a
    non-finite adjoint or at a node whose adjoint is zero."""
    if partials.computed or not bars:
        return not _finite(chain.from_iterable(partials.rows))
    n, values = graph.n_inputs, partials.values
    for vector in bars:
        if not _finite(vector):
            return True
        if vector.count(0.0) > vector[:n].count(0.0):
            for i in range(n, len(graph.nodes)):
                if vector[i] == 0.0 and not _finite(_partials_one_by_one(graph, i, values)):
                    return True
    return False


def _infinite_partial(
    graph: Graph, i: int, ks: list[int], row: tuple[float, ...], second: tuple[float, ...] | None
) -> str:
    """``∂v₂/∂v₁ = inf`` for the first non-finite partial of node ``i`` through the operands
    ``ks`` (first partials, then second ones); empty when they are all finite."""
    for k in ks:
        if not math.isfinite(row[k]):
            return f"{partial_symbol(graph, i, k)} = {row[k]!r}"
    if second is not None:
        for pair in live_pairs(ks, len(graph.nodes[i].operands)):
            if not math.isfinite(second[pair]):
                return f"a second partial of {var(graph, i)} is {second[pair]!r}"
    return ""


def hidden_infinities(
    graph: Graph,
    partials: Partials,
    inputs: Iterable[int],
    outputs: Iterable[int | Const],
    *,
    bars: Sequence[Sequence[float]] = (),
    seconds: Rows | None = None,
) -> tuple[Diagnostic, ...]:
    """A warning for each node whose infinite (or NaN) local partial lies on a path from the
    seeded ``inputs`` to the weighted ``outputs`` (see the module doc); for a finite result.

    ``bars``: the adjoints of reverse sweeps that ran without the table of partials (it is then
    computed only when they show that something may be hidden). ``seconds``: the second
    partials of a Hessian, checked as well.
    """
    seconds_finite = seconds is None or _finite(chain.from_iterable(seconds))
    if seconds_finite and not _may_hide(graph, partials, bars):
        return ()
    nodes = [o for o in outputs if type(o) is int]
    rows, values = partials.rows, partials.values
    found = []
    for i, ks in live_edges(graph, inputs, nodes):
        what = _infinite_partial(graph, i, ks, rows[i], None if seconds is None else seconds[i])
        if what:
            message = (
                f"{what} at {describe_node(graph, i, values)} was multiplied by 0 on its way "
                "to the result (0·∞ is taken as 0): the derivative may be wrong"
            )
            found.append(Diagnostic(message, i, graph.nodes[i].span, KIND))
    return tuple(found)
