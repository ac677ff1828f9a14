"""Shared fixtures: the worked example of Baydin et al. (2018), Tables 2–3; and the Hypothesis
profile every property test runs under.

Profiles: ``ci`` is deterministic (the same examples on every run, no example database, no
deadline or timing health check, which a loaded machine fails at random); ``dev`` explores:
new random examples on each run, failures remembered in the local database. ``ci`` is the
default when the ``CI`` environment variable is set, ``dev`` otherwise; ``HYPOTHESIS_PROFILE``
chooses either explicitly. Example counts come from each test's own settings (see
``strategies.py`` for the variables that raise them).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from autodiff.core.graph import Graph
from autodiff.grammar.build import parse

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("dev", deadline=None, max_examples=100)


def _profile() -> tuple[str, str]:
    """The Hypothesis profile to run under, and why."""
    if os.environ.get("HYPOTHESIS_PROFILE"):
        return os.environ["HYPOTHESIS_PROFILE"], "HYPOTHESIS_PROFILE"
    return ("ci", "CI is set") if os.environ.get("CI") else ("dev", "CI is not set")


HYPOTHESIS_PROFILE, PROFILE_REASON = _profile()
settings.load_profile(HYPOTHESIS_PROFILE)


def pytest_report_header() -> str:
    mode = "derandomized" if settings.default.derandomize else "random examples"
    return f"hypothesis profile: {HYPOTHESIS_PROFILE} ({mode}; chosen by {PROFILE_REASON})"


PAPER_EXPRESSION = "log(x1)+x1*x2-sin(x2)"
PAPER_POINT = {"x1": 2.0, "x2": 5.0}
PAPER_VALUE = 11.652071455223084
PAPER_GRADIENT = (5.5, 1.7163378145367738)


@pytest.fixture
def paper_graph() -> Graph:
    return parse(PAPER_EXPRESSION)


GOLDEN = Path(__file__).parent / "golden"


def check_golden(name: str, text: str) -> None:
    """Compare with tests/golden/NAME; AUTODIFF_REGOLD=1 rewrites the file instead."""
    path = GOLDEN / name
    if os.environ.get("AUTODIFF_REGOLD"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def pdflatex_errors(body: str, directory: Path, packages: tuple[str, ...] = ()) -> str:
    """Compile ``body`` in a plain article (with ``packages``) by pdflatex: "" when it compiles,
    else the end of pdflatex's log."""
    uses = "".join(f"\\usepackage{{{p}}}\n" for p in packages)
    source = directory / "doc.tex"
    source.write_text(
        f"\\documentclass{{article}}\n{uses}\\begin{{document}}\n{body}\n\\end{{document}}\n"
    )
    proc = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", source.name],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
    )
    return "" if proc.returncode == 0 else proc.stdout[-2000:]


HEADLINE = ["grad", PAPER_EXPRESSION, "--at", "x1=2,x2=5"]


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    """The command line in-process (Typer's CliRunner): exit status, stdout, stderr."""
    from typer.testing import CliRunner

    from autodiff.cli.app import app

    result = CliRunner().invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr
