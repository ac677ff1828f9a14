"""``check --dir u``: J·u checked by every method; ``check --h H``: differences at one step."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from autodiff.cli.app import app
from autodiff.core.check import check
from autodiff.core.errors import UsageError
from autodiff.grammar.build import parse

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["check", *args])
    return result.exit_code, result.stdout, result.stderr


def test_every_method_computes_j_times_u() -> None:
    # J at (1, 2) = [[2, 1], [cos 1, 0]], so J·(1, 3) = (5, cos 1).
    result = check(parse(["x1*x2", "sin(x1)"]), {"x1": 1.0, "x2": 2.0}, direction=[1.0, 3.0])
    assert result.direction == (1.0, 3.0) and result.column_names == ("u",)
    assert result.reference == ((5.0,), (0.5403023058681398,))
    for method in result.methods:
        assert method.matrix is not None, method.key
        column = [row[0] for row in method.matrix]
        assert column == pytest.approx([5.0, 0.5403023058681398], rel=1e-6), method.key
    assert result.agrees


def test_differences_step_along_u_not_along_an_axis() -> None:
    # f = x·y at (2, 1), u = (2, 1): J·u = y·u₁ + x·u₂ = 4, and (f(x + h·u) − f(x))/h = 4 + h·u₁u₂
    # (5 at h = 0.5) while the central difference is exact.
    result = check(parse("x*y"), {"x": 2.0, "y": 1.0}, direction=[2.0, 1.0], step=0.5)
    (row,) = result.steps
    assert result.reference == ((4.0,),)
    assert row.h == 0.5 and row.forward == ((5.0,),) and row.central == ((4.0,),)


def test_one_step_only() -> None:
    result = check(parse("x^2"), {"x": 2.0}, step=1e-12)
    assert [row.h for row in result.steps] == [1e-12]
    best = {m.key: m for m in result.methods}["forward_difference"]
    assert best.step == 1e-12 and best.matrix == ((4.000355602329364,),)  # the lecture's value


def test_complex_step_needs_analyticity_only_along_u() -> None:
    # |x| is not analytic, but u does not move x: the complex step still applies.
    moved = check(parse("abs(x) + y^2"), {"x": 1.0, "y": 3.0}, direction=[0.0, 1.0])
    complex_step = {m.key: m for m in moved.methods}["complex_step"]
    assert complex_step.agrees is True and complex_step.matrix == ((6.0,),)
    blocked = check(parse("abs(x) + y^2"), {"x": 1.0, "y": 3.0}, direction=[1.0, 1.0])
    assert {m.key: m for m in blocked.methods}["complex_step"].matrix is None


@pytest.mark.parametrize("step", [0.0, -1e-3, float("nan"), float("inf")])
def test_a_bad_step_is_refused(step: float) -> None:
    with pytest.raises(UsageError, match="step h must be a finite number > 0"):
        check(parse("x^2"), {"x": 2.0}, step=step)


def test_cli_direction_by_name_or_in_input_order() -> None:
    by_name = invoke("x*y", "--at", "x=2,y=1", "--dir", "y=1", "-F", "json")
    in_order = invoke("x*y", "--at", "x=2,y=1", "--dir", "0,1", "-F", "json")
    assert by_name[0] == in_order[0] == 0
    doc = json.loads(by_name[1])
    assert doc == json.loads(in_order[1])
    assert doc["direction"] == {"x": 0.0, "y": 1.0} and doc["jacobian"] == [[2.0]]


def test_cli_table_and_csv_name_the_direction() -> None:
    code, out, _ = invoke("x*y", "--at", "x=2,y=1", "--dir", "1,1", "--h", "1e-6")
    assert code == 0
    assert "along u = (1, 1)" in out and "∂f/∂u" in out and "at the step h = 1e-6" in out
    code, out, _ = invoke("x*y", "--at", "x=2,y=1", "--dir", "1,1", "-F", "csv")
    assert code == 0 and out.splitlines()[1].startswith('reverse,"AD, reverse mode",1,u,3.0,3.0')


def test_cli_exit_statuses() -> None:
    # At h = 1e-12 the forward difference of x² is 4.000355602329364: beyond --tol, exit 1.
    code, _, err = invoke("x^2", "--at", "x=2", "--h", "1e-12")
    assert code == 1 and "forward difference error 8.9e-05" in err
    code, _, err = invoke("x^2", "--at", "x=2", "--h", "0")
    assert code == 2 and err == "autodiff: error: the step h must be a finite number > 0, not 0.0\n"
    code, _, err = invoke("x^2", "--at", "x=2", "--dir", "1,2")
    assert code == 2 and "the direction has 2 numbers, but the function has 1 input" in err
    code, _, err = invoke("x*y", "--at", "x=2,y=1", "--dir", "z=1")
    assert code == 2 and "--dir z" in err


def test_the_python_api_checks_a_direction_at_one_step() -> None:
    import autodiff

    result = autodiff.check("x*y", {"x": 1, "y": 2}, direction={"y": 1}, h=1e-6)
    assert result.agrees and result.core.reference == ((1.0,),)
    assert [row.h for row in result.core.steps] == [1e-6]
    with pytest.raises(UsageError, match=r"check\(\): the step h must be a finite number > 0"):
        autodiff.check("x*y", {"x": 1, "y": 2}, h=0)
