"""The command line's surface (issue 13): closed pipes and stdin, encodings of expression files,
options spelt as Click users expect, one list of formats per command, narrow terminals."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autodiff.cli.app import app

runner = CliRunner()
AUTODIFF = shutil.which("autodiff") or "autodiff"
ENV = {**os.environ, "XDG_CACHE_HOME": os.environ.get("XDG_CACHE_HOME", "/tmp/autodiff-tests")}


def _run_into_closed_pipe(*args: str) -> subprocess.CompletedProcess[bytes]:
    """Run autodiff with stdout a pipe whose read end is already closed (``| head -0``)."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run(
            [AUTODIFF, *args], stdout=write, stderr=subprocess.PIPE, env=ENV, check=False
        )
    finally:
        os.close(write)


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv", "tsv", "markdown", "latex"])
def test_a_closed_pipe_ends_quietly_with_status_0(fmt: str) -> None:
    done = _run_into_closed_pipe("eval", "x", "--at", "x=1", "-F", fmt)
    assert (done.returncode, done.stderr) == (0, b"")


@pytest.mark.parametrize("command", [["diff", "x^2"], ["check", "x^2", "--at", "x=1"]])
def test_a_closed_pipe_ends_quietly_for_the_tools_too(command: list[str]) -> None:
    done = _run_into_closed_pipe(*command)
    assert (done.returncode, done.stderr) == (0, b"")


def test_a_closed_stdin_is_bad_input_on_one_line() -> None:
    done = subprocess.run(
        ["sh", "-c", '"$0" eval - --at x=1 <&-', AUTODIFF],
        capture_output=True,
        env=ENV,
        check=False,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr == (
        "autodiff: error: standard input is closed: pass EXPR or -f FILE instead of -\n"
    )


BOM = b"\xef\xbb\xbf"


def test_a_byte_order_mark_starting_an_expression_file_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "exprs.txt"
    path.write_bytes(BOM + b"x^2\n")
    from_file = runner.invoke(app, ["eval", "-f", str(path), "--at", "x=3", "-F", "csv"])
    from_stdin = subprocess.run(
        [AUTODIFF, "eval", "-", "--at", "x=3", "-F", "csv"],
        input=BOM + b"x^2\n",
        capture_output=True,
        env=ENV,
        check=False,
    )
    assert (from_file.exit_code, from_file.stdout) == (0, "x,value\n3.0,9.0\n")
    assert (from_stdin.returncode, from_stdin.stdout) == (0, b"x,value\n3.0,9.0\n")


def test_invalid_utf8_says_the_same_from_stdin_as_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(b"x + 1\nx\xff\n")
    from_file = runner.invoke(app, ["eval", "-f", str(path), "--at", "x=3"])
    from_stdin = subprocess.run(
        [AUTODIFF, "eval", "-", "--at", "x=3"],
        input=path.read_bytes(),
        capture_output=True,
        env=ENV,
        check=False,
    )
    why = "is not UTF-8 text (byte 0xff on line 2)"
    assert (from_file.exit_code, from_file.stderr) == (
        2,
        f"autodiff: error: the expression file {path} {why}\n",
    )
    assert (from_stdin.returncode, from_stdin.stderr) == (
        2,
        f"autodiff: error: standard input {why}\n".encode(),
    )
