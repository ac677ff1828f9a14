"""Rich tables for people: the traces as in Baydin et al. (2018), Tables 2–3, and the results.

Numbers in traces are rounded to ``--digits``; results are printed in full (round-trip).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.table import Table

from autodiff.core.derivatives import (
    Cost,
    Evaluation,
    ForwardPass,
    Gradient,
    Hessian,
    Hvp,
    Jacobian,
    Jvp,
    ReversePass,
    SecondOrderPass,
    Vjp,
)
from autodiff.core.graph import Graph
from autodiff.core.notation import BAR, DOT, format_number, output_name, seed_name, var
from autodiff.core.trace import adjoint_rows, node_rows, output_rows, primal_rows, tangent_rows

from .options import RenderOptions


def _table(
    title: str, options: RenderOptions, text_columns: Sequence[str], numeric_columns: Sequence[str]
) -> Table:
    """A table whose first columns hold notation (left) and the rest numbers (right-aligned)."""
    table = Table(
        title=options.text(title),
        title_justify="left",
        box=box.ASCII if options.ascii else box.SIMPLE_HEAD,
        show_edge=options.ascii,
        safe_box=options.ascii,
    )
    for column in text_columns:
        table.add_column(options.text(column))
    for column in numeric_columns:
        table.add_column(options.text(column), justify="right")
    return table


def _row(
    table: Table, options: RenderOptions, texts: Sequence[str], numbers: Sequence[str]
) -> None:
    table.add_row(*(options.text(t) for t in texts), *numbers)


# --- traces ----------------------------------------------------------------------------------


def wengert_table(
    graph: Graph, options: RenderOptions, evaluation: Evaluation | None = None
) -> Table:
    """The Wengert list (symbolic), with values when a point is given: the forward primal trace."""
    title = "Forward primal trace" if evaluation else "Wengert list"
    table = _table(title, options, ["var", "="], ["value"] if evaluation else [])
    rows = primal_rows(evaluation) if evaluation else node_rows(graph)
    for row in rows:
        _row(table, options, [row.var, row.expr], [options.number(row.value)] if evaluation else [])
    table.add_section()
    for out in output_rows(graph, evaluation.outputs if evaluation else None):
        _row(
            table, options, [out.name, out.expr], [options.number(out.value)] if evaluation else []
        )
    return table


def _seed_label(graph: Graph, seed: Sequence[float]) -> str:
    """``ẋ1=1`` for a unit seed, ``ẋ=(1, 0.5)`` for a general direction."""
    nonzero = [j for j, s in enumerate(seed) if s != 0.0]
    if len(nonzero) == 1 and seed[nonzero[0]] == 1.0:
        return f"{seed_name(graph.input_names[nonzero[0]], DOT)}=1"
    return "ẋ=(" + ", ".join(format_number(s) for s in seed) + ")"


def tangent_table(graph: Graph, passes: Sequence[ForwardPass], options: RenderOptions) -> Table:
    """Table 2 (right): the tangent trace, one column per forward pass."""
    headers = [_seed_label(graph, p.seed) for p in passes]
    table = _table("Forward tangent trace", options, ["tangent", "="], headers)
    for row in tangent_rows(graph, passes):
        _row(table, options, [row.var, row.rule], [options.number(t) for t in row.tangents])
    table.add_section()
    for k, output in enumerate(graph.outputs):
        expr = var(graph, output, DOT) if isinstance(output, int) else "0"
        dots = [options.number(p.dots[output] if isinstance(output, int) else 0.0) for p in passes]
        _row(table, options, [output_name(graph, k, DOT), expr], dots)
    return table


def adjoint_table(graph: Graph, sweep: ReversePass, options: RenderOptions) -> Table:
    """Table 3 (right): every accumulation step of one reverse sweep, in order."""
    title = "Reverse adjoint trace"
    if len(graph.outputs) > 1:
        seeds = ", ".join(
            f"{output_name(graph, k, BAR)}={format_number(w)}" for k, w in enumerate(sweep.seed)
        )
        title += f" ({seeds})"
    table = _table(title, options, ["#", "adjoint", "", "chain rule", "local"], ["term", "value"])
    for row in adjoint_rows(graph, sweep):
        op = "+=" if row.accumulate else "="
        numbers = [options.number(row.contribution), options.number(row.adjoint)]
        _row(table, options, [str(row.step), row.var, op, row.symbolic, row.local], numbers)
    return table


def second_order_table(
    evaluation: Evaluation, sweep: SecondOrderPass, options: RenderOptions
) -> Table:
    """One forward-over-reverse sweep: value, tangent, adjoint and the adjoint's tangent."""
    direction = ", ".join(format_number(u) for u in sweep.direction)
    title = f"Forward-over-reverse trace (direction {direction})"
    columns = ["value", f"v{DOT}", f"v{BAR}", f"v{BAR}{DOT}"]
    table = _table(title, options, ["var", "="], columns)
    for row in primal_rows(evaluation):
        i = row.node
        numbers = [row.value, sweep.dots[i], sweep.bars[i], sweep.bar_dots[i]]
        _row(table, options, [row.var, row.expr], [options.number(x) for x in numbers])
    return table


# --- results ---------------------------------------------------------------------------------


def values_table(evaluation: Evaluation, options: RenderOptions, title: str = "Result") -> Table:
    graph = evaluation.graph
    table = _table(title, options, [""], ["value"])
    for k, y in enumerate(evaluation.outputs):
        table.add_row(options.text(output_name(graph, k)), format_number(y))
    return table


def _labelled(
    table: Table, options: RenderOptions, labels: Sequence[str], values: Sequence[float]
) -> Table:
    for label, value in zip(labels, values):
        table.add_row(options.text(label), format_number(value))
    return table


def matrix_table(
    title: str,
    options: RenderOptions,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    matrix: Sequence[Sequence[float]],
) -> Table:
    table = _table(title, options, [""], column_labels)
    for label, row in zip(row_labels, matrix):
        table.add_row(options.text(label), *(format_number(x) for x in row))
    return table


def cost_table(cost: Cost, options: RenderOptions) -> Table:
    """The mode advisor's reasoning, with the counts of this Wengert list."""
    table = _table("Mode advisor", options, ["", "sweeps", "multiply-adds"], [])
    mark = {"forward": "", "reverse": ""}
    mark[cost.choice] = "  ← chosen"
    table.add_row(
        options.text(f"forward (columns){mark['forward']}"),
        f"n = {cost.n}",
        f"{cost.n} × {cost.edges} = {cost.forward}",
    )
    table.add_row(
        options.text(f"reverse (rows){mark['reverse']}"),
        f"m = {cost.m}",
        f"{cost.m} × {cost.edges} = {cost.reverse}",
    )
    table.caption = options.text(
        f"{cost.nodes} operations, {cost.edges} edges: one sweep costs {cost.edges} multiply-adds "
        "after the local partials are computed once"
    )
    table.caption_justify = "left"
    return table


def _output_labels(graph: Graph) -> list[str]:
    return [f"{output_name(graph, k)} = {text}" for k, text in enumerate(graph.sources)]


# --- commands --------------------------------------------------------------------------------


def _print(console: Console, tables: Sequence[Table]) -> None:
    """Tables separated by a blank line; titles and captions as plain lines, never wrapped to
    the width of a narrow table."""
    for n, table in enumerate(tables):
        if n:
            console.line()
        title, caption = table.title, table.caption
        table.title = table.caption = None
        if title:
            console.print(title, soft_wrap=True)
        console.print(table)
        if caption:
            console.print(caption, soft_wrap=True)


def _first_order_traces(result: Jacobian, options: RenderOptions) -> list[Table]:
    graph = result.graph
    tables = [wengert_table(graph, options, result.evaluation)]
    if result.mode == "forward":
        tables.append(tangent_table(graph, result.forward, options))
    else:
        tables.extend(adjoint_table(graph, sweep, options) for sweep in result.reverse)
    return tables


def print_wengert(console: Console, subject: Graph | Evaluation, options: RenderOptions) -> None:
    """The Wengert list of a graph, or the primal trace of an evaluation."""
    if isinstance(subject, Evaluation):
        _print(console, [wengert_table(subject.graph, options, subject)])
    else:
        _print(console, [wengert_table(subject, options)])


def print_eval(console: Console, evaluation: Evaluation, options: RenderOptions) -> None:
    tables = [wengert_table(evaluation.graph, options, evaluation)] if options.trace else []
    _print(console, [*tables, values_table(evaluation, options)])


def print_grad(console: Console, result: Gradient, options: RenderOptions) -> None:
    tables = _first_order_traces(result, options) if options.trace else []
    summary = values_table(result.evaluation, options)
    _labelled(summary, options, [f"∂y/∂{name}" for name in result.wrt_names], result.gradient)
    _print(console, [*tables, summary])


def print_jacobian(
    console: Console, result: Jacobian, options: RenderOptions, advise: bool
) -> None:
    tables = _first_order_traces(result, options) if options.trace else []
    if advise and result.cost is not None:
        tables.append(cost_table(result.cost, options))
    tables.append(values_table(result.evaluation, options))
    labels = _output_labels(result.graph)
    title = f"Jacobian ({result.mode} mode)"
    tables.append(matrix_table(title, options, labels, result.wrt_names, result.matrix))
    _print(console, tables)


def print_jvp(console: Console, result: Jvp, options: RenderOptions) -> None:
    graph = result.evaluation.graph
    tables = []
    if options.trace:
        tables = [wengert_table(graph, options, result.evaluation)]
        tables.append(tangent_table(graph, [result.sweep], options))
    summary = values_table(result.evaluation, options)
    labels = [output_name(graph, k, DOT) for k in range(len(result.product))]
    _labelled(summary, options, labels, result.product)
    _print(console, [*tables, summary])


def print_vjp(console: Console, result: Vjp, options: RenderOptions) -> None:
    graph = result.evaluation.graph
    tables = []
    if options.trace:
        tables = [wengert_table(graph, options, result.evaluation)]
        tables.append(adjoint_table(graph, result.sweep, options))
    summary = values_table(result.evaluation, options)
    names = [graph.input_names[j] for j in result.wrt]
    _labelled(summary, options, [seed_name(name, BAR) for name in names], result.product)
    _print(console, [*tables, summary])


def print_hessian(console: Console, result: Hessian, options: RenderOptions) -> None:
    graph = result.evaluation.graph
    tables = []
    if options.trace:
        tables = [wengert_table(graph, options, result.evaluation)]
        tables.extend(second_order_table(result.evaluation, p, options) for p in result.passes)
    names = [graph.input_names[j] for j in result.wrt]
    summary = values_table(result.evaluation, options)
    _labelled(summary, options, [f"∂y/∂{name}" for name in names], result.gradient)
    hessian = matrix_table("Hessian (forward-over-reverse)", options, names, names, result.matrix)
    hessian.caption = f"symmetry check: max |Hij - Hji| = {format_number(result.asymmetry)}"
    hessian.caption_justify = "left"
    _print(console, [*tables, summary, hessian])


def print_hvp(console: Console, result: Hvp, options: RenderOptions) -> None:
    graph = result.evaluation.graph
    tables = []
    if options.trace:
        tables = [wengert_table(graph, options, result.evaluation)]
        tables.append(second_order_table(result.evaluation, result.sweep, options))
    names = [graph.input_names[j] for j in result.wrt]
    summary = values_table(result.evaluation, options)
    _labelled(summary, options, [f"∂y/∂{name}" for name in names], result.gradient)
    _labelled(summary, options, [f"(H·u) {name}" for name in names], result.product)
    _print(console, [*tables, summary])
