"""Results at scale: sweeps not kept unless traced, JSON written piece by piece, dense matrices."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff.cli.render.json_stream import Stream, materialize, write
from autodiff.core.derivatives import hessian, jacobian
from autodiff.core.errors import NonFiniteError
from autodiff.core.matrix import DenseMatrix
from autodiff.grammar.build import parse

# --- JSON written piece by piece is the text of json.dumps ---------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)


class Lazy(list):  # type: ignore[type-arg]
    """A list that ``streamed`` turns into a Stream (only where the writer allows one)."""


def documents(depth: int = 3) -> st.SearchStrategy[Any]:
    """JSON values where some lists are Lazy: dict values or items of other Lazy lists."""
    if depth == 0:
        return scalars
    inner = documents(depth - 1)
    plain = st.lists(scalars | st.lists(scalars, max_size=3), max_size=4)
    lazy = st.lists(inner, max_size=4).map(Lazy)
    return scalars | plain | lazy | st.dictionaries(st.text(max_size=5), inner, max_size=4)


def streamed(value: Any) -> Any:
    if isinstance(value, Lazy):
        return Stream(streamed(item) for item in value)  # a generator: read once, as written
    if isinstance(value, dict):
        return {key: streamed(item) for key, item in value.items()}
    return value


def plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return [plain(item) for item in value] if isinstance(value, Lazy) else value


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text(max_size=5), documents(), max_size=5), st.booleans())
def test_streamed_json_is_byte_for_byte_json_dumps(doc: dict[str, Any], compact: bool) -> None:
    out = io.StringIO()
    write(streamed(doc), out, compact)
    if compact:
        expected = json.dumps(plain(doc), ensure_ascii=False, separators=(",", ":"))
    else:
        expected = json.dumps(plain(doc), ensure_ascii=False, indent=2)
    assert out.getvalue() == expected


def test_materialize_reads_every_stream() -> None:
    doc = {"a": Stream(iter([1, {"b": Stream(iter([2, 3]))}])), "c": [Stream(iter([]))]}
    assert materialize(doc) == {"a": [1, {"b": [2, 3]}], "c": [[]]}


# --- sweeps are kept only when recorded ----------------------------------------------------------


SQUARES = " + ".join(f"x{i}^2*x{(i + 1) % 6}" for i in range(6))
AT = {f"x{i}": 0.5 + i / 7 for i in range(6)}


def test_a_hessian_without_record_keeps_no_sweep_and_the_same_numbers() -> None:
    graph = parse(SQUARES)
    traced = hessian(graph, AT)
    lean = hessian(graph, AT, record=False)
    assert len(traced.passes) == 6 and lean.passes == ()
    assert lean.matrix == traced.matrix and lean.gradient == traced.gradient
    assert lean.asymmetry == traced.asymmetry
    assert isinstance(lean.matrix, DenseMatrix)


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_a_jacobian_without_record_keeps_no_sweep(mode: str) -> None:
    graph = parse(["x1*x2", "sin(x1)+x2", "exp(x1*x2)"])
    at = {"x1": 1.0, "x2": 2.0}
    traced = jacobian(graph, at, mode, record=True)  # type: ignore[arg-type]
    lean = jacobian(graph, at, mode, record=False)  # type: ignore[arg-type]
    assert lean.matrix == traced.matrix and lean.cost == traced.cost
    assert lean.forward == () and lean.reverse == ()
    assert len(traced.forward if mode == "forward" else traced.reverse) in (2, 3)


@pytest.mark.parametrize("record", [True, False])
def test_a_non_finite_hessian_names_its_node_without_the_kept_sweeps(record: bool) -> None:
    graph = parse("exp(x*y)*y")
    with pytest.raises(NonFiniteError) as raised:
        hessian(graph, {"x": 700.0, "y": 1.01}, record=record)
    assert raised.value.node is not None and "not finite" in raised.value.message


# --- the dense matrix ------------------------------------------------------------------------


def test_a_dense_matrix_reads_as_rows_and_compares_with_tuples() -> None:
    matrix = DenseMatrix.from_columns(2, [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    assert matrix == ((1.0, 3.0, 5.0), (2.0, 4.0, 6.0)) == matrix
    assert matrix != ((1.0, 3.0, 5.0),) and matrix[-1] == (2.0, 4.0, 6.0)
    assert list(matrix.entries()) == [1.0, 3.0, 5.0, 2.0, 4.0, 6.0]
    with pytest.raises(IndexError):
        matrix[2]


def test_the_asymmetry_is_the_largest_difference_across_the_diagonal() -> None:
    rows = [[1.0, 2.0, 3.0], [2.5, 1.0, 4.0], [3.0, 3.0, 1.0]]
    matrix = DenseMatrix.from_columns(3, [[row[c] for row in rows] for c in range(3)])
    assert matrix == tuple(map(tuple, rows)) and matrix.asymmetry() == 1.0
    assert DenseMatrix(1, 1).asymmetry() == 0.0 and DenseMatrix(0, 0).asymmetry() == 0.0
