"""The README's examples are real: each `$ autodiff …` block is the tool's actual output."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autodiff.cli.app import app

README = Path(__file__).parent.parent / "README.md"


def console_examples() -> list[tuple[str, str]]:
    """(command, expected stdout + stderr) for each `$ autodiff` line of a console block."""
    examples = []
    for block in re.findall(r"```console\n(.*?)```", README.read_text(encoding="utf-8"), re.S):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, _, output = chunk.partition("\n")
            examples.append((command, output))
    return examples


@pytest.mark.parametrize(("command", "expected"), console_examples())
def test_readme_console_examples(command: str, expected: str) -> None:
    args = shlex.split(command)
    assert args[0] == "autodiff"
    result = CliRunner().invoke(app, args[1:])
    actual = "".join(line.rstrip() + "\n" for line in (result.stdout + result.stderr).splitlines())
    assert actual == expected
    # An example showing an error exits with 1 (math) or 2 (input), never 3 (a bug); else 0.
    assert result.exit_code in ((1, 2) if "autodiff: error" in expected else (0,))


def test_readme_starts_with_the_two_setup_commands() -> None:
    blocks = re.findall(r"```sh\n(.*?)\n```", README.read_text(encoding="utf-8"), re.S)
    assert 'pip install . && autodiff grad "log(x1)+x1*x2-sin(x2)" --at x1=2,x2=5' in blocks[0]
    assert blocks[1].endswith('pip install ".[test]" && pytest')


def test_ci_installs_as_the_readme_says() -> None:
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    for line in [
        "pip install .",
        'autodiff grad "log(x1)+x1*x2-sin(x2)" --at x1=2,x2=5',
        'pip install ".[test]"',
        "pytest",
    ]:
        assert line in ci
