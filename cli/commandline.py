"""The command line before and around Typer: expressions that start with ``-``, one-line errors.

An expression may begin with a minus sign (``-x^2``, ``-m*g*h``, ``-h+x``). Click would read
``-m*g*h`` as the option ``-m`` with the value ``*g*h`` and ``-h+x`` as ``-h`` (help), giving
a wrong answer or none. So, before Click parses a command's arguments, every argument is sorted:
an option is an argument that is *exactly* one of the command's option names (``-F``,
``--format``, ``--format=json``; a long ``--name`` that is unknown stays an option, so that Click
reports the typo), followed by its value when it takes one; everything else is an expression.
The options go first and the expressions after ``--``, in their order. Attached short values
(``-Fjson``) and bundled flags (``-qh``) are therefore expressions: write ``-F json``.

Click's own usage errors (a missing option value, an invalid choice) print a usage block; here
they become the same one-line ``autodiff: error: …`` as every other bad input, exit status 2.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from .errors import EXIT_INPUT, PROG, printable

HELP_OPTIONS = ("-h", "--help")


def _click_exception() -> type[Exception]:
    """Click's base exception: vendored by recent Typer, the ``click`` package in older ones."""
    return next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


ClickException = _click_exception()


def _option_names(command: Any) -> tuple[set[str], set[str]]:
    """The command's flag names and the names of its options that take a value."""
    flags, valued = set(HELP_OPTIONS), set()
    for param in command.params:
        if param.param_type_name != "option":
            continue
        names = [*param.opts, *param.secondary_opts]
        (flags if param.is_flag or param.count else valued).update(names)
    return flags, valued


def expressions_last(command: Any, args: Sequence[str]) -> list[str]:
    """The arguments of one command with its options first and its expressions after ``--``."""
    flags, valued = _option_names(command)
    options: list[str] = []
    expressions: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            expressions += args[i + 1 :]
            break
        if arg in valued:
            if i + 1 == len(args):
                return list(args)  # the value is missing: Click says so
            options += args[i : i + 2]
            i += 2
            continue
        long_option = arg.startswith("--") and arg[2:3].isalpha()
        if arg in flags or long_option:
            options.append(arg)
        else:
            expressions.append(arg)
        i += 1
    return options + (["--", *expressions] if expressions else [])


def usage_error_line(error: Any) -> str:
    """Click's usage error as one line, with where to look for help."""
    message = printable(error.format_message()).rstrip(".")
    message = message[:1].lower() + message[1:]
    context = getattr(error, "ctx", None)
    path = context.command_path if context is not None else PROG
    return f"{PROG}: error: {message} (see {path} --help)"


class AutodiffGroup(TyperGroup):
    """The ``autodiff`` group: sorts each command's arguments, prints usage errors on one line."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        args = list(sys.argv[1:] if args is None else args)
        command = self.commands.get(args[0]) if args else None
        if command is not None:
            args = [args[0], *expressions_last(command, args[1:])]
        try:
            code = super().main(
                args=args,
                prog_name=prog_name,
                complete_var=complete_var,
                standalone_mode=False,
                **extra,
            )
        except ClickException as error:
            if not standalone_mode:
                raise
            if type(error).__name__ == "NoArgsIsHelpError":  # `autodiff` alone: the help
                error.show()  # type: ignore[attr-defined]
            else:
                typer.echo(usage_error_line(error), err=True)
            sys.exit(getattr(error, "exit_code", EXIT_INPUT))
        except typer.Abort:
            if not standalone_mode:
                raise
            typer.echo(f"{PROG}: aborted", err=True)
            sys.exit(1)
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)
