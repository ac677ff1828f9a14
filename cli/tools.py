"""The commands that show and check derivatives: ``graph``, ``check``, ``diff``, ``codegen``.

They register on the main ``app`` and work like its other commands: options in, one core call,
a renderer out (``render/tools_table.py``, ``render/tools_json.py`` or, for CSV, TSV, Markdown
and LaTeX, ``render/tools_formats.py``; each imported only when used), errors as one line on
stderr through ``_run``. Core modules are imported inside the commands so
that ``autodiff --help`` stays fast.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from enum import Enum
from importlib import import_module
from pathlib import Path
from typing import Annotated, Any

import typer

from autodiff.core.errors import UsageError

from .app import (
    DIRECTION_HELP,
    Ascii,
    At,
    Debug,
    Expressions,
    Files,
    OutputFile,
    Quiet,
    Wrt,
    _console,
    _names,
    _options,
    _point,
    _run,
    _stdout_to,
    _vector,
    _wrt,
    app,
)
from .formats import DRAWINGS, REPORTS, format_choices, format_help
from .render.options import RenderOptions
from .runner import Job, parse_expressions

DEFAULT_TOL = 1e-6  # core.check.DEFAULT_TOL (not imported: --help must not load the core)
DOT_TIMEOUT = 120  # seconds Graphviz may take to lay out a graph


Drawing: Any = format_choices("Drawing", DRAWINGS)
Output: Any = format_choices("Output", REPORTS)


class Language(str, Enum):
    python = "python"
    c = "c"


OutputFormat = Annotated[Output, typer.Option("--format", "-F", help=format_help(REPORTS))]


def _tool_job(
    command: str,
    expressions: list[str] | None,
    files: list[str] | None,
    options: RenderOptions,
    quiet: bool,
    debug: bool,
) -> Job:
    """What these commands share with the others: where the expressions come from, and how
    errors are worded (with a caret under the expression, once read). They print no traces,
    so the warning that a huge graph's traces are skipped does not apply."""
    return Job(
        command, expressions, files, ascii=options.ascii, trace=False, quiet=quiet, debug=debug
    )


def _render(fmt: Output, options: RenderOptions, name: str, result: Any, *extra: object) -> None:
    """``render.tools_table.print_<name>`` for a table, else ``<name>_<format>`` of
    ``render.tools_json`` or ``render.tools_formats``, imported only when chosen, so only the
    table loads Rich."""
    if fmt is Output.table:
        module = import_module(".render.tools_table", __package__)
        getattr(module, f"print_{name}")(_console(options), result, options, *extra)
        return
    renderer = ".render.tools_json" if fmt is Output.json else ".render.tools_formats"
    module = import_module(renderer, __package__)
    sys.stdout.write(getattr(module, f"{name}_{fmt.value}")(result, options, *extra) + "\n")


# --- graph -----------------------------------------------------------------------------------


def _graphviz(fmt: str) -> str:
    program = shutil.which("dot")
    if program is None:
        raise UsageError(
            f"--format {fmt} needs Graphviz's dot program, which is not installed (or not on "
            "PATH): install Graphviz, or use --format dot and render the text elsewhere"
        )
    return program


def _run_dot(program: str, text: str, fmt: str) -> bytes:
    try:
        done = subprocess.run(
            [program, f"-T{fmt}"],
            input=text.encode("utf-8"),
            capture_output=True,
            timeout=DOT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as problem:
        raise UsageError(f"Graphviz's dot could not run: {problem}") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"Graphviz's dot failed: {reason[0] if reason else done.returncode}")
    return done.stdout


def _write(data: bytes, output: Path | None, binary: bool) -> None:
    if output is not None:
        try:
            output.write_bytes(data)
        except OSError as problem:
            raise UsageError(f"cannot write {output}: {problem.strerror}") from None
        return
    if binary and sys.stdout.isatty():
        raise UsageError("png is binary: write it to a file with -o FILE, or redirect stdout")
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


@app.command()
def graph(
    expressions: Expressions = None,
    at: At = None,
    files: Files = None,
    format: Annotated[
        Drawing, typer.Option("--format", "-F", help=format_help(DRAWINGS))
    ] = Drawing.dot,
    output: OutputFile = None,
    digits: Annotated[
        int | None,
        typer.Option(
            "--digits", min=1, max=17, help="Significant digits of the picture's numbers."
        ),
    ] = None,
    dpi: Annotated[
        int | None,
        typer.Option(
            "--dpi",
            min=1,
            max=2400,
            help="Resolution of png output, in dots per inch (with --format dot, written into "
            "the text for whoever renders it; svg and mermaid have none).",
            metavar="N",
            show_default=False,
        ),
    ] = None,
    ascii_only: Ascii = False,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """The computational graph: one box per Wengert step, arrows labelled with the local partials.

    Given --at, boxes show values and arrows the partials' values; for one expression, boxes
    show adjoints and dashed arrows in a second colour the reverse sweep's contributions.

    Example:  autodiff graph "log(x1)+x1*x2-sin(x2)" --at x1=2,x2=5 --format mermaid
    """
    options = _options(digits, ascii_only, True)
    job = _tool_job("graph", expressions, files, options, quiet, debug)

    def action() -> object:
        from autodiff.core.derivatives import evaluate
        from autodiff.core.drawing import picture, to_dot, to_mermaid
        from autodiff.core.sweeps import adjoint, local_partials

        if dpi is not None and format in (Drawing.svg, Drawing.mermaid):
            raise UsageError(
                f"--dpi sets the resolution of png (or of dot text rendered later); "
                f"{format.value} has no resolution"
            )
        program = _graphviz(format.value) if format in (Drawing.svg, Drawing.png) else None
        graph = parse_expressions(job)
        values = partials = bars = None
        warnings: tuple[object, ...] = ()
        if at:
            # Not gradient(): an infinite partial is worth seeing in the picture, not an error.
            evaluation = evaluate(graph, _point(at))
            values, warnings = evaluation.values, evaluation.warnings
            partials = local_partials(graph, values)
            if len(graph.outputs) == 1:
                bars, _ = adjoint(graph, partials, [1.0])
        drawing = picture(graph, values, partials, bars, options.digits)
        if format is Drawing.mermaid:
            _write(to_mermaid(drawing, options.ascii).encode("utf-8"), output, binary=False)
        elif program is None:
            _write(to_dot(drawing, options.ascii, dpi).encode("utf-8"), output, binary=False)
        else:
            data = _run_dot(program, to_dot(drawing, options.ascii, dpi), format.value)
            _write(data, output, binary=format is Drawing.png)
        return warnings

    _run(job, action)


# --- check -----------------------------------------------------------------------------------


def _save_plot(result: Any, path: Path) -> None:
    from .render.plot import save_png

    try:
        save_png(result, path)
    except OSError as problem:
        raise UsageError(f"cannot write {path}: {problem.strerror}") from None


@app.command()
def check(
    expressions: Expressions = None,
    at: At = None,
    wrt: Wrt = None,
    tol: Annotated[
        float,
        typer.Option(
            "--tol",
            min=0.0,
            help="Agreement: max |J − J_AD| / max(1, |J_AD|) at most this; finite differences are "
            "judged at their best step.",
        ),
    ] = DEFAULT_TOL,
    direction: Annotated[
        list[str] | None,
        typer.Option(
            "--dir",
            help=f"Check J·u, the derivative along u, instead of J. {DIRECTION_HELP}",
            show_default=False,
        ),
    ] = None,
    step: Annotated[
        float | None,
        typer.Option(
            "--h",
            help="Take the finite differences at this one step h, not over h = 1e-1 … 1e-15.",
            metavar="H",
            show_default=False,
        ),
    ] = None,
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot",
            help="Also save the error-versus-h plot as a PNG (needs matplotlib).",
            metavar="FILE",
            show_default=False,
        ),
    ] = None,
    files: Files = None,
    format: OutputFormat = Output.table,
    output: OutputFile = None,
    ascii_only: Ascii = False,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """AD against finite differences (h = 1e-1 … 1e-15), the complex step and the symbolic
    derivative. Exit status 0 when all agree within --tol, 1 otherwise.

    Example:  autodiff check "x^2" --at x=2;  along a direction:  autodiff check "x*y" --at
    x=1,y=2 --dir 1,1 --h 1e-6
    """
    options = _options(None, ascii_only, True)
    job = _tool_job("check", expressions, files, options, quiet, debug)
    results: list[Any] = []

    def action() -> object:
        from autodiff.core.check import check as check_of

        if plot is not None and importlib.util.find_spec("matplotlib") is None:
            raise UsageError(
                "--plot needs matplotlib, which is not installed: pip install matplotlib "
                "(the terminal plot needs nothing)"
            )
        graph = parse_expressions(job)
        names = _wrt(wrt)
        u = None if direction is None else _vector(direction, "--dir", _names(graph, names))
        result = check_of(graph, _point(at), names, tol, u, step)
        if plot is not None:
            _save_plot(result, plot)
        with _stdout_to(output):
            _render(format, options, "check", result)
        results.append(result)
        return result.evaluation.warnings

    _run(job, action)
    result = results[0]
    if not result.agrees:
        if not quiet:
            errors = "; ".join(f"{m.label} error {m.error:.1e}" for m in result.failures)
            typer.echo(f"autodiff: check failed: {errors} > --tol {tol:g}", err=True)
        raise typer.Exit(1)


# --- diff ------------------------------------------------------------------------------------


@app.command()
def diff(
    expressions: Expressions = None,
    wrt: Wrt = None,
    stats: Annotated[
        bool,
        typer.Option(
            "--stats",
            help="Compare sizes: the derivative as a tree, with sharing, and the reverse-mode AD "
            "program.",
        ),
    ] = False,
    max_size: Annotated[
        int,
        typer.Option(
            "--max-size",
            min=1,
            help="Print a derivative only if written out it has at most this many operations.",
        ),
    ] = 10_000,
    files: Files = None,
    format: OutputFormat = Output.table,
    output: OutputFile = None,
    ascii_only: Ascii = False,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """The symbolic derivative of each expression with respect to each input, lightly simplified.

    Example:  autodiff diff "sigmoid(x1*x2) + x1*x2" --stats
    """
    options = _options(None, ascii_only, True)
    job = _tool_job("diff", expressions, files, options, quiet, debug)

    def action() -> object:
        from autodiff.core.symbolic import differentiate, swell

        if stats and format in (Output.csv, Output.tsv):
            raise UsageError(
                f"--stats gives a second table, which {format.value} cannot hold: use --format "
                "json, markdown or latex (the operations column is each derivative's size)"
            )
        derivatives = differentiate(parse_expressions(job), _wrt(wrt))
        sizes = swell(derivatives) if stats else None
        with _stdout_to(output):
            _render(format, options, "diff", derivatives, sizes, max_size)
        return ()

    _run(job, action)


# --- codegen ---------------------------------------------------------------------------------


@app.command()
def codegen(
    expressions: Expressions = None,
    lang: Annotated[
        Language, typer.Option("--lang", "-l", help="The language of the generated function.")
    ] = Language.python,
    name: Annotated[str, typer.Option("--name", help="The generated function's name.")] = "f",
    files: Files = None,
    output: OutputFile = None,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """A straight-line function returning the value and the gradient: the adjoint program
    written out, one line per Wengert step, needing only the language's maths library.

    Example:  autodiff codegen "log(x1)+x1*x2-sin(x2)" --lang c
    """
    job = _tool_job("codegen", expressions, files, _options(None, False, True), quiet, debug)

    def action() -> object:
        from autodiff.core.codegen import generate

        code = generate(parse_expressions(job), lang.value, name)
        with _stdout_to(output):
            sys.stdout.write(code)
        return ()

    _run(job, action)
