"""Trace tables build only the rows --max-rows prints (#15): the cut sections are the same as
cutting fully built ones, in every command, layout and with --work."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

import pytest

from autodiff.cli.render.options import RenderOptions
from autodiff.cli.render.sections import Section, build, limit_rows
from autodiff.core import derivatives as core
from autodiff.grammar.build import parse

AT = {"x": 0.5, "y": 2.0, "z": -1.5}
ONE = ["sin(x*y)*exp(z) + x^2*y - log(y)/z"]
TWO = [*ONE, "x*y*z + cos(x)"]


def _result(command: str) -> Any:
    if command == "wengert":
        return parse(ONE)
    if command == "eval":
        return core.evaluate(parse(ONE), AT)
    if command.startswith("grad"):
        mode = command.removeprefix("grad-")
        return core.gradient(parse(ONE), AT, mode, record=True)  # type: ignore[arg-type]
    if command.startswith("jacobian"):
        mode = command.removeprefix("jacobian-")
        return core.jacobian(parse(TWO), AT, mode, record=True)  # type: ignore[arg-type]
    if command == "jvp":
        return core.jvp(parse(TWO), AT, [1.0, 0.5, -1.0])
    if command == "vjp":
        return core.vjp(parse(TWO), AT, [1.0, 2.0])
    if command == "hvp":
        return core.hvp(parse(ONE), AT, [1.0, 0.5, -1.0])
    return core.hessian(parse(ONE), AT, record=True)


def _shown(sections: list[Section]) -> list[dict[str, Any]]:
    return [asdict(replace(section, unbuilt=0)) for section in sections]


COMMANDS = [
    "wengert",
    "eval",
    "grad-forward",
    "grad-reverse",
    "jacobian-forward",
    "jacobian-reverse",
    "jvp",
    "vjp",
    "hessian",
    "hvp",
]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("paper", [False, True])
@pytest.mark.parametrize("work", [False, True])
@pytest.mark.parametrize("max_rows", [1, 3, 8, 12, 19, 40])
def test_sections_built_to_max_rows_are_the_full_sections_cut(
    command: str, paper: bool, work: bool, max_rows: int
) -> None:
    result = _result(command)
    name = command.partition("-")[0]
    full = build(name, result, RenderOptions(max_rows=10**9, paper=paper, work=work))
    limited = build(name, result, RenderOptions(max_rows=max_rows, paper=paper, work=work))
    assert _shown(limit_rows(limited, max_rows)) == _shown(limit_rows(full, max_rows))


def test_no_trace_builds_only_the_results() -> None:
    sections = build("grad", _result("grad-reverse"), RenderOptions(trace=False))
    assert [section.key for section in sections] == ["result"]
