"""``Node`` and ``Span`` set their fields through their slots (speed): they must stay the frozen
dataclasses they were: equal and hashed by value, immutable, usable with ``dataclasses``."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from autodiff.core.errors import Span
from autodiff.core.graph import Const, Node


def test_span_is_a_frozen_value() -> None:
    span = Span(1, 4, 2)
    assert (span.start, span.end, span.expr) == (1, 4, 2)
    assert span == Span(start=1, end=4, expr=2) and hash(span) == hash(Span(1, 4, 2))
    assert Span(1, 4) == Span(1, 4, 0) != span
    assert repr(Span(1, 4)) == "Span(start=1, end=4, expr=0)"
    with pytest.raises(dataclasses.FrozenInstanceError):
        span.start = 0  # type: ignore[misc]
    assert dataclasses.replace(span, expr=0) == Span(1, 4)
    assert copy.deepcopy(span) == span
    assert not hasattr(span, "__dict__")


def test_node_is_a_frozen_value() -> None:
    node = Node("mul", (0, Const(2.0)), None, Span(0, 3), 1)
    assert node == Node(op="mul", operands=(0, Const(2.0)), span=Span(0, 3), level=1)
    assert hash(node) == hash(Node("mul", (0, Const(2.0)), None, Span(0, 3), 1))
    assert Node("input", name="x") == Node("input", (), "x", None, 0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        node.level = 2  # type: ignore[misc]
    assert [f.name for f in dataclasses.fields(node)] == ["op", "operands", "name", "span", "level"]
    assert dataclasses.replace(node, level=2).level == 2 and node.level == 1
    assert dataclasses.astuple(Node("input", name="x")) == ("input", (), "x", None, 0)
    assert copy.deepcopy(node) == node
    match node:
        case Node("mul", (a, _)):
            assert a == 0
        case _:
            pytest.fail("Node lost its match arguments")
