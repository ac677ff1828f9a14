"""Batches of points (--points): vectorised sweeps give the numbers and errors of single calls."""

from __future__ import annotations

import csv
import io
import json
import math
import random
from pathlib import Path

import pytest
from conftest import PAPER_EXPRESSION, run

from autodiff.core.derivatives import gradient
from autodiff.core.records import compute, record
from autodiff.core.vectorized import evaluate_batch
from autodiff.grammar.build import parse

np = pytest.importorskip("numpy")


def points_file(tmp_path: Path, rows: list[tuple[float, ...]], header: str = "x1,x2") -> str:
    path = tmp_path / "points.csv"
    path.write_text(header + "\n" + "".join(",".join(map(repr, r)) + "\n" for r in rows))
    return str(path)


def test_ten_thousand_points_equal_ten_thousand_single_calls(tmp_path: Path) -> None:
    rng = random.Random(7)
    rows = [(rng.uniform(0.1, 3.0), rng.uniform(-3.0, 3.0)) for _ in range(10_000)]
    code, out, err = run(
        "grad", PAPER_EXPRESSION, "--points", points_file(tmp_path, rows), "-F", "csv"
    )
    assert (code, err) == (0, "")
    table = list(csv.DictReader(io.StringIO(out)))
    assert len(table) == 10_000
    graph = parse(PAPER_EXPRESSION)
    for (x1, x2), line in zip(rows, table):
        single = gradient(graph, {"x1": x1, "x2": x2})
        # NumPy's log may differ from libm's by one ulp; the gradient here has no log in it
        # and is bit-identical, the value within a few ulps of its largest term.
        assert float(line["d/dx1"]) == single.gradient[0]
        assert float(line["d/dx2"]) == single.gradient[1]
        scale = abs(math.log(x1)) + abs(x1 * x2) + abs(math.sin(x2))
        assert abs(float(line["value"]) - single.evaluation.value) <= 1e-15 * max(scale, 1.0)


BATCH_COMMANDS = [
    ("eval", ["log(x1)+x1*x2-sin(x2)"], {}),
    ("grad", ["log(x1)+x1*x2-sin(x2)"], {}),
    ("grad", ["log(x1)+x1*x2-sin(x2)"], {"mode": "forward", "wrt": ["x2"]}),
    ("jacobian", ["x1*x2", "sin(x1)+x2", "exp(x1*x2)"], {}),
    ("jacobian", ["tanh(x1+2*x2)", "sqrt(x1)"], {"mode": "reverse"}),
    ("jvp", ["x1*x2", "atan2(x1, x2)"], {"direction": [0.5, -1.0]}),
    ("vjp", ["x1*x2", "hypot(x1, x2)"], {"cotangent": [2.0, -1.0]}),
    ("hessian", ["(1-x1)^2 + 100*(x2-x1^2)^2 + sigmoid(x1*x2)"], {}),
    ("hvp", ["x1^3*x2 + softplus(x2)"], {"direction": [1.0, 2.0]}),
]


@pytest.mark.parametrize(("command", "texts", "kwargs"), BATCH_COMMANDS)
def test_each_command_in_a_batch_matches_single_points(
    command: str, texts: list[str], kwargs: dict
) -> None:  # type: ignore[type-arg]
    graph = parse(texts)
    rng = np.random.default_rng(3)
    x1, x2 = rng.uniform(0.2, 2.0, 50), rng.uniform(-2.0, 2.0, 50)
    batch = evaluate_batch(command, graph, {"x1": x1, "x2": x2}, {}, **kwargs)
    assert not batch.errors
    for row, got in enumerate(batch.rows()):
        at = {"x1": float(x1[row]), "x2": float(x2[row])}
        want = record(command, compute(command, graph, at, **kwargs))
        assert got == pytest.approx(want, rel=1e-14, abs=1e-14)


def test_a_bad_point_stops_the_batch_with_its_line(tmp_path: Path) -> None:
    path = points_file(tmp_path, [(2.0, 5.0), (1.0, 1.0), (-1.0, 2.0), (0.5, 0.25)])
    code, out, err = run("grad", PAPER_EXPRESSION, "--points", path, "-F", "csv")
    assert code == 1
    assert len(out.splitlines()) == 3  # the header and the two rows before the bad one
    assert err.strip() == (
        f"autodiff: error: line 4 of {path}: log is undefined at v₁ = ln v₋₁ with v₋₁ = -1: "
        "log needs x > 0"
    )


def test_skip_goes_on_and_warns(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("x1,x2\n2,5\n-1,2\n3,abc\n1,2,3\n0.5,0.25\n")
    code, out, err = run(
        "grad", PAPER_EXPRESSION, "--points", str(path), "-F", "jsonl", "--on-error", "skip"
    )
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["line"] for r in records] == [2, 6]
    assert err.count("skipped line") == 3 and "'abc'" in err and "3 values for 2 columns" in err
    code, _, err = run("grad", PAPER_EXPRESSION, "--points", str(path), "-F", "csv")
    assert code == 1 and "line 3" in err  # the math error comes first in the file


def test_unreadable_row_is_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("x1,x2\n1,nan\n")
    code, _, err = run("eval", PAPER_EXPRESSION, "--points", str(path))
    assert code == 2 and "must be a finite number" in err


def test_points_from_stdin_with_at_for_the_rest() -> None:
    code, out, _ = run(
        "grad", PAPER_EXPRESSION, "--points", "-", "--at", "x2=5", "-F", "csv", stdin="x1\n2\n4\n"
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [float(r["d/dx1"]) for r in rows] == [5.5, 5.25]


def test_points_output_formats(tmp_path: Path) -> None:
    path = points_file(tmp_path, [(2.0, 5.0), (1.0, 1.0)])
    doc = json.loads(run("jacobian", "x1*x2", "x1+x2", "--points", path, "-F", "json")[1])
    assert doc["columns"][-4:] == ["dy1/dx1", "dy1/dx2", "dy2/dx1", "dy2/dx2"]
    assert doc["points"][0]["dy1/dx1"] == 5.0 and doc["points"][1]["line"] == 3
    _, out, _ = run("eval", "x1*x2", "--points", path, "-F", "markdown")
    assert "| 3 | 1 | 1 | 1 |" in out
    _, out, _ = run("eval", "x1*x2", "--points", path)
    assert "eval at 2 points" in out
    code, _, err = run("eval", "x1*x2", "--points", path, "-F", "latex")
    assert code == 2 and "--points writes" in err


def test_points_problems(tmp_path: Path) -> None:
    path = points_file(tmp_path, [(1.0, 2.0)], header="a,b")
    code, _, err = run("eval", "x1*x2", "--points", path)
    assert code == 2 and "name none of the variables" in err
    path = points_file(tmp_path, [(1.0, 2.0)], header="x1,zz")
    code, _, err = run("eval", "x1*x2", "--points", path, "--at", "x2=3")
    assert code == 0 and "the points column zz is not a variable" in err
    code, _, err = run("eval", "x1*x2", "--points", path)
    assert code == 2 and "no value for x2" in err
    code, _, err = run("hessian", "x1", "x2", "--points", path, "--at", "x2=1")
    assert code == 2 and "a Hessian needs one expression" in err


def test_missing_numpy_is_a_clear_message(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import builtins

    real_import = builtins.__import__

    def no_numpy(name: str, *args: object, **kwargs: object) -> object:
        if name == "numpy" or name.startswith("numpy."):
            raise ImportError("no numpy here")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_numpy)
    path = points_file(tmp_path, [(1.0, 2.0)])
    code, _, err = run("eval", "x1*x2", "--points", path)
    assert code == 2 and "--points needs NumPy" in err


@pytest.mark.parametrize("command", ["eval", "grad", "hessian"])
def test_an_overflow_warns_and_strict_fails_as_for_one_point(tmp_path: Path, command: str) -> None:
    # Issue 13: x*x overflows at 1e200 but 1/(x*x) is a finite 0, so the batch never looked
    # at that point again: no warning, and exit 0 under --strict where one point exits 1.
    path = points_file(tmp_path, [(1e200,), (1.0,)], header="x")
    single = run(command, "1/(x*x)", "--at", "x=1e200", "--strict")
    assert single[0] == 1 and "gives inf (IEEE overflow)" in single[2]
    code, out, err = run(command, "1/(x*x)", "--points", path, "-F", "csv")
    assert code == 0 and out.splitlines()[1].startswith("1e+200,0.0")
    assert err == (
        f"autodiff: warning: line 2 of {path}: v₁ = v₀ × v₀ with v₀ = 1e+200 gives inf "
        "(IEEE overflow)\n"
    )
    code, out, err = run(command, "1/(x*x)", "--points", path, "-F", "csv", "--strict")
    assert code == 1 and f"line 2 of {path}: v₁ = v₀ × v₀" in err and "(--strict)" in err
    assert run(command, "1/(x*x)", "--points", path, "-F", "csv", "--quiet")[::2] == (0, "")


def test_an_overflow_that_is_an_error_for_one_point_is_one_in_a_batch(tmp_path: Path) -> None:
    # exp(1000) raises for one point (exit 1); the batch's 1/(1+inf) = 0 hid it.
    path = points_file(tmp_path, [(1000.0,)], header="x")
    assert run("eval", "1/(1+exp(x))", "--at", "x=1000")[0] == 1
    code, _, err = run("eval", "1/(1+exp(x))", "--points", path)
    assert code == 1 and f"line 2 of {path}: overflow at v₁ = exp v₀" in err
