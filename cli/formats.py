"""Which ``--format`` each command takes: the one list its ``--help``, its validation and the
README's table of formats come from (``tests/test_cli_surface.py`` holds the README to it)."""

from __future__ import annotations

from enum import Enum

# The derivative commands print traces and results: every format.
TRACES = ("table", "json", "jsonl", "csv", "tsv", "markdown", "latex")
# check and diff print one report: a JSON document, not a stream of them.
REPORTS = ("table", "json", "csv", "tsv", "markdown", "latex")
DRAWINGS = ("dot", "mermaid", "svg", "png")

FORMATS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        ("grad", "jacobian", "jvp", "vjp", "hessian", "hvp", "eval", "wengert"), TRACES
    ),
    "graph": DRAWINGS,
    "check": REPORTS,
    "diff": REPORTS,
    "codegen": (),  # code, in the language --lang names
}

# What each format is for, in the words of the help; consecutive formats for the same purpose
# are listed together ("json, jsonl, csv, tsv for programs").
PURPOSES = {
    "table": "for people",
    "json": "for programs",
    "jsonl": "for programs",
    "csv": "for programs",
    "tsv": "for programs",
    "markdown": "for notes",
    "latex": "for slides",
    "dot": "for Graphviz",
    "mermaid": "for Markdown pages",
    "svg": "drawn by Graphviz's dot program",
    "png": "drawn by Graphviz's dot program",
}


def format_choices(name: str, formats: tuple[str, ...]) -> type[Enum]:
    """The formats as the Enum Typer makes a choice of (``Format.table`` …)."""
    return Enum(name, {fmt: fmt for fmt in formats}, type=str)  # type: ignore[return-value]


def format_help(formats: tuple[str, ...]) -> str:
    """``table for people; json, jsonl, csv, tsv for programs; …`` for these formats."""
    groups: list[tuple[str, list[str]]] = []
    for fmt in formats:
        if groups and groups[-1][0] == PURPOSES[fmt]:
            groups[-1][1].append(fmt)
        else:
            groups.append((PURPOSES[fmt], [fmt]))
    return "; ".join(f"{', '.join(names)} {purpose}" for purpose, names in groups) + "."
