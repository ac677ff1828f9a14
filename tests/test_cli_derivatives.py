"""The derivative commands on the command line: jacobian, jvp, vjp, hessian, hvp, --wrt."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from autodiff.cli.app import app

runner = CliRunner()
NETWORK = ["tanh(1*x1+2*x2+0.5)", "tanh(3*x1+4*x2-1)", "--at", "x1=0.1,x2=-0.2"]
ROSENBROCK = ["(1-x)^2 + 100*(y-x^2)^2", "--at", "x=-1.2,y=1"]


def run_json(*args: str) -> dict:  # type: ignore[type-arg]
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_jacobian_json_by_columns_and_rows() -> None:
    docs = {m: run_json("jacobian", *NETWORK, "--mode", m) for m in ("forward", "reverse", "auto")}
    assert docs["forward"]["jacobian"] == docs["reverse"]["jacobian"] == docs["auto"]["jacobian"]
    doc = docs["auto"]
    assert doc["outputs"] == NETWORK[:2] and doc["inputs"] == ["x1", "x2"]
    assert len(doc["values"]) == 2 and doc["mode"] == "forward"
    assert doc["cost"]["n"] == 2 and doc["cost"]["m"] == 2 and doc["cost"]["choice"] == "forward"
    assert doc["jacobian"][0] == pytest.approx([0.961043, 1.922086], abs=1e-6)
    assert set(doc["trace"][0]["tangent"]) == {"x1", "x2"}  # one tangent per column pass
    assert len(docs["reverse"]["passes"]) == 2  # one adjoint pass per row


def test_jacobian_table_shows_advisor_and_matrix() -> None:
    result = runner.invoke(
        app, ["jacobian", "x1*x2", "sin(x1)+x2", "exp(x1*x2)", "--at", "x1=1,x2=2"]
    )
    assert result.exit_code == 0
    out = result.stdout
    assert "Mode advisor" in out and "forward (columns)  ← chosen" in out
    assert "y₂ = sin(x1)+x2   0.5403023058681398" in out
    assert "Forward tangent trace" in out
    reverse = runner.invoke(app, ["jacobian", *NETWORK, "-m", "reverse"]).stdout
    assert reverse.count("Reverse adjoint trace") == 2 and "Mode advisor" not in reverse


def test_jvp_vjp_hessian_hvp_json() -> None:
    assert run_json("jvp", *NETWORK, "--dir", "x1=1")["jvp"] == pytest.approx(
        [0.961043, 0.542120], abs=1e-6
    )
    vjp = run_json("vjp", *NETWORK, "--cotangent", "0,1")
    assert list(vjp["vjp"].values()) == pytest.approx([0.542120, 0.722827], abs=1e-6)
    assert vjp["adjoint_steps"][1]["var"] == "v̄₁₀"
    hess = run_json("hessian", *ROSENBROCK)
    assert hess["hessian"] == [[1330.0, 480.0], [480.0, 200.0]] and hess["asymmetry"] == 0.0
    assert hess["gradient"] == pytest.approx({"x": -215.6, "y": -88.0})
    assert "passes" not in hess
    traced = run_json("hessian", *ROSENBROCK, "--trace")
    assert len(traced["passes"]) == 2
    assert run_json("hvp", *ROSENBROCK, "--dir", "0,1")["hvp"] == {"x": 480.0, "y": 200.0}


def test_wrt_on_the_command_line() -> None:
    doc = run_json("grad", "x1 + sqrt(x2)", "--at", "x1=1,x2=0", "--wrt", "x1")
    assert doc["gradient"] == {"x1": 1.0} and doc["wrt"] == ["x1"]
    doc = run_json("hessian", "x^2*y^3", "--at", "x=2,y=1", "--wrt", "y")
    assert doc["hessian"] == [[24.0]]


def test_hessian_trace_table() -> None:
    out = runner.invoke(app, ["hvp", *ROSENBROCK, "--dir", "1,0", "--trace"]).stdout
    assert "Forward-over-reverse trace (direction 1, 0)" in out
    assert "(H·u) x                  1330" in out


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["grad", "x*y", "--at", "x=1,y=2", "--wrt", "z"], "--wrt: z is not a variable"),
        (["jvp", "x*y", "--at", "x=1,y=2", "--dir", "1,2,3"], "3 numbers, but the function has 2"),
        (["hvp", "x*y", "--at", "x=1,y=2", "--dir", "1"], "1 number, but the function has 2"),
        (["vjp", "x*y", "--at", "x=1,y=2", "-w", "1,2"], "but the function has 1 output"),
        (["jvp", "x", "--at", "x=1", "--dir", "y=1"], "--dir y: not one of the inputs"),
        (["hessian", "x*y", "y", "--at", "x=1,y=1"], "a Hessian needs one expression, got 2"),
        (["grad", "x", "y", "--at", "x=1,y=1"], "needs one expression"),
        (["jvp", "x", "--at", "x=1", "--dir", ""], "--dir needs numbers"),
    ],
)
def test_derivative_usage_errors(args: list[str], fragment: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert fragment in result.stderr and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1


def test_help_of_the_derivative_commands() -> None:
    for command in ["jacobian", "jvp", "vjp", "hessian", "hvp"]:
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0 and f"Example:  autodiff {command}" in result.stdout
