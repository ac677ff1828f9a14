"""The paper's notation as text: ``v₋₁``, ``v̇₁``, ``v̄₀``, ``∂v₅/∂v₃``, and its ASCII form.

Pure string functions of the graph and the primitive table; they compute nothing numeric.
Every front end (tables, JSON, error messages) reads them, so a trace reads the same
everywhere. Text is produced in Unicode; ``to_ascii`` maps it to ``v-1``, ``vdot1``, ``vbar0``.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from .primitives import PRIMITIVES

if TYPE_CHECKING:
    from .graph import Const, Graph, Operand

Number = Callable[[float], str]  # how a table writes a number (rounded to --digits, …)
OperandText = Callable[["Operand", str], str]  # an operand, with an accent, as text

DOT = "\u0307"  # combining dot above: v̇
BAR = "\u0304"  # combining macron: v̄
_SUBSCRIPT = str.maketrans("0123456789-", "₀₁₂₃₄₅₆₇₈₉₋")
_ASCII = {
    DOT: "dot",
    BAR: "bar",
    "₋": "-",
    **{chr(0x2080 + d): str(d) for d in range(10)},
    "×": "*",
    "·": "*",
    "−": "-",
    "√": "sqrt",
    "∛": "cbrt",
    "²": "^2",
    "≥": ">=",
    "≤": "<=",
    "π": "pi",
    "σ": "sigmoid",
    "∂": "d",
    "→": "->",
    "…": "...",
}


def to_ascii(text: str) -> str:
    """The same text with only ASCII characters (``v̄₋₁`` → ``vbar-1``)."""
    return "".join(_ASCII.get(ch, ch) for ch in text)


def format_number(x: float, digits: int | None = None, decimals: int | None = None) -> str:
    """Shortest round-trip form (``5.5``, ``10``), ``digits`` significant digits, or at most
    ``decimals`` places after the point, trailing zeros dropped as the paper prints them
    (``0.693``, ``10``, ``5.5`` with 3)."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if decimals is not None:
        text = f"{x:.{decimals}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    else:
        text = repr(x) if digits is None else f"{x:.{digits}g}"
        if text.endswith(".0"):
            text = text[:-2]
    return "0" if text == "-0" else text


def var(graph: Graph, node_id: int, accent: str = "") -> str:
    """``v₋₁``; with ``accent=DOT`` ``v̇₋₁``, with ``accent=BAR`` ``v̄₋₁``."""
    return "v" + accent + str(graph.wengert_index(node_id)).translate(_SUBSCRIPT)


def seed_name(name: str, accent: str = DOT) -> str:
    """The seed of an input: ``ẋ1`` (tangent) or ``x̄1`` (adjoint)."""
    return name[:1] + accent + name[1:]


def output_stem(input_names: Sequence[str], m: int) -> str:
    """What the ``m`` outputs are called: ``y`` (``y₁ … yₘ``, ``y1 … ym`` in ASCII), unless an
    input already has one of those names (Rosenbrock's ``(1-x)^2 + 100*(y-x^2)^2`` would print
    ``∂y/∂y``); then the first free one of ``f``, ``g``, ``h``, ``y_``, ``y__``, … An input
    ``y`` beside outputs ``y₁ … yₘ`` is no clash (``∂y₂/∂y``, ``ȳ`` against ``ȳ₂``).

    Every printer reads it through ``Graph.output_stem`` (computed once per graph)."""
    taken = set(input_names)
    for stem in itertools.chain("yfgh", ("y" + "_" * i for i in itertools.count(1))):
        names = {stem} if m == 1 else {f"{stem}{k}" for k in range(1, m + 1)}
        if taken.isdisjoint(names):
            return stem
    raise AssertionError("unreachable: the candidates never run out")


def output_name(graph: Graph, k: int, accent: str = "") -> str:
    """``y`` for a single output, ``y₁ … yₘ`` for several (see ``output_stem``)."""
    base = graph.output_stem + accent
    return base if len(graph.outputs) == 1 else base + str(k + 1).translate(_SUBSCRIPT)


def const_text(const: Const) -> str:
    text = const.label or format_number(const.value)
    if text == "0" and math.copysign(1.0, const.value) < 0.0:
        text = "-0"  # a constant −0 is not 0 (atan2(−0, −1) = −π): show its sign
    return f"({text})" if text.startswith("-") else text


def operand_text(graph: Graph, operand: Operand, accent: str = "") -> str:
    return var(graph, operand, accent) if isinstance(operand, int) else const_text(operand)


def node_text(graph: Graph, node_id: int) -> str:
    """The right-hand side of ``v_i = …``: the input's name, or the operation (``ln v₋₁``)."""
    node = graph.nodes[node_id]
    if node.name is not None:
        return node.name
    texts = [operand_text(graph, a) for a in node.operands]
    return PRIMITIVES[node.op].notation.format(*texts)


def partial_symbol(graph: Graph, node_id: int, operand: int) -> str:
    """``∂v₅/∂v₄``: the partial of a node with respect to one of its operands, as a symbol."""
    target = graph.nodes[node_id].operands[operand]
    return f"∂{var(graph, node_id)}/∂{operand_text(graph, target)}"


def partial_text(graph: Graph, node_id: int, operand: int, text: OperandText | None = None) -> str:
    """The partial written out from the primitive table (``cos v₀`` for ``v₃ = sin v₀``);
    ``text`` writes the operands (their names by default, their values in worked arithmetic)."""
    node = graph.nodes[node_id]
    text = text or _names(graph)
    texts = [text(a, "") for a in node.operands]
    return PRIMITIVES[node.op].partial_notation[operand].format(*texts)


def chain(seed: str, partial: str, shape: str | None = None, simplify: bool = True) -> str:
    """``seed × partial`` written as a person would: ``v̄₅``, ``−v̄₅``, ``v̄₁/v₋₁``,
    ``v̄₃×cos v₀``. ``shape`` is the partial with names, when ``partial`` has values put in: the
    form is chosen by it, so ``v̇₁×v₀`` with ``v₀ = 1`` still reads ``1×1``. Without
    ``simplify`` a partial 1 or −1 is written out, as the paper's adjoint trace does
    (``v̄₄×1``, ``v̄₅×(−1)``)."""
    shape = partial if shape is None else shape
    if simplify and shape == "1":
        return seed
    if simplify and shape == "−1":
        return "−" + seed
    if shape.startswith("1/"):
        return f"{seed}/{partial[2:]}"
    if shape.startswith("−") or " + " in shape or " − " in shape:
        return f"{seed}×({partial})"
    return f"{seed}×{partial}"


def tangent_rule(graph: Graph, node_id: int, text: OperandText | None = None) -> str:
    """``v̇₂ = v̇₋₁×v₀ + v̇₀×v₋₁``: the right-hand side of a node's tangent step; with ``text``
    writing values, its worked arithmetic (``1×5 + 0×2``)."""
    node = graph.nodes[node_id]
    if node.name is not None:
        return seed_name(node.name)
    names = _names(graph)
    terms = [
        chain(
            (text or names)(a, DOT),
            partial_text(graph, node_id, k, text),
            partial_text(graph, node_id, k),
        )
        for k, a in enumerate(node.operands)
        if isinstance(a, int)
    ]
    combined = terms[0]
    for term in terms[1:]:
        combined += f" − {term[1:]}" if term.startswith("−") else f" + {term}"
    return combined


def adjoint_rule(graph: Graph, target: int, source: int | None, operand: int) -> tuple[str, str]:
    """The right-hand side of an adjoint step, generic and with the partial written out:
    ``("v̄₃·∂v₃/∂v₀", "v̄₃×cos v₀")``; for a seed ``("ȳ", "ȳ")``."""
    if source is None:
        seed = output_name(graph, operand, BAR)
        return seed, seed
    bar = var(graph, source, BAR)
    generic = f"{bar}·{partial_symbol(graph, source, operand)}"
    return generic, chain(bar, partial_text(graph, source, operand))


# --- worked arithmetic: the steps with numbers put in, as the paper's Tables 2–3 show them ---


def _names(graph: Graph) -> OperandText:
    return lambda operand, accent: operand_text(graph, operand, accent)


def _number(x: float, number: Number) -> str:
    """A value inside arithmetic: ``−0.959`` in brackets, so ``sin (−0.959)`` reads right."""
    text = number(x)
    return f"(−{text[1:]})" if text.startswith("-") else text


def _values(values: Sequence[float], dots: Sequence[float], number: Number) -> Callable[..., str]:
    def text(operand: Operand, accent: str) -> str:
        if not isinstance(operand, int):
            return const_text(operand)
        return _number((dots if accent else values)[operand], number)

    return text


# A bracketed negative number after + or −, unless a power follows: 1 + (−2)² is not 1 − 2².
_PLUS_NEGATIVE = re.compile(r" \+ \(−([^()]*)\)(?![²^])")
_MINUS_NEGATIVE = re.compile(r" − \(−([^()]*)\)(?![²^])")


def _signs(text: str) -> str:
    """``10.693 − (−0.959)`` → ``10.693 + 0.959``, as the paper writes v₅."""
    return _MINUS_NEGATIVE.sub(r" + \1", _PLUS_NEGATIVE.sub(r" − \1", text))


def worked_primal(graph: Graph, node_id: int, values: Sequence[float], number: Number) -> str:
    """``ln 2`` for ``v₁ = ln v₋₁``, ``0.693 + 10`` for ``v₄ = v₁ + v₂``; "" for an input."""
    node = graph.nodes[node_id]
    if node.name is not None:
        return ""
    text = _values(values, (), number)
    return _signs(PRIMITIVES[node.op].notation.format(*(text(a, "") for a in node.operands)))


def worked_tangent(
    graph: Graph, node_id: int, values: Sequence[float], dots: Sequence[float], number: Number
) -> str:
    """``1×5 + 0×2`` for ``v̇₂ = v̇₋₁×v₀ + v̇₀×v₋₁``; "" for an input."""
    if graph.nodes[node_id].name is not None:
        return ""
    return _signs(tangent_rule(graph, node_id, _values(values, dots, number)))


def worked_adjoint(graph: Graph, source: int | None, operand: int) -> str:
    """The paper's local term of an adjoint step: ``v̄₄×1``, ``v̄₅×(−1)``, ``v̄₃×cos v₀``,
    ``v̄₁/v₋₁``; "" for a seed."""
    if source is None:
        return ""
    bar = var(graph, source, BAR)
    return chain(bar, partial_text(graph, source, operand), simplify=False)


def describe_node(graph: Graph, node_id: int, values: Sequence[float]) -> str:
    """``v₁ = ln v₋₁ with v₋₁ = -1``: a node and the values of its operands, for messages."""
    node = graph.nodes[node_id]
    refs = dict.fromkeys(a for a in node.operands if isinstance(a, int))
    with_values = ", ".join(f"{var(graph, a)} = {format_number(values[a])}" for a in refs)
    text = f"{var(graph, node_id)} = {node_text(graph, node_id)}"
    return f"{text} with {with_values}" if with_values else text
