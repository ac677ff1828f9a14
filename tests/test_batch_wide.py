"""Wide batches (issue 13): a Hessian row of n² entries is one array per chunk, written in
slices, and a reverse Jacobian row is seeded by its one output, all bit for bit as before."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from autodiff.cli import batch_writers
from autodiff.cli.app import app
from autodiff.core.derivatives import jacobian
from autodiff.core.records import columns
from autodiff.core.sweeps import adjoint, local_partials, primal
from autodiff.grammar.build import parse

np = pytest.importorskip("numpy")
runner = CliRunner()

SQUARES = "x1^2 + x2^2*x3 + sin(x1*x3)"


def test_a_hessian_batch_keeps_one_array_not_one_per_entry() -> None:
    from autodiff.core.vectorized import evaluate_batch

    graph = parse(SQUARES)
    points = {"x1": np.array([0.5, 1.5]), "x2": np.array([2.0, -1.0]), "x3": np.array([3.0, 0.25])}
    batch = evaluate_batch("hessian", graph, points, {})
    assert isinstance(batch.data, np.ndarray)
    assert batch.data.shape == (len(columns("hessian", graph, (0, 1, 2))), 2)
    assert batch.columns == columns("hessian", graph, (0, 1, 2))
    assert batch.rows() == batch.data.T.tolist()


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_a_row_wider_than_a_slice_is_written_as_one_point_writes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """With slices of 4 numbers every row of this Hessian (3 + 1 + 3 + 9 cells) is "wide"."""
    points = tmp_path / "p.csv"
    points.write_text("x1,x2,x3\n0.5,2,3\n1.5,-1,0.25\n")
    normal = runner.invoke(app, ["hessian", SQUARES, "--points", str(points), "-F", fmt])
    monkeypatch.setattr(batch_writers, "CELLS", 4)
    sliced = runner.invoke(app, ["hessian", SQUARES, "--points", str(points), "-F", fmt])
    assert normal.exit_code == sliced.exit_code == 0
    assert sliced.stdout == normal.stdout
    single = runner.invoke(app, ["hessian", SQUARES, "--at", "x1=0.5,x2=2,x3=3", "-F", fmt])
    assert sliced.stdout.splitlines()[:2] == single.stdout.splitlines()


def test_a_seed_by_output_index_sweeps_as_the_dense_seed() -> None:
    from autodiff.core.vectorized import adjoint_arrays, partial_arrays, primal_arrays

    graph = parse(["sin(x1)*x2 + x1", "x1*x2", "exp(x2) - x1"])
    values, _ = primal(graph, [0.5, 2.0])
    partials = local_partials(graph, values)
    partials.compute()
    arrays = partial_arrays(graph, primal_arrays(graph, [np.array([0.5]), np.array([2.0])]))
    for k in range(3):
        dense = [1.0 if c == k else 0.0 for c in range(3)]
        assert adjoint(graph, partials, {k: 1.0})[0] == adjoint(graph, partials, dense)[0]
        by_index = adjoint_arrays(graph, arrays, {k: 1.0})
        assert [np.asarray(b).tolist() for b in by_index] == [
            np.asarray(b).tolist() for b in adjoint_arrays(graph, arrays, dense)
        ]


def test_an_unrecorded_reverse_jacobian_equals_the_recorded_one() -> None:
    graph = parse([f"sin(x1)*x2 + {k}*x1" for k in range(1, 6)])
    at = {"x1": 0.5, "x2": 2.0}
    recorded = jacobian(graph, at, "reverse", record=True)
    assert jacobian(graph, at, "reverse", record=False).matrix == recorded.matrix
    assert [p.seed for p in recorded.reverse] == [
        tuple(1.0 if c == k else 0.0 for c in range(5)) for k in range(5)
    ]


def test_a_hessian_batch_checks_its_usage_as_one_point_does() -> None:
    """The batch checks a Hessian's usage without sweeping the first point once per input."""
    from autodiff.core.derivatives import hessian
    from autodiff.core.errors import UsageError
    from autodiff.core.vectorized import evaluate_batch

    point = {"x1": np.array([1.0, 2.0])}
    for graph, wrt in ((parse(["x1*x2", "x1"]), None), (parse("x1*x2"), ["z"])):
        with pytest.raises(UsageError) as single:
            hessian(graph, {"x1": 1.0, "x2": 2.0}, wrt)
        with pytest.raises(UsageError) as batch:
            evaluate_batch("hessian", graph, point, {"x2": 2.0}, wrt=wrt)
        assert str(batch.value) == str(single.value)
