"""``check`` and ``diff`` in CSV, TSV, Markdown and LaTeX: the same rows as the terminal's
tables, escaped for their format, and (for ``check``) the same exit status."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PAPER_EXPRESSION, pdflatex_errors, run

CHECK = ["check", "x_1^2*x_2", "--at", "x_1=2,x_2=3"]
SCALAR_CHECK = ["check", "abs(x_1)", "--at", "x_1=1"]
DIFF = ["diff", "sqrt(x_1) + cos(x_1*x_2)^2 + max(x_1, x_2)", "--stats"]
NEW_FORMATS = ["csv", "tsv", "markdown", "latex"]


def assert_sane_latex(out: str) -> None:
    """What pdflatex would trip over, checked without it: non-ASCII, unbalanced braces,
    environments or ``$``, and ``_ ^ % #`` in text mode (a name such as x_1 left unescaped)."""
    assert out.isascii()
    assert re.findall(r"\\begin\{(\w+\*?)\}", out) == re.findall(r"\\end\{(\w+\*?)\}", out)
    plain = re.sub(r"\\.", "", out)  # escapes and commands' first letter: \{ \_ \\ \frac
    depth = 0
    for ch in plain:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    assert depth == 0
    text_mode = re.sub(r"\\begin\{align\*\}.*?\\end\{align\*\}", "", out, flags=re.S)
    for line in text_mode.splitlines():
        segments = re.sub(r"\\.", "", line).split("$")
        assert len(segments) % 2 == 1, line  # every $ closed on its line
        assert not re.search(r"[_^%#]", "".join(segments[::2])), line


def markdown_tables(out: str) -> list[list[str]]:
    tables: list[list[str]] = []
    previous = ""
    for line in out.splitlines():
        if line.startswith("|"):
            if not previous.startswith("|"):
                tables.append([])
            tables[-1].append(line)
        previous = line
    return tables


def assert_sane_markdown(out: str) -> None:
    tables = markdown_tables(out)
    assert tables
    for table in tables:
        widths = {len(re.findall(r"(?<!\\)\|", line)) for line in table}
        assert len(widths) == 1, table  # every row has the header's cells
        assert set(table[1]) <= set("|-: ")  # the header rule
    assert "\x1b[" not in out


# --- check -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_check_delimited_is_one_row_per_method_and_input_at_full_precision(fmt: str) -> None:
    code, out, err = run(*CHECK, "--format", fmt)
    assert (code, err) == (0, "")
    rows = list(csv.DictReader(io.StringIO(out), delimiter="," if fmt == "csv" else "\t"))
    doc = json.loads(run(*CHECK, "--format", "json")[1])
    assert len(rows) == 2 * len(doc["methods"])
    assert list(rows[0]) == [
        "method",
        "label",
        "output",
        "wrt",
        "derivative",
        "ad",
        "error",
        "agrees",
        "h",
        "note",
    ]
    for method in doc["methods"]:
        mine = [row for row in rows if row["method"] == method["method"]]
        assert [row["wrt"] for row in mine] == ["x_1", "x_2"]
        assert [float(row["derivative"]) for row in mine] == method["jacobian"][0]
        assert [float(row["ad"]) for row in mine] == doc["jacobian"][0]
        assert {float(row["error"]) for row in mine} == {method["error"]}
        assert {row["h"] for row in mine} == {"" if method["h"] is None else repr(method["h"])}
        expected = {None: "", True: "true", False: "false"}[method["agrees"]]
        assert {row["agrees"] for row in mine} == {expected}


def test_check_csv_notes_and_skipped_methods() -> None:
    rows = list(csv.DictReader(io.StringIO(run(*SCALAR_CHECK, "-F", "csv")[1])))
    skipped = next(row for row in rows if row["method"] == "complex_step")
    assert skipped["derivative"] == skipped["agrees"] == skipped["error"] == ""
    assert skipped["note"] == "abs is not analytic (v₁ = |v₀|)"


def test_check_csv_with_several_outputs_names_the_output() -> None:
    _, out, _ = run("check", "x1*x2", "sin(x1)", "--at", "x1=1,x2=2", "-F", "csv")
    rows = [row for row in csv.DictReader(io.StringIO(out)) if row["method"] == "forward"]
    assert [(row["output"], row["wrt"]) for row in rows] == [
        ("1", "x1"),
        ("1", "x2"),
        ("2", "x1"),
        ("2", "x2"),
    ]
    assert float(rows[2]["derivative"]) == 0.5403023058681398


@pytest.mark.parametrize("fmt", NEW_FORMATS)
def test_check_exit_status_is_kept_in_every_format(fmt: str) -> None:
    code, out, err = run("check", "x^2", "--at", "x=1", "--tol", "0", "--format", fmt)
    assert code == 1 and out.strip()
    assert "check failed: forward difference error" in err
    code, out, err = run("check", "x^2", "--at", "x=1", "--format", fmt)
    assert (code, err) == (0, "") and out.strip()


def test_check_markdown_has_the_tables_escaped() -> None:
    code, out, _ = run(*SCALAR_CHECK, "--format", "markdown")
    assert code == 0
    assert_sane_markdown(out)
    assert out.startswith("**Derivative check of abs(x\\_1) at x\\_1 = 1**\n")
    assert "| method | h | ∂y/∂x\\_1 | error | agrees |" in out
    assert "| central difference | 1e-1 | 1.0000000000000002 | 2.2e-16 | ✓ |" in out
    assert "| complex step | 1e-100 |  |  | skipped |" in out
    # The notes are lines of their own (hard breaks), with |…| escaped.
    assert "\\\ncomplex step: abs is not analytic (v₁ = \\|v₀\\|)\\\nsymbolic: sign(x\\_1)\n" in out
    assert "**Finite differences by step h**" in out


def test_check_latex_has_the_tables_escaped() -> None:
    code, out, _ = run(*SCALAR_CHECK, "--format", "latex")
    assert code == 0
    assert_sane_latex(out)
    for fragment in [
        r"\textbf{Derivative check of abs(x\_1) at x\_1 = 1}",
        r"method & h & $\frac{\partial y}{\partial x_{1}}$ & error & agrees \\",
        r"central difference & $1 \times 10^{-1}$ & $1.0000000000000002$ & "
        r"$2.2 \times 10^{-16}$ & yes \\",
        r"complex step & $1 \times 10^{-100}$ &  &  & skipped \\",
        r"within -{}-tol 1e-06",
        r"\newline symbolic: sign(x\_1)",
    ]:
        assert fragment in out
    _, out, _ = run(*CHECK, "--format", "latex")
    assert_sane_latex(out)
    assert r"\textbf{Derivative check of x\_1\^{}2*x\_2 at x\_1 = 2, x\_2 = 3}" in out
    assert r"$y = x_{1}^{2}*x_{2}$ & $12$ & $4$ \\" in out  # the Jacobian, in notation


# --- diff --------------------------------------------------------------------------------------


def test_diff_latex_is_an_align_in_math_notation() -> None:
    code, out, err = run("diff", PAPER_EXPRESSION, "--format", "latex")
    assert (code, err) == (0, "")
    assert out == (
        "\\begin{align*}\n"
        "\\frac{\\partial y}{\\partial x_{1}} &= \\frac{1}{x_{1}} + x_{2} \\\\\n"
        "\\frac{\\partial y}{\\partial x_{2}} &= x_{1} - \\cos(x_{2})\n"
        "\\end{align*}\n"
    )


@pytest.mark.parametrize(
    ("expression", "derivative"),
    [
        ("sqrt(x_1)", r"\frac{1}{2 \cdot \sqrt{x_{1}}}"),
        ("x^10", r"10 \cdot x^{9}"),
        ("x^y^2", r"y^{2} \cdot x^{y^{2} - 1} \\"),
        ("(x/2)^3", r"1.5 \cdot (\frac{x}{2})^{2}"),
        ("exp(-x)/x", r"-\frac{\exp(-x)}{x} - \frac{\exp(-x)}{x^{2}}"),
        ("alpha*sigmoid(alpha)", r"\partial \mathit{alpha}} &= \sigma(\mathit{alpha}) + "),
        ("log10(x) + atan2(x, 1)", r"\frac{1}{\ln 10 \cdot x}"),
        ("pi*x", r"\pi"),
        ("1e-7^x", r"(1 \times 10^{-7})^{x}"),
        # asinh' = 1/√(x² + 1) is written 1/hypot(x, 1), which does not overflow at 1e200.
        (
            "cbrt(x) + asinh(x)",
            r"\frac{1}{3 \cdot \sqrt[3]{x}^{2}} + \frac{1}{\mathrm{hypot}(x, 1)}",
        ),
        ("relu(x)", r"[x > 0]"),
    ],
)
def test_diff_latex_notation(expression: str, derivative: str) -> None:
    code, out, _ = run("diff", expression, "--format", "latex")
    assert code == 0 and derivative in out
    assert_sane_latex(out)


def test_diff_latex_stats_notes_and_long_derivatives() -> None:
    code, out, _ = run(*DIFF, "--format", "latex")
    assert code == 0
    assert_sane_latex(out)
    assert r"\frac{\partial y}{\partial x_{2}} &= " in out
    assert "\\end{align*}\nwhere H is the Heaviside step with H(0) = 1/2\n" in out
    assert (
        "\\begin{tabular}{lr}" in out and r"symbolic derivative, written out as a tree & $" in out
    )
    _, out, _ = run("diff", "x1*x2*x3", "y_1", "--max-size", "1", "-F", "latex")
    assert_sane_latex(out)
    assert r"\frac{\partial y_{1}}{\partial x_{1}} &= x_{2} \cdot x_{3}" in out
    assert r"\frac{\partial y_{2}}{\partial y_{1}} &= 1" in out
    product = "*".join(f"x{i}" for i in range(1, 6))
    _, out, _ = run("diff", product, "--max-size", "1", "-F", "latex", "--wrt", "x1")
    assert r"&= \mbox{(3 operations written out: more than -{}-max-size 1)}" in out


def test_diff_markdown_is_a_table_of_code_spans() -> None:
    code, out, err = run("diff", PAPER_EXPRESSION, "--format", "markdown")
    assert (code, err) == (0, "")
    assert out == (
        "**Derivatives of `log(x1)+x1*x2-sin(x2)`**\n\n"
        "| derivative | expression |\n"
        "| --- | --- |\n"
        "| ∂y/∂x1 | `1/x1 + x2` |\n"
        "| ∂y/∂x2 | `x1 - cos(x2)` |\n"
    )
    code, out, _ = run(*DIFF, "--format", "markdown", "--wrt", "x_1")
    assert_sane_markdown(out)
    assert "| ∂y/∂x\\_1 | `1/(2*sqrt(x_1))" in out  # names escaped as text, verbatim as code
    assert "\n\nwhere (1 + sign(u))/2 is the Heaviside step, 1/2 at u = 0\n" in out
    assert "| the function itself (its Wengert list) | 7 |" in out


def test_diff_markdown_marks_a_derivative_too_long_to_print() -> None:
    product = "*".join(f"x{i}" for i in range(1, 6))
    _, out, _ = run("diff", product, "--max-size", "1", "-F", "markdown", "--ascii")
    assert "| dy/dx1 | *(3 operations written out: more than --max-size 1)* |" in out


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_diff_delimited_is_one_row_per_derivative(fmt: str) -> None:
    code, out, err = run("diff", "x_1*y", "sin(x_1)^2", "--format", fmt, "--max-size", "1")
    assert (code, err) == (0, "")
    rows = list(csv.reader(io.StringIO(out), delimiter="," if fmt == "csv" else "\t"))
    assert rows == [
        ["output", "wrt", "expression", "operations"],
        ["1", "x_1", "y", "0"],
        ["1", "y", "x_1", "0"],
        ["2", "x_1", "", "4"],  # 2*sin(x_1)*cos(x_1): more than --max-size 1
        ["2", "y", "0", "0"],
    ]


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_diff_stats_needs_a_format_with_room_for_a_second_table(fmt: str) -> None:
    code, out, err = run(*DIFF, "--format", fmt)
    assert code == 2 and out == ""
    assert f"--stats gives a second table, which {fmt} cannot hold" in err


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
@pytest.mark.parametrize(
    "args",
    [CHECK, SCALAR_CHECK, DIFF, ["diff", "x1*x2*x3", "y_1", "--max-size", "1"]],
    ids=lambda a: " ".join(a[:2]),
)
def test_latex_compiles(args: list[str], tmp_path: Path) -> None:
    # check needs no package; diff's align* is amsmath's.
    _, out, _ = run(*args, "--format", "latex")
    packages = ("amsmath",) if args[0] == "diff" else ()
    assert pdflatex_errors(out, tmp_path, packages) == ""


@pytest.mark.parametrize("fmt", ["csv", "markdown", "latex"])
def test_formats_for_notes_and_programs_do_not_load_rich(fmt: str) -> None:
    code = (
        "import sys\nfrom autodiff.cli.app import app\n"
        f"sys.argv = ['autodiff', 'check', 'x^2', '--at', 'x=1', '-F', {fmt!r}]\n"
        "try:\n    app(prog_name='autodiff')\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "central difference" in out.stdout
    assert "rich.table" not in out.stdout.split()
