"""Reading --points: a cell is a number or an error, the same on NumPy's path and row by row."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff.cli.inputs import MAX_CELL, Points, _fast_points, _slow_points, read_points

pytest.importorskip("numpy")


def by_row(points: Points) -> list[list[float]]:
    return [[float(points.columns[name][k]) for name in points.names] for k in range(len(points))]


def both_paths(body: str, header: str = "x1,x2") -> tuple[Points | None, Points]:
    """What NumPy's reader and the row-by-row reader make of the same file."""
    delimiter = "\t" if "\t" in header else ","
    fast = _fast_points(header, body, delimiter)
    slow = _slow_points("points.csv", header + "\n" + body, delimiter)
    return fast, slow


def assert_same(body: str, header: str = "x1,x2") -> Points:
    fast, slow = both_paths(body, header)
    if fast is not None:  # NumPy read it: the row-by-row reader reads the same numbers
        assert not slow.bad, (body, slow.bad)
        assert by_row(fast) == by_row(slow) and fast.lines == slow.lines
    return slow


CELLS = [
    "2#3", "1_000", "0x10", "nan", "NaN", "-inf", "inf", "Infinity", "1e999", "1e", "e5",
    "1.2.3", "--1", "+-1", "1 2", ".", "+", "", " ", "1,5", "½", "١", "2 ", " -2.5e-3 ",
    "+.5", "5.", "1E+2", "0", "-0",
]  # fmt: skip


@pytest.mark.parametrize("cell", CELLS)
def test_a_cell_reads_the_same_on_both_paths(cell: str) -> None:
    slow = assert_same(f"1,2\n{cell},3\n")
    fast, _ = both_paths(f"1,2\n{cell},3\n")
    if slow.bad:  # refused row by row: the fast path did not read it either
        assert fast is None and 3 in slow.bad


def test_a_comment_sign_in_a_cell_is_not_a_number_on_the_fast_path(tmp_path: Path) -> None:
    """NumPy's loadtxt reads ``2#3`` as 2 (``#`` starts a comment): refused like elsewhere."""
    path = tmp_path / "p.csv"
    path.write_text("x1\n2#3\n")
    assert read_points(str(path)).bad == {2: "the value of x1 is not a number: '2#3'"}
    code, out, err = run("eval", "2*x1", "--points", str(path), "-F", "csv")
    assert code == 2 and out == "x1,value\n"
    assert err == f"autodiff: error: line 2 of {path}: the value of x1 is not a number: '2#3'\n"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text("0123456789.eE+- #_xnaif\t", max_size=6), min_size=2, max_size=2))
def test_any_cells_read_the_same_on_both_paths(cells: list[str]) -> None:
    assert_same("1,2\n" + ",".join(cells) + "\n")
    assert_same("1\t2\n" + "\t".join(cells) + "\n", header="x1\tx2")


def test_plain_numbers_take_the_fast_path() -> None:
    fast, slow = both_paths("1,2\n -2.5e-3 ,+.5\n5.,1E+2\n")
    assert fast is not None and by_row(fast) == [[1.0, 2.0], [-0.0025, 0.5], [5.0, 100.0]]
    assert by_row(slow) == by_row(fast)


def test_a_cell_over_128_kb_is_bad_input_naming_where(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("x1,x2\n1,2\n3," + "1" * (MAX_CELL + 1) + "\n")
    code, _, err = run("eval", "x1*x2", "--points", str(path), "-F", "csv")
    assert code == 2
    assert err == (
        f"autodiff: error: line 3 of {path}, column x2: a value longer than 131,072 "
        "characters is not a number\n"
    )


def test_a_byte_order_mark_is_ignored_in_files_and_stdin(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("\ufeffx1,x2\n2,5\n", encoding="utf-8")
    code, out, err = run("eval", "x1*x2", "--points", str(path), "-F", "csv")
    assert (code, out, err) == (0, "x1,x2,value\n2.0,5.0,10.0\n", "")
    code, out, err = run("eval", "x1*x2", "--points", "-", "-F", "csv", stdin="\ufeffx1,x2\n2,5\n")
    assert (code, out, err) == (0, "x1,x2,value\n2.0,5.0,10.0\n", "")


@pytest.mark.filterwarnings("error")  # NumPy's UserWarning about empty input fails the test
def test_a_header_only_file_gives_no_rows_and_no_numpy_warning(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    for text in ("x1,x2\n", "x1,x2"):
        path.write_text(text)
        code, out, err = run("grad", "x1*x2", "--points", str(path), "-F", "csv")
        assert (code, out, err) == (0, "x1,x2,value,d/dx1,d/dx2\n", "")
