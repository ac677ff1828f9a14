"""The outputs' name never collides with an input's (issue 13: Rosenbrock printed ``∂y/∂y``)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from autodiff.cli.app import app
from autodiff.core.notation import output_stem
from autodiff.grammar.build import parse

runner = CliRunner()
ROSENBROCK = "(1-x)^2 + 100*(y-x^2)^2"
AT = ["--at", "x=-1.2,y=1"]


@pytest.mark.parametrize(
    ("inputs", "m", "expected"),
    [
        (("x",), 1, "y"),
        (("x", "y"), 1, "f"),
        (("f", "y"), 1, "g"),
        (("f", "g", "h", "y"), 1, "y_"),
        (("y1", "f", "g"), 1, "y"),  # one output is y, not y1
        (("x", "y"), 2, "y"),  # y₁, y₂ beside an input y: no clash
        (("y2", "x"), 3, "f"),
        (("y1", "f1"), 2, "g"),
    ],
)
def test_output_stem(inputs: tuple[str, ...], m: int, expected: str) -> None:
    assert output_stem(inputs, m) == expected


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["grad", ROSENBROCK, *AT], ["∂f/∂x", "∂f/∂y    -87.99999999999999", " f̄ "]),
        (["grad", ROSENBROCK, *AT, "--mode", "forward"], ["∂f/∂y", " f "]),
        (["hessian", ROSENBROCK, *AT], ["∂f/∂y    -87.99999999999999"]),
        (["eval", ROSENBROCK, *AT], ["\n f     v₇ "]),
        (["wengert", ROSENBROCK], ["\n f     v₇ "]),
        (["grad", ROSENBROCK, *AT, "-F", "markdown"], ["∂f/∂y", "f̄"]),
        (["grad", ROSENBROCK, *AT, "--ascii"], ["df/dy", "fbar"]),
        (["grad", ROSENBROCK, *AT, "-F", "latex"], [r"\bar{f}"]),
        (["diff", ROSENBROCK], ["∂f/∂y = 200*(y - x^2)"]),
        (["diff", ROSENBROCK, "-F", "latex"], [r"\frac{\partial f}{\partial y}"]),
        (["codegen", ROSENBROCK], ["Return f = (1-x)^2", "(df/dx, df/dy)"]),
        (["codegen", ROSENBROCK, "--lang", "c"], ["Return f = (1-x)^2", "(df/dx, df/dy)"]),
        (["graph", ROSENBROCK], ['"f = v₇"']),
    ],
)
def test_rosenbrock_output_is_f_everywhere(args: list[str], expected: list[str]) -> None:
    out = run(*args)
    for text in expected:
        assert text in out
    assert "∂y/∂y" not in out and "dy/dy" not in out and "ȳ" not in out


def test_several_outputs_named_like_inputs() -> None:
    header = run("jacobian", "y1*y2", "y1", "--at", "y1=1,y2=2", "-F", "csv").splitlines()[0]
    assert header == "y1,y2,f1,f2,df1/dy1,df1/dy2,df2/dy1,df2/dy2"
    out = run("vjp", "y1*y2", "y1", "--at", "y1=1,y2=2", "--cotangent", "f1=0,f2=1")
    assert " f₁ " in out and "f̄₂=1" in out
    # Outputs y₁, y₂ next to an input y keep their usual names.
    assert parse(["x*y", "y"]).output_stem == "y"
