"""The command line, through Typer's CliRunner and one real subprocess of the installed script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import HEADLINE, PAPER_EXPRESSION, PAPER_GRADIENT, PAPER_VALUE, check_golden, run

from autodiff import __version__


@pytest.mark.parametrize(
    ("name", "extra"),
    [
        ("headline_reverse.txt", []),
        ("headline_forward.txt", ["--mode", "forward"]),
        ("headline_reverse_ascii.txt", ["--ascii", "--digits", "3"]),
        ("headline_reverse.json", ["--format", "json"]),
        ("headline_forward.json", ["--format", "json", "--mode", "forward"]),
    ],
)
def test_headline_golden(name: str, extra: list[str]) -> None:
    code, out, err = run(*HEADLINE, *extra)
    assert (code, err) == (0, "")
    check_golden(name, out)


def test_table_shows_the_paper_traces() -> None:
    _, out, _ = run(*HEADLINE, "--digits", "3")
    for line in [
        "v₁    ln v₋₁      0.693",
        "v₃    sin v₀     -0.959",
        "v₅    v₄ − v₃      11.7",
        "v̄₃        =    v̄₅·∂v₅/∂v₃    −v̄₅",
        "v̄₀        +=   v̄₂·∂v₂/∂v₀    v̄₂×v₋₁",
        "v̄₋₁       +=   v̄₁·∂v₁/∂v₋₁   v̄₁/v₋₁",
        "y         11.7",  # --digits rounds the result too
        "∂y/∂x2    1.72",
    ]:
        assert line in out, line


def test_json_round_trips_the_headline_numbers() -> None:
    code, out, _ = run(*HEADLINE, "--format", "json")
    doc = json.loads(out, parse_constant=lambda token: pytest.fail(f"non-strict {token}"))
    assert code == 0
    assert doc["expression"] == PAPER_EXPRESSION
    assert doc["inputs"] == ["x1", "x2"]
    assert doc["at"] == {"x1": 2.0, "x2": 5.0}
    assert doc["value"] == PAPER_VALUE
    assert tuple(doc["gradient"].values()) == PAPER_GRADIENT
    assert doc["mode"] == "reverse"
    assert [row["id"] for row in doc["trace"]] == [-1, 0, 1, 2, 3, 4, 5]
    assert doc["trace"][3] == {
        "id": 2,
        "var": "v₂",
        "op": "mul",
        "args": [-1, 0],
        "expr": "v₋₁ × v₀",
        "level": 1,
        "value": 10.0,
        "adjoint": 1.0,
    }
    ops = [(s["var"], s["op"], s["adjoint"]) for s in doc["adjoint_steps"]]
    assert ops[-2:] == [("v̄₀", "+=", PAPER_GRADIENT[1]), ("v̄₋₁", "+=", 5.5)]


def test_forward_and_reverse_agree_bit_for_bit() -> None:
    docs = [json.loads(run(*HEADLINE, "-F", "json", "-m", m)[1]) for m in ("forward", "reverse")]
    assert docs[0]["gradient"] == docs[1]["gradient"]
    assert docs[0]["trace"][2]["tangent"] == {"x1": 0.5, "x2": 0.0}  # v̇₁ = v̇₋₁/v₋₁


def test_eval_and_wengert() -> None:
    code, out, _ = run("eval", "sqrt(x^2 + y^2)", "--at", "x=3", "--at", "y=4")
    assert code == 0 and "f       5" in out  # the output is not called y: an input is
    code, out, _ = run("wengert", "x*y + sin(x*y)")
    assert code == 0
    assert "v₁    v₋₁ × v₀" in out and "v₂    sin v₁" in out
    doc = json.loads(run("wengert", "2*x", "--format", "json")[1])
    assert doc["trace"][1]["args"] == [{"const": 2.0}, 0]
    doc = json.loads(run("eval", "2*x", "--at", "x=pi", "-F", "json")[1])
    assert doc["command"] == "eval" and doc["value"] == 2 * 3.141592653589793


def test_expression_may_start_with_a_minus() -> None:
    code, out, _ = run("grad", "-x^2", "--at", "x=3", "--no-trace")
    assert code == 0 and out.splitlines()[-1].split() == ["∂y/∂x", "-6"]


@pytest.mark.parametrize(
    ("args", "status", "fragment"),
    [
        (["grad", "log(x1))+x2", "--at", "x1=1,x2=1"], 2, "unmatched ')'"),
        (["grad", "sni(x)", "--at", "x=1"], 2, "did you mean sin?"),
        (["grad", "atan2(x)", "--at", "x=1"], 2, "takes 2 arguments"),
        (["grad", "2x", "--at", "x=1"], 2, "write 2*x"),
        (["grad", "x+y", "--at", "x=1"], 2, "no value for y"),
        (["grad", "x", "--at", "x=abc"], 2, "not a number"),
        (["grad", "x", "--at", "x=1,x=2"], 2, "more than once"),
        (["grad", "x", "--at", "x=1,z=2"], 2, "z is not a variable"),
        (["grad", "log(x)", "--at", "x=-1"], 1, "v₁ = ln v₀ with v₀ = -1"),
        (["grad", "1/0"], 1, "1 / 0 is undefined"),
        (["grad", "sqrt(-4)"], 1, "√(-4) is undefined"),
        (["grad", "(-8)^0.5"], 1, "is undefined"),
        (["grad", "9^9^9^9"], 1, "overflows"),
        (["grad", "__import__('os').system('true')"], 2, "unexpected character"),
        (["grad", "x", "--at", "x=1", "--mode", "sideways"], 2, "sideways"),
    ],
)
def test_bad_input_gives_one_message_and_a_status(
    args: list[str], status: int, fragment: str
) -> None:
    code, out, err = run(*args)
    assert code == status
    assert out == ""
    assert fragment in err
    assert "Traceback" not in err


def test_parse_error_shows_a_caret_under_the_column() -> None:
    _, _, err = run("grad", "log(x1))+x2", "--at", "x1=1,x2=1")
    assert err.splitlines() == [
        "autodiff: error at column 8: unmatched ')'",
        "  log(x1))+x2",
        "         ^",
    ]


def test_math_errors_are_one_line() -> None:
    _, _, err = run("grad", "x + log(x - 1.5)", "--at", "x=1")
    assert len(err.splitlines()) == 1
    assert 'from "log(x - 1.5)" at column 5' in err


def test_ascii_errors_and_warnings() -> None:
    _, _, err = run("grad", "log(x)", "--at", "x=-1", "--ascii")
    assert err.isascii() and "v1 = ln v0 with v0 = -1" in err
    code, _, err = run("eval", "exp(-(x*x))", "--at", "x=1e200", "--no-trace")
    assert code == 0 and "warning" in err and "IEEE overflow" in err
    assert run("eval", "exp(-(x*x))", "--at", "x=1e200", "-q")[2] == ""


def test_internal_errors_are_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import autodiff.core.derivatives as derivatives

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(derivatives, "gradient", broken)
    code, _, err = run(*HEADLINE)
    assert code == 3
    assert err.startswith("autodiff: internal error: RuntimeError: boom")
    assert "Traceback" not in err


def test_help_shows_an_example_on_every_command() -> None:
    for command in ["grad", "eval", "wengert"]:
        code, out, _ = run(command, "--help")
        assert code == 0 and "Example:" in out and f"autodiff {command}" in out
    code, out, _ = run("--help")
    assert code == 0 and "Example:" in out


def test_version() -> None:
    code, out, _ = run("--version")
    assert (code, out.strip()) == (0, f"autodiff {__version__}")


def _installed_command() -> list[str]:
    script = shutil.which("autodiff", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "autodiff"]


def test_installed_script_in_a_real_process() -> None:
    proc = subprocess.run(
        [*_installed_command(), *HEADLINE, "--format", "json"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["value"] == PAPER_VALUE
    assert tuple(doc["gradient"].values()) == PAPER_GRADIENT
    proc = subprocess.run(
        [*_installed_command(), "grad", "log(x)", "--at", "x=-1"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("args", "value"),
    [
        (["grad", "-m*g*h", "--at", "m=2,g=10,h=3"], -60.0),  # not -m with the value *g*h
        (["eval", "-h+x", "--at", "h=1,x=5"], 4.0),  # not -h (help)
        (["eval", "--at", "q=1,x=5", "-q+x"], 4.0),  # not -q (quiet)
        (["eval", "-F", "json", "-x", "--at", "x=2"], -2.0),
        (["vjp", "x*y", "--at", "x=-1,y=2", "--cotangent", "-1"], -2.0),  # options' values
    ],
)
def test_an_argument_starting_with_minus_is_an_expression(args: list[str], value: float) -> None:
    code, out, err = run(*args, "--format", "json")
    assert code == 0, err
    assert json.loads(out)["value"] == value


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["grad", "x", "--at", "x=1", "--digits", "abc"], "invalid value for '--digits'"),
        (["grad", "x", "--at"], "option '--at' requires an argument"),
        (["grad", "x", "--at", "x=1", "--format", "yaml"], "invalid value for '--format'"),
        (["grad", "x", "--at", "x=1", "--bogus"], "no such option: --bogus"),
        (["eval", "--x", "--at", "x=1"], 'write "- -x" for a double minus'),
        (["nosuch"], "no such command 'nosuch'"),
        (["grad", "x", "--at", "x=1", "--wrt", "y\nz"], "--wrt: y\\nz is not a variable"),
    ],
)
def test_usage_errors_are_one_line(args: list[str], message: str) -> None:
    code, out, err = run(*args)
    assert code == 2 and out == ""
    assert err.startswith("autodiff: error: ") and err.count("\n") == 1, err
    assert message in err


def test_no_trace_json_carries_no_trace_rows() -> None:
    code, out, _ = run(*HEADLINE, "--format", "json", "--no-trace")
    document = json.loads(out)
    assert code == 0 and tuple(document["gradient"].values()) == PAPER_GRADIENT
    assert not {"trace", "adjoint_steps", "passes"} & set(document)


def test_no_arguments_prints_the_help() -> None:
    code, out, err = run()
    assert code == 2
    assert "Usage: autodiff" in out + err and "grad" in out + err
    assert "autodiff: error" not in out + err
