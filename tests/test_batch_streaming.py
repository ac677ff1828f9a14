"""Batches at scale: rows written chunk by chunk, tables cut to --max-rows, a moving progress."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from conftest import PAPER_EXPRESSION
from typer.testing import CliRunner

from autodiff.cli.app import app
from autodiff.cli.runner import Job, parse_expressions, run_batch

pytest.importorskip("numpy")
runner = CliRunner()

# Rows 4 (log of a negative number), 7 (not a number) and 8 (three values) fail.
MIXED = "x1,x2\n2,5\n1,1\n-1,2\n0.5,0.25\n3,1\n3,abc\n1,2,3\n4,4\n5,0.5\n"


class Recorder:
    """What run_batch tells a progress bar, in order."""

    def __init__(self) -> None:
        self.events: list[tuple[str, int | None]] = []

    def stage(self, name: str, total: int | None) -> None:
        self.events.append((f"start {name}", total))

    def advance(self, name: str, n: int) -> None:
        self.events.append((name, n))

    def close(self) -> None:
        self.events.append(("closed", None))


def batch(
    path: Path, fmt: str, on_error: str, chunk_size: int, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str, list[tuple[str, int | None]]]:
    """``grad --points`` through run_batch with ``chunk_size`` points per sweep."""
    job = Job("grad", [PAPER_EXPRESSION], points=str(path), fmt=fmt, on_error=on_error)
    graph = parse_expressions(job)
    recorder = Recorder()
    code = 0
    try:
        run_batch(job, graph, {}, {"mode": "reverse", "wrt": None}, chunk_size=chunk_size,
                  progress=recorder)  # fmt: skip
    except typer.Exit as done:
        code = done.exit_code
    out, err = capsys.readouterr()
    return code, out, err, recorder.events


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl", "json", "table", "markdown"])
@pytest.mark.parametrize("on_error", ["stop", "skip"])
def test_small_chunks_write_what_one_chunk_writes(
    tmp_path: Path, fmt: str, on_error: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Rows, failures and exit status do not depend on where the chunks are cut."""
    path = tmp_path / "p.csv"
    path.write_text(MIXED)
    whole = batch(path, fmt, on_error, 100_000, capsys)[:3]
    for size in (1, 2, 3):
        assert batch(path, fmt, on_error, size, capsys)[:3] == whole
    code, out, _ = whole
    assert code == (1 if on_error == "stop" else 0)
    if fmt == "csv":
        kept = ["2.0", "1.0"] if on_error == "stop" else ["2.0", "1.0", "0.5", "3.0", "4.0", "5.0"]
        assert [row.split(",")[0] for row in out.splitlines()[1:]] == kept


def test_each_chunk_is_written_before_the_next_is_swept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "p.csv"
    path.write_text("x1,x2\n" + "".join(f"{k + 1},2\n" for k in range(5)))
    code, out, _, events = batch(path, "jsonl", "stop", 2, capsys)
    assert code == 0 and len(out.splitlines()) == 5
    assert events == [
        ("start reading points", path.stat().st_size),
        ("reading points", path.stat().st_size),
        ("start sweeping", 5),
        ("sweeping", 2),
        ("start writing", 5),
        ("writing", 2),
        ("sweeping", 2),
        ("writing", 2),
        ("sweeping", 1),
        ("writing", 1),
        ("closed", None),
    ]


def test_a_table_of_points_shows_max_rows_and_says_what_was_cut(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("x1,x2\n" + "".join(f"{k + 1},2\n" for k in range(40)))
    result = runner.invoke(app, ["eval", "x1*x2", "--points", str(path), "--max-rows", "5"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "eval at 40 points"
    assert [line.split()[0] for line in lines[3:8]] == ["2", "3", "4", "5", "6"]
    assert lines[8:] == ["… 35 more rows not shown (--max-rows 40 shows all)"]
    markdown = runner.invoke(
        app, ["eval", "x1*x2", "--points", str(path), "--max-rows", "5", "-F", "markdown"]
    )
    assert markdown.stdout.count("\n| ") == 7  # the header, its rule and five rows
    assert "35 more rows not shown" in markdown.stdout
