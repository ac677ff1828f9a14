"""Property tests on random expressions: both modes agree, and agree with finite differences.

The expressions come from ``strategies.py``. Points where an expression is not computable (a
``MathError``) or is huge are skipped.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Mapping, Sequence

from hypothesis import assume, example, given, reject
from hypothesis import strategies as st
from strategies import (
    FD_ABS_TOL,
    FD_REL_TOL,
    LIMIT,
    ORIGIN,
    SETTINGS,
    STEP,
    TINY,
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

from autodiff.core.derivatives import Gradient, evaluate, gradient
from autodiff.core.errors import MathError
from autodiff.core.graph import Const, Graph
from autodiff.grammar.build import parse


def _moderate(*numbers: float) -> bool:
    return all(math.isfinite(v) and abs(v) <= LIMIT for v in numbers)


def _both_modes(graph: Graph, at: Mapping[str, float]) -> tuple[Gradient, Gradient]:
    """Reverse and forward gradients at a point where both are computable and moderate."""
    assume(graph.n_inputs > 0)  # a constant expression has an empty gradient
    try:
        reverse = gradient(graph, at, mode="reverse")
        forward = gradient(graph, at, mode="forward")
    except MathError:
        reject()
    assume(_moderate(*reverse.evaluation.values, *reverse.gradient, *forward.gradient))
    return reverse, forward


def _path_sums(result: Gradient) -> list[float]:
    """Per input, the sum over paths to the one output of |product of the local partials|."""
    return path_sums(result.graph, result.partials)[0]


def _underflows(graph: Graph, values: Sequence[float]) -> bool:
    """Whether some value is tiny, or a product, quotient or power of nonzero numbers is 0.

    There the primal has lost information the derivative rules rely on (``ans`` of
    ``x^2 / x`` is 0 at x = 1e-308, so the quotient rule drops a term), so the gradient of the
    computed function is not the gradient of the mathematical one.
    """
    for node, value in zip(graph.nodes, values):
        if value != 0.0 and abs(value) < TINY:
            return True
        if value == 0.0 and node.op in ("mul", "div", "pow"):
            args = [a.value if isinstance(a, Const) else values[a] for a in node.operands]
            if all(args):
                return True
    return False


def _central_differences(graph: Graph, at: Mapping[str, float]) -> list[float]:
    """∂y/∂x by central differences, at points where they are a trustworthy reference."""
    branches = branch_signature(graph, evaluate_or_reject(graph, at).values)
    estimates = []
    for name in graph.input_names:
        h = STEP * max(1.0, abs(at[name]))
        samples: dict[int, tuple[float, float]] = {}
        for k in (-2, -1, 1, 2):
            shifted = {**at, name: at[name] + k * h}
            evaluation = evaluate_or_reject(graph, shifted)
            assume(branch_signature(graph, evaluation.values) == branches)
            samples[k] = (shifted[name], evaluation.value)
        fine, coarse = (
            (samples[k][1] - samples[-k][1]) / (samples[k][0] - samples[-k][0]) for k in (1, 2)
        )
        # Where doubling the step moves the estimate, the quotient has not converged (a pole
        # or rounding noise nearby).
        assume(abs(fine - coarse) <= 1e-7 * max(1.0, abs(fine)))
        estimates.append(fine)
    return estimates


def _spaced(text: str, gap: str) -> str:
    """The same expression with ``gap`` around every operator and bracket, ``^`` as ``**``."""
    return re.sub(r"\s*(\*\*|[-+*/^(),])\s*", lambda m: gap + m.group(1) + gap, text).replace(
        "^", "**"
    )


def _shape(graph: Graph) -> tuple[object, ...]:
    """The graph without source positions: ops, operands, input names, outputs."""
    nodes = tuple((node.op, node.operands, node.name, node.level) for node in graph.nodes)
    return nodes, graph.n_inputs, graph.outputs


@SETTINGS
@given(text=expressions, point=points)
@example(text=ZERO_TIMES_NAN, point=ORIGIN)
def test_forward_mode_matches_reverse_mode(text: str, point: dict[str, float]) -> None:
    graph = parse_or_reject(text)
    reverse, forward = _both_modes(graph, at_point(graph, point))
    assert forward.evaluation.values == reverse.evaluation.values
    assert len(reverse.gradient) == len(forward.gradient) == graph.n_inputs
    rounding = 4 * len(graph.nodes) * sys.float_info.epsilon
    for name, r, f, paths in zip(
        graph.input_names, reverse.gradient, forward.gradient, _path_sums(reverse)
    ):
        assert close(r, f, 1e-12, rounding * paths), (name, r, f)


@SETTINGS
@given(text=expressions, point=points)
@example(text=ZERO_TIMES_NAN, point=ORIGIN)
def test_gradient_matches_central_differences(text: str, point: dict[str, float]) -> None:
    graph = parse_or_reject(text)
    at = at_point(graph, point)
    reverse, forward = _both_modes(graph, at)
    # Skip points where the partials along the paths are huge and cancel, or where the primal
    # underflowed: there rounding, not the rules, decides the result (x + x/x at x = 1e-300
    # gives 0 in reverse mode).
    assume(_moderate(*_path_sums(reverse)))
    assume(not _underflows(graph, reverse.evaluation.values))
    numeric = _central_differences(graph, at)
    for mode, result in (("reverse", reverse), ("forward", forward)):
        for name, got, expected in zip(graph.input_names, result.gradient, numeric):
            assert math.isclose(got, expected, rel_tol=FD_REL_TOL, abs_tol=FD_ABS_TOL), (
                mode,
                name,
                got,
                expected,
            )


@SETTINGS
@given(text=expressions, other=expressions)
def test_graph_is_valid_and_parsing_is_deterministic(text: str, other: str) -> None:
    graph = parse_or_reject(text)
    graph.validate()
    used = set(re.findall(r"\bx[123]\b", text))
    assert set(graph.input_names) == used
    assert list(graph.input_names) == sorted(used, key=lambda name: int(name[1:]))
    try:
        parse(other)  # nothing from another parse may leak into the next one
    except MathError:
        pass
    again = parse(text)
    assert again == graph
    assert again.sources == (text,)


@SETTINGS
@given(text=expressions, point=points, gap=st.sampled_from([" ", "  ", "\t", " \n "]))
def test_whitespace_and_spelling_do_not_change_the_gradient(
    text: str, point: dict[str, float], gap: str
) -> None:
    graph = parse_or_reject(text)
    spaced = parse(_spaced(text, gap))
    assert _shape(spaced) == _shape(graph)
    at = at_point(graph, point)
    reverse, forward = _both_modes(graph, at)
    assert gradient(spaced, at, mode="reverse").gradient == reverse.gradient
    assert gradient(spaced, at, mode="forward").gradient == forward.gradient
    assert evaluate(spaced, at).value == reverse.evaluation.value


def test_path_sums_are_finite_behind_a_zero_factor() -> None:
    graph = parse(ZERO_TIMES_NAN)
    result = gradient(graph, {"x1": 0.0})
    assert result.gradient == (0.0,)
    assert any(math.isnan(d) for row in result.partials for d in row)  # atan2's, at (0, 0)
    assert path_sums(graph, result.partials) == [[0.0]]
