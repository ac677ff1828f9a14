"""SymPy as an oracle: values, gradients and Hessians of random expressions over every primitive.

For each primitive, random expressions with that primitive at the root (and any below it) are
differentiated by autodiff and by SymPy, and compared at random points (multiples of 1/64 in
[-3, 3]) with SymPy evaluated exactly at the point to 30 digits: agreement to 1e-10 relative.

A point is skipped (``assume``) where the comparison would measure floating point or a
convention rather than the derivative rules:
- autodiff raises a ``MathError`` (outside a domain, an infinite derivative);
- conventions: a primitive on the kink its table row declares (``abs``/``relu`` at 0, a
  ``max``/``min`` tie, ``hypot`` at the origin), ``atan2`` on the x axis (the cut, where ±0
  matters), ``pow`` with a zero base, or an infinite local partial (where 0·∞ = 0 applies);
- underflow: a value, partial or result below 1e-280 in size (it lost relative precision);
- ill-conditioning: rerunning the sweeps with every node value and local partial perturbed by a
  few ulps moves some result by more than 1e-12 of its size (rounding alone could then approach
  the tolerance: cancellation, a near-tie, a steep function, the edge of a domain).
Set ``AUTODIFF_ORACLE_EXAMPLES`` to run more than 14 examples per primitive.
"""

from __future__ import annotations

import math
import operator
import os
import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, assume, given, reject, settings
from hypothesis import strategies as st

from autodiff.core.derivatives import hessian
from autodiff.core.errors import MathError
from autodiff.core.graph import Const, Graph
from autodiff.core.primitives import PRIMITIVES
from autodiff.core.sweeps import (
    adjoint,
    local_partials,
    local_second_partials,
    second_order_adjoint,
    tangent,
)
from autodiff.grammar.build import parse

sympy = pytest.importorskip("sympy")

VARIABLES = ("x1", "x2", "x3")
SYMBOLS = {name: sympy.Symbol(name, real=True) for name in VARIABLES}

_THIRD = sympy.Rational(1, 3)


class _Abs(sympy.Function):  # type: ignore[misc]
    """|a| with derivative sign(a). SymPy's own Abs (and Max, Min) leave their derivatives
    unevaluated where SymPy cannot prove the argument real, as in abs(acos(x1))."""

    @classmethod
    def eval(cls, a: object) -> object:
        return sympy.Abs(a) if a.is_number else None  # type: ignore[attr-defined]

    def fdiff(self, argindex: int = 1) -> object:
        return _Sign(self.args[0])


class _Sign(sympy.Function):  # type: ignore[misc]
    """sign(a) with derivative 0 (the points on a kink are skipped)."""

    @classmethod
    def eval(cls, a: object) -> object:
        return sympy.sign(a) if a.is_number else None  # type: ignore[attr-defined]

    def fdiff(self, argindex: int = 1) -> object:
        return sympy.S.Zero


def _mpmath_function(name: str, derivative: Callable[[object], object]) -> type:
    """A SymPy function that SymPy evaluates with mpmath's function of the same name.

    For log1p and expm1: SymPy evaluates log(1 + exp(-120)) as exactly 0, whatever its maxn.
    """

    def fdiff(self: sympy.Function, argindex: int = 1) -> object:
        return derivative(self.args[0])

    return type(name, (sympy.Function,), {"fdiff": fdiff})


_Log1p = _mpmath_function("log1p", lambda a: 1 / (1 + a))
_Expm1 = _mpmath_function("expm1", sympy.exp)


# How SymPy spells each primitive. A new primitive needs a row here (test_every_primitive_...).
SYMPY: dict[str, Callable[..., object]] = {
    "neg": operator.neg,
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "pow": operator.pow,
    "exp": sympy.exp,
    "log": sympy.log,
    "log2": lambda a: sympy.log(a, 2),
    "log10": lambda a: sympy.log(a, 10),
    "log1p": _Log1p,
    "expm1": _Expm1,
    "sqrt": sympy.sqrt,
    "cbrt": lambda a: _Sign(a) * _Abs(a) ** _THIRD,  # the real root
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "asin": sympy.asin,
    "acos": sympy.acos,
    "atan": sympy.atan,
    "atan2": sympy.atan2,
    "sinh": sympy.sinh,
    "cosh": sympy.cosh,
    "tanh": sympy.tanh,
    "asinh": sympy.asinh,
    "acosh": sympy.acosh,
    "atanh": sympy.atanh,
    "sigmoid": lambda a: 1 / (1 + sympy.exp(-a)),
    "softplus": lambda a: _Log1p(sympy.exp(a)),
    "relu": lambda a: (a + _Abs(a)) / 2,
    "abs": _Abs,
    "max": lambda a, b: (a + b + _Abs(a - b)) / 2,
    "min": lambda a, b: (a + b - _Abs(a - b)) / 2,
    "hypot": lambda a, b: sympy.sqrt(a**2 + b**2),
    "sign": _Sign,
}
OPERATOR_TEXT = {"neg": "-{0}", "add": "{0} + {1}", "sub": "{0} - {1}", "mul": "{0} * {1}"}
OPERATOR_TEXT |= {"div": "{0} / {1}"}

# Besides the kinks the table declares, where its conventions and SymPy's formulas part ways.
CONVENTIONS: dict[str, Callable[..., bool]] = {
    "atan2": lambda y, x: y == 0.0,  # the cut (x < 0, where ±0 matters) and the origin
    "pow": lambda x, y: x == 0.0,  # 0^y: the table's partials take limits SymPy leaves as 0/0
}

TOLERANCE = 1e-10
ROUNDING_SPREAD = 1e-12  # above this the point is ill-conditioned (see the module docstring)
ULPS = 4 * 2.0**-52
# Below this, near the subnormals (1e-308), floats lose relative precision: numbers this small
# are skipped in the computation and compared absolutely in the result (exp(-740) is 0.0).
TINY = 1e-280
CONSTANTS = (0.5, 2.0, 3.0, -1.5, 0.25, math.pi)
PER_PRIMITIVE = int(os.environ.get("AUTODIFF_ORACLE_EXAMPLES", "14"))  # per primitive


@dataclass(frozen=True)
class Case:
    """One random expression as autodiff reads it (text) and as SymPy does."""

    text: str
    expr: object


def _apply(name: str, args: Sequence[Case]) -> Case:
    if name in OPERATOR_TEXT:
        text = OPERATOR_TEXT[name].format(*(f"({a.text})" for a in args))
    elif name == "pow":
        text = f"({args[0].text})^({args[1].text})"
    else:
        text = f"{name}({', '.join(a.text for a in args)})"
    return Case(text, SYMPY[name](*(a.expr for a in args)))


variables = st.sampled_from(VARIABLES).map(lambda v: Case(v, SYMBOLS[v]))
# Exact: SymPy sees the float that autodiff computes with, not π or 1/10.
constants = st.sampled_from(CONSTANTS).map(lambda c: Case(f"({c!r})", sympy.Rational(c)))


@st.composite
def cases(draw: st.DrawFn, root: str, depth: int = 2) -> Case:
    """An expression with ``root`` on top; every subtree holds a variable (nothing folds)."""
    arity = PRIMITIVES[root].arity
    keep = draw(st.integers(0, arity - 1))  # this argument is never a constant
    args = []
    for k in range(arity):
        if k != keep and draw(st.integers(0, 2)) == 0:
            args.append(draw(constants))
        elif depth == 0 or draw(st.integers(0, 2)) == 0:
            args.append(draw(variables))
        else:
            args.append(draw(cases(draw(st.sampled_from(sorted(PRIMITIVES))), depth - 1)))
    case = _apply(root, args)
    if case.expr.has(sympy.zoo, sympy.nan):  # type: ignore[attr-defined]
        reject()  # SymPy simplified a part to 1/0 (1/(x1 - x1)); autodiff never computes it
    return case


# Multiples of 1/64 in [-3, 3]: SymPy evaluates them exactly and fast (with the 53-bit numerator
# of an arbitrary float it factors integers, slowly). Tiny and huge floats are the fuzz tests' job.
coordinates = st.integers(-192, 192).map(lambda k: k / 64)
points = st.fixed_dictionaries({name: coordinates for name in VARIABLES})


# --- the skip criterion ---------------------------------------------------------------------------


def _primal(graph: Graph, inputs: Sequence[float], wiggle: Callable[[], float]) -> list[float]:
    """Every node's value, each multiplied by ``1 + wiggle()`` as it is computed."""
    values = list(inputs)
    for node in graph.nodes[graph.n_inputs :]:
        args = [a.value if isinstance(a, Const) else values[a] for a in node.operands]
        values.append(PRIMITIVES[node.op].value(*args) * (1 + wiggle()))
    return values


def _results(graph: Graph, inputs: Sequence[float], wiggle: Callable[[], float]) -> list[float]:
    """Value, gradient and Hessian (row-major) by the library's sweeps, as ``hessian`` computes
    them, with every node value and local partial multiplied by ``1 + wiggle()``."""
    values = _primal(graph, inputs, wiggle)
    partials = [tuple(d * (1 + wiggle()) for d in row) for row in local_partials(graph, values)]
    seconds = [
        tuple(d * (1 + wiggle()) for d in row) for row in local_second_partials(graph, values)
    ]
    n = graph.n_inputs
    (output,) = graph.outputs
    results = [values[output] if isinstance(output, int) else output.value]
    results += adjoint(graph, partials, [1.0])[0][:n]
    for j in range(n):
        dots = tangent(graph, partials, [float(k == j) for k in range(n)])
        results += second_order_adjoint(graph, partials, seconds, dots, [1.0])[1][:n]
    return results


def _on_a_convention(graph: Graph, values: Sequence[float], results: Sequence[float]) -> bool:
    """A primitive on a kink or cut, an infinite local partial (0·∞ = 0 applies), or a number
    so tiny that it has lost relative precision."""
    numbers = list(values) + list(results)
    for i in range(graph.n_inputs, len(graph.nodes)):
        node = graph.nodes[i]
        primitive = PRIMITIVES[node.op]
        args = [a.value if isinstance(a, Const) else values[a] for a in node.operands]
        if primitive.kink is not None and primitive.kink.at(*args):
            return True
        if node.op in CONVENTIONS and CONVENTIONS[node.op](*args):
            return True
        numbers += [rule(*args, values[i]) for rule in (*primitive.partials, *primitive.second)]
    return not all(math.isfinite(v) and (v == 0.0 or abs(v) >= TINY) for v in numbers)


def _ill_conditioned(graph: Graph, inputs: Sequence[float], results: Sequence[float]) -> bool:
    """Whether a few ulps of rounding in any node or partial move a result by more than
    ``ROUNDING_SPREAD`` of its size (three seeded random perturbations)."""
    rng = random.Random(0)
    for _ in range(3):
        try:
            wiggled = _results(graph, inputs, lambda: ULPS * rng.uniform(-1.0, 1.0))
        except (ArithmeticError, ValueError):
            return True  # a few ulps leave the domain
        if any(not abs(a - b) <= ROUNDING_SPREAD * abs(a) for a, b in zip(results, wiggled)):
            return True
    return False


# --- the tests ------------------------------------------------------------------------------------


def test_every_primitive_has_a_sympy_mapping() -> None:
    assert set(SYMPY) == set(PRIMITIVES)
    operators = {name for name, p in PRIMITIVES.items() if p.kind == "operator"}
    assert operators == set(OPERATOR_TEXT)


@pytest.mark.parametrize("root", sorted(PRIMITIVES))
def test_values_gradients_and_hessians_match_sympy(root: str) -> None:
    @settings(
        max_examples=PER_PRIMITIVE,
        deadline=None,
        suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
    )
    @given(case=cases(root), point=points)
    def check(case: Case, point: dict[str, float]) -> None:
        _check(case, point)

    check()


def _reference(case: Case, graph: Graph, point: dict[str, float]) -> list[object]:
    """SymPy's value, gradient and Hessian (row-major) at the exact point, to 30 digits."""
    exact = {SYMBOLS[name]: sympy.Rational(value) for name, value in point.items()}
    symbols = [SYMBOLS[name] for name in graph.input_names]
    grad = [sympy.diff(case.expr, s) for s in symbols]
    matrix = [sympy.diff(g, s) for g in grad for s in symbols]
    references = []
    for e in (case.expr, *grad, *matrix):
        # maxn: the working precision SymPy may use for cancellations (default 100 digits).
        number = sympy.N(e.subs(exact), 30, maxn=400)
        real, imaginary = number.as_real_imag()
        # atan2 of exact numbers can come with an imaginary part of 1e-12400: rounding noise.
        references.append(real if abs(imaginary) <= 1e-25 * abs(real) else number)
    return references


# SymPy, rarely, spends minutes or gigabytes on one random expression (a full run was once
# killed for memory at 24 GB, another hung for minutes): such an example is passed over.
SYMPY_SECONDS = 20.0
SYMPY_MEMORY = 2 * 2**30  # bytes of address space SymPy may add for one example


class _TooCostly(Exception):
    pass


@contextmanager
def _bounded(seconds: float, memory: int) -> Iterator[None]:
    """Raise ``_TooCostly`` when the block runs longer than ``seconds`` or grows the process's
    address space by more than ``memory`` bytes (POSIX; elsewhere unbounded)."""
    try:
        import resource
        import signal

        alarm = signal.SIGALRM
    except (ImportError, AttributeError):
        yield
        return

    def on_alarm(signum: int, frame: object) -> None:
        raise _TooCostly

    with open("/proc/self/statm") as statm:  # Linux: the first field is the size in pages
        size = int(statm.read().split()[0]) * resource.getpagesize()
    limits = resource.getrlimit(resource.RLIMIT_AS)
    ceiling = size + memory
    if limits[1] != resource.RLIM_INFINITY:
        ceiling = min(ceiling, limits[1])
    handler = signal.signal(alarm, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, limits[1]))
    try:
        yield
    except MemoryError:
        raise _TooCostly from None
    finally:
        resource.setrlimit(resource.RLIMIT_AS, limits)
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(alarm, handler)


def _check(case: Case, point: dict[str, float]) -> None:
    graph = parse(case.text)
    at = {name: point[name] for name in graph.input_names}
    try:
        result = hessian(graph, at)
    except MathError:
        reject()
    got = [result.evaluation.value, *result.gradient, *(h for row in result.matrix for h in row)]
    assume(not _on_a_convention(graph, result.evaluation.values, got))
    assume(not _ill_conditioned(graph, result.evaluation.point, got))
    try:
        with _bounded(SYMPY_SECONDS, SYMPY_MEMORY):
            references = _reference(case, graph, at)
    except _TooCostly:
        reject()
    for what, value, ref in zip(_labels(graph), got, references):
        # autodiff computed a number, so the function is defined and smooth here.
        assert ref.is_extended_real and ref.is_finite, (what, case.text, at, value, ref)
        error = abs(sympy.Rational(value) - ref)
        assert error <= TOLERANCE * abs(ref) + TINY, (what, case.text, at, value, ref)


def _labels(graph: Graph) -> list[str]:
    names = graph.input_names
    return ["value", *(f"d/d{a}" for a in names), *(f"d2/d{a}d{b}" for a in names for b in names)]


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs Linux's /proc")
def test_the_bound_stops_a_runaway_reference() -> None:
    with pytest.raises(_TooCostly), _bounded(0.2, SYMPY_MEMORY):
        while True:
            pass
    with pytest.raises(_TooCostly), _bounded(SYMPY_SECONDS, 50 * 2**20):
        bytearray(500 * 2**20)
    with _bounded(SYMPY_SECONDS, SYMPY_MEMORY):  # the limits are lifted afterwards
        pass
    assert len(bytearray(100 * 2**20)) == 100 * 2**20
