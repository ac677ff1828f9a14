"""The group ``main()`` runs makes only the command it invokes, and is otherwise Typer's own:
the same commands, help, suggestions and shell completion as ``typer.main.get_command``."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import pytest
import typer.main
from conftest import PAPER_EXPRESSION
from typer.testing import CliRunner

from autodiff.cli.app import app
from autodiff.cli.commandline import LazyCommands, lazy_group

EAGER = typer.main.get_command(app)
NAMES = list(EAGER.commands)  # type: ignore[attr-defined]


def _lazy() -> tuple[Any, LazyCommands]:
    group = lazy_group(app)
    assert isinstance(group.commands, LazyCommands)
    return group, group.commands


def _run(group: Any, args: Sequence[str]) -> tuple[int, str, str]:
    with CliRunner().isolation() as (stdout, stderr, _):
        try:
            group.main(args=list(args), prog_name="autodiff")
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 0
        sys.stdout.flush()
        sys.stderr.flush()
        return code, stdout.getvalue().decode(), stderr.getvalue().decode()


def _described(command: Any) -> tuple[object, ...]:
    params = [(p.name, tuple(p.opts), tuple(p.secondary_opts), p.required) for p in command.params]
    return command.name, command.help, command.short_help, params


def test_the_lazy_group_has_typer_s_commands_in_typer_s_order() -> None:
    group, commands = _lazy()
    assert list(commands) == NAMES and len(NAMES) == 12 and commands.made() == []
    assert "grad" in commands and "nothing" not in commands and commands.made() == []
    for name in NAMES:
        assert _described(commands[name]) == _described(EAGER.commands[name])  # type: ignore[attr-defined]
    assert _described(group) == _described(EAGER)


def test_a_command_makes_only_itself() -> None:
    group, commands = _lazy()
    code, out, err = _run(group, ["grad", PAPER_EXPRESSION, "--at", "x1=2,x2=5", "-F", "json"])
    assert (code, err) == (0, "") and '"gradient"' in out
    assert commands.made() == ["grad"]


@pytest.mark.parametrize(
    "args", [["--help"], [], ["grd", "x"], ["--version"], ["eval", "--help"], ["eval", "-m*g"]]
)
def test_help_and_errors_are_the_eager_group_s(args: list[str]) -> None:
    assert _run(lazy_group(app), args) == _run(EAGER, args)


def test_help_lists_every_command() -> None:
    group, commands = _lazy()
    code, out, _ = _run(group, ["--help"])
    assert code == 0 and all(f"  {name} " in out for name in NAMES)
    assert commands.made() == NAMES


def test_shell_completion_lists_every_command() -> None:
    # the real entry point (``main``) in a real process, as the shell calls it
    env = {**os.environ, "_AUTODIFF_COMPLETE": "complete_bash", "COMP_CWORD": "1"}
    env["COMP_WORDS"] = "autodiff "
    done = subprocess.run(
        [sys.executable, "-m", "autodiff"], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == NAMES
    env.update(COMP_WORDS="autodiff grad --f", COMP_CWORD="2")
    done = subprocess.run(
        [sys.executable, "-m", "autodiff"], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["--file", "--format"]
