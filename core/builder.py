"""Build a ``Graph`` bottom-up: shared subexpressions, constant folding, the paper's numbering.

The parser (or any other front end) calls ``input``/``constant``/``apply`` as it reduces, each
returning a ``Term``; ``finish`` numbers the nodes. No recursion anywhere, so depth is no limit.

Numbering rule (pinned by the golden tests): inputs ``v₁₋ₙ … v₀`` in natural order of their
names (``x2`` before ``x10``); intermediates by level (1 + the highest level among their
operands, inputs being level 0), ties broken by position in the text. That reproduces the
numbering of Baydin et al. (2018), Table 2, where plain post-order does not.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from .errors import DomainError, LimitError, NonFiniteError, Span
from .graph import INPUT, Const, Graph, Node, Operand
from .notation import const_text
from .primitives import PRIMITIVES

DEFAULT_MAX_NODES = 5_000_000


@dataclass(frozen=True, slots=True)
class Term:
    """A built subexpression: a provisional node id or a constant, and where it was written."""

    operand: Operand
    span: Span


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders ``x2`` before ``x10``."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", name)
    )


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


class GraphBuilder:
    """Accumulates nodes in creation order; ``finish`` renumbers them into the Wengert list."""

    def __init__(self, max_nodes: int = DEFAULT_MAX_NODES) -> None:
        self._nodes: list[Node] = []
        self._inputs: dict[str, int] = {}
        self._shared: dict[tuple[str, tuple[Operand, ...]], int] = {}
        self._max_nodes = max_nodes

    def _add(self, node: Node) -> int:
        if len(self._nodes) >= self._max_nodes:
            raise LimitError(
                f"the expression has more than {self._max_nodes:,} operations (see --max-nodes)",
                span=node.span,
            )
        self._nodes.append(node)
        return len(self._nodes) - 1

    def input(self, name: str, span: Span) -> Term:
        node_id = self._inputs.get(name)
        if node_id is None:
            node_id = self._inputs[name] = self._add(Node(INPUT, (), name, span, 0))
        return Term(node_id, span)

    def constant(self, value: float, span: Span, label: str | None = None) -> Term:
        return Term(Const(float(value), label), span)

    def apply(self, op: str, args: list[Term], span: Span) -> Term:
        operands = tuple(arg.operand for arg in args)
        if all(isinstance(a, Const) for a in operands):
            return Term(Const(fold(op, [a.value for a in operands], span)), span)  # type: ignore[union-attr]
        # Keys compare constants by value and label, so `2*x` written twice is one node.
        key = (op, operands)
        node_id = self._shared.get(key)
        if node_id is None:
            level = 1 + max(self._nodes[a].level for a in operands if isinstance(a, int))
            node_id = self._shared[key] = self._add(Node(op, operands, None, span, level))
        return Term(node_id, span)

    def finish(self, outputs: list[Term], sources: tuple[str, ...] = ()) -> Graph:
        """Number the nodes as the paper does and return the immutable graph."""
        nodes = self._nodes
        inputs = sorted(self._inputs.values(), key=lambda i: natural_key(nodes[i].name or ""))
        ops = [i for i, node in enumerate(nodes) if node.op != INPUT]

        def position(i: int) -> tuple[int, int, int, int]:
            span = nodes[i].span or Span(0, 0)
            return (nodes[i].level, span.expr, span.start, i)

        ops.sort(key=position)
        order = inputs + ops
        new_id = [0] * len(nodes)
        for new, old in enumerate(order):
            new_id[old] = new

        def renumber(operand: Operand) -> Operand:
            return new_id[operand] if isinstance(operand, int) else operand

        renumbered = tuple(
            replace(nodes[old], operands=tuple(renumber(a) for a in nodes[old].operands))
            for old in order
        )
        return Graph(
            nodes=renumbered,
            n_inputs=len(inputs),
            outputs=tuple(renumber(t.operand) for t in outputs),
            sources=sources,
        )
