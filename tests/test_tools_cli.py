"""``diff`` and ``codegen`` on the command line, and what all four new commands share: help with
an example, one-line errors, JSON without Rich."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import PAPER_EXPRESSION
from typer.testing import CliRunner

from autodiff.cli import tools
from autodiff.cli.app import app
from autodiff.core.check import DEFAULT_TOL

runner = CliRunner()


def test_diff_prints_each_partial() -> None:
    result = runner.invoke(app, ["diff", PAPER_EXPRESSION])
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "∂y/∂x1 = 1/x1 + x2\n∂y/∂x2 = x1 - cos(x2)\n"
    ascii_only = runner.invoke(app, ["diff", PAPER_EXPRESSION, "--ascii", "--wrt", "x2"])
    assert ascii_only.stdout == "dy/dx2 = x1 - cos(x2)\n"


def test_diff_explains_the_functions_of_kinks() -> None:
    result = runner.invoke(app, ["diff", "max(x, y) + relu(x)"])
    assert result.stdout.splitlines()[-1] == (
        "where (1 + sign(u))/2 is the Heaviside step, 1/2 at u = 0; relu(sign(u)) is 1 when "
        "u > 0, else 0"
    )


def test_diff_stats() -> None:
    product = "*".join(f"x{i}" for i in range(1, 21))
    result = runner.invoke(app, ["diff", product, "--stats", "--max-size", "5"])
    lines = result.stdout.splitlines()
    assert lines[0] == "∂y/∂x1 = (18 operations written out: more than --max-size 5)"
    table = {line.rsplit(None, 1)[0].strip(): line.split()[-1] for line in lines[24:28]}
    assert table == {
        "the function itself (its Wengert list)": "19",
        "symbolic derivative, written out as a tree": "360",
        "symbolic derivative, shared subexpressions once": "207",
        "reverse-mode AD program: value and gradient": "55",
    }


def test_diff_json() -> None:
    result = runner.invoke(app, ["diff", "x*y", "--stats", "-F", "json"])
    doc = json.loads(result.stdout)
    assert doc["derivatives"] == [
        {"output": 1, "wrt": "x", "expression": "y", "operations": 0},
        {"output": 1, "wrt": "y", "expression": "x", "operations": 0},
    ]
    assert doc["stats"] == {"function": 1, "tree": 0, "shared": 0, "program": 1}
    assert doc["notes"] == [] and doc["inputs"] == ["x", "y"]


def test_codegen_prints_a_program() -> None:
    python = runner.invoke(app, ["codegen", PAPER_EXPRESSION])
    assert python.exit_code == 0 and "def f(x1: float, x2: float)" in python.stdout
    c = runner.invoke(app, ["codegen", PAPER_EXPRESSION, "--lang", "c", "--name", "grad_f"])
    assert "double grad_f(double x1, double x2, double grad[2])" in c.stdout


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["diff", "2+3"], 2, "there is nothing to differentiate"),
        (["diff", "x", "--wrt", "z"], 2, "--wrt: z is not a variable"),
        (["diff", "sni(x)"], 2, "did you mean sin?"),
        (["codegen", "x", "--name", "for"], 2, "reserved"),
        (["codegen", "x", "--lang", "rust"], 2, "'rust' is not one of"),
        (["codegen", "log(x))"], 2, "unmatched ')'"),
        (["graph", "log(x)", "--at", "x=-1"], 1, "log is undefined"),
        (["diff", "x", "--bogus"], 2, "no such option: --bogus"),
    ],
)
def test_errors_are_one_line_and_an_exit_status(args: list[str], code: int, fragment: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == code and result.stdout == ""
    assert "Traceback" not in result.stderr and fragment in result.stderr


@pytest.mark.parametrize("command", ["graph", "check", "diff", "codegen"])
def test_help_has_an_example(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0 and f"Example:  autodiff {command}" in result.stdout


def test_the_cli_default_tolerance_is_the_cores() -> None:
    assert tools.DEFAULT_TOL == DEFAULT_TOL


@pytest.mark.parametrize("command", ["check", "diff"])
def test_json_does_not_load_rich(command: str) -> None:
    code = (
        "import sys\nfrom autodiff.cli.app import app\n"
        f"sys.argv = ['autodiff', {command!r}, 'x^2', '--at', 'x=1', '-F', 'json']\n"
        "try:\n    app(prog_name='autodiff')\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sorted(sys.modules)))"
    )
    if command == "diff":
        code = code.replace("'--at', 'x=1', ", "")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert '"command"' in out.stdout
    assert "rich.table" not in out.stdout.split()
