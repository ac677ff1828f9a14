"""Rich tables for people: the traces as in Baydin et al. (2018), Tables 2–3, and the result.

Numbers in traces are rounded to ``--digits``; the result is printed in full (round-trip).
"""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table

from autodiff.core.derivatives import Evaluation, Gradient
from autodiff.core.graph import Graph
from autodiff.core.notation import DOT, format_number, output_name, seed_name, var
from autodiff.core.trace import adjoint_rows, node_rows, output_rows, primal_rows, tangent_rows

from .options import RenderOptions


def _table(
    title: str, options: RenderOptions, text_columns: list[str], numeric_columns: list[str]
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


def wengert_table(
    graph: Graph, options: RenderOptions, evaluation: Evaluation | None = None
) -> Table:
    """The Wengert list (symbolic), with values when a point is given: the forward primal trace."""
    title = "Forward primal trace" if evaluation else "Wengert list"
    table = _table(title, options, ["var", "="], ["value"] if evaluation else [])
    rows = primal_rows(evaluation) if evaluation else node_rows(graph)
    for row in rows:
        table.add_row(*map(options.text, [row.var, row.expr, options.number(row.value)]))
    table.add_section()
    for out in output_rows(graph, evaluation.outputs if evaluation else None):
        table.add_row(*map(options.text, [out.name, out.expr, options.number(out.value)]))
    return table


def tangent_table(result: Gradient, options: RenderOptions) -> Table:
    """Table 2 (right): one forward pass per input, each seeded with ẋⱼ = 1."""
    graph = result.graph
    seeds = [f"{seed_name(name, DOT)}=1" for name in graph.input_names]
    table = _table("Forward tangent trace", options, ["tangent", "="], seeds)
    for row in tangent_rows(result):
        table.add_row(*map(options.text, [row.var, row.rule, *map(options.number, row.tangents)]))
    table.add_section()
    output = graph.outputs[0]
    expr = var(graph, output, DOT) if isinstance(output, int) else "0"
    tangents = [options.number(d) for d in result.gradient]
    table.add_row(*map(options.text, [output_name(graph, 0, DOT), expr, *tangents]))
    return table


def adjoint_table(result: Gradient, options: RenderOptions) -> Table:
    """Table 3 (right): every accumulation step of the reverse sweep, in order."""
    table = _table(
        "Reverse adjoint trace",
        options,
        ["#", "adjoint", "", "chain rule", "local"],
        ["term", "value"],
    )
    for row in adjoint_rows(result):
        op = "+=" if row.accumulate else "="
        cells = [str(row.step), row.var, op, row.symbolic, row.local]
        cells += [options.number(row.contribution), options.number(row.adjoint)]
        table.add_row(*map(options.text, cells))
    return table


def result_table(
    evaluation: Evaluation, options: RenderOptions, gradient: Gradient | None = None
) -> Table:
    """The answer, at full round-trip precision."""
    graph = evaluation.graph
    table = _table("Result", options, [""], ["value"])
    for k, y in enumerate(evaluation.outputs):
        table.add_row(options.text(output_name(graph, k)), format_number(y))
    if gradient is not None:
        for name, d in zip(graph.input_names, gradient.gradient):
            table.add_row(options.text(f"∂y/∂{name}"), format_number(d))
    return table


def _print(console: Console, tables: list[Table]) -> None:
    for n, table in enumerate(tables):
        if n:
            console.line()
        console.print(table)


def print_wengert(
    console: Console, graph: Graph, evaluation: Evaluation | None, options: RenderOptions
) -> None:
    _print(console, [wengert_table(graph, options, evaluation)])


def print_eval(console: Console, evaluation: Evaluation, options: RenderOptions) -> None:
    tables = [wengert_table(evaluation.graph, options, evaluation)] if options.trace else []
    _print(console, [*tables, result_table(evaluation, options)])


def print_grad(console: Console, result: Gradient, options: RenderOptions) -> None:
    tables = []
    if options.trace:
        tables.append(wengert_table(result.graph, options, result.evaluation))
        trace = tangent_table if result.mode == "forward" else adjoint_table
        tables.append(trace(result, options))
    _print(console, [*tables, result_table(result.evaluation, options, result)])
