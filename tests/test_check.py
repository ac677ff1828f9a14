"""``check``: AD against differences, the complex step and the symbolic derivative; the
lecture's finite-difference example; exit statuses; the plots."""

from __future__ import annotations

import itertools
import json
import math
import sys
from pathlib import Path

import pytest
from conftest import PAPER_EXPRESSION, PAPER_GRADIENT
from typer.testing import CliRunner

from autodiff.cli.app import app
from autodiff.cli.render.plot import error_plot
from autodiff.core.check import STEPS, StepRow, check, error
from autodiff.core.errors import UsageError
from autodiff.grammar.build import parse

runner = CliRunner()


def methods(result: object) -> dict[str, object]:
    return {m.key: m for m in result.methods}  # type: ignore[attr-defined]


# --- the lecture ---------------------------------------------------------------------------------


def test_the_lectures_forward_difference() -> None:
    result = check(parse("x^2"), {"x": 2.0})
    row = next(r for r in result.steps if r.h == 1e-12)
    assert row.forward == ((4.000355602329364,),)
    assert result.reference == ((4.0,),)


def test_the_error_curve_is_v_shaped() -> None:
    errors = [row.forward_error for row in check(parse("x^2"), {"x": 2.0}).steps]
    best = errors.index(min(errors))
    assert STEPS[best] == 1e-8  # about √ε
    assert all(a > b for a, b in itertools.pairwise(errors[: best + 1]))  # truncation falls
    assert errors[-1] > 1e3 * errors[best] and errors[0] > 1e3 * errors[best]


def test_every_method_agrees_on_the_papers_example() -> None:
    result = check(parse(PAPER_EXPRESSION), {"x1": 2.0, "x2": 5.0})
    assert result.agrees and result.reference == (PAPER_GRADIENT,)
    found = methods(result)
    assert found["forward"].error == 0.0
    assert found["complex_step"].error <= 1e-15 and found["symbolic"].error <= 1e-15
    assert found["central_difference"].error < 1e-9 < found["forward_difference"].error


# --- disagreement and refusal ------------------------------------------------------------------


def test_a_kink_disagrees_and_the_complex_step_is_refused() -> None:
    result = check(parse("abs(x) + y"), {"x": 0.0, "y": 1.0})
    found = methods(result)
    assert not result.agrees and [m.key for m in result.failures] == ["forward_difference"]
    assert found["complex_step"].agrees is None
    assert found["complex_step"].note == "abs is not analytic (v₁ = |v₋₁|)"
    assert found["symbolic"].agrees  # sign(0) = 0, as AD's convention


def test_methods_that_cannot_run_are_skipped_with_a_reason() -> None:
    result = check(parse("hypot(x, y)"), {"x": 0.0, "y": 0.0})
    found = methods(result)
    assert found["symbolic"].agrees is None and "undefined here" in found["symbolic"].note
    result = check(parse("log(x)"), {"x": 1e-20})
    assert methods(result)["central_difference"].note == (
        "every step leaves the domain of the function"
    )


def test_tolerance_and_wrt() -> None:
    loose = check(parse("abs(x) + y"), {"x": 0.0, "y": 1.0}, tol=2.0)
    assert loose.agrees
    only_y = check(parse("abs(x) + y"), {"x": 0.0, "y": 1.0}, wrt=["y"])
    assert only_y.agrees and only_y.reference == ((1.0,),)
    assert methods(only_y)["complex_step"].agrees  # abs(x) is off the path now


def test_several_outputs() -> None:
    result = check(parse(["x*y", "exp(x) - y"]), {"x": 0.5, "y": 2.0})
    assert result.agrees and len(result.reference) == 2 and len(result.reference[0]) == 2


def test_errors() -> None:
    with pytest.raises(UsageError, match="no variables"):
        check(parse("2*3"), {})
    with pytest.raises(UsageError, match="tolerance must be a finite number") as raised:
        check(parse("x"), {"x": 1.0}, tol=math.nan)
    assert raised.value.argument == "tol"


def test_error_is_relative_for_large_entries_and_absolute_for_small() -> None:
    assert error(((1000.5,),), ((1000.0,),)) == pytest.approx(5e-4)
    assert error(((0.5,),), ((0.25,),)) == 0.25
    assert error(((math.inf,),), ((1.0,),)) == math.inf


# --- the plot ----------------------------------------------------------------------------------


def test_terminal_plot() -> None:
    lines = error_plot(check(parse("x^2"), {"x": 2.0}).steps)
    assert lines[0].startswith("Error against AD by step h")
    assert lines[-1].split()[:3] == ["-1", "-2", "-3"] and lines[-1].endswith("log10 h")
    rows = {line.split("│")[0].strip(): line for line in lines[1:-2]}
    column = 4 * 12 + 8  # the column of h = 1e-12
    assert rows["1e-04"][column - 1 : column] == "◉"  # 8.9e-05: both differences there
    ascii_lines = error_plot(check(parse("x^2"), {"x": 2.0}).steps, ascii_only=True)
    assert all(line.isascii() for line in ascii_lines)


def test_plot_without_any_finite_difference() -> None:
    steps = [StepRow(h, None, None, None, None) for h in STEPS]
    assert error_plot(steps)[1] == "  (no step gives a finite difference here)"
    exact = [StepRow(h, ((1.0,),), 0.0, ((1.0,),), 0.0) for h in STEPS]
    assert error_plot(exact)[1] == "     0 │" + "   ◉" * 15


# --- the command line --------------------------------------------------------------------------


def test_cli_exit_status_follows_agreement() -> None:
    ok = runner.invoke(app, ["check", "x^2", "--at", "x=2"])
    assert ok.exit_code == 0 and ok.stderr == ""
    assert "4.000355602329364" in ok.stdout and "log10 h" in ok.stdout
    bad = runner.invoke(app, ["check", "abs(x)", "--at", "x=0"])
    assert bad.exit_code == 1
    assert bad.stderr == "autodiff: check failed: forward difference error 1.0e+00 > --tol 1e-06\n"
    assert "✗ NO" in bad.stdout
    quiet = runner.invoke(app, ["check", "abs(x)", "--at", "x=0", "-q"])
    assert quiet.exit_code == 1 and quiet.stderr == ""


def test_cli_json() -> None:
    result = runner.invoke(app, ["check", "x^2", "--at", "x=2", "--format", "json"])
    doc = json.loads(result.stdout)
    assert doc["command"] == "check" and doc["agrees"] is True and doc["jacobian"] == [[4.0]]
    assert [m["method"] for m in doc["methods"]] == [
        "reverse",
        "forward",
        "forward_difference",
        "central_difference",
        "complex_step",
        "symbolic",
    ]
    assert doc["steps"][11] == {
        "h": 1e-12,
        "forward_difference": [[4.000355602329364]],
        "forward_error": 8.890058234101161e-05,
        "central_difference": [[4.000355602329364]],
        "central_error": 8.890058234101161e-05,
    }


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["check", "x", "--at", "x=1,y=2"], "y is not a variable"),
        (["check", "2*3"], "nothing to check"),
        (["check", "x", "--at", "x=1", "--wrt", "y"], "--wrt: y is not a variable"),
        (["check", "log(x)", "--at", "x=-1"], "log is undefined"),
        (["check", "x", "--at", "x=1", "--format", "xml"], "'xml' is not one of"),
    ],
)
def test_cli_errors_are_one_line(args: list[str], fragment: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code in (1, 2) and result.stdout == ""
    assert fragment in result.stderr


def test_plot_needs_matplotlib(tmp_path: Path) -> None:
    if _has_matplotlib():
        pytest.skip("matplotlib is installed")
    result = runner.invoke(app, ["check", "x^2", "--at", "x=2", "--plot", str(tmp_path / "p.png")])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(
        "autodiff: error: --plot needs matplotlib, which is not installed"
    )


def _has_matplotlib() -> bool:
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None


FAKE_PYPLOT = """
calls = []


class _Axes:
    def __getattr__(self, name):
        return lambda *args, **kwargs: calls.append((name, args, kwargs))


class _Figure:
    def tight_layout(self):
        pass

    def savefig(self, path, dpi=None):
        calls.append(("savefig", (path,), {}))
        open(path, "wb").write(b"PNG")


def subplots(figsize=None):
    return _Figure(), _Axes()


def close(figure):
    pass
"""


def test_plot_is_drawn_by_matplotlib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a stand-in matplotlib: the curves, the axes and the file it is asked for."""
    package = tmp_path / "fake" / "matplotlib"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("def use(backend):\n    pass\n")
    (package / "pyplot.py").write_text(FAKE_PYPLOT)
    monkeypatch.syspath_prepend(str(tmp_path / "fake"))
    for name in ("matplotlib", "matplotlib.pyplot"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    target = tmp_path / "error.png"
    result = runner.invoke(app, ["check", "x^2", "--at", "x=2", "--plot", str(target)])
    assert result.exit_code == 0, result.stderr
    assert target.read_bytes() == b"PNG"
    import matplotlib.pyplot as fake  # the stand-in

    drawn = [(name, args) for name, args, _ in fake.calls if name == "loglog"]
    assert len(drawn) == 2 and len(drawn[0][1][0]) == 15  # both differences, at every step
    assert ("invert_xaxis", (), {}) in fake.calls
    for name in ("matplotlib", "matplotlib.pyplot"):
        sys.modules.pop(name, None)
