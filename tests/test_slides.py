"""Issue 18: the trace tables as the lecture slides of Baydin et al. (2018), Tables 2–3, print
them: fixed decimals, worked arithmetic, the x̄ rows, the paper's layout and notation."""

from __future__ import annotations

import pytest
from conftest import PAPER_EXPRESSION
from typer.testing import CliRunner

from autodiff.cli.app import app
from autodiff.core.notation import format_number

HEADLINE = ["grad", PAPER_EXPRESSION, "--at", "x1=2,x2=5"]
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("x", "decimals", "text"),
    [
        (0.6931471805599453, 3, "0.693"),
        (10.0, 3, "10"),
        (5.5, 3, "5.5"),
        (-0.9589242746631385, 3, "-0.959"),
        (-0.0001, 3, "0"),  # no "-0"
        (1234567.891, 0, "1234568"),
        (1e-9, 3, "0"),
    ],
)
def test_decimals_are_places_after_the_point(x: float, decimals: int, text: str) -> None:
    assert format_number(x, decimals=decimals) == text


def test_decimals_round_traces_and_results_as_the_paper() -> None:
    code, out, _ = run(*HEADLINE, "--decimals", "3")
    assert code == 0
    for line in ["v₁    ln v₋₁      0.693", "v₄    v₁ + v₂    10.693", "∂y/∂x2    1.716"]:
        assert line in out


def test_digits_and_decimals_together_are_bad_usage() -> None:
    code, out, err = run(*HEADLINE, "--decimals", "3", "--digits", "3")
    assert (code, out) == (2, "")
    assert "--digits and --decimals" in err
