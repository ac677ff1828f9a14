"""Every command's output as a list of plain tables ("sections"), before any format is chosen.

Rich, Markdown, LaTeX and the CSV of traces all render these, so a trace reads the same in a
terminal, in notes and on slides. Text cells hold the paper's notation in Unicode; number cells
hold unrounded floats (a renderer rounds trace numbers to ``--digits`` and prints results in
full). JSON has its own, richer document (``render/json.py``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, TypeVar

from autodiff.core.curvature import Curvature
from autodiff.core.derivatives import (
    Cost,
    Evaluation,
    ForwardPass,
    Jacobian,
    ReversePass,
    SecondOrderPass,
)
from autodiff.core.graph import Graph
from autodiff.core.notation import (
    BAR,
    DOT,
    Number,
    format_number,
    output_name,
    seed_name,
    var,
)
from autodiff.core.trace import (
    input_adjoint_rows,
    iter_adjoint_rows,
    iter_node_rows,
    iter_tangent_rows,
    output_rows,
)

from .options import RenderOptions

Cell = str | float | None
Row = TypeVar("Row")


@dataclass
class Section:
    """One table: ``text_columns`` of notation, then ``number_columns`` of numbers."""

    key: str  # primal, wengert, tangent, adjoint, second_order, advisor, result, jacobian,
    # hessian, eigenvalues
    title: str
    text_columns: list[str]
    number_columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    breaks: list[int] = field(default_factory=list)  # a rule before these rows
    caption: str | None = None
    precise: bool = False  # results: numbers in full, not rounded to --digits
    # Number columns that hold notation (the right half of --layout paper): aligned left.
    left: set[int] = field(default_factory=set)
    inputs: int = 0  # rows of inputs at the top of a trace: LaTeX rules them off
    # Rows beyond --max-rows that were counted but never built (they follow ``rows``).
    unbuilt: int = 0

    @property
    def columns(self) -> list[str]:
        return self.text_columns + self.number_columns

    @property
    def aligns(self) -> list[str]:
        """Each column's alignment, "left" or "right"."""
        numbers = range(len(self.number_columns))
        right = ["left" if j in self.left else "right" for j in numbers]
        return ["left"] * len(self.text_columns) + right

    @property
    def is_trace(self) -> bool:
        return self.key in ("primal", "wengert", "tangent", "adjoint", "second_order", "paper")


# --- traces ----------------------------------------------------------------------------------


def _printed(section: Section, rows: Iterator[Row], total: int, limit: int | None) -> Iterator[Row]:
    """The first ``limit`` of ``total`` rows (all when None): ``limit_rows`` would cut the rest,
    so they are only counted. Building them cost most of a large command's time."""
    if limit is None or total <= limit:
        return rows
    section.unbuilt += total - limit
    return islice(rows, limit)


def wengert_section(
    graph: Graph,
    evaluation: Evaluation | None = None,
    number: Number | None = None,
    limit: int | None = None,
) -> Section:
    """The Wengert list (symbolic), with values when a point is given: the forward primal trace;
    with ``number`` (--work) a column of worked arithmetic (``ln 2``); ``limit`` rows at most."""
    n = len(graph.nodes)
    if evaluation is None:
        section = Section("wengert", "Wengert list", ["var", "="], [])
        rows = _printed(section, iter_node_rows(graph), n, limit)
        section.rows = [[row.var, row.expr] for row in rows]
    else:
        work = [] if number is None else ["work"]
        section = Section("primal", "Forward primal trace", ["var", "=", *work], ["value"])
        rows = _printed(section, iter_node_rows(graph, evaluation.values, number), n, limit)
        section.rows = [
            [row.var, row.expr, *([row.work] if work else []), row.value] for row in rows
        ]
    section.breaks.append(n)
    section.inputs = graph.n_inputs
    outputs = output_rows(graph, evaluation.outputs if evaluation else None)
    pad = len(section.text_columns) - 2
    for out in outputs:
        section.rows.append([out.name, out.expr, *[""] * pad] + ([out.value] if evaluation else []))
    return section


def _seed_label(graph: Graph, seed: Sequence[float]) -> str:
    """``ẋ1=1`` for a unit seed, ``ẋ=(1, 0.5)`` for a general direction."""
    nonzero = [j for j, s in enumerate(seed) if s != 0.0]
    if len(nonzero) == 1 and seed[nonzero[0]] == 1.0:
        return f"{seed_name(graph.input_names[nonzero[0]], DOT)}=1"
    return "ẋ=(" + ", ".join(format_number(s) for s in seed) + ")"


def tangent_section(
    graph: Graph,
    passes: Sequence[ForwardPass],
    values: Sequence[float] = (),
    number: Number | None = None,
    limit: int | None = None,
) -> Section:
    """Table 2 (right): the tangent trace, one column per forward pass; with ``number``
    (--work) a column of worked arithmetic per pass (``1×5 + 0×2``); ``limit`` rows at most."""
    headers = [_seed_label(graph, p.seed) for p in passes]
    work = []
    if number is not None:
        work = ["work"] if len(passes) == 1 else [f"work {h}" for h in headers]
    section = Section("tangent", "Forward tangent trace", ["tangent", "=", *work], headers)
    n = len(graph.nodes)
    rows = _printed(section, iter_tangent_rows(graph, passes, values, number), n, limit)
    section.rows = [[row.var, row.rule, *(row.works or ()), *row.tangents] for row in rows]
    section.breaks.append(n)
    section.inputs = graph.n_inputs
    for k, output in enumerate(graph.outputs):
        expr = var(graph, output, DOT) if isinstance(output, int) else "0"
        dots = [p.dots[output] if isinstance(output, int) else 0.0 for p in passes]
        section.rows.append([output_name(graph, k, DOT), expr, *[""] * len(work), *dots])
    return section


def output_seeds(graph: Graph, sweep: ReversePass) -> str:
    """`` (ȳ₁=1, ȳ₂=0)``: the seeds of a sweep, in its title when there are several outputs."""
    if len(graph.outputs) == 1:
        return ""
    seeds = ", ".join(
        f"{output_name(graph, k, BAR)}={format_number(w)}" for k, w in enumerate(sweep.seed)
    )
    return f" ({seeds})"


def adjoint_section(
    graph: Graph, sweep: ReversePass, work: bool = False, limit: int | None = None
) -> Section:
    """Table 3 (right): every accumulation step of one reverse sweep, in order, then the
    inputs' adjoints (``x̄1 = v̄₋₁``); with ``work`` the local terms as the paper writes them
    (``v̄₄×1``); ``limit`` rows at most."""
    title = "Reverse adjoint trace" + output_seeds(graph, sweep)
    texts = ["#", "adjoint", "", "chain rule", "local", *(["work"] if work else [])]
    section = Section("adjoint", title, texts, ["term", "value"])
    n = len(sweep.steps)
    for row in _printed(section, iter_adjoint_rows(graph, sweep, work), n, limit):
        op = "+=" if row.accumulate else "="
        worked = [row.work] if work else []
        numbers = [row.contribution, row.adjoint]
        section.rows.append(
            [str(row.step), row.var, op, row.symbolic, row.local, *worked, *numbers]
        )
    section.breaks.append(n)
    pad = [""] * (len(texts) - 4)
    for out in input_adjoint_rows(graph, sweep):
        section.rows.append(["", out.name, "=", out.expr, *pad, None, out.value])
    return section


def second_order_section(
    evaluation: Evaluation, sweep: SecondOrderPass, limit: int | None = None
) -> Section:
    """One forward-over-reverse sweep: value, tangent, adjoint and the adjoint's tangent;
    ``limit`` rows at most."""
    direction = ", ".join(format_number(u) for u in sweep.direction)
    title = f"Forward-over-reverse trace (direction {direction})"
    numbers = ["value", f"v{DOT}", f"v{BAR}", f"v{BAR}{DOT}"]
    section = Section("second_order", title, ["var", "="], numbers)
    section.inputs = evaluation.graph.n_inputs
    graph = evaluation.graph
    rows = iter_node_rows(graph, evaluation.values)
    for row in _printed(section, rows, len(graph.nodes), limit):
        i = row.node
        section.rows.append(
            [row.var, row.expr, row.value, sweep.dots[i], sweep.bars[i], sweep.bar_dots[i]]
        )
    return section


# --- results ---------------------------------------------------------------------------------


def result_section(evaluation: Evaluation) -> Section:
    """The outputs' values; commands append their derivatives as further rows."""
    graph = evaluation.graph
    section = Section("result", "Result", [""], ["value"], precise=True)
    section.rows = [[output_name(graph, k), y] for k, y in enumerate(evaluation.outputs)]
    return section


def _append(section: Section, labels: Sequence[str], values: Sequence[float]) -> Section:
    section.rows.extend([label, value] for label, value in zip(labels, values))
    return section


def matrix_section(
    key: str,
    title: str,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    matrix: Sequence[Sequence[float]],
) -> Section:
    section = Section(key, title, [""], list(column_labels), precise=True)
    section.rows = [[label, *row] for label, row in zip(row_labels, matrix)]
    return section


def eigen_section(curvature: Curvature, ascii_only: bool = False) -> Section:
    """The Hessian's eigenvalues, ascending, under the verdict of the second-order test."""
    title = f"Eigenvalues of the Hessian: {curvature.verdict}"
    lam = "lambda" if ascii_only else "λ"
    section = Section("eigenvalues", title, [""], [lam], precise=True)
    section.rows = [[f"{lam}{k + 1}", x] for k, x in enumerate(curvature.eigenvalues)]
    tol = format_number(curvature.tol, 3)
    section.caption = f"{curvature.meaning} (tol = n·eps·max|eigenvalue| = {tol})"
    return section


def advisor_section(cost: Cost) -> Section:
    """The mode advisor's reasoning, with the counts of this Wengert list."""
    section = Section("advisor", "Mode advisor", ["", "sweeps", "multiply-adds"], [])
    chosen = "  ← chosen"
    section.rows = [
        [
            "forward (columns)" + (chosen if cost.choice == "forward" else ""),
            f"n = {cost.n}",
            f"{cost.n} × {cost.edges} = {cost.forward}",
        ],
        [
            "reverse (rows)" + (chosen if cost.choice == "reverse" else ""),
            f"m = {cost.m}",
            f"{cost.m} × {cost.edges} = {cost.reverse}",
        ],
    ]
    section.caption = (
        f"{cost.nodes} operations, {cost.edges} edges: one sweep costs {cost.edges} "
        "multiply-adds after the local partials are computed once"
    )
    return section


def _names(graph: Graph, wrt: Sequence[int]) -> list[str]:
    return [graph.input_names[j] for j in wrt]


# --- commands --------------------------------------------------------------------------------


def _first_order_traces(result: Jacobian, number: Number | None, limit: int) -> list[Section]:
    graph = result.graph
    evaluation = result.evaluation
    sections = [wengert_section(graph, evaluation, number, limit)]
    if result.mode == "forward":
        sections.append(tangent_section(graph, result.forward, evaluation.values, number, limit))
    else:
        work = number is not None
        sections.extend(adjoint_section(graph, sweep, work, limit) for sweep in result.reverse)
    return sections


def _paper_traces(result: Any, number: Number | None, limit: int) -> list[Section]:
    """--layout paper: the traces of a first-order result side by side, as Tables 2–3."""
    from .paper import forward_tables, reverse_tables  # it builds on this module

    evaluation = result.evaluation
    if isinstance(result, Jacobian):
        if result.mode == "forward":
            return forward_tables(evaluation, result.forward, number, limit)
        return reverse_tables(evaluation, result.reverse, number, limit)
    if isinstance(result.sweep, ForwardPass):  # jvp
        return forward_tables(evaluation, [result.sweep], number, limit)
    return reverse_tables(evaluation, [result.sweep], number, limit)


def build(command: str, result: Any, options: RenderOptions, advise: bool = False) -> list[Section]:
    """The sections of one command's output; traces only with ``options.trace``, and of each
    only the ``options.max_rows`` rows that ``limit_rows`` keeps."""
    number = options.number if options.work else None  # --work: worked arithmetic
    limit = options.max_rows
    if command == "wengert":
        if isinstance(result, Evaluation):
            return [wengert_section(result.graph, result, number, limit)]
        return [wengert_section(result, limit=limit)]
    evaluation: Evaluation = result if isinstance(result, Evaluation) else result.evaluation
    graph = evaluation.graph
    traces: list[Section] = []
    summary = result_section(evaluation)
    extra: list[Section] = []
    # Traces nobody will print (--no-trace, or a graph over 500 nodes) are not built.
    trace = options.trace
    if command == "eval":
        traces = [wengert_section(graph, evaluation, number, limit)] if trace else []
    elif command == "grad":
        traces = _first_order_traces(result, number, limit) if trace else []
        y = output_name(graph, 0)
        _append(summary, [f"∂{y}/∂{x}" for x in result.wrt_names], result.gradient)
    elif command == "jacobian":
        traces = _first_order_traces(result, number, limit) if trace else []
        if advise and result.cost is not None:
            traces.append(advisor_section(result.cost))
        labels = [f"{output_name(graph, k)} = {text}" for k, text in enumerate(graph.sources)]
        title = f"Jacobian ({result.mode} mode)"
        extra = [matrix_section("jacobian", title, labels, result.wrt_names, result.matrix)]
    elif command == "jvp":
        if trace:
            traces = [
                wengert_section(graph, evaluation, number, limit),
                tangent_section(graph, [result.sweep], evaluation.values, number, limit),
            ]
        labels = [output_name(graph, k, DOT) for k in range(len(result.product))]
        _append(summary, labels, result.product)
    elif command == "vjp":
        if trace:
            traces = [
                wengert_section(graph, evaluation, number, limit),
                adjoint_section(graph, result.sweep, number is not None, limit),
            ]
        labels = [seed_name(x, BAR) for x in _names(graph, result.wrt)]
        _append(summary, labels, result.product)
    elif command in ("hessian", "hvp"):
        names = _names(graph, result.wrt)
        passes = result.passes if command == "hessian" else [result.sweep]
        if trace:
            traces = [wengert_section(graph, evaluation, number, limit)]
            traces += [second_order_section(evaluation, p, limit) for p in passes]
        _append(summary, [f"∂{output_name(graph, 0)}/∂{x}" for x in names], result.gradient)
        if command == "hvp":
            _append(summary, [f"(H·u) {x}" for x in names], result.product)
        else:
            title = "Hessian (forward-over-reverse)"
            matrix = matrix_section("hessian", title, names, names, result.matrix)
            matrix.caption = f"symmetry check: max |Hij - Hji| = {format_number(result.asymmetry)}"
            extra = [matrix]
            if result.curvature is not None:
                extra.append(eigen_section(result.curvature, options.ascii))
    else:
        raise ValueError(f"no sections for {command!r}")
    if trace and options.paper and command in ("grad", "jacobian", "jvp", "vjp"):
        advisor = [s for s in traces if s.key == "advisor"]
        traces = [*_paper_traces(result, number, limit), *advisor]
    return [*traces, summary, *extra]


def limit_rows(sections: list[Section], max_rows: int) -> list[Section]:
    """Traces cut to ``max_rows`` rows each, with a note of what was cut."""
    for section in sections:
        cut = len(section.rows) + section.unbuilt - max_rows
        if section.is_trace and cut > 0:
            section.rows = section.rows[:max_rows]
            section.breaks = [b for b in section.breaks if b < max_rows]
            note = f"… {cut:,} more rows not shown (--max-rows {len(section.rows) + cut} shows all)"
            section.caption = f"{section.caption}\n{note}" if section.caption else note
    return sections
