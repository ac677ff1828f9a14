"""The ``autodiff`` command ends its process at once after flushing (#15): what it wrote, to a
pipe or to ``-o FILE``, is all there, and the exit statuses are those of ``main``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

AUTODIFF = shutil.which("autodiff") or "autodiff"
ENV = {**os.environ, "XDG_CACHE_HOME": os.environ.get("XDG_CACHE_HOME", "/tmp/autodiff-tests")}
ENV.pop("PYTHONUNBUFFERED", None)  # buffered, as a user's shell runs it: the buffer must be flushed
# Enough terms that the JSON trace is far larger than a pipe's or a stream's buffer.
BIG = "+".join(f"sin(x*{k})" for k in range(1, 400))
COMMANDS = [[AUTODIFF], [sys.executable, "-m", "autodiff"]]


def _run(command: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, env=ENV, check=False, encoding="utf-8"
    )


@pytest.mark.parametrize("command", COMMANDS, ids=["script", "module"])
def test_large_output_to_a_pipe_is_complete(command: list[str]) -> None:
    done = _run(command, "grad", BIG, "--at", "x=0.5", "-F", "json", "--trace")
    assert (done.returncode, done.stderr) == (0, "")
    assert len(done.stdout) > 1 << 17
    document = json.loads(done.stdout)
    assert len(document["trace"]) > 1000


@pytest.mark.parametrize("fmt", ["markdown", "latex", "csv", "table"])
def test_small_output_left_in_the_buffer_is_flushed(fmt: str) -> None:
    done = _run([AUTODIFF], "grad", "x*y", "--at", "x=2,y=3", "-F", fmt)
    assert (done.returncode, done.stderr) == (0, "")
    assert "6" in done.stdout and done.stdout.endswith("\n")


def test_large_output_to_a_file_is_complete(tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    done = _run([AUTODIFF], "grad", BIG, "--at", "x=0.5", "-F", "json", "--trace", "-o", str(path))
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert len(json.loads(path.read_text(encoding="utf-8"))["trace"]) > 1000


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["grad", "log(x)", "--at", "x=-1"], 1, "autodiff: error:"),
        (["grad", "x*", "--at", "x=1"], 2, "the expression ends too early"),
        (["grad", "x", "--no-such-option"], 2, "no such option: --no-such-option"),
    ],
)
def test_exit_statuses_and_messages_are_kept(args: list[str], status: int, message: str) -> None:
    done = _run([AUTODIFF], *args)
    assert done.returncode == status and message in done.stderr and "Traceback" not in done.stderr
