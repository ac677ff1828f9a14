"""``graph``: the computational graph as dot and Mermaid text, with values, adjoints and partials
given a point; svg and png through Graphviz's dot (a stand-in here, since it is not installed)."""

from __future__ import annotations

import os
import re
import shutil
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


# --- slides: readable labels, the adjoint flow, --dpi --------------------------------------------


def test_labels_are_set_at_slide_size() -> None:
    dot = to_dot(picture(parse("x*y")))
    assert '    node [shape=box, fontname="Helvetica", fontsize=14];' in dot
    assert '    edge [fontname="Helvetica", fontsize=14];' in dot
    assert "dpi=" not in dot


ADJOINT_STYLE = 'color="#c0392b", fontcolor="#c0392b", style=dashed, constraint=false'


def test_the_adjoint_flow_in_a_second_colour() -> None:
    dot = at_point(PAPER_EXPRESSION, {"x1": 2.0, "x2": 5.0})
    back = re.findall(rf'^    (n\d+|y0) -> (n\d+) \[label="([^"]*)", {ADJOINT_STYLE}\];', dot, re.M)
    # One arrow back along each operand, with its contribution v̄ᵢ·∂vᵢ/∂vₖ, and the seed ȳ = 1.
    assert back == [
        ("n2", "n0", "v̄₁/v₋₁ = 0.5"),
        ("n3", "n0", "v̄₂×v₀ = 5"),
        ("n3", "n1", "v̄₂×v₋₁ = 2"),
        ("n4", "n1", "v̄₃×cos v₀ = -0.283662"),
        ("n5", "n2", "v̄₄ = 1"),
        ("n5", "n3", "v̄₄ = 1"),
        ("n6", "n5", "v̄₅ = 1"),
        ("n6", "n4", "−v̄₅ = -1"),
        ("y0", "n6", "y\u0304 = 1"),  # ȳ, written as the notation writes it
    ]
    # The contributions into v₋₁ add up to its adjoint, as the reverse sweep says: 0.5 + 5.
    assert "v̄₋₁ = 5.5" in dot


def test_no_adjoint_flow_without_adjoints() -> None:
    assert "dashed" not in to_dot(picture(parse(PAPER_EXPRESSION)))
    result = runner.invoke(app, ["graph", "x*y", "x+y", "--at", "x=1,y=2"])
    assert result.exit_code == 0 and "dashed" not in result.stdout


def test_mermaid_draws_the_adjoint_flow_dashed_and_coloured() -> None:
    result = runner.invoke(app, ["graph", "x*y", "--at", "x=2,y=3", "-F", "mermaid"])
    lines = result.stdout.splitlines()
    assert result.exit_code == 0
    assert lines[-7:] == [
        '    n0 -->|"v₀ = 3"| n2',
        '    n2 -.->|"v̄₁×v₀ = 3"| n0',
        '    n1 -->|"v₋₁ = 2"| n2',
        '    n2 -.->|"v̄₁×v₋₁ = 2"| n1',
        "    n2 --> y0",
        '    y0 -.->|"f̄ = 1"| n2',
        "    linkStyle 1,3,5 stroke:#c0392b,color:#c0392b",
    ]


def test_dpi_is_written_into_the_dot_text() -> None:
    result = runner.invoke(app, ["graph", "x*y", "--dpi", "300"])
    assert result.exit_code == 0 and "\n    dpi=300;\n" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-F", "svg", "--dpi", "300"], "--dpi sets the resolution of png"),
        (["-F", "mermaid", "--dpi", "300"], "mermaid has no resolution"),
        (["--dpi", "0"], "0 is not in the range 1<=x<=2400"),
    ],
)
def test_dpi_without_a_resolution_is_refused(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["graph", "x*y", *args])
    assert result.exit_code == 2 and result.stdout == ""
    assert message in result.stderr and len(result.stderr.splitlines()) == 1


@pytest.mark.skipif(os.name != "posix", reason="a shell-script stand-in for dot")
def test_dpi_reaches_dot_for_png(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake_dot(tmp_path, 'echo "<$1>"; cat\n')
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    target = tmp_path / "graph.png"
    png = runner.invoke(app, ["graph", "x*y", "-F", "png", "--dpi", "200", "-o", str(target)])
    assert png.exit_code == 0 and b"\n    dpi=200;\n" in target.read_bytes()


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_real_png_scales_with_dpi(tmp_path: Path) -> None:
    sizes = []
    for dpi in ("72", "144"):
        target = tmp_path / f"graph{dpi}.png"
        args = ["graph", PAPER_EXPRESSION, "--at", "x1=2,x2=5", "-F", "png", "--dpi", dpi]
        result = runner.invoke(app, [*args, "-o", str(target)])
        assert result.exit_code == 0, result.stderr
        sizes.append(png_size(target.read_bytes()))
    (w1, h1), (w2, h2) = sizes
    assert abs(w2 - 2 * w1) <= 2 and abs(h2 - 2 * h1) <= 2
