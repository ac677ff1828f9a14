"""0·∞ in the chain rule: an infinite local partial that a computed zero hid is reported.

Issue 13: ``cbrt(x)^3`` and ``sqrt(x)^2`` at 0 gave d/dx = 0 (true: 1), silently, in every mode
and in batches. A structural zero (an unseeded input, an unweighted output, a product by the
constant 0) hides nothing and stays quiet.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run

from autodiff.core.derivatives import gradient, hessian, hvp, jacobian, jvp, vjp
from autodiff.core.sweeps import Diagnostic
from autodiff.grammar.build import parse

WRONG = {"cbrt(x)^3": "∂v₁/∂v₀ = inf at v₁ = ∛v₀", "sqrt(x)^2": "∂v₁/∂v₀ = inf at v₁ = √v₀"}


def hidden(warnings: tuple[Diagnostic, ...]) -> list[str]:
    return [w.message for w in warnings if w.kind == "indeterminate"]


@pytest.mark.parametrize("mode", ["forward", "reverse"])
@pytest.mark.parametrize("text", sorted(WRONG))
def test_gradient_names_the_infinite_partial(text: str, mode: str) -> None:
    result = gradient(parse(text), {"x": 0.0}, mode)  # type: ignore[arg-type]
    assert result.gradient == (0.0,)  # the 0·∞ = 0 convention still gives the number…
    (message,) = hidden(result.warnings)  # …but says it is not to be trusted
    assert message.startswith(WRONG[text] + " with v₀ = 0 was multiplied by 0")
    assert result.warnings[-1].node == 1 and result.warnings[-1].span is not None


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_jacobian_rows_and_columns(mode: str) -> None:
    result = jacobian(parse(["cbrt(x)^3", "x*y"]), {"x": 0.0, "y": 2.0}, mode)  # type: ignore[arg-type]
    assert len(hidden(result.warnings)) == 1


def test_second_order() -> None:
    graph = parse("cbrt(x)^3")
    assert hidden(hessian(graph, {"x": 0.0}).warnings) == hidden(hvp(graph, {"x": 0}, [1]).warnings)
    assert len(hidden(hessian(graph, {"x": 0.0}).warnings)) == 1
    # x·x·√x: the second partial of √x at 0 is -inf, multiplied by the zero adjoint x·x.
    assert hidden(hessian(parse("x*x*sqrt(x)"), {"x": 0.0}).warnings)


def test_products_report_only_what_the_direction_or_weights_reach() -> None:
    graph = parse("cbrt(x)^3 + y")
    assert hidden(jvp(graph, {"x": 0, "y": 1}, [1, 1]).warnings)
    assert not hidden(jvp(graph, {"x": 0, "y": 1}, [0, 1]).warnings)  # ẋ = 0 is not computed
    graph = parse(["cbrt(x)^3", "y"])
    assert hidden(vjp(graph, {"x": 0, "y": 1}, [1, 0]).warnings)
    assert not hidden(vjp(graph, {"x": 0, "y": 1}, [0, 1]).warnings)


@pytest.mark.parametrize("mode", ["forward", "reverse"])
@pytest.mark.parametrize(
    ("text", "at", "wrt", "expected"),
    [
        # The README's case: with --wrt x1, x2 is not seeded; its adjoint is not reported.
        ("x1 + sqrt(x2)", {"x1": 1.0, "x2": 0.0}, ["x1"], (1.0,)),
        # A product by the constant 0 is 0 for every x: its derivative is 0, exactly.
        ("0*sqrt(x)", {"x": 0.0}, None, (0.0,)),
        ("sqrt(x)*0 + x", {"x": 0.0}, None, (1.0,)),
        # Several outputs: sqrt(y) does not reach the output x.
        ("x + 0*cbrt(y)", {"x": 1.0, "y": 0.0}, None, (1.0, 0.0)),
    ],
)
def test_structural_zeros_stay_quiet(
    text: str, at: dict[str, float], wrt: list[str] | None, expected: tuple[float, ...], mode: str
) -> None:
    result = gradient(parse(text), at, mode, wrt)  # type: ignore[arg-type]
    assert result.gradient == expected
    assert result.warnings == ()


def test_an_unrelated_output_stays_quiet() -> None:
    # With --wrt x the 0·∞ at cbrt(y) (row 1) lies on no path from x: nothing to report.
    result = jacobian(parse(["cbrt(y)^3", "x"]), {"x": 1.0, "y": 0.0}, "reverse", ["x"])
    assert result.warnings == ()


# --- the command line ----------------------------------------------------------------------------


COMMANDS = [
    *(
        (text, [command, "--mode", mode])
        for text in sorted(WRONG)
        for command in ("grad", "jacobian")
        for mode in ("forward", "reverse")
    ),
    # (The Hessian of sqrt(x)^2 at 0 is not finite: an error, as before.)
    ("cbrt(x)^3", ["hessian"]),
]


@pytest.mark.parametrize(("text", "command"), COMMANDS)
def test_cli_warns_and_strict_fails(text: str, command: list[str]) -> None:
    code, out, err = run(command[0], text, "--at", "x=0", *command[1:])
    assert code == 0 and out
    assert err.startswith(f"autodiff: warning: {WRONG[text]}") and "multiplied by 0" in err
    code, out, err = run(command[0], text, "--at", "x=0", "--strict", *command[1:])
    assert (code, out) == (1, "")
    assert err.startswith(f"autodiff: error: {WRONG[text]}") and "(--strict)" in err
    assert run(command[0], text, "--at", "x=0", "--quiet", *command[1:])[::2] == (0, "")


def test_cli_batch(tmp_path: Path) -> None:
    points = tmp_path / "points.csv"
    points.write_text("x\n1\n0\n")
    for command in ("grad", "jacobian", "hessian"):
        code, out, err = run(command, "cbrt(x)^3", "--points", str(points), "-F", "csv")
        assert code == 0 and out.splitlines()[2].startswith("0.0,0.0,0.0")
        assert err.startswith(f"autodiff: warning: line 3 of {points}: {WRONG['cbrt(x)^3']}")
        code, out, err = run(command, "cbrt(x)^3", "--points", str(points), "--strict")
        assert code == 1 and f"line 3 of {points}: ∂v₁/∂v₀ = inf" in err


def test_batch_finds_a_zero_the_arrays_do_not_multiply(tmp_path: Path) -> None:
    # The array sweeps keep the tangent of x - x as the exact number 0.0, so inf·0.0 never
    # becomes nan there: the batch must look at the partials, as the single point does.
    points = tmp_path / "points.csv"
    points.write_text("x\n2\n")
    single = run("jvp", "sqrt(x-x)", "--at", "x=2", "--dir", "1")
    assert single[0] == 0 and "∂v₂/∂v₁ = inf" in single[2]
    code, out, err = run("jvp", "sqrt(x-x)", "--points", str(points), "--dir", "1", "-F", "csv")
    assert code == 0 and out.splitlines()[1] == "2.0,0.0,0.0"
    assert f"line 2 of {points}: ∂v₂/∂v₁ = inf" in err
