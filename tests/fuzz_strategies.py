"""Fuzzing inputs and the contract every run must keep; shared by test_fuzz.py and bench/fuzz.py.

Command lines are built from the grammar's tokens (numbers with huge and tiny exponents, names,
known and unknown functions, operators, brackets, commas, whitespace) mixed with junk characters
and Unicode, from valid random expressions with a few random edits, and from valid expressions
as they are; the point (``--at``) gives the names that appear a value, and sometimes a bad one,
one too many or one too few.

The contract (``check_outcome``): exit status 0, 1 or 2, never a traceback or an internal
error; data on stdout only on success (strict JSON for ``--format json``); stderr holds only
warnings (none with ``--quiet`` or ``--strict``) or one error: one line, or three for an error in
the text (message, the expression, a caret under the column the message names); a run with
warnings fails with exit 1 under ``--strict`` (``check_command_line``).
"""

from __future__ import annotations

import ast
import json
import math
import re
import sys
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import typer
from hypothesis import strategies as st
from strategies import expressions
from typer.testing import CliRunner

from autodiff.cli.app import app
from autodiff.core.derivatives import evaluate, gradient, hessian, hvp, jvp, vjp
from autodiff.core.errors import MathError
from autodiff.core.graph import Graph
from autodiff.core.primitives import CONSTANTS, FUNCTION_NAMES, PRIMITIVES
from autodiff.grammar.build import parse

COMMANDS = ("grad", "eval", "jacobian", "hessian")

# --- tokens -------------------------------------------------------------------------------------

numbers = st.one_of(
    st.integers(min_value=0, max_value=10**6).map(str),
    st.floats(min_value=0.0, allow_nan=False, allow_infinity=False).map(repr),
    st.builds("{}e{}".format, st.integers(0, 99), st.integers(-(10**5), 10**5)),
    st.text(alphabet="0123456789", min_size=20, max_size=400),
    st.sampled_from("0 1. .5 1e308 1.8e308 1e309 1e-400 5e-324 9e99999 1E+5 1e 1.2.3 ..5".split()),
    st.sampled_from(["0x10", "1_000", "١", "１"]),  # Unicode digits match the grammar's \d
)
variables = st.sampled_from(["x", "y", "z", "x1", "x2", "x10", "_", "_a", "X", "abc", "x_1"])
# Operator primitives (neg, add, …) are not callable, and the constants are not functions.
functions = st.sampled_from(
    [*FUNCTION_NAMES, *PRIMITIVES, *CONSTANTS, "foo", "sni", "exq", "Sin", "SIN", "log3"]
)
operators = st.sampled_from(["+", "-", "*", "/", "^", "**", "(", ")", ",", "()", "--", "*-"])
spaces = st.sampled_from([" ", "  ", "\t", "\n", "\r\n", ""])
JUNK = "$;'\"`.@\\#!?[]{}<>=|&~%:" + "éπ×−\u00a0𝑥\u2028\x00\x1b😀ｘ²½∞√…"
junk = st.sampled_from(JUNK) | st.text(
    st.characters(exclude_categories=("Cs",)), min_size=1, max_size=3
)
tokens = st.one_of(
    numbers,
    variables,
    variables,
    functions.map(lambda name: name + "("),
    functions,
    operators,
    operators,
    spaces,
    junk,
)
soup = st.lists(tokens, max_size=30).map("".join)


def _edit(text: str, edits: list[tuple[int, int, str]]) -> str:
    """Apply edits: (position, kind, token) with kind 0 insert, 1 replace a character, 2 delete."""
    for position, kind, token in edits:
        at = position % (len(text) + 1)
        if kind == 0:
            text = text[:at] + token + text[at:]
        elif kind == 1:
            text = text[:at] + token + text[at + 1 :]
        else:
            text = text[:at] + text[at + 1 :]
    return text


edits = st.lists(st.tuples(st.integers(0, 10**4), st.integers(0, 2), tokens), max_size=3)
mutated = st.builds(_edit, expressions, edits)
texts = st.one_of(soup, mutated, expressions)

# --- the point --------------------------------------------------------------------------------

good_values = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(-5, 5).map(str),
    st.sampled_from(["pi/4", "sqrt(2)", "-0", "1e-400", "2^-1", "atan2(1, 2)", " 3 "]),
)
bad_values = st.sampled_from(
    ["", *"abc nan inf -inf 1e999 (1 1) 1/0 log(-1) x 1=2 é 0x10 sin 1,2".split()]
)
# Not preceded by a letter, digit or dot (the "e5" of "1e5" is no name), nor followed by "(".
_NAME = re.compile(r"(?<![A-Za-z0-9_.])[A-Za-z_][A-Za-z0-9_]*(?![A-Za-z0-9_]|[ \t\r\n]*\()")
_NOT_VARIABLES = frozenset(FUNCTION_NAMES) | frozenset(CONSTANTS)


def names_in(sources: Sequence[str]) -> list[str]:
    """The names that look like variables, in order of first appearance."""
    found = (m[0] for text in sources for m in _NAME.finditer(text))
    return list(dict.fromkeys(name for name in found if name not in _NOT_VARIABLES))


@st.composite
def at_options(draw: st.DrawFn, names: Sequence[str]) -> list[str]:
    """``--at`` for these names: usually right, sometimes with a value missing, bad or extra."""
    value = st.one_of(*[good_values] * 9, bad_values)
    given = {name: draw(value) for name in names}
    how = draw(st.sampled_from(["complete"] * 6 + ["drop", "extra", "none", "split"]))
    if how == "drop" and given:
        given.pop(draw(st.sampled_from(sorted(given))))
    if how == "extra":
        given[draw(st.sampled_from(["zz", "1x", "é", "", "x y"]))] = "1"
    if how == "none":
        return []
    specs = [f"{name}={value}" for name, value in given.items()]
    if how == "split":  # one --at per name
        return [part for spec in specs for part in ("--at", spec)]
    return ["--at", ",".join(specs)]


# --- command lines ------------------------------------------------------------------------------


FORMATS = ("table", "json", "jsonl", "csv", "tsv", "markdown", "latex")


@dataclass(frozen=True)
class CommandLine:
    command: str
    texts: tuple[str, ...]
    options: tuple[str, ...] = ()

    @property
    def argv(self) -> list[str]:
        # A text with a leading "-" could be taken for an option ("-m*g" is "--mode *g"): after
        # "--" it cannot (the bare form is a reported bug: see test_fuzz.py).
        if any(text.startswith("-") for text in self.texts):
            return [self.command, *self.options, "--", *self.texts]
        return [self.command, *self.texts, *self.options]

    def option(self, name: str) -> str | None:
        """The value of ``--name VALUE``, "" for a flag that is there, None if absent."""
        for k, option in enumerate(self.options):
            if option == name:
                following = self.options[k + 1 : k + 2]
                return following[0] if following and not following[0].startswith("-") else ""
        return None

    def with_options(self, *options: str) -> CommandLine:
        return CommandLine(self.command, self.texts, (*self.options, *options))


@st.composite
def command_lines(draw: st.DrawFn) -> CommandLine:
    command = draw(st.sampled_from(COMMANDS))
    most = 3 if command in ("jacobian", "eval") else draw(st.sampled_from([1, 1, 1, 2]))
    sources = draw(st.lists(texts, min_size=1, max_size=most))
    names = names_in(sources)
    options = draw(at_options(names))
    options += ["--format", draw(st.sampled_from(FORMATS))]
    for flag in ("--quiet", "--ascii", "--strict"):
        options += [flag] * draw(st.booleans())
    if command == "grad":
        options += ["--mode", draw(st.sampled_from(["reverse", "forward"]))]
    if command == "jacobian":
        options += ["--mode", draw(st.sampled_from(["auto", "reverse", "forward"]))]
    if command != "hessian" and draw(st.booleans()):
        options.append("--no-trace")
    if command == "hessian" and draw(st.booleans()):
        options.append("--trace")
    if command != "eval" and names and draw(st.integers(0, 4)) == 0:
        options += ["--wrt", draw(st.sampled_from([*names, "zz"]))]
    return CommandLine(command, tuple(sources), tuple(options))


# --- running and checking -----------------------------------------------------------------------

_CLI = typer.main.get_command(app)  # CliRunner.invoke rebuilds it every call: 3/4 of the time


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str


def run(argv: Sequence[str]) -> Outcome:
    """Run the command in-process; an exception escaping the CLI propagates (a traceback).

    ``color=True`` keeps the output as written: a non-terminal stream would otherwise have
    ANSI sequences stripped, and the echoed expression would no longer be the user's text.
    """
    with CliRunner().isolation(color=True) as (stdout, stderr, _):
        try:
            _CLI.main(args=list(argv), prog_name="autodiff")
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else -1)
        sys.stdout.flush()
        sys.stderr.flush()
        return Outcome(code, stdout.getvalue().decode(), stderr.getvalue().decode())


_LOCATED = re.compile(r"autodiff: error at (?:expression (\d+), )?column (\d+): (.*)")
_UNEXPECTED_CHARACTER = re.compile(r"unexpected character ('.*'|\".*\")$")


def _as_shown(line: str, ascii_only: bool) -> str:
    """A source line as an error shows it: one character per character, controls as their
    pictures (U+2400…), other unprintable characters as ``?``; with --ascii all non-ASCII ``?``."""
    if ascii_only:
        return "".join(c if " " <= c <= "~" else "?" for c in line)
    pictures = {code: chr(0x2400 + code) for code in range(0x20)} | {0x7F: "\u2421"}
    return "".join(c if c.isprintable() else pictures.get(ord(c), "?") for c in line)


def _width(text: str) -> int:
    """Terminal columns: wide East Asian characters take two, combining marks none."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


def _shown_lines(source: str, column: int, shown: str, caret: int, ascii_only: bool) -> list[str]:
    """The lines of ``source`` that ``shown`` may display (whole, or a window cut with …) with
    the caret at display column ``caret`` under the 1-based ``column`` of that line (or just past
    its end). Several lines can look alike (with --ascii, a lone CR and an é both show as ?)."""
    ellipsis = "..." if ascii_only else "…"
    found = []
    for line in source.split("\n"):
        visible = _as_shown(line, ascii_only)
        for lead, trail in (("", ""), (ellipsis, ""), ("", ellipsis), (ellipsis, ellipsis)):
            if not (shown.startswith(lead) and shown.endswith(trail)):
                continue
            window = shown[len(lead) : len(shown) - len(trail)]
            start = visible.find(window, 1 if lead else 0)
            while start >= 0 and start <= column - 1:
                if (
                    bool(lead) == (start > 0)
                    and bool(trail) == (start + len(window) < len(line))
                    and column - 1 <= len(line)
                    and _width(lead + window[: column - 1 - start]) == caret
                ):
                    found.append(line)
                    break
                start = visible.find(window, start + 1) if lead else -1
    return found


def check_error(stderr: str, code: int, sources: Sequence[str], ascii_only: bool) -> None:
    """One line; or, for an error in the text, three with the caret under the named column."""
    assert stderr.endswith("\n"), stderr
    lines = stderr[:-1].split("\n")
    assert lines[0].startswith("autodiff: error") and "\r" not in lines[0], stderr
    located = _LOCATED.match(lines[0])
    if located is None:
        assert len(lines) == 1, stderr
        return
    assert code == 2 and len(lines) == 3, stderr
    assert (located[1] is not None) == (len(sources) > 1), stderr
    source, column = sources[int(located[1] or 1) - 1], int(located[2])
    assert lines[1].startswith("  ") and lines[2].startswith("  "), stderr
    shown, marks = lines[1][2:], lines[2][2:]
    caret = len(marks) - len(marks.lstrip(" "))
    assert marks[caret:] and set(marks[caret:]) == {"^"}, stderr
    candidates = _shown_lines(source, column, shown, caret, ascii_only)
    assert candidates, (stderr, source)
    character = _UNEXPECTED_CHARACTER.search(located[3])
    if character:
        expected = ast.literal_eval(character[1])
        assert any(line[column - 1] == expected for line in candidates), (stderr, source)


def _no_constant(token: str) -> float:
    raise AssertionError(f"non-strict JSON constant {token}")


def check_outcome(line: CommandLine, outcome: Outcome) -> None:
    """The contract of every run: see the module docstring."""
    code, out, err = outcome.code, outcome.stdout, outcome.stderr
    assert code in (0, 1, 2), (code, err)
    assert "Traceback" not in out + err and "internal error" not in err, err
    if code != 0:
        assert out == "", out
        check_error(err, code, line.texts, line.option("--ascii") is not None)
        return
    assert out.strip(), "success with no output"
    if line.option("--quiet") is not None or line.option("--strict") is not None:
        assert err == "", err  # --strict: a warning would have been an error
    else:
        warnings = err.split("\n")[:-1]
        assert all(w.startswith("autodiff: warning: ") and "\r" not in w for w in warnings), err
    if line.option("--format") == "json":
        doc = json.loads(out, parse_constant=_no_constant)
        assert doc["command"] == line.command
        assert len(doc["values"]) == len(line.texts)
        assert all(math.isfinite(v) for v in doc["values"])
        assert set(doc["inputs"]) <= set(names_in(line.texts))


def check_command_line(line: CommandLine) -> Outcome:
    """Run a command line and check its outcome; with warnings, check that ``--strict`` turns
    them into an error. Returns the outcome."""
    outcome = run(line.argv)
    check_outcome(line, outcome)
    if outcome.code == 0 and outcome.stderr:
        strict = line.with_options("--strict")
        rerun = run(strict.argv)
        assert rerun.code == 1, rerun
        check_outcome(strict, rerun)
    return outcome


# --- the core API on valid expressions ------------------------------------------------------------

coordinates = st.one_of(
    st.floats(min_value=-2.0, max_value=2.0),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5, 5e-324, 1e308, -1e308]),
)
wide_points = st.fixed_dictionaries({name: coordinates for name in ("x1", "x2", "x3")})
directions = st.lists(st.floats(-1.0, 1.0), min_size=3, max_size=3)

Operation = Callable[[Graph, Mapping[str, float], Sequence[float]], Sequence[float]]
OPERATIONS: dict[str, Operation] = {
    "evaluate": lambda g, at, u: evaluate(g, at).outputs,
    "reverse": lambda g, at, u: gradient(g, at, "reverse", record=False).gradient,
    "forward": lambda g, at, u: gradient(g, at, "forward").gradient,
    "jvp": lambda g, at, u: jvp(g, at, u[: g.n_inputs]).product,
    "vjp": lambda g, at, u: vjp(g, at, u[:1]).product,
    "hessian": lambda g, at, u: [h for row in hessian(g, at).matrix for h in row],
    "hvp": lambda g, at, u: hvp(g, at, u[: g.n_inputs]).product,
}


def check_core(text: str, point: Mapping[str, float], direction: Sequence[float]) -> int:
    """Every operator gives finite numbers or raises a ``MathError``; returns how many gave
    numbers. The text is valid and the point complete, so an ``InputError`` would be a bug."""
    try:
        graph = parse(text)
    except MathError:  # constant folding overflowed
        return 0
    at = {name: point[name] for name in graph.input_names}
    computed = 0
    for name, operation in OPERATIONS.items():
        try:
            numbers = operation(graph, at, direction)
        except MathError:
            continue
        assert all(math.isfinite(v) for v in numbers), (name, text, at, numbers)
        computed += 1
    return computed
