"""Running one command: read the inputs, call the core once (or once per batch), render.

Data goes to stdout and nothing else does; messages go to stderr. Renderer modules (and Rich,
and NumPy) are imported only when the chosen format or a batch needs them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NoReturn

import typer

from autodiff.core.builder import DEFAULT_MAX_NODES
from autodiff.core.errors import AutodiffError, InputError, MathError, Span, UsageError

from .errors import (
    EXIT_INPUT,
    EXIT_INTERNAL,
    end_quietly_on_closed_pipe,
    exit_code,
    format_error,
    format_warning,
)
from .render.options import RenderOptions

FORMATS = ("table", "json", "jsonl", "csv", "tsv", "markdown", "latex")
BATCH_FORMATS = ("csv", "tsv", "jsonl", "json", "table", "markdown")
CHUNK = 100_000  # points per vectorised sweep: bounds memory, paces the progress bar
AUTO_TRACE_NODES = 500  # larger graphs print their traces only when asked (--trace)
MAX_ROW_WARNINGS = 10  # warnings about single rows of a batch, before a summary line


@dataclass
class Job:
    """Everything a command was asked to do, as the options said it."""

    command: str
    expressions: list[str] | None
    files: list[str] | None = None
    at: list[str] | None = None
    fmt: str = "table"
    digits: int = 6
    result_digits: int | None = None  # --digits rounds the results of tables too, when given
    decimals: int | None = None  # --decimals: fixed places instead of significant digits
    work: bool = False  # --work: worked arithmetic in the traces
    inputs: list[str] = field(default_factory=list)  # --inputs: these inputs first, in order
    layout: str = "standard"  # --layout paper: the traces side by side, as the paper's tables
    standalone: bool = False  # --standalone: LaTeX as a whole document
    ascii: bool = False
    trace: bool | None = None  # None: the format's default (tables yes, CSV no)
    quiet: bool = False
    debug: bool = False
    points: str | None = None
    on_error: str = "stop"
    advise: bool = False
    strict: bool = False
    max_nodes: int = DEFAULT_MAX_NODES
    max_rows: int = 1000
    sources: list[str] = field(default_factory=list)  # filled once read, for error messages
    nodes: int = 0  # the size of the graph, once parsed

    @property
    def options(self) -> RenderOptions:
        trace = self.trace
        if trace is None:  # the format's default: traces for people, unless the graph is huge
            trace = self.fmt not in ("csv", "tsv") and self.nodes <= AUTO_TRACE_NODES
        ascii_only = self.ascii or not stdout_is_unicode()
        return RenderOptions(
            self.digits,
            ascii_only,
            trace,
            self.max_rows,
            self.result_digits,
            self.decimals,
            self.work,
            self.layout == "paper",
        )


def stdout_is_unicode() -> bool:
    try:
        "v̄₋₁ v̇₀ × · − √ ∂ ━".encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def fail(message: str, code: int) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def warn(job: Job, message: str, span: Span | None = None) -> None:
    if not job.quiet:
        typer.echo(format_warning(message, job.options.ascii, span, job.sources), err=True)


class StrictError(MathError):
    """A warning that ``--strict`` turned into an error."""


def guard(job: Job, action: Callable[[], None]) -> None:
    """Run ``action``; turn every error into one message on stderr and an exit status."""
    debug = job.debug or bool(os.environ.get("AUTODIFF_DEBUG"))
    try:
        action()
    except AutodiffError as error:
        fail(format_error(error, job.sources, job.options.ascii), exit_code(error))
    except (typer.Exit, typer.Abort):
        raise
    except KeyboardInterrupt:
        fail("autodiff: interrupted", 130)
    except MemoryError:
        fail(
            "autodiff: error: out of memory: the input is too large for this machine "
            "(--max-nodes refuses such inputs early)",
            EXIT_INPUT,
        )
    except BrokenPipeError:
        # The reader of our stdout went away (`| head`): not an error worth a message.
        end_quietly_on_closed_pipe()
    except Exception as error:
        if debug:
            raise
        fail(
            f"autodiff: internal error: {type(error).__name__}: {error} "
            "(this is a bug; --debug shows the traceback)",
            EXIT_INTERNAL,
        )


def console(options: RenderOptions) -> Any:
    from rich.console import Console

    # Piped output: no colour, and no wrapping of wide tables at 80 columns.
    width = None if sys.stdout.isatty() else 10_000
    rich = Console(highlight=False, width=width, emoji=False, safe_box=options.ascii)
    rich.on_broken_pipe = end_quietly_on_closed_pipe  # type: ignore[method-assign]
    return rich


def emit(text: str) -> None:
    sys.stdout.write(text + "\n")


# --- one point -----------------------------------------------------------------------------------


def render(job: Job, result: Any) -> None:
    """One result in the chosen format."""
    options = job.options
    if job.fmt in ("json", "jsonl"):
        from .render import json as to_json

        # Written piece by piece: a trace of 300k nodes is never one string or one list.
        document = to_json.lazy_document(job.command, result, options)
        if not options.trace:
            for key in ("trace", "adjoint_steps", "passes"):
                document.pop(key, None)
        to_json.write_document(document, sys.stdout, compact=job.fmt == "jsonl")
        sys.stdout.write("\n")
    elif job.fmt in ("csv", "tsv"):
        from .render import delimited

        delimiter = "," if job.fmt == "csv" else "\t"
        delimited.write_result(sys.stdout, job.command, result, options, delimiter, options.trace)
    else:
        from .render.sections import build, limit_rows

        sections = limit_rows(build(job.command, result, options, job.advise), options.max_rows)
        if job.fmt == "table":
            from .render.table import print_sections

            print_sections(console(options), sections, options)
        elif job.fmt == "markdown":
            from .render import markdown

            emit(markdown.render(sections, options))
        else:
            from .render import latex

            emit(latex.render(sections, options, job.standalone))


def parse_expressions(job: Job) -> Any:
    from autodiff.grammar.build import parse

    from .inputs import read_expressions

    job.sources[:] = read_expressions(job.expressions, job.files)
    graph = parse(job.sources, max_nodes=job.max_nodes, inputs=job.inputs)
    job.nodes = len(graph.nodes)
    huge = job.nodes > AUTO_TRACE_NODES and job.fmt in ("table", "markdown", "latex")
    if job.trace is None and huge:
        warn(job, f"{job.nodes:,} nodes: the traces are not printed (--trace prints them)")
    return graph


def point(job: Job) -> dict[str, float]:
    from .point import parse_point

    return parse_point(job.at or [])


def run(
    job: Job,
    compute: Callable[[Any, dict[str, float]], Any],
    batch: Callable[[Any], dict[str, Any]] | None = None,
) -> None:
    """Parse, compute at the point (or at every point of ``--points``), render."""

    def action() -> None:
        if (
            job.points is not None
            and job.expressions
            and "-" in job.expressions
            and job.points == "-"
        ):
            raise UsageError("standard input can feed the expression or the points, not both")
        graph = parse_expressions(job)
        at = point(job)
        if job.points is not None:
            if batch is None:
                raise UsageError(f"{job.command} does not take --points")
            run_batch(job, graph, at, batch(graph))
            return
        result = compute(graph, at)
        warnings = getattr(result, "warnings", None)
        if warnings is None:
            warnings = getattr(getattr(result, "evaluation", result), "warnings", ())
        if job.strict and warnings:
            first = warnings[0]
            raise StrictError(f"{first.message} (--strict)", span=first.span, node=first.node)
        render(job, result)
        for warning in warnings:
            warn(job, warning.message, warning.span)

    guard(job, action)


# --- many points ---------------------------------------------------------------------------------


def _numpy_or_fail() -> None:
    try:
        import numpy  # noqa: F401
    except ImportError:
        raise UsageError(
            "--points needs NumPy, a dependency of autodiff-cli missing here: pip install numpy"
        ) from None


class BatchProgress:
    """A Rich progress bar on stderr for a long batch, only when stderr is a terminal: one
    task per stage (reading the points, sweeping, writing), each advanced as its work is done
    (sweeping and writing take turns, chunk by chunk). ``stage``, ``advance`` and ``close`` are
    all ``run_batch`` calls, so tests can record them."""

    def __init__(self, job: Job, shown: bool) -> None:
        self.bar: Any = None
        self.tasks: dict[str, Any] = {}
        if shown and sys.stderr.isatty() and not job.quiet:
            from rich.console import Console
            from rich.progress import Progress

            self.bar = Progress(console=Console(stderr=True), transient=True)
            self.bar.start()

    def stage(self, name: str, total: int | None) -> None:
        if self.bar is not None:
            self.tasks[name] = self.bar.add_task(name, total=total)

    def advance(self, name: str, n: int) -> None:
        if self.bar is not None and name in self.tasks:
            self.bar.advance(self.tasks[name], n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


BAR_BYTES = 4_000_000  # a points file this large (about 100,000 rows) shows a progress bar


def _size(path: str) -> int | None:
    """The points file's size, or None for standard input (or a file that cannot be read)."""
    if path == "-":
        return None
    try:
        return os.stat(path).st_size
    except OSError:
        return None


def run_batch(
    job: Job,
    graph: Any,
    at: dict[str, float],
    kwargs: dict[str, Any],
    *,
    chunk_size: int = CHUNK,
    progress: Any = None,
) -> None:
    """Every row of ``--points``, vectorised in chunks; rows out in the order they came in,
    each chunk written before the next is swept (machine formats keep no rows)."""
    _numpy_or_fail()
    if job.fmt not in BATCH_FORMATS:
        raise UsageError(f"--points writes {', '.join(BATCH_FORMATS)}, not {job.fmt}")
    from .inputs import read_points

    path = job.points or "-"
    size = _size(path)
    if progress is None:
        progress = BatchProgress(job, shown=size is not None and size > BAR_BYTES)
    try:
        progress.stage("reading points", size)
        points = read_points(path, lambda n: progress.advance("reading points", n))
        used = [name for name in points.names if name in graph.input_names]
        if not used:
            uses = ", ".join(graph.input_names) or "no variables"
            raise UsageError(
                f"the points name none of the variables of the expression (it uses {uses})"
            )
        unknown = [name for name in points.names if name not in graph.input_names]
        for name in unknown:
            warn(job, f"the points column {name} is not a variable of the expression: ignored")
        where = "standard input" if job.points in (None, "-") else job.points
        failures: dict[int, tuple[str, int]] = {
            line: (f"line {line} of {where}: {why}", 2) for line, why in points.bad.items()
        }
        row_warnings: list[str] = []
        chunks = _sweep(
            job,
            graph,
            at,
            kwargs,
            points,
            used,
            where,
            failures,
            row_warnings,
            chunk_size,
            progress,
        )
        _write_batch(job, graph, chunks, progress, len(points))
    finally:
        progress.close()
    for message in row_warnings[:MAX_ROW_WARNINGS]:
        warn(job, message)
    if len(row_warnings) > MAX_ROW_WARNINGS:
        warn(job, f"… and {len(row_warnings) - MAX_ROW_WARNINGS:,} more points with warnings")
    _report_failures(job, failures)


def _sweep(
    job: Job,
    graph: Any,
    at: dict[str, float],
    kwargs: dict[str, Any],
    points: Any,
    used: list[str],
    where: str,
    failures: dict[int, tuple[str, int]],
    row_warnings: list[str],
    chunk_size: int,
    progress: Any,
) -> Iterator[Any]:
    """The kept rows of each chunk (``batch_writers.Chunk``), swept when asked for; with
    ``--on-error stop`` the last chunk ends before the first failure in the file."""
    import numpy as np

    from autodiff.core.vectorized import evaluate_batch

    arrays = points.arrays()
    lines = np.asarray(points.lines, dtype=int)
    progress.stage("sweeping", len(points))
    for start in range(0, max(len(points), 1), chunk_size):
        chunk = {name: arrays[name][start : start + chunk_size] for name in used}
        result = evaluate_batch(job.command, graph, chunk, at, **kwargs)
        for row, error in result.errors.items():
            line = points.lines[start + row]
            failures[line] = (f"line {line} of {where}: {error.message}", exit_code(error))
        for row, diagnostics in result.warnings.items():
            line = points.lines[start + row]
            message = f"line {line} of {where}: {diagnostics[0].message}"
            if job.strict:
                failures.setdefault(line, (f"{message} (--strict)", 1))
            else:
                row_warnings.append(message)
        progress.advance("sweeping", len(lines[start : start + chunk_size]))
        # Failures up to the next chunk's first line (unreadable rows included) are known now.
        end = start + chunk_size
        stop_at = None
        if job.on_error == "stop":
            upper = int(lines[end]) if end < len(lines) else None
            stop_at = min((f for f in failures if upper is None or f < upper), default=None)
        here = lines[start:end]
        keep = ~np.isin(here, list(failures))
        if stop_at is not None:
            keep &= here < stop_at
        data = result.data if keep.all() else result.data[:, keep]
        yield (result.iter_columns, data, here[keep].tolist())
        if stop_at is not None:
            return


def _write_batch(job: Job, graph: Any, chunks: Iterator[Any], progress: Any, total: int) -> None:
    """The kept rows in the chosen format, each chunk as it is swept."""
    from . import batch_writers

    def written(n: int) -> None:
        progress.advance("writing", n)

    def rows() -> Iterator[Any]:  # the writing stage starts with the first chunk's rows
        first = True
        for chunk in chunks:
            if first:
                progress.stage("writing", total)
                first = False
            yield chunk

    fmt = job.fmt
    if fmt in ("csv", "tsv"):
        batch_writers.write_delimited(rows(), sys.stdout, "," if fmt == "csv" else "\t", written)
    elif fmt == "jsonl":
        batch_writers.write_json_lines(rows(), sys.stdout, written)
    elif fmt == "json":
        head = {
            "command": job.command,
            "expression": job.sources[0] if len(job.sources) == 1 else job.sources,
            "inputs": list(graph.input_names),
        }
        batch_writers.write_json(rows(), sys.stdout, head, written)
    else:
        _write_table(job, *batch_writers.table_rows(rows(), job.options.max_rows, written))


def _write_table(job: Job, columns: list[str], rows: list[list[Any]], total: int) -> None:
    """A table of points for people: the first ``--max-rows`` rows and a note of the rest."""
    from . import batch_writers
    from .render.sections import Section

    section = Section("result", f"{job.command} at {total} points", ["line"], columns, precise=True)
    section.rows = rows
    section.caption = batch_writers.cut_note(len(rows), total)
    if job.fmt == "markdown":
        from .render import markdown

        emit(markdown.render([section], job.options))
    else:
        from .render.table import print_sections

        print_sections(console(job.options), [section], job.options)


def _report_failures(job: Job, failures: dict[int, tuple[str, int]]) -> None:
    """At the first failure in the file, exit with its status; or warn of the skipped rows."""
    if failures and job.on_error == "stop":
        message, code = failures[min(failures)]
        fail(format_error(_RowError(message, code), job.sources, job.options.ascii), code)
    skipped = sorted(failures)
    for line in skipped[:MAX_ROW_WARNINGS]:
        warn(job, f"skipped {failures[line][0]}")
    if len(skipped) > MAX_ROW_WARNINGS:
        warn(job, f"… and {len(skipped) - MAX_ROW_WARNINGS:,} more points skipped")


class _RowError(InputError):
    """A failed row of a batch, already worded; carries the exit status of its cause."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code
