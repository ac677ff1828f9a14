"""Build a ``Graph`` bottom-up: shared subexpressions, constant folding, the paper's numbering.

The parser (or any other front end) calls ``input``/``constant``/``apply`` as it reduces, each
returning an operand (a provisional node id or a ``Const``); ``finish`` numbers the nodes. No
recursion anywhere, so depth is no limit.

Numbering rule (pinned by the golden tests): inputs ``v₁₋ₙ … v₀`` in natural order of their
names (``x2`` before ``x10``) unless an order is asked for (``--inputs``); intermediates by
level (1 + the highest level among their operands, inputs being level 0), ties broken by
position in the text. That reproduces the numbering of Baydin et al. (2018), Table 2, where
plain post-order does not.

Speed matters here (10⁶-node expressions): while building, a node is a plain tuple and its
span two integers; the ``Node`` and ``Span`` objects are made once, already renumbered, by
``finish``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from .errors import DomainError, LimitError, NonFiniteError, Span, UsageError
from .graph import INPUT, Const, Graph, Node, Operand
from .notation import const_text
from .primitives import PRIMITIVES

DEFAULT_MAX_NODES = 5_000_000

# A built subexpression as the parser keeps it: (operand, start, end) in the current text.
Term = tuple[Operand, int, int]


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders ``x2`` before ``x10``."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", name)
    )


def input_order(names: Sequence[str], first: Sequence[str]) -> dict[str, int]:
    """The position of each name of ``first`` (all of them inputs, none twice) among the
    inputs: a bad ``--inputs`` is told apart from a typo in the expression."""
    order: dict[str, int] = {}
    for name in first:
        if name not in names:
            uses = ", ".join(sorted(names, key=natural_key)) or "no variables"
            raise UsageError(
                f"{name} is not a variable of the expression (it uses {uses})", argument="inputs"
            )
        if name in order:
            raise UsageError(f"{name} is named more than once", argument="inputs")
        order[name] = len(order)
    return order


def fold(op: str, values: list[float], span: Span) -> float:
    """Apply a primitive to constants at build time; errors point at the source span."""
    primitive = PRIMITIVES[op]
    shown = primitive.notation.format(*(const_text(Const(v)) for v in values))
    try:
        result = primitive.value(*values)
    except (ValueError, ZeroDivisionError):
        raise DomainError(
            f"{shown} is undefined: {op} needs {primitive.domain}", span=span
        ) from None
    except OverflowError:
        raise NonFiniteError(f"{shown} overflows the float range", span=span) from None
    if not math.isfinite(result):
        raise NonFiniteError(f"{shown} overflows the float range", span=span)
    return float(result)


def _limit_message(max_operations: int) -> str:
    plural = "operation" if max_operations == 1 else "operations"
    return f"the expression has more than {max_operations:,} {plural} (see --max-nodes)"


class GraphBuilder:
    """Accumulates nodes in creation order; ``finish`` renumbers them into the Wengert list.

    ``max_nodes`` bounds the operations (inputs are not counted: there are never more of them
    than operations plus expressions). ``expr`` is the number of the text being read, for the
    spans.
    """

    def __init__(self, max_nodes: int = DEFAULT_MAX_NODES) -> None:
        # One tuple per node, in creation order: (op, operands, name, start, end, expr).
        self._nodes: list[tuple[str, tuple[Operand, ...], str | None, int, int, int]] = []
        self._levels: list[int] = []
        self._inputs: dict[str, int] = {}
        self._shared: dict[tuple[str, Operand, Operand | None], int] = {}
        self._room = max_nodes  # operations still allowed
        self._max_nodes = max_nodes
        self.expr = 0

    def _add(self, op: str, operands: tuple[Operand, ...], level: int, start: int, end: int) -> int:
        if not self._room:
            raise LimitError(_limit_message(self._max_nodes), span=Span(start, end, self.expr))
        self._room -= 1
        self._nodes.append((op, operands, None, start, end, self.expr))
        self._levels.append(level)
        return len(self._levels) - 1

    def input(self, name: str, start: int, end: int) -> int:
        node_id = self._inputs.get(name)
        if node_id is None:
            node_id = self._inputs[name] = len(self._levels)
            self._nodes.append((INPUT, (), name, start, end, self.expr))
            self._levels.append(0)
        return node_id

    @staticmethod
    def constant(value: float, label: str | None = None) -> Const:
        return Const(float(value), label)

    def unary(self, op: str, a: Operand, start: int, end: int) -> Operand:
        key = (op, a, None)
        node_id = self._shared.get(key)
        if node_id is not None:
            return node_id
        if a.__class__ is not int:
            return Const(fold(op, [a.value], Span(start, end, self.expr)))  # type: ignore[union-attr]
        node_id = self._shared[key] = self._add(op, (a,), self._levels[a] + 1, start, end)  # type: ignore[index]
        return node_id

    def binary(self, op: str, a: Operand, b: Operand, start: int, end: int) -> Operand:
        # Keys compare constants by bits and label (see Const), so `2*x` written twice is one
        # node but `atan2(0, x)` and `atan2(-0, x)` are two.
        key = (op, a, b)
        node_id = self._shared.get(key)
        if node_id is not None:
            return node_id
        levels = self._levels
        if a.__class__ is int:
            level = levels[a] if b.__class__ is not int else max(levels[a], levels[b])  # type: ignore[index]
        elif b.__class__ is int:
            level = levels[b]  # type: ignore[index]
        else:
            return Const(fold(op, [a.value, b.value], Span(start, end, self.expr)))  # type: ignore[union-attr]
        if not self._room:  # _add, written out: this is the hottest line of a parse
            raise LimitError(_limit_message(self._max_nodes), span=Span(start, end, self.expr))
        self._room -= 1
        node_id = self._shared[key] = len(levels)
        levels.append(level + 1)
        self._nodes.append((op, (a, b), None, start, end, self.expr))
        return node_id

    def apply(self, op: str, operands: list[Operand], start: int, end: int) -> Operand:
        """``op`` applied to one or two operands (the arity is the primitive's)."""
        if len(operands) == 1:
            return self.unary(op, operands[0], start, end)
        return self.binary(op, operands[0], operands[1], start, end)

    def finish(
        self,
        outputs: list[Operand],
        sources: tuple[str, ...] = (),
        inputs_first: Sequence[str] = (),
    ) -> Graph:
        """Number the nodes as the paper does and return the immutable graph; the inputs named
        in ``inputs_first`` come first, in that order (``x2, x1``: ``v₋₁ = x2``).

        Among operations of one level, creation order is already the order of (text,
        position): a parser reduces left to right, and two nodes of one level never nest. So a
        stable sort by level alone gives the documented numbering.
        """
        nodes, levels = self._nodes, self._levels
        first = input_order(list(self._inputs), inputs_first)
        inputs = sorted(
            self._inputs.values(),
            key=lambda i: (
                first.get(nodes[i][2] or "", len(first)),
                natural_key(nodes[i][2] or ""),
            ),
        )
        ops = sorted(
            (i for i, node in enumerate(nodes) if node[0] != INPUT), key=levels.__getitem__
        )
        order = inputs + ops
        new_id = [0] * len(nodes)
        for new, old in enumerate(order):
            new_id[old] = new
        built = []
        for old in order:
            op, operands, name, start, end, expr = nodes[old]
            if len(operands) == 2:
                a, b = operands
                operands = (
                    new_id[a] if a.__class__ is int else a,  # type: ignore[index]
                    new_id[b] if b.__class__ is int else b,  # type: ignore[index]
                )
            elif operands:
                operands = (new_id[operands[0]],)  # type: ignore[index]
            built.append(Node(op, operands, name, Span(start, end, expr), levels[old]))
        return Graph(
            nodes=tuple(built),
            n_inputs=len(inputs),
            outputs=tuple(new_id[o] if o.__class__ is int else o for o in outputs),  # type: ignore[index]
            sources=sources,
        )
