"""Output formats and input sources: CSV/TSV, JSON Lines, Markdown, LaTeX, stdin, -f FILE."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import HEADLINE, PAPER_EXPRESSION, PAPER_GRADIENT, PAPER_VALUE, pdflatex_errors, run

COMMANDS = [
    ["eval", PAPER_EXPRESSION, "--at", "x1=2,x2=5"],
    HEADLINE,
    ["grad", PAPER_EXPRESSION, "--at", "x1=2,x2=5", "-m", "forward"],
    ["jacobian", "x1*x2", "sin(x1)+x2", "--at", "x1=1,x2=2"],
    ["jacobian", "x1*x2", "sin(x1)+x2", "--at", "x1=1,x2=2", "-m", "reverse"],
    ["jvp", "x1*x2", "sin(x1)", "--at", "x1=1,x2=2", "--dir", "1,0"],
    ["vjp", "x1*x2", "sin(x1)", "--at", "x1=1,x2=2", "-w", "1,1"],
    ["hessian", "(1-x)^2 + 100*(y-x^2)^2", "--at", "x=-1.2,y=1", "--trace"],
    ["hvp", "(1-x)^2 + 100*(y-x^2)^2", "--at", "x=-1.2,y=1", "--dir", "1,0", "--trace"],
    ["wengert", "x*y + sin(x*y)"],
]


def test_csv_is_one_row_per_result_at_full_precision() -> None:
    code, out, err = run(*HEADLINE, "--format", "csv")
    assert (code, err) == (0, "")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 1
    assert float(rows[0]["value"]) == PAPER_VALUE
    assert (float(rows[0]["d/dx1"]), float(rows[0]["d/dx2"])) == PAPER_GRADIENT


def test_csv_trace_is_one_row_per_node() -> None:
    _, out, _ = run(*HEADLINE, "--format", "csv", "--trace")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [row["id"] for row in rows] == ["-1", "0", "1", "2", "3", "4", "5"]
    assert rows[1]["adjoint"] == repr(PAPER_GRADIENT[1]) and rows[3]["args"] == "-1 0"
    _, out, _ = run(*HEADLINE, "--format", "tsv", "--trace", "-m", "forward")
    header, *body = [line.split("\t") for line in out.splitlines()]
    assert "tangent_x1" in header and len(body) == 7
    assert body[2][header.index("tangent_x1")] == "0.5"


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv", "tsv", "markdown", "latex"])
def test_every_command_speaks_every_format(args: list[str], fmt: str) -> None:
    code, out, err = run(*args, "--format", fmt)
    assert code == 0, err
    assert out.strip() and "\x1b[" not in out
    if fmt == "json":
        json.loads(out, parse_constant=lambda token: pytest.fail(token))
    elif fmt == "jsonl":
        assert len(out.strip().splitlines()) == 1 and json.loads(out)["command"] == args[0]
    elif fmt in ("csv", "tsv"):
        rows = list(csv.reader(io.StringIO(out), delimiter="," if fmt == "csv" else "\t"))
        assert len({len(row) for row in rows}) == 1 and len(rows) >= 2
    elif fmt == "markdown":
        tables = [line for line in out.splitlines() if line.startswith("|")]
        assert tables and all(line.endswith("|") for line in tables)
        assert any(set(line) <= set("|-: ") for line in tables)  # a header rule
    elif fmt == "latex":
        assert out.isascii() and out.count(r"\begin{tabular}") == out.count(r"\end{tabular}")


def test_markdown_escapes_pipes() -> None:
    _, out, _ = run("wengert", "abs(x)", "--format", "markdown")
    assert r"\|v₀\|" in out


def test_latex_uses_the_paper_notation() -> None:
    _, out, _ = run(*HEADLINE, "--format", "latex")
    for fragment in [
        r"$v_{-1}$",
        r"$\ln v_{-1}$",
        r"$\bar{v}_{0}$ & $\mathrel{+}=$",
        r"$\bar{v}_{3}\times \cos v_{0}$",
        r"$\frac{\partial y}{\partial x_{2}}$ & $1.7163378145367738$",
    ]:
        assert fragment in out
    _, out, _ = run(*HEADLINE, "--format", "latex", "-m", "forward")
    assert r"$\dot{v}_{1}$ & $\dot{v}_{-1}/v_{-1}$" in out


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_latex_compiles_with_a_plain_preamble(args: list[str], tmp_path: Path) -> None:
    _, out, _ = run(*args, "--format", "latex")
    assert pdflatex_errors(out, tmp_path) == ""


def test_no_trace_in_json_keeps_the_results() -> None:
    doc = json.loads(run(*HEADLINE, "--format", "json", "--no-trace")[1])
    assert "trace" not in doc and "adjoint_steps" not in doc
    assert doc["value"] == PAPER_VALUE


def test_expression_from_stdin_and_files(tmp_path: Path) -> None:
    code, out, _ = run(
        "grad", "-", "--at", "x1=2,x2=5", "-F", "json", stdin=PAPER_EXPRESSION + "\n"
    )
    assert code == 0 and json.loads(out)["value"] == PAPER_VALUE
    listing = tmp_path / "net.txt"
    listing.write_text("# a two-output network\ntanh(1*x1+2*x2+0.5)\n\ntanh(3*x1+4*x2-1)  # y2\n")
    doc = json.loads(run("jacobian", "-f", str(listing), "--at", "x1=0.1,x2=-0.2", "-F", "json")[1])
    assert doc["outputs"] == ["tanh(1*x1+2*x2+0.5)", "tanh(3*x1+4*x2-1)"]
    assert doc["jacobian"][1] == pytest.approx([0.542120, 0.722827], abs=1e-6)


@pytest.mark.parametrize(
    ("args", "stdin", "fragment"),
    [
        (["grad", "-", "--at", "x=1"], "", "no expression on standard input"),
        (["grad", "-f", "/no/such/file"], None, "cannot read the expression file /no/such/file"),
        (["grad", "--at", "x=1"], None, "no expression given"),
        (["grad", "-", "--points", "-"], "x\n1\n", "not both"),
        (["wengert", "x", "--points", "p.csv"], None, "No such option: --points"),
    ],
)
def test_input_errors(args: list[str], stdin: str | None, fragment: str) -> None:
    code, out, err = run(*args, stdin=stdin)
    assert code == 2 and out == ""
    assert fragment.lower() in err.lower()


def _installed() -> list[str]:
    script = shutil.which("autodiff", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "autodiff"]


def test_a_real_pipeline_round_trips_the_headline() -> None:
    # echo "log(x1)+x1*x2-sin(x2)" | autodiff grad - --at x1=2,x2=5 --format json | python -c …
    reader = (
        "import json, sys; d = json.load(sys.stdin); "
        "print(repr(d['value']), repr(d['gradient']['x1']), repr(d['gradient']['x2']))"
    )
    echo = subprocess.Popen(["echo", PAPER_EXPRESSION], stdout=subprocess.PIPE)
    producer = subprocess.Popen(
        [*_installed(), "grad", "-", "--at", "x1=2,x2=5", "--format", "json"],
        stdin=echo.stdout,
        stdout=subprocess.PIPE,
    )
    consumer = subprocess.run(
        [sys.executable, "-c", reader],
        stdin=producer.stdout,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert producer.wait(timeout=60) == 0 and echo.wait(timeout=60) == 0
    assert consumer.stdout.split() == [repr(PAPER_VALUE), *map(repr, PAPER_GRADIENT)]


def test_piped_table_has_no_ansi_codes() -> None:
    proc = subprocess.run(
        [*_installed(), *HEADLINE], capture_output=True, text=True, encoding="utf-8", check=True
    )
    assert "\x1b[" not in proc.stdout and "v̄₀" in proc.stdout
