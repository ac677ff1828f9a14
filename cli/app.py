"""The ``autodiff`` command: options in, one core call, a renderer out.

Data goes to stdout, diagnostics to stderr. Rendering modules are imported only when used,
so a JSON answer never pays for Rich.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from autodiff import __version__
from autodiff.core.builder import DEFAULT_MAX_NODES

from .commandline import AutodiffGroup, lazy_group
from .errors import EXIT_INPUT
from .formats import TRACES, format_choices, format_help
from .render.options import RenderOptions
from .runner import Job, console, fail, guard, run, stdout_is_unicode, warn

HEADLINE = 'autodiff grad "log(x1)+x1*x2-sin(x2)" --at x1=2,x2=5'
DEFAULT_DIGITS = 6  # of the numbers in trace tables, unless --digits says otherwise

app = typer.Typer(
    name="autodiff",
    help=(
        "Algorithmic differentiation on the command line: the Wengert list of an expression, "
        "its primal, tangent and adjoint traces, and its gradient.\n\n"
        f"Example:  {HEADLINE}\n\n"
        "Exit status: 0 success, 1 a mathematical error (a domain error, a non-finite value "
        "or derivative), 2 bad usage or bad input, 3 an internal error."
    ),
    cls=AutodiffGroup,  # expressions may start with "-"; usage errors on one line
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


Format: Any = format_choices("Format", TRACES)


class OnError(str, Enum):
    stop = "stop"
    skip = "skip"


class ModeChoice(str, Enum):
    reverse = "reverse"
    forward = "forward"


class JacobianMode(str, Enum):
    auto = "auto"
    forward = "forward"
    reverse = "reverse"


Expressions = Annotated[
    list[str] | None,
    typer.Argument(
        help="One or more expressions: the outputs y1…ym of one function; - reads them from "
        "standard input, one per line.",
        show_default=False,
    ),
]
Files = Annotated[
    list[str] | None,
    typer.Option(
        "--file",
        "-f",
        help="Read expressions from FILE, one per line (# starts a comment); repeatable.",
        metavar="FILE",
        show_default=False,
    ),
]
OutputFile = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Write to FILE instead of stdout.",
        metavar="FILE",
        show_default=False,
    ),
]
Points = Annotated[
    str | None,
    typer.Option(
        "--points",
        help="Evaluate at every row of a CSV file whose header names the variables (- for "
        "standard input); --at gives the variables it lacks.",
        metavar="FILE",
        show_default=False,
    ),
]
OnErrorOption = Annotated[
    OnError,
    typer.Option("--on-error", help="A bad row of --points: stop there (exit 1 or 2) or skip it."),
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
    Format,
    typer.Option(
        "--format",
        "-F",
        help=format_help(TRACES),
    ),
]
Digits = Annotated[
    int | None,
    typer.Option(
        "--digits",
        min=1,
        max=17,
        help="Significant digits of the numbers in tables, Markdown and LaTeX (default: 6 in "
        "the traces, the results in full); JSON, CSV and TSV always carry every digit.",
        show_default=False,
    ),
]
Decimals = Annotated[
    int | None,
    typer.Option(
        "--decimals",
        min=0,
        max=17,
        help="Decimal places of the numbers in tables, Markdown and LaTeX, traces and results "
        "(3 prints the paper's 0.693, 10.693, 5.5); instead of --digits.",
        show_default=False,
    ),
]
Work = Annotated[
    bool,
    typer.Option(
        "--work",
        help="Add a column with each step's arithmetic, values put in (ln 2, 1×5 + 0×2), as "
        "in the paper's tables.",
    ),
]
InputOrder = Annotated[
    list[str] | None,
    typer.Option(
        "--inputs",
        help="Number the inputs v₁₋ₙ … v₀ in this order (x2,x1) instead of the natural order of "
        "their names; inputs not named follow in natural order.",
        metavar="NAME,…",
        show_default=False,
    ),
]


class Layout(str, Enum):
    standard = "standard"
    paper = "paper"


LayoutOption = Annotated[
    Layout,
    typer.Option(
        "--layout",
        help="paper: the primal trace beside the tangent trace (Table 2 of Baydin et al.) or "
        "beside the adjoint trace read upward (Table 3), in tables, Markdown and LaTeX.",
    ),
]
Standalone = Annotated[
    bool,
    typer.Option(
        "--standalone",
        help="With --format latex: a whole document (\\documentclass … \\end{document}) that "
        "pdflatex compiles as it is, not only the tables.",
    ),
]
Ascii = Annotated[
    bool,
    typer.Option("--ascii", help="Plain ASCII: v-1, vdot1, vbar0 instead of v₋₁, v̇₁, v̄₀."),
]
Trace = Annotated[
    bool | None,
    typer.Option(
        "--trace/--no-trace",
        help="Print the traces, or only the result (default: traces in tables, JSON, Markdown "
        "and LaTeX; results only in CSV/TSV).",
        show_default=False,
    ),
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
SecondOrderTrace = Annotated[
    bool,
    typer.Option(
        "--trace/--no-trace", help="Print the primal and second-order traces too, or not."
    ),
]
Eig = Annotated[
    bool,
    typer.Option(
        "--eig",
        help="Also the eigenvalues of the Hessian and the second-order test's verdict: minimum "
        "(every λ > 0), maximum (every λ < 0), saddle (both signs) or degenerate (some λ ≈ 0).",
    ),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Do not print warnings.")]
Strict = Annotated[
    bool,
    typer.Option(
        "--strict",
        help="Treat every warning (a node at a kink, an overflow to inf) as an error: exit 1.",
    ),
]
MaxNodes = Annotated[
    int,
    typer.Option(
        "--max-nodes",
        min=1,
        help="Refuse expressions with more operations than this (a clear error, not a "
        "MemoryError).",
    ),
]
MaxRows = Annotated[
    int,
    typer.Option(
        "--max-rows", min=1, help="Rows of each trace shown in tables, Markdown and LaTeX."
    ),
]
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
            "--version",
            "-V",
            callback=_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """Algorithmic differentiation on the command line."""


def _options(digits: int | None, ascii_only: bool, trace: bool) -> RenderOptions:
    return RenderOptions(
        digits=digits or DEFAULT_DIGITS,
        ascii=ascii_only or not stdout_is_unicode(),
        trace=trace,
        result_digits=digits,
    )


def _run(job: Job, action: Callable[[], object]) -> None:
    """Run a command body that returns its warnings; errors become one message and a status,
    with a caret under the job's sources once they are read."""

    def body() -> None:
        for warning in action() or ():  # type: ignore[attr-defined]
            warn(job, warning.message)

    guard(job, body)


def _console(options: RenderOptions) -> Any:
    return console(options)


def _point(at: list[str] | None) -> dict[str, float]:
    from .point import parse_point

    return parse_point(at or [])


def _wrt(wrt: list[str] | None) -> list[str] | None:
    """Names given as NAME,… (repeatable): --wrt, --inputs."""
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


# Option names that are also Job fields (``format`` is renamed; ``--digits``, when given,
# rounds the results too).
_JOB_FIELDS = {
    "expressions", "files", "at", "ascii", "trace", "quiet", "debug", "points",
    "on_error", "strict", "max_nodes", "max_rows", "decimals", "work", "layout", "standalone",
}  # fmt: skip


def _job(command: str, options: dict[str, Any], **extra: Any) -> Job:
    """A Job from a command's parameters (its ``locals()``), enums as their values."""
    if options["digits"] is not None and options["decimals"] is not None:
        fail("autodiff: error: --digits and --decimals both say how to round: give one", EXIT_INPUT)
    if options["standalone"] and options["format"] is not Format.latex:
        fail(
            "autodiff: error: --standalone writes a LaTeX document: add --format latex", EXIT_INPUT
        )
    values = {k: v for k, v in options.items() if k in _JOB_FIELDS}
    values["fmt"] = options["format"]
    values["digits"] = options["digits"] or DEFAULT_DIGITS
    values["result_digits"] = options["digits"]
    values["inputs"] = _wrt(options["inputs"]) or []
    values.update(extra)
    return Job(command, **{k: (v.value if isinstance(v, Enum) else v) for k, v in values.items()})


def _run_job(
    job: Job,
    output: Path | None,
    compute: Callable[[Any, dict[str, float]], Any],
    batch: Callable[[Any], dict[str, Any]] | None = None,
) -> None:
    """``run``, with stdout sent to ``-o FILE`` when given."""
    with _stdout_to(output):
        run(job, compute, batch)


def _stdout_to(output: Path | None) -> AbstractContextManager[None]:
    """``output.stdout_to``, imported only when ``-o`` is given (start-up time)."""
    if output is None:
        return nullcontext()
    from .output import stdout_to

    return stdout_to(output)


# --- commands ------------------------------------------------------------------------------------


@app.command()
def grad(
    expressions: Expressions = None,
    at: At = None,
    mode: Annotated[
        ModeChoice,
        typer.Option(
            "--mode", "-m", help="reverse: one adjoint sweep; forward: one tangent sweep per input."
        ),
    ] = ModeChoice.reverse,
    wrt: Wrt = None,
    files: Files = None,
    points: Points = None,
    on_error: OnErrorOption = OnError.stop,
    format: FormatOption = Format.table,
    digits: Digits = None,
    decimals: Decimals = None,
    work: Work = False,
    layout: LayoutOption = Layout.standard,
    inputs: InputOrder = None,
    standalone: Standalone = False,
    ascii: Ascii = False,
    trace: Trace = None,
    quiet: Quiet = False,
    debug: Debug = False,
    strict: Strict = False,
    max_nodes: MaxNodes = DEFAULT_MAX_NODES,
    max_rows: MaxRows = 1000,
    output: OutputFile = None,
) -> None:
    """The gradient, with the primal trace and the adjoint (or tangent) trace.

    Example:  autodiff grad "log(x1)+x1*x2-sin(x2)" --at x1=2,x2=5
    """
    from autodiff.core.derivatives import gradient

    job = _job("grad", locals())
    names = _wrt(wrt)

    def compute(graph: Any, point: dict[str, float]) -> Any:
        return gradient(graph, point, mode.value, names, record=job.options.trace)

    _run_job(job, output, compute, lambda graph: {"mode": mode.value, "wrt": names})


@app.command()
def jacobian(
    expressions: Expressions = None,
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
    files: Files = None,
    points: Points = None,
    on_error: OnErrorOption = OnError.stop,
    format: FormatOption = Format.table,
    digits: Digits = None,
    decimals: Decimals = None,
    work: Work = False,
    layout: LayoutOption = Layout.standard,
    inputs: InputOrder = None,
    standalone: Standalone = False,
    ascii: Ascii = False,
    trace: Trace = None,
    quiet: Quiet = False,
    debug: Debug = False,
    strict: Strict = False,
    max_nodes: MaxNodes = DEFAULT_MAX_NODES,
    max_rows: MaxRows = 1000,
    output: OutputFile = None,
) -> None:
    """The Jacobian of several expressions (the outputs y1…ym of one function).

    Example:  autodiff jacobian "x1*x2" "sin(x1)+x2" "exp(x1*x2)" --at x1=1,x2=2
    """
    from autodiff.core.derivatives import jacobian as jacobian_of

    job = _job("jacobian", locals(), advise=mode is JacobianMode.auto)
    names = _wrt(wrt)

    def compute(graph: Any, point: dict[str, float]) -> Any:
        return jacobian_of(graph, point, mode.value, names, record=job.options.trace)

    _run_job(job, output, compute, lambda graph: {"mode": mode.value, "wrt": names})


DIRECTION_HELP = (
    "The input direction u: numbers in input order (1,0) or by name (x1=1; inputs not named get 0)."
)
Direction = Annotated[list[str], typer.Option("--dir", help=DIRECTION_HELP, show_default=False)]


@app.command()
def jvp(
    direction: Direction,
    expressions: Expressions = None,
    at: At = None,
    wrt: Wrt = None,
    files: Files = None,
    points: Points = None,
    on_error: OnErrorOption = OnError.stop,
    format: FormatOption = Format.table,
    digits: Digits = None,
    decimals: Decimals = None,
    work: Work = False,
    layout: LayoutOption = Layout.standard,
    inputs: InputOrder = None,
    standalone: Standalone = False,
    ascii: Ascii = False,
    trace: Trace = None,
    quiet: Quiet = False,
    debug: Debug = False,
    strict: Strict = False,
    max_nodes: MaxNodes = DEFAULT_MAX_NODES,
    max_rows: MaxRows = 1000,
    output: OutputFile = None,
) -> None:
    """J·u, the directional derivative of every output, in one forward sweep.

    Example:  autodiff jvp "x1*x2" "sin(x1)" --at x1=1,x2=2 --dir x1=1,x2=0
    """
    from autodiff.core.derivatives import jvp as jvp_of

    job = _job("jvp", locals())
    names = _wrt(wrt)

    def u(graph: Any) -> list[float]:
        return _vector(direction, "--dir", _names(graph, names))

    def compute(graph: Any, point: dict[str, float]) -> Any:
        return jvp_of(graph, point, u(graph), names)

    _run_job(job, output, compute, lambda graph: {"wrt": names, "direction": u(graph)})


@app.command()
def vjp(
    cotangent: Annotated[
        list[str],
        typer.Option(
            "--cotangent",
            "-w",
            help="The output weights w, one number per expression (1,0,…).",
            show_default=False,
        ),
    ],
    expressions: Expressions = None,
    at: At = None,
    wrt: Wrt = None,
    files: Files = None,
    points: Points = None,
    on_error: OnErrorOption = OnError.stop,
    format: FormatOption = Format.table,
    digits: Digits = None,
    decimals: Decimals = None,
    work: Work = False,
    layout: LayoutOption = Layout.standard,
    inputs: InputOrder = None,
    standalone: Standalone = False,
    ascii: Ascii = False,
    trace: Trace = None,
    quiet: Quiet = False,
    debug: Debug = False,
    strict: Strict = False,
    max_nodes: MaxNodes = DEFAULT_MAX_NODES,
    max_rows: MaxRows = 1000,
    output: OutputFile = None,
) -> None:
    """wᵀJ, the gradient of a weighted sum of the outputs, in one reverse sweep.

    Example:  autodiff vjp "x1*x2" "sin(x1)" --at x1=1,x2=2 --cotangent 1,0
    """
    from autodiff.core.derivatives import vjp as vjp_of

    job = _job("vjp", locals())
    names = _wrt(wrt)

    def w(graph: Any) -> list[float]:
        outputs = tuple(f"{graph.output_stem}{k + 1}" for k in range(len(graph.outputs)))
        return _vector(cotangent, "--cotangent", outputs)

    def compute(graph: Any, point: dict[str, float]) -> Any:
        return vjp_of(graph, point, w(graph), names)

    _run_job(job, output, compute, lambda graph: {"wrt": names, "cotangent": w(graph)})


@app.command()
def hessian(
    expressions: Expressions = None,
    at: At = None,
    wrt: Wrt = None,
    eig: Eig = False,
    files: Files = None,
    points: Points = None,
    on_error: OnErrorOption = OnError.stop,
    format: FormatOption = Format.table,
    digits: Digits = None,
    decimals: Decimals = None,
    work: Work = False,
    inputs: InputOrder = None,
    standalone: Standalone = False,
    ascii: Ascii = False,
    trace: SecondOrderTrace = False,
    quiet: Quiet = False,
    debug: Debug = False,
    strict: Strict = False,
    max_nodes: MaxNodes = DEFAULT_MAX_NODES,
    max_rows: MaxRows = 1000,
    output: OutputFile = None,
) -> None:
    """The exact Hessian by forward-over-reverse (one tangent-of-adjoint sweep per input).

    Example:  autodiff hessian "(1-x)^2 + 100*(y-x^2)^2" --at x=-1.2,y=1
    """
    from autodiff.core.derivatives import hessian as hessian_of

    job = _job("hessian", locals())
    names = _wrt(wrt)

    def compute(graph: Any, point: dict[str, float]) -> Any:
        return hessian_of(graph, point, names, record=job.options.trace, eig=eig)

    def batch(graph: Any) -> dict[str, Any]:
        if eig:
            from autodiff.core.errors import UsageError

            raise UsageError("--eig gives the eigenvalues at one point (--at), not with --points")
        return {"wrt": names}

    _run_job(job, output, compute, batch)


@app.command()
def hvp(
    direction: Annotated[
        list[str],
        typer.Option(
            "--dir",
            help="The direction u: numbers in input order (1,0) or by name (x=1).",
            show_default=False,
        ),
    ],
    expressions: Expressions = None,
    at: At = None,
    wrt: Wrt = None,
    files: Files = None,
    points: Points = None,
    on_error: OnErrorOption = OnError.stop,
    format: FormatOption = Format.table,
    digits: Digits = None,
    decimals: Decimals = None,
    work: Work = False,
    inputs: InputOrder = None,
    standalone: Standalone = False,
    ascii: Ascii = False,
    trace: SecondOrderTrace = False,
    quiet: Quiet = False,
    debug: Debug = False,
    strict: Strict = False,
    max_nodes: MaxNodes = DEFAULT_MAX_NODES,
    max_rows: MaxRows = 1000,
    output: OutputFile = None,
) -> None:
    """H·u in one forward-over-reverse sweep, without forming the Hessian.

    Example:  autodiff hvp "(1-x)^2 + 100*(y-x^2)^2" --at x=-1.2,y=1 --dir 1,0
    """
    from autodiff.core.derivatives import hvp as hvp_of

    job = _job("hvp", locals())
    names = _wrt(wrt)

    def u(graph: Any) -> list[float]:
        return _vector(direction, "--dir", _names(graph, names))

    def compute(graph: Any, point: dict[str, float]) -> Any:
        return hvp_of(graph, point, u(graph), names)

    _run_job(job, output, compute, lambda graph: {"wrt": names, "direction": u(graph)})


@app.command("eval")
def eval_(
    expressions: Expressions = None,
    at: At = None,
    files: Files = None,
    points: Points = None,
    on_error: OnErrorOption = OnError.stop,
    format: FormatOption = Format.table,
    digits: Digits = None,
    decimals: Decimals = None,
    work: Work = False,
    inputs: InputOrder = None,
    standalone: Standalone = False,
    ascii: Ascii = False,
    trace: Trace = None,
    quiet: Quiet = False,
    debug: Debug = False,
    strict: Strict = False,
    max_nodes: MaxNodes = DEFAULT_MAX_NODES,
    max_rows: MaxRows = 1000,
    output: OutputFile = None,
) -> None:
    """The value of each expression, with the forward primal trace.

    Example:  autodiff eval "sqrt(x^2 + y^2)" --at x=3,y=4
    """
    from autodiff.core.derivatives import evaluate

    job = _job("eval", locals())
    _run_job(job, output, evaluate, lambda graph: {})


@app.command()
def wengert(
    expressions: Expressions = None,
    at: At = None,
    files: Files = None,
    format: FormatOption = Format.table,
    digits: Digits = None,
    decimals: Decimals = None,
    work: Work = False,
    inputs: InputOrder = None,
    standalone: Standalone = False,
    ascii: Ascii = False,
    quiet: Quiet = False,
    debug: Debug = False,
    strict: Strict = False,
    max_nodes: MaxNodes = DEFAULT_MAX_NODES,
    max_rows: MaxRows = 1000,
    output: OutputFile = None,
) -> None:
    """The Wengert list: one single-assignment step per operation (with values given --at).

    Example:  autodiff wengert "x*y + sin(x*y)"
    """
    from autodiff.core.derivatives import evaluate

    job = _job("wengert", locals(), trace=True)

    def compute(graph: Any, point: dict[str, float]) -> Any:
        return evaluate(graph, point) if at else graph

    _run_job(job, output, compute)


def main() -> None:
    """The command line in this process; ends with ``SystemExit`` (tests and profilers call it)."""
    if sys.stdout is None:  # started with stdout closed (>&-): bad usage, as in coreutils
        typer.echo("autodiff: error: standard output is closed", err=True)
        sys.exit(EXIT_INPUT)
    lazy_group(app)(prog_name="autodiff")  # makes only the command it runs


def console_script() -> NoReturn:
    """The ``autodiff`` command (and ``python -m autodiff``): ``main`` in a process of its own.

    A command lives for a tenth of a second: the cyclic garbage collector only re-traverses
    what is alive (the builder pauses it anyway), and the interpreter's teardown frees every
    object one by one (≈15 ms of the headline, #15). So the collector is off, and once the
    output is flushed the process ends at once; ``-o FILE`` is closed by then."""
    gc.disable()
    try:
        main()
        status = 0
    except SystemExit as done:
        status = _exit_status(done.code)
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # the reader went away (| head): nothing left to say
            pass
    os._exit(status)


def _exit_status(code: object) -> int:
    """The status ``sys.exit(code)`` gives: None is 0, a message is printed and is 1."""
    if code is None or isinstance(code, int):
        return code or 0
    print(code, file=sys.stderr)
    return 1


from . import tools  # noqa: E402, F401  (registers graph, check, diff, codegen)
