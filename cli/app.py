"""The ``autodiff`` command: options in, one core call, a renderer out.

Data goes to stdout, diagnostics to stderr. Rendering modules are imported only when used,
so a JSON answer never pays for Rich.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from enum import Enum
from importlib import import_module
from typing import Annotated, Any, NoReturn

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


class JacobianMode(str, Enum):
    auto = "auto"
    forward = "forward"
    reverse = "reverse"


Expressions = Annotated[
    list[str],
    typer.Argument(
        help="One or more expressions: the outputs y1…ym of one function.", show_default=False
    ),
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
Wrt = Annotated[
    list[str] | None,
    typer.Option(
        "--wrt",
        help="Differentiate with respect to these inputs only (x1,x3); the others are held "
        "constant but still need values.",
        metavar="NAME,…",
        show_default=False,
    ),
]
ShowTrace = Annotated[
    bool, typer.Option("--show-trace", help="Print the primal and second-order traces too.")
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


def _serve(
    sources: list[str],
    fmt: Format,
    options: RenderOptions,
    debug: bool,
    quiet: bool,
    compute: Callable[[], Any],
    renderer: str,
    *extra: object,
) -> None:
    """Compute, then render with ``render.json.<name>_json`` or ``render.table.print_<name>``.

    The renderer modules are imported only here, so JSON never loads Rich.
    """

    def action() -> object:
        result = compute()
        if fmt is Format.json:
            to_json = getattr(import_module(".render.json", __package__), f"{renderer}_json")
            sys.stdout.write(to_json(result, options) + "\n")
        else:
            to_table = getattr(import_module(".render.table", __package__), f"print_{renderer}")
            to_table(_console(options), result, options, *extra)
        return getattr(getattr(result, "evaluation", result), "warnings", ())

    _run(sources, options, debug, quiet, action)


def _parse(expressions: list[str]):  # type: ignore[no-untyped-def]
    from autodiff.core.errors import UsageError
    from autodiff.grammar.build import parse

    # Unknown options reach us as expressions (so that "-x^2" can be one): say what they are.
    for text in expressions:
        if re.match(r"--[A-Za-z]", text):
            option = text.split("=")[0]
            raise UsageError(
                f"no such option: {option} (see --help; write - -x for a double minus)"
            )
    return parse(expressions)


def _point(at: list[str] | None) -> dict[str, float]:
    from .point import parse_point

    return parse_point(at or [])


def _wrt(wrt: list[str] | None) -> list[str] | None:
    if not wrt:
        return None
    from .point import split_top_level

    return [name.strip() for spec in wrt for name in split_top_level(spec) if name.strip()]


def _vector(specs: list[str], option: str, names: tuple[str, ...]) -> list[float]:
    from .point import align, parse_vector

    return align(parse_vector(specs, option), names, option)


def _names(graph: Any, wrt: list[str] | None) -> tuple[str, ...]:
    from autodiff.core.derivatives import resolve_wrt

    return tuple(graph.input_names[j] for j in resolve_wrt(graph, wrt))


@app.command(**_EXPRESSION_COMMAND)
def grad(
    expressions: Expressions,
    at: At = None,
    mode: Annotated[
        ModeChoice,
        typer.Option(
            "--mode", "-m", help="reverse: one adjoint sweep; forward: one tangent sweep per input."
        ),
    ] = ModeChoice.reverse,
    wrt: Wrt = None,
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
    from autodiff.core.derivatives import gradient

    options = _options(digits, ascii_only, trace)

    def compute() -> object:
        graph = _parse(expressions)
        return gradient(graph, _point(at), mode.value, _wrt(wrt), record=trace)

    _serve(expressions, format, options, debug, quiet, compute, "grad")


@app.command(**_EXPRESSION_COMMAND)
def jacobian(
    expressions: Expressions,
    at: At = None,
    mode: Annotated[
        JacobianMode,
        typer.Option(
            "--mode",
            "-m",
            help="forward: one tangent sweep per input (columns); reverse: one adjoint sweep per "
            "output (rows); auto: whichever costs fewer multiply-adds on this Wengert list.",
        ),
    ] = JacobianMode.auto,
    wrt: Wrt = None,
    format: FormatOption = Format.table,
    digits: Digits = 6,
    ascii_only: Ascii = False,
    trace: Trace = True,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """The Jacobian of several expressions (the outputs y1…ym of one function).

    Example:  autodiff jacobian "x1*x2" "sin(x1)+x2" "exp(x1*x2)" --at x1=1,x2=2
    """
    from autodiff.core.derivatives import jacobian as jacobian_of

    options = _options(digits, ascii_only, trace)

    def compute() -> object:
        graph = _parse(expressions)
        return jacobian_of(graph, _point(at), mode.value, _wrt(wrt), record=trace)

    advise = mode is JacobianMode.auto
    _serve(expressions, format, options, debug, quiet, compute, "jacobian", advise)


@app.command(**_EXPRESSION_COMMAND)
def jvp(
    expressions: Expressions,
    direction: Annotated[
        list[str],
        typer.Option(
            "--dir",
            help="The input direction u: numbers in input order (1,0) or by name (x1=1; "
            "inputs not named get 0).",
            show_default=False,
        ),
    ],
    at: At = None,
    wrt: Wrt = None,
    format: FormatOption = Format.table,
    digits: Digits = 6,
    ascii_only: Ascii = False,
    trace: Trace = True,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """J·u, the directional derivative of every output, in one forward sweep.

    Example:  autodiff jvp "x1*x2" "sin(x1)" --at x1=1,x2=2 --dir x1=1,x2=0
    """
    from autodiff.core.derivatives import jvp as jvp_of

    options = _options(digits, ascii_only, trace)

    def compute() -> object:
        graph = _parse(expressions)
        names = _names(graph, _wrt(wrt))
        u = _vector(direction, "--dir", names)
        return jvp_of(graph, _point(at), u, list(names))

    _serve(expressions, format, options, debug, quiet, compute, "jvp")


@app.command(**_EXPRESSION_COMMAND)
def vjp(
    expressions: Expressions,
    cotangent: Annotated[
        list[str],
        typer.Option(
            "--cotangent",
            "-w",
            help="The output weights w, one number per expression (1,0,…).",
            show_default=False,
        ),
    ],
    at: At = None,
    wrt: Wrt = None,
    format: FormatOption = Format.table,
    digits: Digits = 6,
    ascii_only: Ascii = False,
    trace: Trace = True,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """wᵀJ, the gradient of a weighted sum of the outputs, in one reverse sweep.

    Example:  autodiff vjp "x1*x2" "sin(x1)" --at x1=1,x2=2 --cotangent 1,0
    """
    from autodiff.core.derivatives import vjp as vjp_of

    options = _options(digits, ascii_only, trace)

    def compute() -> object:
        graph = _parse(expressions)
        outputs = tuple(f"y{k + 1}" for k in range(len(graph.outputs)))
        w = _vector(cotangent, "--cotangent", outputs)
        return vjp_of(graph, _point(at), w, _wrt(wrt))

    _serve(expressions, format, options, debug, quiet, compute, "vjp")


@app.command(**_EXPRESSION_COMMAND)
def hessian(
    expressions: Expressions,
    at: At = None,
    wrt: Wrt = None,
    format: FormatOption = Format.table,
    digits: Digits = 6,
    ascii_only: Ascii = False,
    show_trace: ShowTrace = False,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """The exact Hessian by forward-over-reverse (one tangent-of-adjoint sweep per input).

    Example:  autodiff hessian "(1-x)^2 + 100*(y-x^2)^2" --at x=-1.2,y=1
    """
    from autodiff.core.derivatives import hessian as hessian_of

    options = _options(digits, ascii_only, show_trace)

    def compute() -> object:
        return hessian_of(_parse(expressions), _point(at), _wrt(wrt))

    _serve(expressions, format, options, debug, quiet, compute, "hessian")


@app.command(**_EXPRESSION_COMMAND)
def hvp(
    expressions: Expressions,
    direction: Annotated[
        list[str],
        typer.Option(
            "--dir",
            help="The direction u: numbers in input order (1,0) or by name (x=1).",
            show_default=False,
        ),
    ],
    at: At = None,
    wrt: Wrt = None,
    format: FormatOption = Format.table,
    digits: Digits = 6,
    ascii_only: Ascii = False,
    show_trace: ShowTrace = False,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """H·u in one forward-over-reverse sweep, without forming the Hessian.

    Example:  autodiff hvp "(1-x)^2 + 100*(y-x^2)^2" --at x=-1.2,y=1 --dir 1,0
    """
    from autodiff.core.derivatives import hvp as hvp_of

    options = _options(digits, ascii_only, show_trace)

    def compute() -> object:
        graph = _parse(expressions)
        names = _names(graph, _wrt(wrt))
        u = _vector(direction, "--dir", names)
        return hvp_of(graph, _point(at), u, list(names))

    _serve(expressions, format, options, debug, quiet, compute, "hvp")


@app.command("eval", **_EXPRESSION_COMMAND)
def eval_(
    expressions: Expressions,
    at: At = None,
    format: FormatOption = Format.table,
    digits: Digits = 6,
    ascii_only: Ascii = False,
    trace: Trace = True,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """The value of each expression, with the forward primal trace.

    Example:  autodiff eval "sqrt(x^2 + y^2)" --at x=3,y=4
    """
    from autodiff.core.derivatives import evaluate

    options = _options(digits, ascii_only, trace)

    def compute() -> object:
        return evaluate(_parse(expressions), _point(at))

    _serve(expressions, format, options, debug, quiet, compute, "eval")


@app.command(**_EXPRESSION_COMMAND)
def wengert(
    expressions: Expressions,
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
    from autodiff.core.derivatives import evaluate

    options = _options(digits, ascii_only, True)

    def compute() -> object:
        graph = _parse(expressions)
        return evaluate(graph, _point(at)) if at else graph

    _serve(expressions, format, options, debug, quiet, compute, "wengert")


def main() -> None:
    app(prog_name="autodiff")
