"""Issue 18: the trace tables as the lecture slides of Baydin et al. (2018), Tables 2–3, print
them: fixed decimals, worked arithmetic, the x̄ rows, the paper's layout and notation."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import HEADLINE, PAPER_EXPRESSION, check_golden, run

import autodiff
from autodiff.core.derivatives import gradient
from autodiff.core.errors import UsageError
from autodiff.core.notation import format_number
from autodiff.grammar.build import parse


@pytest.mark.parametrize(
    ("x", "decimals", "text"),
    [
        (0.6931471805599453, 3, "0.693"),
        (10.0, 3, "10"),
        (5.5, 3, "5.5"),
        (-0.9589242746631385, 3, "-0.959"),
        (-0.0001, 3, "0"),  # no "-0"
        (1234567.891, 0, "1234568"),
        (1e-9, 3, "0"),
    ],
)
def test_decimals_are_places_after_the_point(x: float, decimals: int, text: str) -> None:
    assert format_number(x, decimals=decimals) == text


def test_decimals_round_traces_and_results_as_the_paper() -> None:
    code, out, _ = run(*HEADLINE, "--decimals", "3")
    assert code == 0
    for line in ["v₁    ln v₋₁      0.693", "v₄    v₁ + v₂    10.693", "∂y/∂x2    1.716"]:
        assert line in out


def test_digits_and_decimals_together_are_bad_usage() -> None:
    code, out, err = run(*HEADLINE, "--decimals", "3", "--digits", "3")
    assert (code, out) == (2, "")
    assert "--digits and --decimals" in err


def _column(out: str, header: str) -> list[str]:
    """The cells of one Markdown column, in order."""
    lines = [line for line in out.splitlines() if line.startswith("| ") and "| ---" not in line]
    start = next(k for k, line in enumerate(lines) if header in line.split(" | "))
    index = [cell.strip() for cell in lines[start].strip("|").split(" | ")].index(header)
    rows = []
    for line in lines[start + 1 :]:
        cells = [cell.strip() for cell in line.strip("|").split(" | ")]
        if len(cells) <= index or cells[0] in ("var", "tangent", "#", ""):
            break
        rows.append(cells[index])
    return rows


def test_work_shows_table_2_primal_arithmetic() -> None:
    _, out, _ = run(*HEADLINE, "--work", "--decimals", "3", "-F", "markdown")
    work = _column(out, "work")
    assert work == ["", "", "ln 2", "2 × 5", "sin 5", "0.693 + 10", "10.693 + 0.959", ""]


def test_work_shows_table_2_tangent_arithmetic() -> None:
    args = ["jvp", PAPER_EXPRESSION, "--at", "x1=2,x2=5", "--dir", "1,0"]
    _, out, _ = run(*args, "--work", "--decimals", "3", "-F", "markdown")
    tangent = out[out.index("Forward tangent trace") :]
    assert _column(tangent, "work") == [
        "",
        "",
        "1/2",
        "1×5 + 0×2",
        "0×cos 5",
        "0.5 + 5",
        "5.5 − 0",
        "",
    ]


def test_work_writes_the_adjoint_local_terms_as_the_paper() -> None:
    _, out, _ = run(*HEADLINE, "--work", "-F", "markdown")
    adjoint = out[out.index("Reverse adjoint trace") :]
    assert _column(adjoint, "work")[:9] == [
        "",
        "v̄₅×1",
        "v̄₅×(−1)",
        "v̄₄×1",
        "v̄₄×1",
        "v̄₃×cos v₀",
        "v̄₂×v₀",
        "v̄₂×v₋₁",
        "v̄₁/v₋₁",
    ]


@pytest.mark.parametrize(
    ("expression", "at", "work"),
    [
        ("x - y", "x=1,y=-2", "1 + 2"),  # a − (−2) reads 1 + 2, as the paper's v₅
        ("x + y", "x=1,y=-2", "1 − 2"),
        ("x * y", "x=1,y=-2", "1 × (−2)"),
        ("sin(x)", "x=-1", "sin (−1)"),
        ("x * pi", "x=2", "2 × π"),
        ("x - y^2", "x=1,y=-2", "1 − 4"),
    ],
)
def test_work_puts_values_in_with_their_signs(expression: str, at: str, work: str) -> None:
    _, out, _ = run("eval", expression, "--at", at, "--work", "-F", "markdown")
    assert f"| {work} |" in out


@pytest.mark.parametrize(
    ("expression", "work"),
    [
        ("atan(x)", "1/(1 + (−2)²)"),  # a power of a negative keeps its brackets and sign
        ("atanh(x/4)", "0.25/(1 − (−0.5)²)"),
        ("x^3", "1×(3·(−2)^(3 − 1))"),
    ],
)
def test_worked_tangent_keeps_the_sign_under_a_power(expression: str, work: str) -> None:
    args = ["jvp", expression, "--at", "x=-2", "--dir", "1", "--work", "-F", "markdown"]
    _, out, _ = run(*args)
    assert f"| {work} |" in out


def test_worked_tangent_keeps_a_product_by_one() -> None:
    # The form comes from the symbolic rule: v̇₋₁×v₀ at v₀ = 1 is 1×1, not a bare 1.
    args = ["jvp", "x*y", "--at", "x=1,y=1", "--dir", "1,0", "--work", "-F", "markdown"]
    _, out, _ = run(*args)
    assert "| 1×1 + 0×1 |" in out


def test_without_work_there_is_no_work_column() -> None:
    for fmt in ("table", "markdown", "latex"):
        _, out, _ = run(*HEADLINE, "-F", fmt)
        assert "work" not in out


def test_sigmoid_is_sigma_in_traces() -> None:
    _, out, _ = run("grad", "sigmoid(x) + softplus(x)", "--at", "x=1")
    assert "σ v₀" in out and "v̄₂×σ v₀" in out
    _, out, _ = run("grad", "sigmoid(x)", "--at", "x=1", "-F", "latex")
    assert r"$\sigma v_{0}$" in out
    _, out, _ = run("grad", "sigmoid(x)", "--at", "x=1", "--ascii")
    assert "sigmoid v0" in out


def test_chain_rule_products_are_times_as_in_the_paper() -> None:
    _, out, _ = run(*HEADLINE, "--mode", "forward")
    assert "v̇₋₁×v₀ + v̇₀×v₋₁" in out and "v̇₀×cos v₀" in out


def test_adjoint_trace_ends_with_the_inputs_adjoints() -> None:
    _, out, _ = run(*HEADLINE, "--decimals", "3", "-F", "markdown")
    adjoint = out[out.index("Reverse adjoint trace") : out.index("Result")]
    rows = [line for line in adjoint.splitlines() if line.startswith("| ")]
    assert rows[-2:] == ["|  | x̄1 | = | v̄₋₁ |  |  | 5.5 |", "|  | x̄2 | = | v̄₀ |  |  | 1.716 |"]


def test_every_reverse_sweep_of_a_jacobian_ends_with_its_inputs_adjoints() -> None:
    args = ["jacobian", "x*y", "x+y", "--at", "x=2,y=3", "-m", "reverse", "-F", "markdown"]
    _, out, _ = run(*args)
    assert out.count("| x̄ | = | v̄₋₁ |  |  | 3 |") == 1  # ∂(xy)/∂x
    assert out.count("| x̄ | = | v̄₋₁ |  |  | 1 |") == 1  # ∂(x+y)/∂x


def test_inputs_choose_the_order_of_v_minus_n_to_v0() -> None:
    _, out, _ = run("eval", "x2*sin(x1)", "--at", "x1=2,x2=5", "--inputs", "x2,x1", "-F", "csv")
    assert out.splitlines()[0] == "x2,x1,value"
    _, out, _ = run("wengert", "x2*sin(x1)", "--inputs", "x2", "-F", "markdown")
    assert "| v₋₁ | x2 |" in out and "| v₀ | x1 |" in out and "| v₁ | sin v₀ |" in out


def test_inputs_not_named_follow_in_natural_order() -> None:
    graph = parse("a + x10 + x2 + b", inputs=["x10"])
    assert graph.input_names == ("x10", "a", "b", "x2")


def test_the_gradient_follows_the_input_order() -> None:
    graph = parse(PAPER_EXPRESSION, inputs=["x2", "x1"])
    assert gradient(graph, {"x1": 2.0, "x2": 5.0}).gradient == (1.7163378145367738, 5.5)


@pytest.mark.parametrize(
    ("order", "message"),
    [
        ("z", "--inputs: z is not a variable of the expression (it uses x1, x2)"),
        ("x1,x1", "--inputs: x1 is named more than once"),
    ],
)
def test_bad_inputs_are_bad_usage(order: str, message: str) -> None:
    code, out, err = run(*HEADLINE, "--inputs", order)
    assert (code, out, err) == (2, "", f"autodiff: error: {message}\n")


def test_the_library_orders_inputs_of_text_not_of_a_graph() -> None:
    with pytest.raises(UsageError, match="keeps its order"):
        autodiff.parse(autodiff.parse("x + y"), inputs=["y"])


def _markdown_rows(out: str) -> list[list[str]]:
    lines = [line for line in out.splitlines() if line.startswith("| ") and "| ---" not in line]
    return [[cell.strip() for cell in line[2:-2].split(" | ")] for line in lines]


def test_paper_layout_reads_the_adjoint_trace_upward_beside_the_primal_trace() -> None:
    _, out, _ = run(*HEADLINE, "--layout", "paper", "--decimals", "3", "-F", "markdown")
    rows = _markdown_rows(out[: out.index("**Result**")])
    assert rows[0] == ["var", "=", "value", "adjoint", "=", "local", "value"]
    assert rows[1] == ["v₋₁", "x1", "2", "x̄1", "v̄₋₁", "", "5.5"]
    assert rows[3] == ["v₁", "ln v₋₁", "0.693", "v̄₋₁", "v̄₋₁ + v̄₁·∂v₁/∂v₋₁", "v̄₋₁ + v̄₁/v₋₁", "5.5"]
    assert rows[8] == ["y", "v₅", "11.652", "v̄₁", "v̄₄·∂v₄/∂v₁", "v̄₄", "1"]
    y_bar = "y\u0304"
    assert rows[-1] == ["", "", "", "v̄₅", y_bar, y_bar, "1"]  # the seed at the bottom
    assert "| --- | --- | ---: | --- | --- | --- | ---: |" in out  # notation left, numbers right


def test_paper_layout_puts_each_tangent_row_beside_its_primal_row() -> None:
    args = ["grad", PAPER_EXPRESSION, "--at", "x1=2,x2=5", "-m", "forward", "--layout", "paper"]
    _, out, _ = run(*args, "-F", "markdown")
    assert out.count("forward tangent trace") == 2  # one per pass
    rows = _markdown_rows(out)[:9]  # the x1 pass: a header, 7 nodes and y
    assert rows[3] == ["v₁", "ln v₋₁", "0.693147", "v̇₁", "v̇₋₁/v₋₁", "0.5"]
    assert rows[8] == ["y", "v₅", "11.6521", "y\u0307", "v̇₅", "5.5"]


def test_paper_layout_in_latex_aligns_notation_left() -> None:
    _, out, _ = run(*HEADLINE, "--layout", "paper", "-F", "latex")
    assert r"\begin{tabular}{llrlllr}" in out


def test_paper_layout_keeps_the_mode_advisor() -> None:
    args = ["jacobian", "x*y", "x+y", "--at", "x=1,y=2", "--layout", "paper"]
    _, out, _ = run(*args)
    assert "Mode advisor" in out and out.count("forward tangent trace") == 2


def test_latex_writes_partials_as_fractions_and_headers_in_math() -> None:
    _, out, _ = run(*HEADLINE, "-F", "latex")
    assert r"$\bar{v}_{5}\cdot \frac{\partial v_{5}}{\partial v_{4}}$" in out
    assert r"$v_i$ & $=$ & value \\" in out
    assert r"\# & $\bar{v}_i$ &  & chain rule & local & term & value \\" in out


def test_latex_rules_off_the_inputs() -> None:
    _, out, _ = run(*HEADLINE, "-F", "latex", "--decimals", "3")
    primal = out[: out.index(r"\end{tabular}")]
    assert "$v_{0}$ & $x_{2}$ & $5$ \\\\\n\\hline\n$v_{1}$ & $\\ln v_{-1}$" in primal


def test_standalone_is_a_whole_document() -> None:
    _, out, _ = run(*HEADLINE, "-F", "latex", "--standalone")
    assert out.startswith("\\documentclass{article}\n")
    assert out.rstrip().endswith("\\end{document}")
    assert out.count("\\begin{document}") == 1 and out.isascii()


def test_standalone_needs_latex() -> None:
    code, out, err = run(*HEADLINE, "--standalone")
    assert (code, out) == (2, "")
    assert "--standalone" in err and "--format latex" in err


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
@pytest.mark.parametrize(
    "args",
    [
        [*HEADLINE, "--layout", "paper", "--work", "--decimals", "3"],
        [*HEADLINE, "-m", "forward", "--layout", "paper", "--work"],
        ["hessian", "sigmoid(x*y) + x^2", "--at", "x=1,y=2", "--trace", "--work"],
    ],
    ids=["table3", "table2", "hessian"],
)
def test_standalone_compiles_with_pdflatex(args: list[str], tmp_path: Path) -> None:
    _, out, _ = run(*args, "-F", "latex", "--standalone")
    (tmp_path / "slides.tex").write_text(out, encoding="ascii")
    proc = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "slides.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert (tmp_path / "slides.pdf").exists()
    log = (tmp_path / "slides.log").read_text(encoding="latin-1")
    assert "Overfull \\hbox" not in log  # the tables fit the page


# Tables 2 and 3 of Baydin et al. (2018) as a lecturer would put them on a slide.
TABLE_2 = ["jvp", PAPER_EXPRESSION, "--at", "x1=2,x2=5", "--dir", "1,0"]
SLIDE = ["--work", "--decimals", "3", "--layout", "paper"]


@pytest.mark.parametrize(
    ("fmt", "suffix"), [("table", "txt"), ("markdown", "md"), ("latex", "tex")]
)
@pytest.mark.parametrize(("table", "args"), [("table2", TABLE_2), ("table3", HEADLINE)])
def test_baydin_tables_golden(table: str, args: list[str], fmt: str, suffix: str) -> None:
    code, out, err = run(*args, *SLIDE, "-F", fmt)
    assert (code, err) == (0, "")
    check_golden(f"baydin_{table}.{suffix}", out)


# The paper's cells, as it prints them, where its notation and ours agree (the paper writes
# 2×5, 0.693+10 and 1×5+0×2 without spaces, −0.284 with a minus sign, x̄₁ with a subscript).
TABLE_2_CELLS = ["ln 2", "0.693", "sin 5", "10.693", "11.652", "1/2", "0×cos 5", "5.5"]
TABLE_3_CELLS = ["5.5", "1.716", "v̄₋₁ + v̄₁/v₋₁", "v̄₀ + v̄₂×v₋₁", "v̄₂×v₀", "v̄₃×cos v₀"]
TABLE_3_CELLS += ["-0.284", "v̄₄×1", "v̄₅×(−1)", "v̄₅×1"]


def test_the_slides_carry_the_papers_cells() -> None:
    _, out, _ = run(*TABLE_2, *SLIDE, "-F", "markdown")
    cells = {cell for row in _markdown_rows(out) for cell in row}
    assert set(TABLE_2_CELLS) <= cells
    _, out, _ = run(*HEADLINE, *SLIDE, "-F", "markdown")
    cells = {cell for row in _markdown_rows(out) for cell in row}
    assert set(TABLE_3_CELLS) <= cells


def test_json_carries_the_work_when_asked() -> None:
    args = ["jvp", PAPER_EXPRESSION, "--at", "x1=2,x2=5", "--dir", "1,0", "--decimals", "3"]
    _, out, _ = run(*args, "--work", "-F", "json")
    trace = json.loads(out)["trace"]
    assert [row["work"] for row in trace][2:] == [
        "ln 2",
        "2 × 5",
        "sin 5",
        "0.693 + 10",
        "10.693 + 0.959",
    ]
    assert trace[3]["tangent_work"] == "1×5 + 0×2"
    _, out, _ = run(*HEADLINE, "--work", "-F", "json")
    assert json.loads(out)["adjoint_steps"][2]["work"] == "v̄₅×(−1)"
    _, out, _ = run(*HEADLINE, "-m", "forward", "--work", "-F", "json")
    assert json.loads(out)["trace"][3]["tangent_work"] == {"x1": "1×5 + 0×2", "x2": "0×5 + 1×2"}
    _, out, _ = run(*HEADLINE, "-F", "json")
    assert "work" not in out
