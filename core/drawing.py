"""The computational graph as a picture: Graphviz ``dot`` and Mermaid text.

One box per Wengert node, labelled with its variable and operation (``v₁ = ln v₋₁``) and, given a
point, its value and adjoint; one arrow per operand, from the operand to the node, labelled with
the local partial ∂vᵢ/∂vₖ as the primitive table writes it (``1/v₋₁``) and, given a point, its
value. Given adjoints, the reverse sweep is drawn too, in a second colour and dashed: one arrow
back along each operand, labelled with the contribution v̄ᵢ·∂vᵢ/∂vₖ it adds to v̄ₖ (written as
the adjoint trace writes it, ``v̄₃·cos v₀ = -0.283662``), and the seed ȳ = 1 from the output.
The graph shares common subexpressions, so a shared node is drawn once with several arrows
leaving it; constants stay inside the labels, as in the Wengert list.

``picture`` decides what is drawn; ``to_dot`` and ``to_mermaid`` only write it down.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .graph import Const, Graph
from .notation import (
    BAR,
    chain,
    const_text,
    format_number,
    node_text,
    output_name,
    partial_text,
    to_ascii,
    var,
)

INPUT, OPERATION, OUTPUT = "input", "operation", "output"
FORWARD, ADJOINT = "forward", "adjoint"  # the kinds of arrow
ADJOINT_COLOUR = "#c0392b"  # a red that stays distinct from black on a projector and in print
# Points: Graphviz's default 14 for boxes, and edge labels as large (they were 10, too small to
# read on a slide).
FONT_SIZE = 14


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
    kind: str = FORWARD  # or ADJOINT: a step of the reverse sweep, drawn in ADJOINT_COLOUR


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
            if bars is not None and partials is not None:
                # Written, as in the adjoint trace, from the partial's formula; its value too.
                flow = chain(var(graph, i, BAR), partial_text(graph, i, k))
                flow += f" = {number(bars[i] * partials[i][k])}"
                arrows.append(Arrow(f"n{i}", f"n{operand}", flow, ADJOINT))
    for k, output in enumerate(graph.outputs):
        shown = var(graph, output) if isinstance(output, int) else const_text(output)
        lines = [f"{output_name(graph, k)} = {shown}"]
        if values is not None and isinstance(output, int):
            lines.append(f"= {number(values[output])}")
        boxes.append(Box(f"y{k}", tuple(lines), OUTPUT))
        if isinstance(output, int):
            arrows.append(Arrow(f"n{output}", f"y{k}"))
            if bars is not None:
                seed = f"{output_name(graph, k, BAR)} = 1"
                arrows.append(Arrow(f"y{k}", f"n{output}", seed, ADJOINT))
    title = "; ".join(" ".join(source.split()) for source in graph.sources)
    return Picture(title, tuple(boxes), tuple(arrows))


def _text(text: str, ascii_only: bool) -> str:
    return to_ascii(text) if ascii_only else text


def to_dot(drawing: Picture, ascii_only: bool = False, dpi: int | None = None) -> str:
    """Graphviz: ``dot -Tsvg`` draws it, left to right, inputs as ellipses; ``dpi`` sets the
    resolution of bitmaps (``-Tpng``).

    Edge labels are ``label``, not ``xlabel``: dot then lays them out as part of the graph,
    making room for them, so they do not overlap boxes or each other. The adjoint arrows do
    not take part in ranking (``constraint=false``): the picture keeps its forward layout."""

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
        "    nodesep=0.4;",
        "    ranksep=0.8;",
        *([f"    dpi={dpi};"] if dpi is not None else []),
        f'    node [shape=box, fontname="Helvetica", fontsize={FONT_SIZE}];',
        f'    edge [fontname="Helvetica", fontsize={FONT_SIZE}];',
    ]
    out += [
        f"    {box.key} [label={quote(box.lines)}"
        + ("" if box.kind == OPERATION else f", shape={shapes[box.kind]}")
        + "];"
        for box in drawing.boxes
    ]
    adjoint = (
        f'color="{ADJOINT_COLOUR}", fontcolor="{ADJOINT_COLOUR}", style=dashed, constraint=false'
    )
    for arrow in drawing.arrows:
        attributes = [f"label={quote([arrow.label])}"] if arrow.label else []
        if arrow.kind == ADJOINT:
            attributes.append(adjoint)
        listed = f" [{', '.join(attributes)}]" if attributes else ""
        out.append(f"    {arrow.source} -> {arrow.target}{listed};")
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
    adjoint = []  # Mermaid styles links by their position in the text
    for n, arrow in enumerate(drawing.arrows):
        label = f"|{quote([arrow.label])}|" if arrow.label else ""
        link = "-->"
        if arrow.kind == ADJOINT:
            link = "-.->"
            adjoint.append(str(n))
        out.append(f"    {arrow.source} {link}{label} {arrow.target}")
    if adjoint:
        style = f"stroke:{ADJOINT_COLOUR},color:{ADJOINT_COLOUR}"
        out.append(f"    linkStyle {','.join(adjoint)} {style}")
    return "\n".join(out) + "\n"
