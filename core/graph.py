"""The Wengert list: a flat, immutable, topologically sorted list of single-assignment steps.

A node's id is its index in ``Graph.nodes``; every operand id is smaller than the node's own,
so every sweep is a plain loop and nothing recurses. Inputs come first (ids ``0 … n-1``, shown
as ``v₁₋ₙ … v₀``), then intermediates (shown as ``v₁, v₂, …``), as in Griewank & Walther and
Baydin et al. (2018). Numeric constants are not nodes: they stay inline as ``Const`` operands.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from .errors import Span
from .primitives import PRIMITIVES, Primitive

INPUT = "input"


@dataclass(frozen=True, slots=True)
class Const:
    """A numeric constant written inline in an operation (``v₁ = 2 × v₀``)."""

    value: float
    label: str | None = None  # "π", "e": how to print it when not as a number


Operand = int | Const


@dataclass(frozen=True, slots=True)
class Node:
    """One step ``v_i = op(operands)``; inputs have ``op == "input"`` and a ``name``."""

    op: str
    operands: tuple[Operand, ...] = ()
    name: str | None = None
    span: Span | None = None
    level: int = 0


@dataclass(frozen=True)
class Graph:
    """A function ``y = f(x)`` as a Wengert list, with one or more outputs."""

    nodes: tuple[Node, ...]
    n_inputs: int
    outputs: tuple[Operand, ...]
    sources: tuple[str, ...] = ()

    @cached_property
    def input_names(self) -> tuple[str, ...]:
        return tuple(node.name or "" for node in self.nodes[: self.n_inputs])

    @cached_property
    def program(self) -> tuple[tuple[int, Primitive, int, Any, Any], ...]:
        """Each operation as ``(id, primitive, shape, a, b)``, for the sweeps' inner loops.

        ``shape`` says where the operands are: 0 unary (``a`` a node id), 1 two nodes, 2 a node
        and a constant (``b`` its value), 3 a constant and a node (``a`` its value). Looking this
        up once per graph, not once per node and sweep, roughly halves the time of a sweep.
        """
        steps = []
        for i in range(self.n_inputs, len(self.nodes)):
            node = self.nodes[i]
            primitive = PRIMITIVES[node.op]
            if len(node.operands) == 1:
                steps.append((i, primitive, 0, node.operands[0], None))
                continue
            a, b = node.operands
            if isinstance(a, int) and isinstance(b, int):
                steps.append((i, primitive, 1, a, b))
            elif isinstance(a, int):
                steps.append((i, primitive, 2, a, b.value))  # type: ignore[union-attr]
            else:
                steps.append((i, primitive, 3, a.value, b))
        return tuple(steps)

    def wengert_index(self, node_id: int) -> int:
        """The paper's subscript: inputs ``1-n … 0``, intermediates ``1, 2, …``."""
        return node_id - self.n_inputs + 1

    def consumers(self) -> list[list[int]]:
        """For each node, the ids of the nodes that use it (in increasing order)."""
        users: list[list[int]] = [[] for _ in self.nodes]
        for i, node in enumerate(self.nodes):
            for operand in node.operands:
                if isinstance(operand, int) and (not users[operand] or users[operand][-1] != i):
                    users[operand].append(i)
        return users

    def validate(self) -> None:
        """Check the invariants every sweep relies on; raise ``ValueError`` on the first breach."""
        for i, node in enumerate(self.nodes):
            if (node.op == INPUT) != (i < self.n_inputs):
                raise ValueError(
                    f"node {i}: inputs must come first and only inputs have op 'input'"
                )
            if node.op == INPUT:
                if not node.name or node.operands:
                    raise ValueError(f"node {i}: an input needs a name and no operands")
                continue
            primitive = PRIMITIVES.get(node.op)
            if primitive is None:
                raise ValueError(f"node {i}: unknown primitive {node.op!r}")
            if len(node.operands) != primitive.arity:
                raise ValueError(f"node {i}: {node.op} takes {primitive.arity} operands")
            refs = [a for a in node.operands if isinstance(a, int)]
            if not refs:
                raise ValueError(f"node {i}: an operation on constants alone should be folded")
            if any(not 0 <= a < i for a in refs):
                raise ValueError(f"node {i}: operands must refer to earlier nodes")
            expected = 1 + max(self.nodes[a].level for a in refs)
            if node.level != expected:
                raise ValueError(f"node {i}: level {node.level}, expected {expected}")
        if len(set(self.input_names)) != self.n_inputs:
            raise ValueError("input names must be distinct")
        for output in self.outputs:
            if isinstance(output, int) and not 0 <= output < len(self.nodes):
                raise ValueError(f"output {output} is not a node")
