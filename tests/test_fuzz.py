"""Fuzz tests: random command lines through the CLI, random valid expressions through the core.

Never a traceback, never an internal error, never a hang: exit 0, 1 or 2 with one message (the
contract is ``check_outcome`` in fuzz_strategies.py). ``AUTODIFF_FUZZ_EXAMPLES`` sets the number
of examples of the two fuzz tests together (default 4,500); ``bench/fuzz.py`` runs 10⁵ by hand.
"""

from __future__ import annotations

import os

import pytest
from fuzz_strategies import (
    CommandLine,
    check_command_line,
    check_core,
    check_error,
    check_outcome,
    command_lines,
    directions,
    run,
    wide_points,
)
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from strategies import expressions, points

EXAMPLES = int(os.environ.get("AUTODIFF_FUZZ_EXAMPLES", "4500"))
QUICK = [HealthCheck.too_slow, HealthCheck.filter_too_much]


def _line(command: str, text: str, *options: str) -> CommandLine:
    return CommandLine(command, (text,), options)


@settings(max_examples=EXAMPLES * 2 // 3, deadline=None, suppress_health_check=QUICK)
@given(line=command_lines())
@example(_line("grad", "1e99999*x", "--at", "x=1"))
@example(_line("eval", "9**9**9**9"))
@example(_line("hessian", "sqrt(x)", "--at", "x=0"))
@example(_line("grad", "x +", "--at", "x=1"))
@example(_line("grad", "abs(x)", "--at", "x=0"))
@example(_line("jacobian", "x", "--at", "x=1", "--format", "json"))
def test_cli_keeps_its_contract(line: CommandLine) -> None:
    check_command_line(line)


@settings(max_examples=EXAMPLES // 3, deadline=None, suppress_health_check=QUICK)
@given(
    text=expressions,
    point=st.one_of(points, wide_points),
    direction=directions,
)
def test_core_gives_finite_numbers_or_a_math_error(
    text: str, point: dict[str, float], direction: list[float]
) -> None:
    check_core(text, point, direction)


# Bugs the fuzzing found (and that are fixed), each with a minimal command line.


@pytest.mark.parametrize(
    ("command", "text", "options"),
    [
        pytest.param("grad", "-m*g*h", ["--at", "m=1,g=9.8,h=2"], id="read-as-option-m"),
        pytest.param("eval", "-h+x", ["--at", "h=1,x=2"], id="prints-help"),
        pytest.param("eval", "-q+x", ["--at", "q=1,x=2"], id="q-eaten-as-quiet"),
    ],
)
def test_leading_minus_is_an_expression(command: str, text: str, options: list[str]) -> None:
    outcome = run([command, text, *options])
    assert outcome.code == 0, outcome.stderr
    assert outcome == run([command, *options, "--", text])


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(_line("eval", "--a\nb", "--at", "a=1"), id="no-such-option-two-lines"),
        pytest.param(_line("grad", "x", "--at", "x=1", "--wrt", "y\nz"), id="wrt-two-lines"),
        pytest.param(_line("hessian", "0", "--format", "csv", "--trace"), id="empty-csv"),
        pytest.param(_line("grad", "abs(x\r\n)", "--at", "x=0"), id="raw-carriage-return"),
    ],
)
def test_messages_found_by_fuzzing(line: CommandLine) -> None:
    check_outcome(line, run(line.argv))


@pytest.mark.parametrize(
    "text", ["x+" * 60 + "$", "x+é+$", "x+中文+$", "x+\t+\x1b$", "é" * 80 + "+$" + "x" * 80]
)
@pytest.mark.parametrize("ascii_only", [False, True], ids=["unicode", "ascii"])
def test_caret_is_under_the_column(text: str, ascii_only: bool) -> None:
    # --ascii turns the window's … into ... and other characters into ?; wide characters take
    # two columns; control characters are shown as their pictures.
    options = ("--ascii",) if ascii_only else ()
    line = CommandLine("eval", (text,), options)
    check_outcome(line, run(line.argv))


def test_a_caret_line_that_looks_like_another_is_not_a_failure() -> None:
    # bench/fuzz.py once stopped here: with --ascii a lone CR and an é both show as "?", and the
    # checker took the CR's line for the one the caret marks.
    sources = ["x", "-(x1)", "\r\né"]
    stderr = "autodiff: error at expression 3, column 1: unexpected character '\\xe9'\n  ?\n  ^\n"
    check_error(stderr, 2, sources, True)
