"""The ``autodiff`` command: options in, one core call, a renderer out.

Data goes to stdout, diagnostics to stderr. Rendering modules are imported only when used,
so a JSON answer never pays for Rich.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from enum import Enum
from typing import Annotated, NoReturn

import typer

from autodiff import __version__
from autodiff.core.errors import AutodiffError

from .errors import EXIT_INTERNAL, exit_code, format_error, format_warning
from .render.options import RenderOptions

HEADLINE = 'autodiff grad "log(x1)+x1*x2-sin(x2)" --at x1=2,x2=5'

app = typer.Typer(
    name="autodiff",
    help=(
        "Algorithmic differentiation on the command line: the Wengert list of an expression, "
        "its primal, tangent and adjoint traces, and its gradient.\n\n"
        f"Example:  {HEADLINE}"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# An expression may start with "-" ("-x^2"); it must not be taken for an unknown option.
_EXPRESSION_COMMAND = {"context_settings": {"ignore_unknown_options": True}}


class Format(str, Enum):
    table = "table"
    json = "json"


class ModeChoice(str, Enum):
    reverse = "reverse"
    forward = "forward"


Expression = Annotated[
    str, typer.Argument(help="The expression, e.g. 'log(x1)+x1*x2-sin(x2)'.", show_default=False)
]
At = Annotated[
    list[str] | None,
    typer.Option(
        "--at",
        help="The point: NAME=VALUE[,NAME=VALUE…]; repeatable. Values may be constant "
        "expressions such as pi/4.",
        metavar="NAME=VALUE,…",
        show_default=False,
    ),
]
FormatOption = Annotated[
    Format, typer.Option("--format", "-F", help="table for people, json for programs.")
]
Digits = Annotated[
    int,
    typer.Option(
        "--digits",
        min=1,
        max=17,
        help="Significant digits of the trace tables (the result is always printed in full).",
    ),
]
Ascii = Annotated[
    bool,
    typer.Option("--ascii", help="Plain ASCII: v-1, vdot1, vbar0 instead of v₋₁, v̇₁, v̄₀."),
]
Trace = Annotated[
    bool, typer.Option("--trace/--no-trace", help="Print the trace tables, or only the result.")
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Do not print warnings.")]
Debug = Annotated[
    bool, typer.Option("--debug", help="Show the Python traceback of an internal error.")
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"autodiff {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Algorithmic differentiation on the command line."""


def _stdout_is_unicode() -> bool:
    try:
        "v̄₋₁ v̇₀ × · − √ ∂ ━".encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _options(digits: int, ascii_only: bool, trace: bool) -> RenderOptions:
    return RenderOptions(digits=digits, ascii=ascii_only or not _stdout_is_unicode(), trace=trace)


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def _run(
    sources: list[str],
    options: RenderOptions,
    debug: bool,
    quiet: bool,
    action: Callable[[], object],
) -> None:
    """Run a command body: results to stdout; errors as one message and an exit status."""
    debug = debug or bool(os.environ.get("AUTODIFF_DEBUG"))
    try:
        warnings = action()
    except AutodiffError as error:
        _fail(format_error(error, sources, options.ascii), exit_code(error))
    except (typer.Exit, typer.Abort):
        raise
    except KeyboardInterrupt:
        _fail("autodiff: interrupted", 130)
    except BrokenPipeError:
        # The reader of our stdout went away (`| head`): not an error worth a message.
        sys.stderr.close()
        raise typer.Exit(0) from None
    except Exception as error:
        if debug:
            raise
        _fail(
            f"autodiff: internal error: {type(error).__name__}: {error} "
            "(this is a bug; --debug shows the traceback)",
            EXIT_INTERNAL,
        )
    if not quiet:
        for warning in warnings or ():
            typer.echo(format_warning(warning.message, options.ascii), err=True)


def _console(options: RenderOptions):  # type: ignore[no-untyped-def]
    from rich.console import Console

    # Piped output: no colour, and no wrapping of wide tables at 80 columns.
    width = None if sys.stdout.isatty() else 10_000
    return Console(highlight=False, width=width, emoji=False, safe_box=options.ascii)


def _emit(text: str) -> None:
    sys.stdout.write(text + "\n")


@app.command(**_EXPRESSION_COMMAND)
def grad(
    expression: Expression,
    at: At = None,
    mode: Annotated[
        ModeChoice,
        typer.Option(
            "--mode", "-m", help="reverse: one adjoint sweep; forward: one tangent sweep per input."
        ),
    ] = ModeChoice.reverse,
    format: FormatOption = Format.table,
    digits: Digits = 6,
    ascii_only: Ascii = False,
    trace: Trace = True,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """The gradient, with the primal trace and the adjoint (or tangent) trace.

    Example:  autodiff grad "log(x1)+x1*x2-sin(x2)" --at x1=2,x2=5
    """
    options = _options(digits, ascii_only, trace)

    def action() -> object:
        from autodiff.core.derivatives import gradient

        from .point import parse_point

        result = gradient(_parse(expression), parse_point(at or []), mode.value)
        if format is Format.json:
            from .render.json import grad_json

            _emit(grad_json(result, options))
        else:
            from .render.table import print_grad

            print_grad(_console(options), result, options)
        return result.evaluation.warnings

    _run([expression], options, debug, quiet, action)


@app.command("eval", **_EXPRESSION_COMMAND)
def eval_(
    expression: Expression,
    at: At = None,
    format: FormatOption = Format.table,
    digits: Digits = 6,
    ascii_only: Ascii = False,
    trace: Trace = True,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """The value, with the forward primal trace.

    Example:  autodiff eval "sqrt(x^2 + y^2)" --at x=3,y=4
    """
    options = _options(digits, ascii_only, trace)

    def action() -> object:
        from autodiff.core.derivatives import evaluate

        from .point import parse_point

        evaluation = evaluate(_parse(expression), parse_point(at or []))
        if format is Format.json:
            from .render.json import eval_json

            _emit(eval_json(evaluation, options))
        else:
            from .render.table import print_eval

            print_eval(_console(options), evaluation, options)
        return evaluation.warnings

    _run([expression], options, debug, quiet, action)


@app.command(**_EXPRESSION_COMMAND)
def wengert(
    expression: Expression,
    at: At = None,
    format: FormatOption = Format.table,
    digits: Digits = 6,
    ascii_only: Ascii = False,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """The Wengert list: one single-assignment step per operation (with values given --at).

    Example:  autodiff wengert "x*y + sin(x*y)"
    """
    options = _options(digits, ascii_only, True)

    def action() -> object:
        from autodiff.core.derivatives import evaluate

        from .point import parse_point

        graph = _parse(expression)
        evaluation = evaluate(graph, parse_point(at)) if at else None
        if format is Format.json:
            from .render.json import wengert_json

            _emit(wengert_json(graph, evaluation, options))
        else:
            from .render.table import print_wengert

            print_wengert(_console(options), graph, evaluation, options)
        return evaluation.warnings if evaluation else ()

    _run([expression], options, debug, quiet, action)


def _parse(expression: str):  # type: ignore[no-untyped-def]
    from autodiff.grammar.build import parse

    return parse(expression)


def main() -> None:
    app(prog_name="autodiff")
