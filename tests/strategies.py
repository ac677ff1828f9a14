"""Random expressions for the property tests: generated as TEXT, so the grammar is exercised too.

A small recursive tree over x1, x2, x3, a few constants, the arithmetic operators and a selection
of functions, each wrapped so that it stays defined almost everywhere on [-2, 2]³.

Set ``AUTODIFF_PROPERTY_EXAMPLES`` to run more examples than the default, e.g. 5000.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence

from hypothesis import assume, reject, settings
from hypothesis import strategies as st

from autodiff.core.derivatives import Evaluation, evaluate
from autodiff.core.errors import MathError
from autodiff.core.graph import Const, Graph
from autodiff.core.sweeps import Partials
from autodiff.grammar.build import parse

# Only the count: determinism (CI) or exploration (by hand) comes from conftest.py's profile.
SETTINGS = settings(
    max_examples=int(os.environ.get("AUTODIFF_PROPERTY_EXAMPLES", "150")), deadline=None
)

VARIABLES = ("x1", "x2", "x3")
CONSTANTS = ("0.5", "2", "3", "1.5", "0.25", "pi", "e", "(-0.7)", "(-2)")

# {0} is the operand. Exponents are small integers or constants, bases of non-integer powers
# are at least 1, and exp only sees bounded arguments, so values stay moderate.
UNARY = (
    "-({0})",
    "sin({0})",
    "cos({0})",
    "exp(sin({0}))",
    "tanh({0})",
    "sigmoid({0})",
    "atan({0})",
    "softplus({0})",
    "sqrt(1 + ({0})^2)",
    "log(1 + ({0})^2)",
    "ln(1 + ({0})**2)",
    "({0})^2",
    "({0})^3",
    "(1 + ({0})^2)^1.5",
    "(1 + ({0})^2)^-0.5",
    "2^sin({0})",
    "hypot({0}, 0.5)",
    "abs({0})",
    "relu({0})",
)
BINARY = (
    "({0}) + ({1})",
    "({0}) - ({1})",
    "({0}) * ({1})",
    "({0}) / ({1})",
    "({0}) / (1 + ({1})^2)",
    "({0}) / (2 + sin({1}))",
    "(1 + ({0})^2)^sin({1})",
    "atan2({0}, {1})",
    "hypot({0}, {1})",
    "max({0}, {1})",
    "min({0}, {1})",
)


def _sign(x: float) -> int:
    return (x > 0.0) - (x < 0.0)


# Which piece of each piecewise primitive its arguments select. A difference quotient whose
# stencil changes piece anywhere in the graph may straddle a kink (abs, relu, max, min, hypot
# at the origin) or a jump (atan2 across the negative x axis), so it is no reference there.
# For hypot and atan2 the quadrant is a conservative stand-in for "away from the origin and
# the cut". A new piecewise primitive needs an entry here.
BRANCHES: dict[str, Callable[..., object]] = {
    "abs": _sign,
    "relu": _sign,
    "max": lambda a, b: _sign(a - b),
    "min": lambda a, b: _sign(a - b),
    "hypot": lambda a, b: (_sign(a), _sign(b)),
    "atan2": lambda y, x: (_sign(y), _sign(x)),
}

# A NaN local partial (atan2 at the origin) behind a constant zero factor: 0·NaN = 0 in the
# sweeps, and it once made a test's own tolerance NaN (and the test fail) on a fresh clone.
ZERO_TIMES_NAN = "relu(-0.7)*atan2(x1,x1)"
ORIGIN = dict.fromkeys(("x1", "x2", "x3"), 0.0)

LIMIT = 1e6  # skip points where any value or derivative is larger than this
TINY = 1e-150  # and, for finite differences, where a value is this close to underflowing
STEP = 1e-6
FD_REL_TOL = 1e-5
FD_ABS_TOL = 1e-6


def _extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    unary = st.builds(str.format, st.sampled_from(UNARY), children)
    binary = st.builds(str.format, st.sampled_from(BINARY), children, children)
    return unary | binary


# Variables three times as likely as constants, so most expressions depend on something.
leaves = st.sampled_from(VARIABLES * 3 + CONSTANTS)
# A combination at the top keeps the trivial expressions (a lone leaf) rare.
expressions = _extend(st.recursive(leaves, _extend, max_leaves=8))
coordinates = st.floats(min_value=-2.0, max_value=2.0, allow_nan=False, allow_infinity=False)
points = st.fixed_dictionaries({name: coordinates for name in VARIABLES})


def parse_or_reject(text: str) -> Graph:
    """The graph of ``text``; constant folding may overflow, which is not what is tested."""
    try:
        return parse(text)
    except MathError:
        reject()


def at_point(graph: Graph, point: Mapping[str, float]) -> dict[str, float]:
    return {name: point[name] for name in graph.input_names}


def evaluate_or_reject(graph: Graph, at: Mapping[str, float]) -> Evaluation:
    try:
        return evaluate(graph, at)
    except MathError:
        reject()


def branch_signature(graph: Graph, values: Sequence[float]) -> tuple[object, ...]:
    """The branch every piecewise node is on (see ``BRANCHES``)."""
    found = []
    for node in graph.nodes[graph.n_inputs :]:
        if node.op in BRANCHES:
            args = [a.value if isinstance(a, Const) else values[a] for a in node.operands]
            found.append(BRANCHES[node.op](*args))
    return tuple(found)


def path_sums(graph: Graph, partials: Partials) -> list[list[float]]:
    """[output][input]: the sum over paths of |product of the local partials|.

    Two ways of adding up the chain rule (forward and reverse, or AD and the symbolic
    derivative) add the same path products in different orders, so they may differ by a few
    ulps of this sum (times the path length) where large partials cancel. A zero partial cuts
    its paths, as 0·∞ = 0 does in the sweeps: ``relu(-0.7)*atan2(x1, x1)`` at x1 = 0 has a NaN
    partial behind a constant 0 factor, and its sum is 0, not NaN.
    """
    table = []
    for j in range(graph.n_inputs):
        reach = [0.0] * len(graph.nodes)
        reach[j] = 1.0
        for i in range(graph.n_inputs, len(graph.nodes)):
            reach[i] = sum(
                abs(d) * reach[a]
                for a, d in zip(graph.nodes[i].operands, partials[i])
                if isinstance(a, int) and reach[a] != 0.0 and d != 0.0
            )
        table.append([reach[o] if isinstance(o, int) else 0.0 for o in graph.outputs])
    return [list(row) for row in zip(*table)]


def close(a: float, b: float, rel: float, slack: float = 0.0) -> bool:
    """``math.isclose`` within ``rel`` relatively and ``rel + slack`` absolutely, where the slack
    is computed from the example itself. A NaN or infinite tolerance cannot judge: such an
    example is rejected, neither failed (NaN) nor passed whatever the values (inf)."""
    tolerance = rel + slack
    assume(math.isfinite(tolerance))
    return math.isclose(a, b, rel_tol=rel, abs_tol=tolerance)
