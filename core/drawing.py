"""The computational graph as a picture: Graphviz ``dot`` and Mermaid text.

One box per Wengert node, labelled with its variable and operation (``v₁ = ln v₋₁``) and, given a
point, its value and adjoint; one arrow per operand, from the operand to the node, labelled with
the local partial ∂vᵢ/∂vₖ as the primitive table writes it (``1/v₋₁``) and, given a point, its
value. The graph shares common subexpressions, so a shared node is drawn once with several
arrows leaving it; constants stay inside the labels, as in the Wengert list.

``picture`` decides what is drawn; ``to_dot`` and ``to_mermaid`` only write it down.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .graph import Const, Graph
from .notation import (
    BAR,
    const_text,
    format_number,
    node_text,
    output_name,
    partial_text,
    to_ascii,
    var,
)

INPUT, OPERATION, OUTPUT = "input", "operation", "output"


@dataclass(frozen=True, slots=True)
class Box:
    key: str  # n0, n1, … (node ids) and y0, y1, … (outputs)
    lines: tuple[str, ...]
    kind: str  # input, operation or output


@dataclass(frozen=True, slots=True)
class Arrow:
    source: str
    target: str
    label: str = ""


@dataclass(frozen=True)
class Picture:
    title: str  # the expressions, one line
    boxes: tuple[Box, ...]
    arrows: tuple[Arrow, ...]


def picture(
    graph: Graph,
    values: Sequence[float] | None = None,
    partials: Sequence[Sequence[float]] | None = None,
    bars: Sequence[float] | None = None,
    digits: int = 6,
) -> Picture:
    """What to draw; values, local partials and adjoints are optional (all indexed by node)."""

    def number(x: float) -> str:
        return format_number(x, digits)

    boxes = []
    arrows = []
    for i, node in enumerate(graph.nodes):
        lines = [f"{var(graph, i)} = {node_text(graph, i)}"]
        if values is not None:
            lines.append(f"= {number(values[i])}")
        if bars is not None:
            lines.append(f"{var(graph, i, BAR)} = {number(bars[i])}")
        boxes.append(Box(f"n{i}", tuple(lines), INPUT if i < graph.n_inputs else OPERATION))
        for k, operand in enumerate(node.operands):
            if isinstance(operand, Const):
                continue
            label = partial_text(graph, i, k)
            if partials is not None and "v" in label:  # not for a constant such as 1 or −1
                label += f" = {number(partials[i][k])}"
            arrows.append(Arrow(f"n{operand}", f"n{i}", label))
    for k, output in enumerate(graph.outputs):
        shown = var(graph, output) if isinstance(output, int) else const_text(output)
        lines = [f"{output_name(graph, k)} = {shown}"]
        if values is not None and isinstance(output, int):
            lines.append(f"= {number(values[output])}")
        boxes.append(Box(f"y{k}", tuple(lines), OUTPUT))
        if isinstance(output, int):
            arrows.append(Arrow(f"n{output}", f"y{k}"))
    title = "; ".join(" ".join(source.split()) for source in graph.sources)
    return Picture(title, tuple(boxes), tuple(arrows))


def _text(text: str, ascii_only: bool) -> str:
    return to_ascii(text) if ascii_only else text


def to_dot(drawing: Picture, ascii_only: bool = False) -> str:
    """Graphviz: ``dot -Tsvg`` draws it, left to right, inputs as ellipses."""

    def quote(lines: Sequence[str]) -> str:
        escaped = [
            _text(line, ascii_only).replace("\\", "\\\\").replace('"', '\\"') for line in lines
        ]
        return '"' + "\\n".join(escaped) + '"'

    shapes = {INPUT: "ellipse", OPERATION: "box", OUTPUT: "plaintext"}
    out = [
        "digraph autodiff {",
        f"    // {_text(drawing.title, ascii_only)}",
        "    rankdir=LR;",
        '    node [shape=box, fontname="Helvetica"];',
        '    edge [fontname="Helvetica", fontsize=10];',
    ]
    out += [
        f"    {box.key} [label={quote(box.lines)}"
        + ("" if box.kind == OPERATION else f", shape={shapes[box.kind]}")
        + "];"
        for box in drawing.boxes
    ]
    for arrow in drawing.arrows:
        label = f" [label={quote([arrow.label])}]" if arrow.label else ""
        out.append(f"    {arrow.source} -> {arrow.target}{label};")
    out.append("}")
    return "\n".join(out) + "\n"


def to_mermaid(drawing: Picture, ascii_only: bool = False) -> str:
    """Mermaid: a ``flowchart`` that Markdown viewers such as GitHub's render."""

    def quote(lines: Sequence[str]) -> str:
        escaped = [_text(line, ascii_only).replace('"', "#quot;") for line in lines]
        return '"' + "<br/>".join(escaped) + '"'

    shapes = {INPUT: ("([", "])"), OPERATION: ("[", "]"), OUTPUT: ("[/", "/]")}
    out = ["flowchart LR", f"    %% {_text(drawing.title, ascii_only)}"]
    for box in drawing.boxes:
        left, right = shapes[box.kind]
        out.append(f"    {box.key}{left}{quote(box.lines)}{right}")
    for arrow in drawing.arrows:
        label = f"|{quote([arrow.label])}|" if arrow.label else ""
        out.append(f"    {arrow.source} -->{label} {arrow.target}")
    return "\n".join(out) + "\n"
