"""Property tests of the derivative operators on random functions with several outputs.

Forward columns and reverse rows give the same Jacobian; the dot-product identity
⟨w, J·u⟩ = ⟨Jᵀ·w, u⟩ holds; Hessians are symmetric and match differences of the gradient;
H·u from one sweep is the Hessian times u.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence

from hypothesis import assume, example, given, reject
from hypothesis import strategies as st
from strategies import (
    LIMIT,
    ORIGIN,
    SETTINGS,
    ZERO_TIMES_NAN,
    at_point,
    branch_signature,
    close,
    evaluate_or_reject,
    expressions,
    parse_or_reject,
    path_sums,
    points,
)

from autodiff.core.derivatives import gradient, hessian, hvp, jacobian, jvp, vjp
from autodiff.core.errors import MathError
from autodiff.core.graph import Graph
from autodiff.core.sweeps import local_partials, local_second_partials
from autodiff.grammar.build import parse

unit = st.floats(min_value=-1.0, max_value=1.0, allow_nan=False)
vectors = st.lists(unit, min_size=3, max_size=3)


def _rounding(graph: Graph) -> float:
    return 4 * max(1, len(graph.nodes)) * sys.float_info.epsilon


def _parse_outputs(texts: Sequence[str]) -> Graph:
    try:
        return parse(list(texts))
    except MathError:
        reject()


def _moderate(*numbers: float) -> bool:
    return all(math.isfinite(x) and abs(x) <= LIMIT for x in numbers)


@SETTINGS
@given(texts=st.lists(expressions, min_size=1, max_size=3), point=points)
@example(texts=[ZERO_TIMES_NAN, "x1*x2"], point=ORIGIN)
def test_forward_columns_equal_reverse_rows(texts: list[str], point: dict[str, float]) -> None:
    graph = _parse_outputs(texts)
    assume(graph.n_inputs > 0)
    at = at_point(graph, point)
    try:
        forward = jacobian(graph, at, "forward")
        reverse = jacobian(graph, at, "reverse", record=False)
    except MathError:
        reject()
    assume(_moderate(*forward.evaluation.values))
    slack = _rounding(graph)
    sums = path_sums(graph, forward.partials)
    for k in range(len(graph.outputs)):
        for j in range(graph.n_inputs):
            f, r = forward.matrix[k][j], reverse.matrix[k][j]
            assert close(f, r, slack * sums[k][j], 1e-13), (k, j, f, r)
    auto = jacobian(graph, at, "auto", record=False)
    assert auto.mode == ("forward" if graph.n_inputs <= len(graph.outputs) else "reverse")


@SETTINGS
@given(texts=st.lists(expressions, min_size=1, max_size=3), point=points, u=vectors, w=vectors)
@example(texts=[ZERO_TIMES_NAN], point=ORIGIN, u=[1.0, 0.0, 0.0], w=[1.0, 0.0, 0.0])
def test_dot_product_identity(
    texts: list[str], point: dict[str, float], u: list[float], w: list[float]
) -> None:
    graph = _parse_outputs(texts)
    assume(graph.n_inputs > 0)
    at = at_point(graph, point)
    n, m = graph.n_inputs, len(graph.outputs)
    u, w = u[:n], w[:m]
    try:
        Ju = jvp(graph, at, u).product
        wJ = vjp(graph, at, w).product
    except MathError:
        reject()
    lhs = sum(a * b for a, b in zip(w, Ju))
    rhs = sum(a * b for a, b in zip(wJ, u))
    assume(_moderate(lhs, rhs))
    sums = path_sums(graph, local_partials(graph, evaluate_or_reject(graph, at).values))
    scale = sum(abs(w[k]) * sums[k][j] * abs(u[j]) for k in range(m) for j in range(n))
    assert close(lhs, rhs, _rounding(graph) * scale, 1e-12), (lhs, rhs)


@SETTINGS
@given(text=expressions, point=points, u=vectors)
def test_hessian_is_symmetric_and_matches_differences_of_the_gradient(
    text: str, point: dict[str, float], u: list[float]
) -> None:
    graph = parse_or_reject(text)
    assume(graph.n_inputs > 0)
    at = at_point(graph, point)
    try:
        result = hessian(graph, at)
    except MathError:
        reject()
    entries = [h for row in result.matrix for h in row]
    assume(_moderate(*result.evaluation.values, *result.gradient, *entries))
    # Huge local second partials that cancel (x/x at x = 1e-73: ±1e144) leave rounding errors
    # far above the Hessian itself: an ill-conditioned point, not what this test is about.
    seconds = local_second_partials(graph, result.evaluation.values)
    assume(_moderate(*(s for row in seconds for s in row)))
    scale = max(1.0, *map(abs, entries))
    assert result.asymmetry <= 1e-9 * scale
    # H·u from one forward-over-reverse sweep is the Hessian times u.
    n = graph.n_inputs
    product = hvp(graph, at, u[:n]).product
    for i in range(n):
        expected = sum(result.matrix[i][j] * u[j] for j in range(n))
        assert math.isclose(product[i], expected, rel_tol=1e-9, abs_tol=1e-9 * scale)
    # Each column against central differences of the reverse gradient, where they converge.
    pieces = branch_signature(graph, evaluate_or_reject(graph, at).values)
    for j, name in enumerate(graph.input_names):
        estimates = []
        for h in (1e-5, 2e-5):
            grads = []
            for sign in (1, -1):
                shifted = {**at, name: at[name] + sign * h}
                assume(branch_signature(graph, evaluate_or_reject(graph, shifted).values) == pieces)
                try:
                    grads.append(gradient(graph, shifted, record=False).gradient)
                except MathError:
                    reject()
            estimates.append([(p - q) / (2 * h) for p, q in zip(*grads)])
        fine, coarse = estimates
        assume(all(abs(a - b) <= 1e-5 * max(1.0, abs(a)) for a, b in zip(fine, coarse)))
        for i in range(n):
            assert math.isclose(result.matrix[i][j], fine[i], rel_tol=1e-5, abs_tol=1e-5), (
                i,
                j,
                result.matrix[i][j],
                fine[i],
            )
