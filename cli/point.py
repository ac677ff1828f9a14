"""``--at x1=2,x2=pi/4``: the point, parsed without ``eval``.

A value is any constant expression of the grammar (``2``, ``-1.5e3``, ``pi/4``, ``sqrt(2)``),
folded by the same parser and primitive table as the function itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from autodiff.core.errors import AutodiffError, PointError
from autodiff.core.graph import Const
from autodiff.grammar.build import parse

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def split_top_level(text: str, sep: str = ",") -> list[str]:
    """Split on ``sep`` outside parentheses, so ``x=atan2(1,2)`` stays whole."""
    parts, depth, start = [], 0, 0
    for pos, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:pos])
            start = pos + 1
    parts.append(text[start:])
    return parts


def constant_value(text: str, name: str) -> float:
    """The value of a constant expression, or a ``PointError`` saying why it is not one."""
    try:
        graph = parse(text)
    except AutodiffError as error:
        raise PointError(
            f"the value of {name} is not a number: {text!r} ({error.message})"
        ) from None
    output = graph.outputs[0]
    if not isinstance(output, Const):
        raise PointError(f"the value of {name} is not a number: {text!r}")
    return output.value


def parse_point(specs: Iterable[str], option: str = "--at") -> dict[str, float]:
    """``["x1=2,x2=5", "x3=1"]`` → ``{"x1": 2.0, "x2": 5.0, "x3": 1.0}``."""
    point: dict[str, float] = {}
    for spec in specs:
        for item in split_top_level(spec):
            if not item.strip():
                continue
            name, eq, value = item.partition("=")
            name, value = name.strip(), value.strip()
            if not eq or not value:
                raise PointError(f"expected NAME=VALUE in {option}, got {item.strip()!r}")
            if not _NAME.match(name):
                raise PointError(f"{name!r} is not a valid variable name in {option}")
            if name in point:
                raise PointError(f"{name} is given more than once in {option}")
            point[name] = constant_value(value, name)
    return point


def parse_vector(specs: Iterable[str], option: str) -> list[float] | dict[str, float]:
    """``--dir 1,0`` (positional, in input order) or ``--dir x1=1,x2=0`` (named)."""
    items = [item.strip() for spec in specs for item in split_top_level(spec) if item.strip()]
    if not items:
        raise PointError(f"{option} needs numbers: e.g. {option} 1,0 or {option} x1=1")
    if any("=" in item for item in items):
        return parse_point([",".join(items)], option)
    return [constant_value(item, f"{option} entry {n}") for n, item in enumerate(items, start=1)]


def align(
    vector: list[float] | dict[str, float], names: tuple[str, ...], option: str
) -> list[float]:
    """A named vector in the order of ``names`` (unnamed entries are 0); a list as it is."""
    if isinstance(vector, list):
        return vector
    unknown = [name for name in vector if name not in names]
    if unknown:
        raise PointError(f"{option} {unknown[0]}: not one of the inputs {', '.join(names)}")
    return [vector.get(name, 0.0) for name in names]
