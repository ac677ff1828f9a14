"""Shared fixtures: the worked example of Baydin et al. (2018), Tables 2–3."""

from __future__ import annotations

import pytest

from autodiff.core.graph import Graph
from autodiff.grammar.build import parse

PAPER_EXPRESSION = "log(x1)+x1*x2-sin(x2)"
PAPER_POINT = {"x1": 2.0, "x2": 5.0}
PAPER_VALUE = 11.652071455223084
PAPER_GRADIENT = (5.5, 1.7163378145367738)


@pytest.fixture
def paper_graph() -> Graph:
    return parse(PAPER_EXPRESSION)
