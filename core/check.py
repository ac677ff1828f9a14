"""``check``: AD against everything else a user might trust, at one point.

Reverse mode is the reference. Against it: forward mode; forward differences
``(f(x + h·eⱼ) − f(x))/h`` and central differences ``(f(x + h·eⱼ) − f(x − h·eⱼ))/(2h)`` over
the steps h = 1e-1 … 1e-15, judged at their best step; the complex step (when every primitive
on the path is analytic); and the symbolic derivative of ``core.symbolic`` evaluated at the point.

Given a direction u (``--dir``), every method computes J·u instead: AD forward by one tangent
sweep seeded with u, AD reverse as J·u from its rows, the differences as
``(f(x + h·u) − f(x))/h`` and ``(f(x + h·u) − f(x − h·u))/(2h)``, the complex step as
``Im f(x + i·h·u)/h``, the symbolic derivative as its J times u. Given one step h (``--h``),
the differences are taken at that step only.

The error of a method is ``max |J − J_AD| / max(1, |J_AD|)`` over the Jacobian's entries:
relative where an entry is large, absolute where it is small. A method agrees when its error is
at most ``tol``. A method that cannot be computed here (a step leaves the domain, a non-analytic
primitive for the complex step, a symbolic derivative undefined at the point) is reported with
the reason and does not count against agreement.

The finite differences show the classic trade-off: truncation error shrinks with h, rounding
error grows as 1/h, so the error plotted against h is V-shaped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from . import complex_step
from .derivatives import Evaluation, jacobian, jvp, resolve_wrt
from .errors import AutodiffError, LimitError, UsageError
from .graph import Const, Graph
from .sweeps import primal
from .symbolic import differentiate

# Literal decimals (float("1e-12") is the lecture's h exactly; 10.0**-12 need not be).
STEPS: tuple[float, ...] = tuple(float(f"1e-{k}") for k in range(1, 16))
DEFAULT_TOL = 1e-6
SHORT_FORMULA = 12  # operations: a symbolic derivative short enough to show as a note

Matrix = tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class Method:
    """One way of computing J, and how far it is from reverse-mode AD."""

    key: str  # reverse, forward, forward_difference, central_difference, complex_step, symbolic
    label: str
    matrix: Matrix | None  # None when the method could not be computed here
    error: float | None
    agrees: bool | None  # None for the reference and for methods that could not be computed
    step: float | None = None
    note: str = ""


@dataclass(frozen=True)
class StepRow:
    """The finite differences at one step h (None where a step leaves the domain)."""

    h: float
    forward: Matrix | None
    forward_error: float | None
    central: Matrix | None
    central_error: float | None


@dataclass(frozen=True)
class Check:
    evaluation: Evaluation
    wrt: tuple[int, ...]
    tol: float
    reference: Matrix
    methods: tuple[Method, ...]
    steps: tuple[StepRow, ...]
    direction: tuple[float, ...] | None = None  # u over the ``wrt`` inputs: J·u is checked

    @property
    def graph(self) -> Graph:
        return self.evaluation.graph

    @property
    def wrt_names(self) -> tuple[str, ...]:
        return tuple(self.graph.input_names[j] for j in self.wrt)

    @property
    def column_names(self) -> tuple[str, ...]:
        """What each column of the checked matrices is a derivative along: the ``wrt`` inputs,
        or the direction u."""
        return self.wrt_names if self.direction is None else ("u",)

    @property
    def failures(self) -> tuple[Method, ...]:
        return tuple(m for m in self.methods if m.agrees is False)

    @property
    def agrees(self) -> bool:
        return not self.failures


def error(matrix: Matrix, reference: Matrix) -> float:
    """max |a − r| / max(1, |r|) over the entries; inf if an entry is not finite."""
    worst = 0.0
    for row, ref_row in zip(matrix, reference):
        for a, r in zip(row, ref_row):
            if not math.isfinite(a):
                return math.inf
            worst = max(worst, abs(a - r) / max(1.0, abs(r)))
    return worst


def _outputs(graph: Graph, point: Sequence[float]) -> tuple[float, ...] | None:
    """f at a point, or None where it is undefined or not finite."""
    try:
        values, _ = primal(graph, point)
    except AutodiffError:
        return None
    ys = tuple(o.value if isinstance(o, Const) else values[o] for o in graph.outputs)
    return ys if all(math.isfinite(y) for y in ys) else None


def _shifted(point: Sequence[float], seed: Sequence[float], h: float) -> list[float]:
    """x + h·u (for a unit seed eⱼ exactly x with xⱼ + h)."""
    return [x + h * u for x, u in zip(point, seed)]


def _along(matrix: Matrix, u: Sequence[float] | None) -> Matrix:
    """J·u as a one-column matrix, or J itself when there is no direction."""
    if u is None:
        return matrix
    return tuple((math.fsum(d * w for d, w in zip(row, u)),) for row in matrix)


def _step_row(
    graph: Graph,
    point: Sequence[float],
    base: Sequence[float],
    seeds: Sequence[Sequence[float]],
    h: float,
    reference: Matrix,
) -> StepRow:
    """Both differences at one step, a column per seed (a ``wrt`` input's unit vector, or the
    direction); None if a step leaves the domain."""

    def forward(seed: Sequence[float]) -> list[float] | None:
        up = _outputs(graph, _shifted(point, seed, h))
        return None if up is None else [(u - y) / h for u, y in zip(up, base)]

    def central(seed: Sequence[float]) -> list[float] | None:
        up = _outputs(graph, _shifted(point, seed, h))
        down = _outputs(graph, _shifted(point, seed, -h))
        return (
            None if up is None or down is None else [(u - d) / (2.0 * h) for u, d in zip(up, down)]
        )

    def matrix(quotient: Callable[[Sequence[float]], list[float] | None]) -> Matrix | None:
        columns = [quotient(seed) for seed in seeds]
        if any(column is None for column in columns):
            return None
        return tuple(tuple(c[k] for c in columns) for k in range(len(graph.outputs)))  # type: ignore[index]

    fd, cd = matrix(forward), matrix(central)
    return StepRow(
        h,
        fd,
        None if fd is None else error(fd, reference),
        cd,
        None if cd is None else error(cd, reference),
    )


def _judge(
    key: str,
    label: str,
    matrix: Matrix,
    reference: Matrix,
    tol: float,
    step: float | None = None,
    note: str = "",
) -> Method:
    err = error(matrix, reference)
    return Method(key, label, matrix, err, err <= tol, step, note)


def _skipped(key: str, label: str, note: str, step: float | None = None) -> Method:
    return Method(key, label, None, None, None, step, note)


def _best(key: str, label: str, steps: Sequence[StepRow], which: str, tol: float) -> Method:
    """A finite difference at the step with the smallest error (the larger h on a tie)."""
    found = [
        (getattr(row, f"{which}_error"), row.h, getattr(row, which))
        for row in steps
        if getattr(row, which) is not None
    ]
    if not found:
        return _skipped(key, label, "every step leaves the domain of the function")
    err, h, matrix = min(found, key=lambda item: item[0])
    return Method(key, label, matrix, err, err <= tol, h)


def _complex_step(
    graph: Graph,
    point: Sequence[float],
    seeds: Sequence[Sequence[float]],
    reference: Matrix,
    tol: float,
) -> Method:
    key, label = "complex_step", "complex step"
    moved = [j for j in range(graph.n_inputs) if any(seed[j] != 0.0 for seed in seeds)]
    blocker = complex_step.obstacle(graph, moved)
    if blocker is not None:
        return _skipped(
            key, label, f"{blocker.op} is not analytic ({blocker.text})", complex_step.STEP
        )
    try:
        matrix = complex_step.along(graph, point, seeds)
    except (ArithmeticError, ValueError) as problem:
        return _skipped(key, label, f"undefined in complex arithmetic here ({problem})")
    return _judge(key, label, matrix, reference, tol, step=complex_step.STEP)


def _symbolic(
    graph: Graph,
    at: Mapping[str, float],
    wrt: Sequence[str],
    u: Sequence[float] | None,
    reference: Matrix,
    tol: float,
) -> Method:
    key, label = "symbolic", "symbolic"
    try:
        derivatives = differentiate(graph, wrt)
    except LimitError:
        return _skipped(key, label, "too large to build (expression swell); see diff --stats")
    try:
        values = derivatives.expressions.evaluate(derivatives.roots(), at)
    except (ArithmeticError, ValueError) as problem:
        return _skipped(key, label, f"the derivative is undefined here ({problem})")
    matrix = tuple(tuple(values[t] for t in row) for row in derivatives.matrix)
    if not all(math.isfinite(d) for row in matrix for d in row):
        return _skipped(key, label, "the derivative is not finite here")
    matrix = _along(matrix, u)
    note = ""
    if u is None and len(matrix) == 1 and len(matrix[0]) == 1:
        # Sized first: a swollen derivative would be millions of characters to throw away.
        note = derivatives.entries(SHORT_FORMULA)[0].text or ""
    return _judge(key, label, matrix, reference, tol, note=note)


def check(
    graph: Graph,
    at: Mapping[str, float],
    wrt: Sequence[str] | None = None,
    tol: float = DEFAULT_TOL,
    direction: Sequence[float] | None = None,
    step: float | None = None,
) -> Check:
    """Every method at the point, each judged against reverse-mode AD: the Jacobian, or J·u
    along ``direction`` (one number per ``wrt`` input); differences over ``STEPS``, or at
    ``step`` alone."""
    if graph.n_inputs == 0:
        raise UsageError("the expression has no variables: there is nothing to check")
    if not (tol >= 0.0 and math.isfinite(tol)):
        raise UsageError(f"the tolerance must be a finite number ≥ 0, not {tol!r}", argument="tol")
    if step is not None and not (step > 0.0 and math.isfinite(step)):
        raise UsageError(f"the step h must be a finite number > 0, not {step!r}", argument="h")
    columns = resolve_wrt(graph, wrt)
    names = [graph.input_names[j] for j in columns]
    reverse = jacobian(graph, at, "reverse", names, record=False)
    u: tuple[float, ...] | None = None
    if direction is None:
        forward = jacobian(graph, at, "forward", names, record=False).matrix
        seeds = [[1.0 if i == j else 0.0 for i in range(graph.n_inputs)] for j in columns]
    else:
        tangent = jvp(graph, at, direction, names)  # checks the direction's length and values
        u, forward = tangent.direction, tuple((d,) for d in tangent.product)
        seeds = [list(tangent.sweep.seed)]
    reference = _along(reverse.matrix, u)
    evaluation = reverse.evaluation
    point = evaluation.point
    hs = STEPS if step is None else (step,)
    steps = tuple(_step_row(graph, point, evaluation.outputs, seeds, h, reference) for h in hs)
    at_point = dict(zip(graph.input_names, point))
    methods = (
        Method("reverse", "AD, reverse mode", reference, 0.0, None),
        _judge("forward", "AD, forward mode", forward, reference, tol),
        _best("forward_difference", "forward difference", steps, "forward", tol),
        _best("central_difference", "central difference", steps, "central", tol),
        _complex_step(graph, point, seeds, reference, tol),
        _symbolic(graph, at_point, names, u, reference, tol),
    )
    return Check(evaluation, columns, tol, reference, methods, steps, u)
