"""The command line before and around Typer: expressions that start with ``-``, one-line errors.

An expression may begin with a minus sign (``-x^2``, ``-m*g*h``, ``-h+x``). Click would read
``-m*g*h`` as the option ``-m`` with the value ``*g*h`` and ``-h+x`` as ``-h`` (help), giving
a wrong answer or none. So, before Click parses a command's arguments, every argument is sorted:
an option is an argument that is one of the command's option names (``-F``, ``--format``,
``--format=json``; an unknown long ``--name``, or a short option of another command, stays an
option, so that Click reports it, with a did-you-mean), followed by its value when it takes
one, or a short option with its value attached as Click reads it (``-Fjson``, ``-fnet.txt``:
see ``_glued``); everything else is an expression. The options go first and the expressions
after ``--``, in their order. Bundled flags (``-qh``) are expressions: write ``-q -h``.

Click's own usage errors (a missing option value, an invalid choice) print a usage block; here
they become the same one-line ``autodiff: error: …`` as every other bad input, exit status 2.

Typer makes the Click object of every command (its parameters, from the function's signature)
before it runs one: ~0.7 ms each. ``lazy_group`` makes the group as Typer does but each
command only when it is looked up: the invoked one alone, or all of them for ``--help`` and
shell completion, which list them.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from functools import partial
from typing import Any

import typer
import typer.main
from typer.core import TyperGroup

from .errors import EXIT_INPUT, PROG, printable

HELP_OPTIONS = ("-h", "--help")
# Every short option of every command (tests/test_cli_surface.py keeps it so). One a command
# lacks is reported as unknown there rather than read as an expression: `codegen x -F json`
# would otherwise generate code for the outputs x, -F and json. (The expression -F is -(F).)
SHORT_OPTIONS = frozenset({"-F", "-f", "-h", "-l", "-m", "-o", "-q", "-w"})


def _click_exception() -> type[Exception]:
    """Click's base exception: vendored by recent Typer, the ``click`` package in older ones."""
    return next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


ClickException = _click_exception()


def _option_names(command: Any) -> tuple[set[str], dict[str, Any]]:
    """The command's flag names, and its options that take a value by each of their names."""
    flags: set[str] = set(HELP_OPTIONS)
    valued: dict[str, Any] = {}
    for param in command.params:
        if param.param_type_name != "option":
            continue
        names = [*param.opts, *param.secondary_opts]
        if param.is_flag or param.count:
            flags.update(names)
        else:
            valued.update(dict.fromkeys(names, param))
    return flags, valued


def _is_expression(text: str) -> bool:
    from autodiff.core.errors import AutodiffError
    from autodiff.grammar.build import parse

    try:
        parse(text)
    except AutodiffError:
        return False
    return True


def _glued(arg: str, valued: dict[str, Any]) -> list[str] | None:
    """``-Fjson`` as ``-F json``, as Click reads it, when ``-F`` takes a value and the rest is
    one it accepts: one of its choices, or for any other value (``-fnet.txt``, ``-w1,0``), when
    the whole argument is not itself an expression (``-fx`` stays the expression ``-fx``)."""
    option, value = arg[:2], arg[2:]
    param = valued.get(option)
    if param is None or not value or arg.startswith("--"):
        return None
    choices = getattr(param.type, "choices", None)
    if choices is not None:
        return [option, value] if value in {str(c) for c in choices} else None
    return None if _is_expression(arg) else [option, value]


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
        # An unknown --word, or another command's short option: Click reports it.
        reported = (arg.startswith("--") and arg[2:3].isalpha()) or arg in SHORT_OPTIONS
        if arg in flags or reported:
            options.append(arg)
        elif (glued := _glued(arg, valued)) is not None:
            options += glued
        else:
            expressions.append(arg)
        i += 1
    return options + (["--", *expressions] if expressions else [])


def usage_error_line(error: Any) -> str:
    """Click's usage error as one line, with where to look for help."""
    context = getattr(error, "ctx", None)
    path = context.command_path if context is not None else PROG
    if type(error).__name__ == "NoSuchOption":
        name = printable(error.option_name)
        close = error.possibilities  # best first (difflib)
        if close:
            return f"{PROG}: error: no such option: {name} (did you mean {close[0]}?)"
        if not name.startswith("--"):  # another command's short option
            return f"{PROG}: error: no such option: {name} (see {path} --help)"
        hint = 'write "- -x" for a double minus'  # `--x` may have meant the expression -(-x)
        return f"{PROG}: error: no such option: {name} (see {path} --help; {hint})"
    message = printable(error.format_message()).rstrip(".")
    message = message[:1].lower() + message[1:]
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


class LazyCommands(MutableMapping[str, Any]):
    """A group's commands by name, in the order they were registered, each one made by its
    maker the first time it is looked up (``in``, iteration and ``len`` make none)."""

    def __init__(self, makers: dict[str, Callable[[], Any]]) -> None:
        self._items: dict[str, Any] = dict(makers)  # name → its command, or its maker
        self._pending = set(makers)

    def __getitem__(self, name: str) -> Any:
        item = self._items[name]
        if name in self._pending:
            item = self._items[name] = item()
            self._pending.discard(name)
        return item

    def __setitem__(self, name: str, command: Any) -> None:
        self._items[name] = command
        self._pending.discard(name)

    def __delitem__(self, name: str) -> None:
        del self._items[name]
        self._pending.discard(name)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def made(self) -> list[str]:
        """The names of the commands made so far."""
        return [name for name in self._items if name not in self._pending]


def lazy_group(app: typer.Typer) -> AutodiffGroup:
    """``app``'s group as ``typer.main.get_command`` makes it, with its commands made lazily
    (``LazyCommands``) by Typer's own ``get_command_from_info``."""
    bare = copy.copy(app)  # the group, its callback and options, without the commands
    bare.registered_commands = []
    group = typer.main.get_command(bare)
    assert isinstance(group, AutodiffGroup)
    makers: dict[str, Callable[[], Any]] = {}
    for info in app.registered_commands:
        assert info.callback is not None
        name = info.name or typer.main.get_command_name(info.callback.__name__)
        makers[name] = partial(
            typer.main.get_command_from_info,
            info,
            pretty_exceptions_short=app.pretty_exceptions_short,
            rich_markup_mode=app.rich_markup_mode,
        )
    group.commands = LazyCommands(makers)
    return group
