"""``graph``: the computational graph as dot and Mermaid text, with values, adjoints and partials
given a point; svg and png through Graphviz's dot (a stand-in here, since it is not installed)."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest
from conftest import PAPER_EXPRESSION
from typer.testing import CliRunner

from autodiff.cli.app import app
from autodiff.core.derivatives import evaluate
from autodiff.core.drawing import picture, to_dot, to_mermaid
from autodiff.core.sweeps import adjoint, local_partials
from autodiff.grammar.build import parse

runner = CliRunner()


def at_point(text: str, at: dict[str, float]) -> str:
    graph = parse(text)
    values = evaluate(graph, at).values
    partials = local_partials(graph, values)
    bars, _ = adjoint(graph, partials, [1.0])
    return to_dot(picture(graph, values, partials, bars))


def test_the_papers_graph() -> None:
    dot = to_dot(picture(parse(PAPER_EXPRESSION)))
    assert dot.startswith("digraph autodiff {\n    // log(x1)+x1*x2-sin(x2)\n")
    labels = re.findall(r'^    n\d+ \[label="([^"]*)"', dot, re.M)
    assert labels == [
        "v₋₁ = x1",
        "v₀ = x2",
        "v₁ = ln v₋₁",
        "v₂ = v₋₁ × v₀",
        "v₃ = sin v₀",
        "v₄ = v₁ + v₂",
        "v₅ = v₄ − v₃",
    ]
    edges = re.findall(r"^    (n\d+) -> (n\d+) \[label=\"([^\"]*)\"\];", dot, re.M)
    assert edges == [
        ("n0", "n2", "1/v₋₁"),
        ("n0", "n3", "v₀"),
        ("n1", "n3", "v₋₁"),
        ("n1", "n4", "cos v₀"),
        ("n2", "n5", "1"),
        ("n3", "n5", "1"),
        ("n5", "n6", "1"),
        ("n4", "n6", "−1"),
    ]
    assert '    y0 [label="y = v₅", shape=plaintext];' in dot and "    n6 -> y0;" in dot


def test_a_shared_node_is_drawn_once() -> None:
    dot = to_dot(picture(parse("x*y + sin(x*y)")))
    assert dot.count("v₋₁ × v₀") == 1
    assert len(re.findall(r"^    n2 -> ", dot, re.M)) == 2  # used by sin and by the sum


def test_values_adjoints_and_partials_at_a_point() -> None:
    dot = at_point(PAPER_EXPRESSION, {"x1": 2.0, "x2": 5.0})
    assert '[label="v₋₁ = x1\\n= 2\\nv̄₋₁ = 5.5", shape=ellipse]' in dot
    assert '[label="v₃ = sin v₀\\n= -0.958924\\nv̄₃ = -1"]' in dot
    assert 'n1 -> n4 [label="cos v₀ = 0.283662"]' in dot
    assert 'n2 -> n5 [label="1"]' in dot  # a constant partial is not repeated as a number


def test_an_infinite_partial_is_drawn_not_refused() -> None:
    dot = at_point("sqrt(x)", {"x": 0.0})
    assert 'n0 -> n1 [label="1/(2√v₀) = inf"]' in dot


def test_mermaid_and_ascii() -> None:
    drawing = picture(parse(["x*y", "3"]))
    mermaid = to_mermaid(drawing)
    assert mermaid.splitlines()[:4] == [
        "flowchart LR",
        "    %% x*y; 3",
        '    n0(["v₋₁ = x"])',
        '    n1(["v₀ = y"])',
    ]
    assert '    n0 -->|"v₀"| n2' in mermaid and '    y1[/"y₂ = 3"/]' in mermaid
    assert "y1" not in mermaid.split("y1[")[1]  # a constant output has no arrow
    assert to_dot(drawing, ascii_only=True).isascii() and to_mermaid(drawing, True).isascii()


# --- the command line ----------------------------------------------------------------------------


def test_cli_dot_and_mermaid(tmp_path: Path) -> None:
    result = runner.invoke(app, ["graph", PAPER_EXPRESSION, "--at", "x1=2,x2=5", "--digits", "3"])
    assert result.exit_code == 0 and "= 0.693" in result.stdout and "v̄₀ = 1.72" in result.stdout
    target = tmp_path / "graph.mmd"
    result = runner.invoke(app, ["graph", "x*y", "-F", "mermaid", "-o", str(target)])
    assert result.exit_code == 0 and result.stdout == ""
    assert target.read_text(encoding="utf-8").startswith("flowchart LR")


def test_several_outputs_show_values_but_no_adjoints() -> None:
    result = runner.invoke(app, ["graph", "x*y", "x+y", "--at", "x=1,y=2"])
    assert result.exit_code == 0 and "= 2" in result.stdout and "v̄" not in result.stdout


def test_svg_without_graphviz(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty PATH: no dot program
    result = runner.invoke(app, ["graph", "x*y", "--format", "svg"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("autodiff: error: --format svg needs Graphviz's dot program")
    assert len(result.stderr.splitlines()) == 1


def fake_dot(directory: Path, script: str) -> None:
    program = directory / "dot"
    program.write_text("#!/bin/sh\n" + script)
    program.chmod(program.stat().st_mode | stat.S_IEXEC)


@pytest.mark.skipif(os.name != "posix", reason="a shell-script stand-in for dot")
def test_svg_and_png_through_dot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The stand-in echoes its format and the graph it was given, as Graphviz would draw it.
    fake_dot(tmp_path, 'echo "<$1>"; cat\n')
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    svg = runner.invoke(app, ["graph", "x*y", "--format", "svg"])
    assert svg.exit_code == 0 and svg.stdout.startswith("<-Tsvg>\ndigraph autodiff {")
    target = tmp_path / "graph.png"
    png = runner.invoke(app, ["graph", "x*y", "-F", "png", "-o", str(target)])
    assert png.exit_code == 0 and target.read_bytes().startswith(b"<-Tpng>\ndigraph")


@pytest.mark.skipif(os.name != "posix", reason="a shell-script stand-in for dot")
def test_dot_failing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake_dot(tmp_path, 'echo "Error: syntax error in line 1" >&2; exit 1\n')
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    result = runner.invoke(app, ["graph", "x", "-F", "svg"])
    assert result.exit_code == 2
    assert (
        result.stderr == "autodiff: error: Graphviz's dot failed: Error: syntax error in line 1\n"
    )
