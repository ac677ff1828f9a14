"""The Wengert list: a flat, immutable, topologically sorted list of single-assignment steps.

A node's id is its index in ``Graph.nodes``; every operand id is smaller than the node's own,
so every sweep is a plain loop and nothing recurses. Inputs come first (ids ``0 … n-1``, shown
as ``v₁₋ₙ … v₀``), then intermediates (shown as ``v₁, v₂, …``), as in Griewank & Walther and
Baydin et al. (2018). Numeric constants are not nodes: they stay inline as ``Const`` operands.
"""

from __future__ import annotations

import gc
import math
import struct
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from .errors import Span
from .notation import output_stem
from .primitives import PRIMITIVES, Primitive

INPUT = "input"

# Opcodes of ``Graph.code``. Forward (primal): the operation; the sweeps compute products, sums,
# differences, quotients and negations inline (tests/test_sweeps.py checks them against the
# table's rows) and call the row's ``value`` for every other operation.
MUL, CALL1, ADD, SUB, DIV, NEG, CALL2 = range(7)
INLINE = {"mul": MUL, "add": ADD, "sub": SUB, "div": DIV, "neg": NEG}
# Backward (adjoint): ``LINEAR`` is one node operand with a constant, finite, nonzero partial
# (x ± c, c ± x, −x, c·x, x·c, x/c); ``B_OF_X``, ``B_NEG_OF_X``, ``B_OUTPUT`` a unary partial
# that is ±f(x) or the output (its rule's ``form``, see core.primitives); the others say what
# the partials need.
(
    LINEAR,
    B_CALL1,
    B_OF_X,
    B_NEG_OF_X,
    B_OUTPUT,
    B_ADD,
    B_MUL,
    B_SUB,
    B_DIV,
    B_DIV_CN,
    B_CALL2,
    B_CALL2_NC,
    B_CALL2_CN,
) = range(13)
UNARY_FORMS = {"x": B_OF_X, "-x": B_NEG_OF_X, "ans": B_OUTPUT}


_bits = struct.Struct("<d").pack


@dataclass(frozen=True, slots=True, eq=False)
class Const:
    """A numeric constant written inline in an operation (``v₁ = 2 × v₀``).

    Two constants are equal when they have the same bits (and label), not when they compare
    equal as floats: ``0`` and ``-0`` are different constants (``atan2(-0, -1)`` is −π), and a
    NaN equals itself. The builder shares a subexpression only between equal constants.
    """

    value: float
    label: str | None = None  # "π", "e": how to print it when not as a number

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Const:
            return NotImplemented
        return self.label == other.label and _bits(self.value) == _bits(other.value)  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((_bits(self.value), self.label))


Operand = int | Const


@dataclass(frozen=True, slots=True, init=False)
class Node:
    """One step ``v_i = op(operands)``; inputs have ``op == "input"`` and a ``name``."""

    op: str
    operands: tuple[Operand, ...] = ()
    name: str | None = None
    span: Span | None = None
    level: int = 0

    def __init__(
        self,
        op: str,
        operands: tuple[Operand, ...] = (),
        name: str | None = None,
        span: Span | None = None,
        level: int = 0,
    ) -> None:
        # What the frozen dataclass's own __init__ does (object.__setattr__ per field), through
        # the slots directly: ``GraphBuilder.finish`` makes 10⁶ nodes for a big expression.
        _set_op(self, op)
        _set_operands(self, operands)
        _set_name(self, name)
        _set_span(self, span)
        _set_level(self, level)


_set_op, _set_operands, _set_name, _set_span, _set_level = (
    Node.__dict__[f].__set__ for f in ("op", "operands", "name", "span", "level")
)


Forward = tuple[int, int, int, int, Any]
Backward = tuple[int, int, int, int, Any]


@dataclass(frozen=True, slots=True)
class Code:
    """A Wengert list as flat steps for the primal and adjoint loops (see ``Graph.code``)."""

    # (id, opcode, a, b, value): operands as slots of the value list (b = a for a unary
    # operation); ``value`` is the row's function for a call, else None.
    forward: tuple[Forward, ...]
    # (id, opcode, a, b, partial), last operation first, those through which nothing flows
    # (a product by the constant 0) left out. ``a``, ``b`` are node ids (``a`` the only node
    # operand when there is one); ``partial`` is the constant partial (``LINEAR``), the row's
    # rule (``B_CALL1``), the f of a partial ±f(x) (``B_OF_X``, ``B_NEG_OF_X``), its two rules
    # (``B_CALL2``) or (rule, constant) for a call with a constant operand, else None.
    backward: tuple[Backward, ...]
    slots: tuple[float, ...]  # after the inputs: 0.0 per operation, then each constant
    kinked: tuple[int, ...]  # the operations whose primitive has a kink
    edges: int  # operand references to nodes


def _opcodes(p: Primitive) -> tuple[int, int, Any, Any, bool]:
    """(forward opcode, backward opcode when every operand is a node, value, partial, kink)."""
    binary = {"add": B_ADD, "mul": B_MUL, "sub": B_SUB, "div": B_DIV}
    if p.name == "neg":
        return (NEG, LINEAR, p.value, -1.0, False)
    if p.arity == 1:
        rule = p.partials[0]
        form, f = getattr(rule, "form", ("", rule))
        return (CALL1, UNARY_FORMS.get(form, B_CALL1), p.value, f, p.kink is not None)
    return (
        INLINE.get(p.name, CALL2),
        binary.get(p.name, B_CALL2),
        p.value,
        p.partials,
        p.kink is not None,
    )


OPCODES = {name: _opcodes(p) for name, p in PRIMITIVES.items()}


def _with_constant(i: int, op: str, a: Operand, b: Operand) -> Backward | None:
    """The adjoint's step for a binary node ``i`` with one constant operand; None when nothing
    flows back through it (a product by 0)."""
    primitive = PRIMITIVES[op]
    node, const = (a, b.value) if isinstance(a, int) else (b, a.value)  # type: ignore[union-attr]
    if op in ("add", "sub", "mul") or (op == "div" and isinstance(a, int) and const != 0.0):
        if op == "mul":
            partial = const
        elif op == "div":
            partial = 1.0 / const
        else:
            partial = -1.0 if op == "sub" and not isinstance(a, int) else 1.0
        if partial == 0.0:
            return None
        if math.isfinite(partial):
            return (i, LINEAR, node, node, partial)  # type: ignore[return-value]
    if op == "div" and isinstance(b, int):
        return (i, B_DIV_CN, b, b, None)
    if isinstance(a, int):
        return (i, B_CALL2_NC, a, a, (primitive.partials[0], const))
    return (i, B_CALL2_CN, b, b, (primitive.partials[1], const))  # type: ignore[return-value]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Building a graph (or its steps) allocates up to millions of objects without cycles: the
    cyclic garbage collector would traverse everything alive again and again, for nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _abbreviated(texts: Sequence[str], width: int, shown: int = 4) -> str:
    """A tuple of texts as a repr: the first ``shown``, each cut to ``width`` characters."""
    items = [repr(t if len(t) <= width else t[: width - 1] + "…") for t in texts[:shown]]
    more = [f"… {len(texts) - shown} more"] if len(texts) > shown else []
    return "(" + ", ".join(items + more) + ("," if len(texts) == 1 else "") + ")"


@dataclass(frozen=True)
class Graph:
    """A function ``y = f(x)`` as a Wengert list, with one or more outputs."""

    nodes: tuple[Node, ...]
    n_inputs: int
    outputs: tuple[Operand, ...]
    sources: tuple[str, ...] = ()

    def __repr__(self) -> str:
        # What the list is, not its nodes: a notebook echoing parse(...) of a 10⁶-term sum
        # would print megabytes.
        operations = len(self.nodes) - self.n_inputs
        return (
            f"Graph(sources={_abbreviated(self.sources, 60)}, "
            f"inputs={_abbreviated(self.input_names, 20)}, operations={operations})"
        )

    @cached_property
    def input_names(self) -> tuple[str, ...]:
        return tuple(node.name or "" for node in self.nodes[: self.n_inputs])

    @cached_property
    def output_stem(self) -> str:
        """``y``, or another letter when an input is named so (``notation.output_stem``)."""
        return output_stem(self.input_names, len(self.outputs))

    @cached_property
    def program(self) -> tuple[tuple[int, Primitive, int, Any, Any], ...]:
        """Each operation as ``(id, primitive, shape, a, b)``, for the sweeps' inner loops.

        ``shape`` says where the operands are: 0 unary (``a`` a node id), 1 two nodes, 2 a node
        and a constant (``b`` its value), 3 a constant and a node (``a`` its value). Looking this
        up once per graph, not once per node and sweep, roughly halves the time of a sweep. The
        table of partials, the tangent sweep and the recorded adjoint sweep read it.
        """
        with collector_paused():
            return self._program()

    def _program(self) -> tuple[tuple[int, Primitive, int, Any, Any], ...]:
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

    @cached_property
    def code(self) -> Code:
        """The operations as flat integer-indexed steps, for the fast primal and adjoint.

        Slots ``0 … len(nodes)-1`` of the primal's value list are the nodes; the constant
        operands get slots after them, so every operand is an index and the primal does not
        branch on where constants are.
        """
        with collector_paused():
            return self._code()

    def _code(self) -> Code:
        nodes, size = self.nodes, len(self.nodes)
        forward: list[Forward] = []
        backward: list[Backward] = []
        consts: list[float] = []
        kinked = []
        unary = 0
        for i in range(self.n_inputs, size):
            node = nodes[i]
            operands = node.operands
            kind, back, value, partial, kink = OPCODES[node.op]
            if kink:
                kinked.append(i)
            if len(operands) == 1:
                a = operands[0]
                unary += 1
                forward.append((i, kind, a, a, value))  # type: ignore[arg-type]
                backward.append((i, back, a, a, partial))  # type: ignore[arg-type]
                continue
            a, b = operands
            if type(a) is int and type(b) is int:
                forward.append((i, kind, a, b, value))
                backward.append((i, back, a, b, partial))
                continue
            slot = size + len(consts)
            if isinstance(a, Const):
                consts.append(a.value)
                forward.append((i, kind, slot, b, value))  # type: ignore[arg-type]
            else:
                consts.append(b.value)  # type: ignore[union-attr]
                forward.append((i, kind, a, slot, value))
            step = _with_constant(i, node.op, a, b)
            if step is not None:
                backward.append(step)
        edges = 2 * len(forward) - unary - len(consts)
        backward.reverse()
        slots = (0.0,) * (size - self.n_inputs) + tuple(consts)
        return Code(tuple(forward), tuple(backward), slots, tuple(kinked), edges)

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
