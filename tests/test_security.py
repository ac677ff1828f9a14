"""Hostile input: nothing the user types is ever executed, and nothing crashes the tool.

Expressions and points are parsed by the grammar alone (no ``eval``): code, attribute access,
format strings and shell syntax are errors in the text (exit 2), enormous numbers are refused
or overflow with a message (exit 1 or 2), and deep nesting is only a long input. A scan of the
package's source keeps it that way.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fuzz_strategies import check_error, run

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIRS = ("core", "grammar", "cli", "api")


def _payloads(sentinel: Path) -> list[str]:
    """Expressions that would create ``sentinel`` if anything evaluated them as code or shell."""
    touch = f"touch {sentinel}"
    return [
        f"__import__('os').system('{touch}')",
        f'__import__("os").system("{touch}")',
        f"exec(\"open('{sentinel}', 'w')\")",
        f"eval(\"open('{sentinel}', 'w')\")",
        f"open('{sentinel}', 'w')",
        f"x; import os; os.system('{touch}')",
        "x.__class__.__bases__[0].__subclasses__()",
        "x.__class__",
        "().__class__.__mro__",
        "x.real",
        "x; y",
        "{x}",
        "{0.__class__}",
        "%s",
        "%(x)s",
        "f'{x}'",
        "lambda: 0",
        "lambda x: x",
        "`x`",
        f"$({touch})",
        f"`{touch}`",
        f"x && {touch}",
        f"x | {touch}",
        f"x > {sentinel}",
        "x # comment",
        "[x for x in ()]",
        "x if x else y",
        "x == 1",
    ]


@pytest.mark.parametrize("command", ["grad", "eval", "hessian", "jacobian"])
def test_code_in_an_expression_is_an_error_and_never_runs(command: str, tmp_path: Path) -> None:
    sentinel = tmp_path / "pwned"
    for text in _payloads(sentinel):
        outcome = run([command, text, "--at", "x=1,y=2"])
        assert outcome.code == 2, (text, outcome)
        assert outcome.stdout == ""
        check_error(outcome.stderr, outcome.code, [text], ascii_only=False)
    assert not sentinel.exists()


def test_code_in_a_point_or_an_option_is_an_error_and_never_runs(tmp_path: Path) -> None:
    sentinel = tmp_path / "pwned"
    for payload in _payloads(sentinel):
        for argv in (
            ["grad", "x*y", "--at", f"x={payload},y=2"],
            ["grad", "x*y", "--at", "x=1,y=2", "--wrt", payload],
            ["hvp", "x*y", "--at", "x=1,y=2", "--dir", payload],
        ):
            outcome = run(argv)
            assert outcome.code == 2, (argv, outcome)
            assert outcome.stdout == "" and outcome.stderr.startswith("autodiff: error")
    assert not sentinel.exists()


BIG_NUMBER = "1" + "0" * 10**6  # a million digits, 1e1000000


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1e99999", 2),
        ("1e99999 * x", 2),
        ("9**9**9**9", 1),
        ("9^9^9^9 * x", 1),
        ("x^9^9^9", 1),
        ("exp(exp(exp(x)))", 1),
        (BIG_NUMBER, 2),
        (f"x * {BIG_NUMBER}", 2),
        ("0." + "0" * 10**6 + "1 * x", 0),  # 1e-1000001 is 0.0: an underflow, not an error
        ("sin(" * 10_000 + "x" + ")" * 10_000, 0),
        ("(" * 10_000 + "x" + ")" * 10_000, 0),
        ("-" * 10_000 + "x", 0),
        ("x^" * 10_000 + "x", 1),
        ("sin(" * 10_000 + "x" + ")" * 9_999, 2),
    ],
    ids=lambda value: value[:16] if isinstance(value, str) else str(value),
)
def test_enormous_and_deep_inputs_never_crash(text: str, code: int) -> None:
    outcome = run(["grad", "--at", "x=2", "--no-trace", "--format", "json", "--", text])
    assert outcome.code == code, outcome.stderr[:300]
    if code:
        check_error(outcome.stderr, code, [text], ascii_only=False)


# Found by this file: a message repeated a huge token in full (a million digits on one line).


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["eval", BIG_NUMBER], id="number"),
        pytest.param(["eval", "a" * 10**6 + "(x)"], id="function-name"),
        pytest.param(["eval", "x", "--at", "x=" + BIG_NUMBER], id="point"),
    ],
)
def test_a_huge_token_gives_a_short_message(argv: list[str]) -> None:
    outcome = run(argv)
    assert outcome.code == 2
    assert max(len(line) for line in outcome.stderr.splitlines()) <= 1000


# The library never turns text into code, nor unpickles anything. Not an allow-list: none of
# these has a legitimate use in the package (re.compile is fine: the pattern is a method call).
FORBIDDEN = re.compile(
    r"(?<![\w.])(eval|exec|compile)\s*\(|pickle|marshal|shelve|__import__"
    r"|os\.system|os\.popen|shell\s*=\s*True"
)


def test_the_source_has_no_eval_exec_or_pickle() -> None:
    files = sorted(p for d in PACKAGE_DIRS for p in (ROOT / d).rglob("*") if p.is_file())
    sources = [p for p in files if p.suffix in (".py", ".lark")]
    assert len(sources) >= 10, "the scan found too few files: has the layout changed?"
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sources
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if FORBIDDEN.search(line)
    ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    "line",
    ["eval(text)", "x = exec (code)", "compile(src, 'f', 'exec')", "import pickle", "__import__"],
)
def test_the_scan_would_notice(line: str) -> None:
    assert FORBIDDEN.search(line)
    assert not FORBIDDEN.search("pattern = re.compile(r'x')  # ast.literal_eval(s)")
