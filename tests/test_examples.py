"""The lectures' examples (examples/README.md) are real: each `$ autodiff …` line prints exactly
the output shown under it. ``AUTODIFF_REGOLD=1`` rewrites the outputs instead of comparing."""

from __future__ import annotations

import os
import re
import shlex
from functools import cache
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autodiff.cli.app import app

EXAMPLES = Path(__file__).parent.parent / "examples" / "README.md"
BLOCK = re.compile(r"```console\n(.*?)```", re.S)


def commands(block: str) -> list[tuple[str, str]]:
    """(command, expected output) for each `$ ` line of a console block."""
    found = []
    for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
        command, _, output = chunk.partition("\n")
        found.append((command, output))
    return found


def run(command: str) -> tuple[int, str]:
    """Exit status and stdout + stderr, trailing spaces removed (Rich pads table cells)."""
    args = shlex.split(command)
    assert args[0] == "autodiff", command
    result = CliRunner().invoke(app, args[1:])
    text = result.stdout + result.stderr
    return result.exit_code, "".join(line.rstrip() + "\n" for line in text.splitlines())


def examples() -> list[tuple[str, str]]:
    text = EXAMPLES.read_text(encoding="utf-8")
    return [pair for block in BLOCK.findall(text) for pair in commands(block)]


@cache
def regold() -> None:
    """Rewrite every output on the page (once per run)."""

    def fill(match: re.Match[str]) -> str:
        lines = [f"$ {command}\n{run(command)[1]}" for command, _ in commands(match.group(1))]
        return "```console\n" + "".join(lines) + "```"

    text = EXAMPLES.read_text(encoding="utf-8")
    EXAMPLES.write_text(BLOCK.sub(fill, text), encoding="utf-8")


@pytest.mark.parametrize(("command", "expected"), examples())
def test_example(command: str, expected: str) -> None:
    if os.environ.get("AUTODIFF_REGOLD"):
        regold()
        return
    code, actual = run(command)
    assert code == 0, actual
    assert actual == expected


def test_every_lecture_example_is_on_the_page() -> None:
    shown = " ".join(command for command, _ in examples())
    for needle in [
        'grad "log(x1)+x1*x2-sin(x2)" --at x1=2,x2=5',  # Baydin et al., Tables 2-3
        'check "x^2" --at x=2',  # the finite-difference example
        'diff "sigmoid(x1*x2) + x1*x2"',
        "x1^2 + x2^2",  # the paraboloid
        'jacobian "tanh(1*x1+2*x2+0.5)" "tanh(3*x1+4*x2-1)" --at x1=0.1,x2=-0.2',
        "x1*x2*x3*x4*x5*x6*x7*x8",  # n >> m
        '"sin(x)" "cos(x)" "exp(x)"',  # m >> n
        'hessian "x1^2 + x2^2" --at x1=0,x2=0 --eig',  # the second-order test: a minimum
        'hessian "x1^2 - x2^2" --at x1=0,x2=0 --eig',  # and a saddle
        "--dir 1,1 --h 1e-6",  # a directional derivative checked at one step
    ]:
        assert needle in shown, needle
    text = EXAMPLES.read_text(encoding="utf-8")
    assert "4.000355602329364" in text  # the lecture's forward difference at h = 1e-12
    assert "σ′ = σ(1 − σ)" in text  # the lecture's form, which `diff` writes as σ(u)·σ(−u)
    assert "sigmoid(x1*x2)*sigmoid(-x1*x2)*x2 + x2" in text
