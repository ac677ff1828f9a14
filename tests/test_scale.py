"""Scale: long chains, long products, deep parentheses and a large random-looking sum parse and
differentiate; forward mode agrees with reverse mode, and both with a plain loop over the terms.

The CI sizes run by default; the issue's sizes are marked slow (``pytest -m slow``).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import pytest

from autodiff.core.derivatives import gradient
from autodiff.grammar.build import parse

slow = pytest.mark.slow
Case = tuple[str, dict[str, float], float, list[float]]  # text, point, value, gradient


def unary_chain(n: int) -> Case:
    """sin(sin(…sin(x)…)), n deep; the derivative is the product of the cosines on the way."""
    x = value = 0.5
    slope = 1.0
    for _ in range(n):
        slope *= math.cos(value)
        value = math.sin(value)
    return "sin(" * n + "x" + ")" * n, {"x": x}, value, [slope]


def long_product(n: int) -> Case:
    """x1 * x2 * … over ten inputs near 1, n factors in all."""
    point = {f"x{j}": 1.0 + (j + 1) * 1e-6 for j in range(10)}
    names = [f"x{i % 10}" for i in range(n)]
    value = math.prod(point[name] for name in names)
    counts = [names.count(f"x{j}") for j in range(10)]
    return (
        " * ".join(names),
        point,
        value,
        [c * value / point[f"x{j}"] for j, c in enumerate(counts)],
    )


def nested_parentheses(n: int) -> Case:
    """x + 0.5*(x + 0.5*(x + …)), n deep: the gradient is 2 - 2^-n."""
    return "x + 0.5*(" * n + "x" + ")" * n, {"x": 3.0}, 3.0 * (2 - 0.5**n), [2 - 0.5**n]


def terms_sum(n: int) -> Case:
    """Σ c·sin(a·xᵢ)·xⱼ over three inputs: n terms, four nodes each (distinct constants, so
    nothing is shared)."""
    rng = random.Random(n)
    point = {"x1": 0.7, "x2": 1.1, "x3": 1.3}
    text, value, grad = [], 0.0, [0.0, 0.0, 0.0]
    for k in range(n):
        c, a = 1 + k / n, 0.5 + rng.random()
        i, j = rng.randrange(3), rng.randrange(3)
        xi, xj = point[f"x{i + 1}"], point[f"x{j + 1}"]
        text.append(f"{c!r}*sin({a!r}*x{i + 1})*x{j + 1}")
        value += c * math.sin(a * xi) * xj
        grad[i] += c * a * math.cos(a * xi) * xj
        grad[j] += c * math.sin(a * xi)
    return " + ".join(text), point, value, grad


SHAPES: dict[str, Callable[[int], Case]] = {
    "chain": unary_chain,
    "product": long_product,
    "parentheses": nested_parentheses,
    "sum": terms_sum,
}


@pytest.mark.parametrize(
    ("shape", "n"),
    [
        ("chain", 1_000),
        ("product", 1_000),
        ("parentheses", 10_000),
        ("sum", 2_500),  # 10⁴ nodes
        pytest.param("chain", 100_000, marks=slow),
        pytest.param("product", 100_000, marks=slow),
        pytest.param("sum", 250_000, marks=slow),  # 10⁶ nodes
    ],
)
def test_large_inputs_parse_and_differentiate(shape: str, n: int) -> None:
    text, point, value, expected = SHAPES[shape](n)
    graph = parse(text)
    operations = len(graph.nodes) - graph.n_inputs
    assert operations >= n - 1, operations  # n factors are n - 1 products
    reverse = gradient(graph, point, "reverse", record=False)
    forward = gradient(graph, point, "forward")
    assert math.isclose(reverse.evaluation.value, value, rel_tol=1e-9)
    for r, f, e in zip(reverse.gradient, forward.gradient, expected, strict=True):
        assert math.isclose(r, f, rel_tol=1e-9), (r, f)
        assert math.isclose(r, e, rel_tol=1e-9), (r, e)
