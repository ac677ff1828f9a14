"""``hessian --eig``: the eigenvalues of the Hessian and the second-order test's verdict."""

from __future__ import annotations

import json
import sys

import pytest
from typer.testing import CliRunner

from autodiff.cli.app import app
from autodiff.core.curvature import curvature, verdict
from autodiff.core.derivatives import hessian
from autodiff.core.errors import NonFiniteError, UsageError
from autodiff.grammar.build import parse

runner = CliRunner()
EPS = sys.float_info.epsilon


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x^2 + y^2", "minimum"),
        ("-x^2 - 3*y^2", "maximum"),
        ("x^2 - y^2", "saddle"),
        ("x^2 + y^4", "degenerate"),  # λ = 2, 0 at the origin: the test cannot tell
        ("x^2*y", "degenerate"),  # H = 0
        ("x^2 - y^2 + z^4", "saddle"),  # both signs decide, whatever the zero eigenvalue
    ],
)
def test_verdict_at_the_origin(text: str, expected: str) -> None:
    graph = parse(text)
    result = hessian(graph, dict.fromkeys(graph.input_names, 0.0), eig=True)
    assert result.curvature is not None and result.curvature.verdict == expected


def test_rosenbrock_minimum_eigenvalues_ascending() -> None:
    test = curvature([[802.0, -400.0], [-400.0, 200.0]])
    # λ = 501 ∓ √(301² + 400²) = 501 ∓ √250601
    assert test.eigenvalues == pytest.approx((501 - 250601**0.5, 501 + 250601**0.5), rel=1e-12)
    assert test.verdict == "minimum"
    assert test.tol == 2 * EPS * test.eigenvalues[1]


def test_tolerance_is_relative_to_the_largest_eigenvalue() -> None:
    # 1e-20 is far below rounding next to 1 (zero within tol), but decisive when it is alone.
    assert curvature([[1.0, 0.0], [0.0, 1e-20]]).verdict == "degenerate"
    assert curvature([[1e-20]]).verdict == "minimum"
    assert verdict([1.0, -1e-17], tol=2 * EPS) == "degenerate"
    assert verdict([1.0, -1e-15], tol=2 * EPS) == "saddle"


def test_hessian_without_eig_has_no_curvature() -> None:
    assert hessian(parse("x^2"), {"x": 1.0}).curvature is None


def test_non_finite_or_empty_hessian_has_no_verdict() -> None:
    with pytest.raises(NonFiniteError, match="not finite"):
        curvature([[float("nan")]])
    with pytest.raises(NonFiniteError, match="overflow"):
        curvature([[1.5e308, 1.5e308], [1.5e308, 1.5e308]])  # λ = 3e308
    with pytest.raises(UsageError, match="no eigenvalues"):
        curvature([])


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["hessian", *args])
    return result.exit_code, result.stdout, result.stderr


SADDLE = ["x^2 - y^2", "--at", "x=0,y=0", "--eig"]


def test_eig_json() -> None:
    code, out, _ = invoke(*SADDLE, "-F", "json")
    doc = json.loads(out)
    assert code == 0
    assert doc["eigenvalues"] == [-2.0, 2.0] and doc["verdict"] == "saddle"
    assert doc["eigenvalue_tol"] == 2 * EPS * 2.0


def test_eig_csv_and_tsv_columns() -> None:
    code, out, _ = invoke(*SADDLE, "-F", "csv")
    header, row = out.splitlines()
    assert code == 0
    assert header.endswith(",lambda1,lambda2,verdict") and row.endswith(",-2.0,2.0,saddle")
    _, tsv, _ = invoke(*SADDLE, "-F", "tsv")
    assert tsv.splitlines()[1].endswith("\t-2.0\t2.0\tsaddle")


@pytest.mark.parametrize("fmt", ["table", "markdown", "latex"])
def test_eig_for_people_shows_eigenvalues_and_verdict(fmt: str) -> None:
    code, out, _ = invoke(*SADDLE, "-F", fmt)
    assert code == 0
    assert "Eigenvalues of the Hessian: saddle" in out
    assert "eigenvalues of both signs: indefinite" in out
    lam = r"\lambda 1" if fmt == "latex" else "λ1"
    assert lam in out and "-2" in out


def test_eig_in_ascii() -> None:
    code, out, _ = invoke(*SADDLE, "--ascii")
    assert code == 0 and out.isascii() and " lambda1 " in out


def test_without_eig_no_eigenvalues_are_printed() -> None:
    code, out, _ = invoke("x^2 - y^2", "--at", "x=0,y=0", "-F", "json")
    assert code == 0 and "verdict" not in json.loads(out)


def test_eig_errors_are_one_line() -> None:
    code, out, err = invoke("7.5e307*(x+y)^2", "--at", "x=0,y=0", "--eig")
    assert code == 1 and out == ""
    assert err == "autodiff: error: the eigenvalues of the Hessian overflow the float range\n"
    code, _, err = invoke("sqrt(x)", "--at", "x=0", "--eig")  # an infinite entry: no verdict
    assert code == 1 and "not finite" in err and len(err.splitlines()) <= 3
    code, _, err = invoke("2", "--eig")
    assert code == 2 and "no eigenvalues" in err
    code, _, err = invoke("x", "--points", "-", "--eig", "-F", "csv")
    assert code == 2 and "--eig gives the eigenvalues at one point" in err


def test_the_python_api_gives_eigenvalues_and_verdict() -> None:
    import autodiff

    H = autodiff.hessian("x^2 - y^2", {"x": 0, "y": 0}, eig=True)
    assert H.eigenvalues == (-2.0, 2.0) and H.verdict == "saddle"
    plain = autodiff.hessian("x^2 - y^2", {"x": 0, "y": 0})
    assert plain.eigenvalues is None and plain.verdict is None
