"""Shared fixtures: the worked example of Baydin et al. (2018), Tables 2–3."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from autodiff.core.graph import Graph
from autodiff.grammar.build import parse

PAPER_EXPRESSION = "log(x1)+x1*x2-sin(x2)"
PAPER_POINT = {"x1": 2.0, "x2": 5.0}
PAPER_VALUE = 11.652071455223084
PAPER_GRADIENT = (5.5, 1.7163378145367738)


@pytest.fixture
def paper_graph() -> Graph:
    return parse(PAPER_EXPRESSION)


def pdflatex_errors(body: str, directory: Path, packages: tuple[str, ...] = ()) -> str:
    """Compile ``body`` in a plain article (with ``packages``) by pdflatex: "" when it compiles,
    else the end of pdflatex's log."""
    uses = "".join(f"\\usepackage{{{p}}}\n" for p in packages)
    source = directory / "doc.tex"
    source.write_text(
        f"\\documentclass{{article}}\n{uses}\\begin{{document}}\n{body}\n\\end{{document}}\n"
    )
    proc = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", source.name],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
    )
    return "" if proc.returncode == 0 else proc.stdout[-2000:]
