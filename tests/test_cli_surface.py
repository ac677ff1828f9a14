"""The command line's surface (issue 13): closed pipes and stdin, encodings of expression files,
options spelt as Click users expect, one list of formats per command, narrow terminals."""

from __future__ import annotations

import importlib.metadata
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from test_codegen import expression_for
from test_primitives import CASES, _case_id
from typer.testing import CliRunner

import autodiff
from autodiff.cli.app import app
from autodiff.cli.commandline import SHORT_OPTIONS
from autodiff.cli.formats import DRAWINGS, FORMATS, TRACES

runner = CliRunner()
AUTODIFF = shutil.which("autodiff") or "autodiff"
ENV = {**os.environ, "XDG_CACHE_HOME": os.environ.get("XDG_CACHE_HOME", "/tmp/autodiff-tests")}


def _run_into_closed_pipe(*args: str) -> subprocess.CompletedProcess[bytes]:
    """Run autodiff with stdout a pipe whose read end is already closed (``| head -0``)."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run(
            [AUTODIFF, *args], stdout=write, stderr=subprocess.PIPE, env=ENV, check=False
        )
    finally:
        os.close(write)


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv", "tsv", "markdown", "latex"])
def test_a_closed_pipe_ends_quietly_with_status_0(fmt: str) -> None:
    done = _run_into_closed_pipe("eval", "x", "--at", "x=1", "-F", fmt)
    assert (done.returncode, done.stderr) == (0, b"")


@pytest.mark.parametrize("command", [["diff", "x^2"], ["check", "x^2", "--at", "x=1"]])
def test_a_closed_pipe_ends_quietly_for_the_tools_too(command: list[str]) -> None:
    done = _run_into_closed_pipe(*command)
    assert (done.returncode, done.stderr) == (0, b"")


def test_a_closed_stdin_is_bad_input_on_one_line() -> None:
    done = subprocess.run(
        ["sh", "-c", '"$0" eval - --at x=1 <&-', AUTODIFF],
        capture_output=True,
        env=ENV,
        check=False,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr == ("autodiff: error: standard input is closed, so - has nothing to read\n")


def test_a_closed_stdout_is_bad_usage_on_one_line() -> None:
    done = subprocess.run(
        ["sh", "-c", '"$0" eval x --at x=1 >&-', AUTODIFF],
        capture_output=True,
        env=ENV,
        check=False,
        text=True,
    )
    assert (done.returncode, done.stderr) == (2, "autodiff: error: standard output is closed\n")


def test_points_from_a_closed_stdin_are_bad_input_too() -> None:
    done = subprocess.run(
        ["sh", "-c", '"$0" eval x --points - <&-', AUTODIFF],
        capture_output=True,
        env=ENV,
        check=False,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr == "autodiff: error: standard input is closed, so - has nothing to read\n"


BOM = b"\xef\xbb\xbf"


def test_a_byte_order_mark_starting_an_expression_file_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "exprs.txt"
    path.write_bytes(BOM + b"x^2\n")
    from_file = runner.invoke(app, ["eval", "-f", str(path), "--at", "x=3", "-F", "csv"])
    from_stdin = subprocess.run(
        [AUTODIFF, "eval", "-", "--at", "x=3", "-F", "csv"],
        input=BOM + b"x^2\n",
        capture_output=True,
        env=ENV,
        check=False,
    )
    assert (from_file.exit_code, from_file.stdout) == (0, "x,value\n3.0,9.0\n")
    assert (from_stdin.returncode, from_stdin.stdout) == (0, b"x,value\n3.0,9.0\n")


def test_invalid_utf8_says_the_same_from_stdin_as_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(b"x + 1\nx\xff\n")
    from_file = runner.invoke(app, ["eval", "-f", str(path), "--at", "x=3"])
    from_stdin = subprocess.run(
        [AUTODIFF, "eval", "-", "--at", "x=3"],
        input=path.read_bytes(),
        capture_output=True,
        env=ENV,
        check=False,
    )
    why = "is not UTF-8 text (byte 0xff on line 2)"
    assert (from_file.exit_code, from_file.stderr) == (
        2,
        f"autodiff: error: the expression file {path} {why}\n",
    )
    assert (from_stdin.returncode, from_stdin.stderr) == (
        2,
        f"autodiff: error: standard input {why}\n".encode(),
    )


# --- options that are options ------------------------------------------------------------------


def _json(*args: str) -> dict[str, object]:
    result = runner.invoke(app, list(args))
    assert (result.exit_code, result.stderr) == (0, ""), result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    "args",
    [
        ["grad", "x^2", "--at", "x=2", "-Fjson"],
        ["grad", "-Fjson", "x^2", "--at", "x=2", "-mforward"],
        ["grad", "x^2", "--at", "x=2", "-F", "json"],
    ],
)
def test_a_short_option_with_its_value_attached_works_as_in_click(args: list[str]) -> None:
    assert _json(*args)["gradient"] == {"x": 4.0}


def test_an_attached_file_or_list_value_works_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "net.txt").write_text("x*y\nx+y\n")
    monkeypatch.chdir(tmp_path)
    document = _json("vjp", "-fnet.txt", "--at", "x=1,y=2", "-w1,0", "-Fjson")
    assert document["vjp"] == {"x": 2.0, "y": 1.0}


@pytest.mark.parametrize(
    ("args", "value"),
    [
        (["grad", "-m*g*h", "--at", "m=2,g=10,h=3"], -60.0),  # -m takes forward|reverse only
        (["eval", "-fx", "--at", "fx=3"], -3.0),  # -fx parses: the expression, not -f x
        (["eval", "-Fx", "--at", "Fx=3"], -3.0),  # x is no format
    ],
)
def test_an_expression_that_starts_with_minus_still_works(args: list[str], value: float) -> None:
    assert _json(*args, "--format", "json")["value"] == value


def test_an_unknown_long_option_gets_a_did_you_mean() -> None:
    result = runner.invoke(app, ["grad", "x", "--at", "x=1", "--fromat", "json"])
    assert result.exit_code == 2
    assert result.stderr == "autodiff: error: no such option: --fromat (did you mean --format?)\n"


def test_dash_capital_v_is_the_version() -> None:
    result = runner.invoke(app, ["-V"])
    assert (result.exit_code, result.stdout) == (0, f"autodiff {autodiff.__version__}\n")


def test_the_short_options_of_all_commands_are_known_to_every_command() -> None:
    group = typer.main.get_command(app)
    found = {
        name
        for command in group.commands.values()  # type: ignore[attr-defined]
        for param in command.params
        for name in [*param.opts, *param.secondary_opts]
        if name.startswith("-") and not name.startswith("--")
    }
    assert found | {"-h"} == SHORT_OPTIONS


@pytest.mark.parametrize(
    "args",
    [["codegen", "x", "-F", "json"], ["eval", "x", "--at", "x=1", "-m", "forward"]],
)
def test_another_commands_short_option_is_an_unknown_option(args: list[str]) -> None:
    result = runner.invoke(app, args)
    option = args[-2]
    assert (result.exit_code, result.stdout) == (2, "")
    assert (
        result.stderr
        == f"autodiff: error: no such option: {option} (see autodiff {args[0]} --help)\n"
    )


# --- every command takes EXPR, - and -f FILE, and -o FILE --------------------------------------

EXPRESSION_COMMANDS = {
    "grad": ["--at", "x=2,y=3"],
    "jacobian": ["--at", "x=2,y=3"],
    "jvp": ["--at", "x=2,y=3", "--dir", "1,0"],
    "vjp": ["--at", "x=2,y=3", "-w", "1"],
    "hessian": ["--at", "x=2,y=3"],
    "hvp": ["--at", "x=2,y=3", "--dir", "1,0"],
    "eval": ["--at", "x=2,y=3"],
    "wengert": [],
    "graph": [],
    "check": ["--at", "x=2,y=3"],
    "diff": [],
    "codegen": [],
}


def test_the_list_of_commands_is_complete() -> None:
    registered = {info.name or info.callback.__name__ for info in app.registered_commands}
    assert set(EXPRESSION_COMMANDS) == registered == set(FORMATS)


@pytest.mark.parametrize("command", EXPRESSION_COMMANDS)
def test_every_command_reads_expr_stdin_and_file_alike_and_writes_to_o(
    command: str, tmp_path: Path
) -> None:
    rest = EXPRESSION_COMMANDS[command]
    (tmp_path / "f.txt").write_text("# a comment\nx*y\n")
    direct = runner.invoke(app, [command, "x*y", *rest])
    from_stdin = runner.invoke(app, [command, "-", *rest], input="x*y\n")
    from_file = runner.invoke(app, [command, "-f", str(tmp_path / "f.txt"), *rest])
    assert direct.exit_code == 0, direct.stderr
    assert from_stdin.stdout == from_file.stdout == direct.stdout
    written = tmp_path / "out.txt"
    to_file = runner.invoke(app, [command, "x*y", *rest, "-o", str(written)])
    assert (to_file.exit_code, to_file.stdout) == (0, "")
    assert written.read_text(encoding="utf-8") == direct.stdout


def test_codegen_dash_f_reads_a_file_not_two_outputs(tmp_path: Path) -> None:
    (tmp_path / "g").write_text("x^2\n")
    result = runner.invoke(app, ["codegen", "-f", str(tmp_path / "g")])
    assert result.exit_code == 0, result.stderr
    assert "Generated by autodiff from: x^2\n" in result.stdout  # one output, not -f and g


def test_an_output_file_that_cannot_be_written_is_bad_usage(tmp_path: Path) -> None:
    path = tmp_path / "no such folder" / "out.txt"
    result = runner.invoke(app, ["eval", "x", "--at", "x=1", "-o", str(path)])
    assert result.exit_code == 2
    assert result.stderr == (f"autodiff: error: cannot write {path}: No such file or directory\n")


@pytest.mark.parametrize("command", ["hessian", "hvp"])
def test_hessian_and_hvp_spell_the_trace_option_like_the_others(command: str) -> None:
    rest = EXPRESSION_COMMANDS[command]
    plain = runner.invoke(app, [command, "x^3*y", *rest])
    traced = runner.invoke(app, [command, "x^3*y", *rest, "--trace"])
    untraced = runner.invoke(app, [command, "x^3*y", *rest, "--no-trace"])
    assert {plain.exit_code, traced.exit_code, untraced.exit_code} == {0}
    assert "primal trace" in traced.stdout and "primal trace" not in plain.stdout
    assert untraced.stdout == plain.stdout


# --- one list of formats per command -----------------------------------------------------------


def _format_choices(command: str) -> tuple[str, ...]:
    click_command = typer.main.get_command(app).commands[command]  # type: ignore[attr-defined]
    for param in click_command.params:
        if "--format" in param.opts:
            return tuple(param.type.choices)
    return ()


@pytest.mark.parametrize("command", EXPRESSION_COMMANDS)
def test_the_help_and_the_validation_take_the_formats_of_the_one_list(command: str) -> None:
    assert _format_choices(command) == FORMATS[command]
    help_text = " ".join(runner.invoke(app, [command, "--help"]).stdout.split())
    for fmt in FORMATS[command]:
        assert fmt in help_text
    refused = set(TRACES + DRAWINGS) - set(FORMATS[command]) if FORMATS[command] else ()
    for fmt in refused:
        result = runner.invoke(app, [command, "x*y", *EXPRESSION_COMMANDS[command], "-F", fmt])
        assert result.exit_code == 2 and "invalid value for '--format'" in result.stderr


def test_the_readme_table_of_formats_is_the_one_list() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (`\w+`(?:, `\w+`)*) \| (.+) \|$", readme, flags=re.MULTILINE)
    table: dict[str, tuple[str, ...]] = {}
    for commands, formats in rows:
        for command in re.findall(r"`(\w+)`", commands):
            if command in FORMATS:
                table[command] = tuple(re.findall(r"`(\w+)`", formats.split(":")[0]))
    table["codegen"] = ()  # "none: --lang python or --lang c"
    assert table == FORMATS


# --- --digits ----------------------------------------------------------------------------------

PAPER = ["grad", "log(x1)+x1*x2-sin(x2)", "--at", "x1=2,x2=5"]


@pytest.mark.parametrize("fmt", ["table", "markdown", "latex"])
def test_digits_rounds_the_results_for_people(fmt: str) -> None:
    rounded = runner.invoke(app, [*PAPER, "--digits", "4", "--no-trace", "-F", fmt]).stdout
    full = runner.invoke(app, [*PAPER, "--no-trace", "-F", fmt]).stdout
    assert "11.65" in rounded and "11.652071455223084" not in rounded
    assert "1.716" in rounded and "1.7163378145367738" not in rounded
    assert "11.652071455223084" in full  # without --digits the result is printed in full


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_digits_leaves_machine_formats_in_full(fmt: str) -> None:
    result = runner.invoke(app, [*PAPER, "--digits", "2", "-F", fmt])
    assert "11.652071455223084" in result.stdout and "1.7163378145367738" in result.stdout


# --- narrow terminals --------------------------------------------------------------------------


def _rendered_at_width(command: str, result: object, width: int) -> tuple[str, list[str]]:
    """The table output at ``width`` columns, and every number its tables hold, formatted."""
    from rich.console import Console

    from autodiff.cli.render.options import RenderOptions
    from autodiff.cli.render.sections import build
    from autodiff.cli.render.table import print_sections

    options = RenderOptions()
    sections = build(command, result, options, advise=True)
    out = io.StringIO()
    print_sections(Console(file=out, width=width, highlight=False), sections, options)
    numbers = [
        options.cell(cell, section.precise)
        for section in sections
        for row in section.rows
        for cell in row[len(section.text_columns) :]
        if isinstance(cell, float | int)
    ]
    return out.getvalue(), numbers


def test_a_number_is_never_cut_at_40_columns() -> None:
    from autodiff.core.derivatives import jacobian
    from autodiff.grammar.build import parse

    graph = parse(["x1*x2*1000.123456789", "sin(x1)+x2", "exp(x1*x2)", "x1-x2*733.3421842"])
    result = jacobian(graph, {"x1": -1.7, "x2": 2.3}, "forward", None)
    text, numbers = _rendered_at_width("jacobian", result, 40)
    tokens = set(text.split())
    assert "-733.3421842" in numbers and "2300.2839506146997" in numbers
    assert [n for n in numbers if n not in tokens] == []
    assert "…" not in text


def test_a_table_is_split_only_when_its_numbers_do_not_fit() -> None:
    from autodiff.core.derivatives import jacobian
    from autodiff.grammar.build import parse

    result = jacobian(parse(["x1*x2", "x1+x2"]), {"x1": 1.0, "x2": 2.0}, "forward", None)
    wide, _ = _rendered_at_width("jacobian", result, 80)
    narrow, _ = _rendered_at_width("jacobian", result, 30)
    tangent_tables = [
        sum(line.startswith(" tangent ") for line in text.splitlines()) for text in (wide, narrow)
    ]
    assert tangent_tables == [1, 2]  # one column ẋ1=1, ẋ2=1 per table at 30 columns


# --- NumPy: a dependency, imported only for batches --------------------------------------------


def test_numpy_is_a_regular_dependency() -> None:
    """``pip install autodiff-cli`` gives --points; no extra is needed."""
    requirements = importlib.metadata.requires("autodiff-cli") or []
    unconditional = [r for r in requirements if ";" not in r]
    assert any(re.match(r"numpy\b", r) for r in unconditional), requirements


def test_the_headline_does_not_import_numpy() -> None:
    probe = (
        "import sys\n"
        "from autodiff.cli.app import main\n"
        f"sys.argv = ['autodiff', *{PAPER[:4]!r}, '-F', 'json']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('numpy' in sys.modules, file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=ENV, check=True
    )
    assert done.stderr == "False\n" and '"gradient"' in done.stdout


# --- every formula diff prints reads back in -----------------------------------------------------

# The kinks, where the derivative diff prints must take the table's convention.
KINK_CASES = [("abs", (0.0,)), ("relu", (0.0,)), ("sign", (0.0,)), ("max", (0.7, 0.7))]
KINK_CASES += [("min", (-0.2, -0.2))]


def _derivatives_read_back(text: str, at: dict[str, float]) -> list[tuple[str, float, float]]:
    """Each ∂y/∂x diff prints for ``text``, parsed back and evaluated at ``at``, beside the
    reverse-mode derivative there."""
    from autodiff.core.derivatives import evaluate, gradient
    from autodiff.core.symbolic import differentiate
    from autodiff.grammar.build import parse

    graph = parse(text)
    point = {name: at[name] for name in graph.input_names}
    expected = gradient(graph, point).gradient
    derivatives = differentiate(graph)
    found = []
    for column, ad in enumerate(expected):
        formula = derivatives.text(0, column)
        back = parse(formula)
        value = evaluate(back, {name: at[name] for name in back.input_names}).outputs[0]
        found.append((formula, value, ad))
    return found


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_every_derivative_diff_prints_reads_back_with_the_ad_value(
    case: tuple[str, tuple[float, ...]],
) -> None:
    name, point = case
    at = dict(zip(("a", "b"), point))
    for formula, value, ad in _derivatives_read_back(expression_for(name), at):
        assert math.isclose(value, ad, rel_tol=1e-9, abs_tol=1e-12), (formula, value, ad)


@pytest.mark.parametrize("case", KINK_CASES, ids=_case_id)
def test_derivatives_at_a_kink_read_back_with_the_tables_convention(
    case: tuple[str, tuple[float, ...]],
) -> None:
    name, point = case
    text = f"{name}({', '.join(['a', 'b'][: len(point)])})"
    for formula, value, ad in _derivatives_read_back(text, dict(zip(("a", "b"), point))):
        assert value == ad, (formula, value, ad)
