"""The Python API: documented names, plain dataclasses, and a core free of front-end imports."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import PAPER_EXPRESSION, PAPER_GRADIENT, PAPER_VALUE

import autodiff


def test_top_level_names() -> None:
    graph = autodiff.parse(PAPER_EXPRESSION)
    assert autodiff.evaluate(graph, {"x1": 2, "x2": 5}).value == PAPER_VALUE
    assert autodiff.gradient(graph, {"x1": 2, "x2": 5}).gradient == PAPER_GRADIENT
    assert autodiff.grad is autodiff.gradient
    assert autodiff.hessian(graph, {"x1": 2, "x2": 5}).matrix[0][0] == -0.25
    with pytest.raises(AttributeError):
        autodiff.no_such_name  # noqa: B018


def _modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_core_imports_no_front_end() -> None:
    loaded = _modules_after("import autodiff.core.derivatives, autodiff.core.trace")
    assert not loaded & {"lark", "typer", "rich"}


def test_json_output_does_not_load_rich() -> None:
    code = (
        "import sys\nfrom autodiff.cli.app import app\n"
        "sys.argv = ['autodiff', 'grad', 'x^2', '--at', 'x=1', '-F', 'json']\n"
        "try:\n    app(prog_name='autodiff')\nexcept SystemExit:\n    pass"
    )
    assert "rich.table" not in _modules_after(code)
