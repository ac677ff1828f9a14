"""Derivative operators built on the sweeps; each returns a plain dataclass for any front end.

- ``evaluate``: the primal trace.
- ``jacobian``: by forward columns (one tangent sweep per input) or reverse rows (one adjoint
  sweep per output), chosen by a cost model on this Wengert list with ``mode="auto"``.
  ``gradient`` is the one-output case.
- ``jvp`` (J·u, one tangent sweep) and ``vjp`` (wᵀJ, one adjoint sweep).
- ``hessian`` and ``hvp``: forward-over-reverse, from the table's second partials.

Every operator takes ``wrt``: the inputs to differentiate with respect to (default: all; the
others are held constant). Results are checked: a non-finite derivative raises, naming the
first node whose local partial blew up; a finite one that an infinite partial met a zero on its
way to (0·∞ = 0) comes with a warning naming that node (``core.indeterminate``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import chain
from typing import Literal

from .curvature import Curvature, curvature
from .errors import NonFiniteError, PointError, UsageError
from .graph import Const, Graph, Operand
from .indeterminate import hidden_infinities
from .matrix import DenseMatrix
from .notation import BAR, DOT, describe_node, partial_symbol, var
from .sweeps import (
    AdjointStep,
    Diagnostic,
    Partials,
    Rows,
    adjoint,
    kinks,
    local_partials,
    local_second_partials,
    primal,
    second_order_adjoint,
    tangent,
)

Mode = Literal["reverse", "forward"]
JacobianMode = Literal["auto", "reverse", "forward"]


@dataclass(frozen=True)
class Evaluation:
    """The primal trace at a point."""

    graph: Graph
    point: tuple[float, ...]  # input values, in ``graph.input_names`` order
    values: tuple[float, ...]  # every node's value, by id
    outputs: tuple[float, ...]  # y₁ … yₘ
    warnings: tuple[Diagnostic, ...] = ()

    @property
    def value(self) -> float:
        return self.outputs[0]


@dataclass(frozen=True)
class ForwardPass:
    """One tangent sweep: the input direction and the tangent of every node."""

    seed: tuple[float, ...]  # ẋ, one entry per input
    dots: tuple[float, ...]


@dataclass(frozen=True)
class ReversePass:
    """One adjoint sweep: the output weights, every node's adjoint, the steps in order."""

    seed: tuple[float, ...]  # ȳ, one entry per output
    bars: tuple[float, ...]
    steps: tuple[AdjointStep, ...] = ()


@dataclass(frozen=True)
class Cost:
    """The mode advisor's arithmetic on this Wengert list.

    A sweep costs one multiply-add per edge (operand reference) once the local partials are
    known (they are computed once, shared by all sweeps): ``n`` forward sweeps cost
    ``n × edges``, ``m`` reverse sweeps ``m × edges``.
    """

    n: int  # inputs differentiated (columns)
    m: int  # outputs (rows)
    nodes: int  # operations in the Wengert list
    edges: int  # operand references: the multiply-adds of one sweep
    forward: int  # n × edges
    reverse: int  # m × edges
    choice: Mode


@dataclass(frozen=True)
class Jacobian:
    """J = ∂y/∂x at a point (rows: outputs, columns: the ``wrt`` inputs) and how it was made."""

    evaluation: Evaluation
    mode: Mode
    wrt: tuple[int, ...]  # input ids, in column order
    matrix: tuple[tuple[float, ...], ...]
    partials: Partials
    forward: tuple[ForwardPass, ...] = ()  # one per column, in forward mode
    reverse: tuple[ReversePass, ...] = ()  # one per row, in reverse mode
    cost: Cost | None = None
    warnings: tuple[Diagnostic, ...] = ()  # overflow in the primal, nodes at kinks

    @property
    def graph(self) -> Graph:
        return self.evaluation.graph

    @property
    def wrt_names(self) -> tuple[str, ...]:
        return tuple(self.graph.input_names[j] for j in self.wrt)

    @property
    def gradient(self) -> tuple[float, ...]:
        """∇y for a one-output function: the only row."""
        return self.matrix[0]


Gradient = Jacobian


@dataclass(frozen=True)
class Jvp:
    """J·u for an input direction u, from one tangent sweep."""

    evaluation: Evaluation
    wrt: tuple[int, ...]
    direction: tuple[float, ...]  # u, one entry per ``wrt`` input
    product: tuple[float, ...]  # one entry per output
    sweep: ForwardPass
    warnings: tuple[Diagnostic, ...] = ()


@dataclass(frozen=True)
class Vjp:
    """wᵀJ for output weights w, from one adjoint sweep."""

    evaluation: Evaluation
    wrt: tuple[int, ...]
    cotangent: tuple[float, ...]  # w, one entry per output
    product: tuple[float, ...]  # one entry per ``wrt`` input
    sweep: ReversePass
    warnings: tuple[Diagnostic, ...] = ()


@dataclass(frozen=True)
class SecondOrderPass:
    """One forward-over-reverse sweep: tangents v̇, adjoints v̄ and their tangents v̄̇."""

    direction: tuple[float, ...]  # one entry per ``wrt`` input
    dots: tuple[float, ...]
    bars: tuple[float, ...]
    bar_dots: tuple[float, ...]


@dataclass(frozen=True)
class Hessian:
    """∇²y at a point, one forward-over-reverse sweep per ``wrt`` input (column)."""

    evaluation: Evaluation
    wrt: tuple[int, ...]
    gradient: tuple[float, ...]
    matrix: Sequence[tuple[float, ...]]  # a DenseMatrix: rows are made when read
    passes: tuple[SecondOrderPass, ...]  # empty unless recorded (for the traces)
    asymmetry: float  # max |Hᵢⱼ − Hⱼᵢ|: zero up to rounding, or the check failed
    warnings: tuple[Diagnostic, ...] = ()
    curvature: Curvature | None = None  # eigenvalues and verdict, when asked for (``eig``)


@dataclass(frozen=True)
class Hvp:
    """∇²y·u from one forward-over-reverse sweep, without forming the Hessian."""

    evaluation: Evaluation
    wrt: tuple[int, ...]
    direction: tuple[float, ...]
    gradient: tuple[float, ...]
    product: tuple[float, ...]
    sweep: SecondOrderPass
    warnings: tuple[Diagnostic, ...] = ()


# --- the point, the inputs, the outputs --------------------------------------------------------


def bind_point(graph: Graph, at: Mapping[str, float]) -> tuple[float, ...]:
    """Input values in graph order: every input needs a finite value; only inputs get one."""
    names = graph.input_names
    known = frozenset(names)  # a set, so the check stays linear in the number of inputs
    unknown = [name for name in at if name not in known]
    if unknown:
        uses = ", ".join(names[:10]) + ("…" if len(names) > 10 else "") or "no variables"
        raise PointError(
            f"{unknown[0]} is not a variable of the expression (it uses {uses})", argument="at"
        )
    missing = [name for name in names if name not in at]
    if missing:
        listed = ", ".join(missing[:5]) + (
            f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        )
        raise PointError(f"no value for {listed}", argument="at")
    for name in names:
        if not math.isfinite(at[name]):
            raise PointError(
                f"the value of {name} must be a finite number, not {at[name]!r}", argument="at"
            )
    return tuple(float(at[name]) for name in names)


def resolve_wrt(graph: Graph, wrt: Sequence[str] | None) -> tuple[int, ...]:
    """Input ids for the names in ``wrt`` (all inputs when None), in the order given."""
    names = graph.input_names
    if wrt is None:
        return tuple(range(len(names)))
    position = {name: i for i, name in enumerate(names)}  # a dict keeps this linear
    ids: list[int] = []
    seen: set[int] = set()
    for name in wrt:
        if name not in position:
            import difflib  # only for this message

            close = difflib.get_close_matches(name, names, n=1)
            hint = f": did you mean {close[0]}?" if close else f" (it uses {', '.join(names)})"
            raise UsageError(f"{name} is not a variable of the expression{hint}", argument="wrt")
        if position[name] in seen:
            raise UsageError(f"{name} is named more than once", argument="wrt")
        seen.add(position[name])
        ids.append(position[name])
    if not ids:
        raise UsageError("no variable is named", argument="wrt")
    return tuple(ids)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _read(values: Sequence[float], operand: Operand) -> float:
    return operand.value if isinstance(operand, Const) else values[operand]


def _single_output(graph: Graph, what: str) -> None:
    if len(graph.outputs) != 1:
        raise UsageError(
            f"{what} needs one expression, got {len(graph.outputs)} (use jacobian for several)"
        )


def evaluate(graph: Graph, at: Mapping[str, float]) -> Evaluation:
    """Run the primal trace; raise if an output is not a finite number."""
    point = bind_point(graph, at)
    values, warnings = primal(graph, point)
    outputs = tuple(_read(values, output) for output in graph.outputs)
    if not all(math.isfinite(y) for y in outputs):
        first = next(i for i in range(graph.n_inputs, len(values)) if not math.isfinite(values[i]))
        raise NonFiniteError(
            f"the value is not finite: it first overflows at {describe_node(graph, first, values)}",
            span=graph.nodes[first].span,
            node=first,
        )
    return Evaluation(graph, point, tuple(values), outputs, tuple(warnings))


def _check_finite(
    graph: Graph,
    values: Sequence[float],
    tables: Sequence[tuple[str, Rows]],
    result: Iterable[float],
    sweeps: Iterable[tuple[str, Sequence[float]]] = (),
) -> None:
    """Raise if a result is not finite, naming the first node where it went wrong: a local
    derivative that blew up, or else the first tangent (adjoint) of a sweep that overflowed.
    ``sweeps`` are read only then: callers may pass a generator that redoes them."""
    if all(map(math.isfinite, result)):
        return
    for order, table in tables:
        for i in range(graph.n_inputs, len(graph.nodes)):
            if order == "first":
                operands = graph.nodes[i].operands
                bad = [
                    k
                    for k, a in enumerate(operands)
                    if isinstance(a, int) and not math.isfinite(table[i][k])
                ]
                what = f"{partial_symbol(graph, i, bad[0])} = {table[i][bad[0]]!r}" if bad else ""
            else:
                bad = [k for k, d in enumerate(table[i]) if not math.isfinite(d)]
                what = f"a second partial of {var(graph, i)} is {table[i][bad[0]]!r}" if bad else ""
            if bad:
                raise NonFiniteError(
                    f"the derivative is not finite: {what} at {describe_node(graph, i, values)}",
                    span=graph.nodes[i].span,
                    node=i,
                )
    partials = dict(tables)["first"]
    for kind, vector in sweeps:
        if kind == "tangent":
            # Tangents flow up the list: the first non-finite one is where it happened.
            bad = [
                i for i in range(graph.n_inputs, len(graph.nodes)) if not math.isfinite(vector[i])
            ]
            if bad:
                i = bad[0]
                raise NonFiniteError(
                    f"the derivative is not finite: the tangent {var(graph, i, DOT)} = "
                    f"{vector[i]!r} first overflows at {describe_node(graph, i, values)}",
                    span=graph.nodes[i].span,
                    node=i,
                )
            continue
        # Adjoints flow down: the last node whose own adjoint is finite but whose contribution
        # to an operand is not is where it happened.
        for i in range(len(graph.nodes) - 1, graph.n_inputs - 1, -1):
            operands = graph.nodes[i].operands
            for k, a in enumerate(operands):
                term = vector[i] * partials[i][k]
                if isinstance(a, int) and math.isfinite(vector[i]) and not math.isfinite(term):
                    raise NonFiniteError(
                        f"the derivative is not finite: the adjoint {var(graph, a, BAR)} "
                        f"overflows in {var(graph, a, BAR)} += "
                        f"{var(graph, i, BAR)}·{partial_symbol(graph, i, k)} "
                        f"at {describe_node(graph, i, values)}",
                        span=graph.nodes[i].span,
                        node=i,
                    )
    raise NonFiniteError("the derivative is not finite (an intermediate value overflowed)")


def _warnings(evaluation: Evaluation) -> tuple[Diagnostic, ...]:
    """What a derivative's user should know: overflow in the primal, and nodes at kinks."""
    return evaluation.warnings + tuple(kinks(evaluation.graph, evaluation.values))


def _out(vector: Sequence[float], output: Operand) -> float:
    return 0.0 if isinstance(output, Const) else vector[output]


# --- first order ---------------------------------------------------------------------------------


def advise(graph: Graph, n: int) -> Cost:
    """Forward columns or reverse rows, by counting the multiply-adds of each on this graph."""
    edges = graph.code.edges  # counted once per graph
    nodes = len(graph.nodes) - graph.n_inputs
    m = len(graph.outputs)
    forward, reverse = n * edges, m * edges
    # On a tie forward wins: it keeps no adjoint array per pass.
    choice: Mode = "forward" if forward <= reverse else "reverse"
    return Cost(n, m, nodes, edges, forward, reverse, choice)


def _seed(n: int, j: int) -> list[float]:
    seed = [0.0] * n
    seed[j] = 1.0
    return seed


def jacobian(
    graph: Graph,
    at: Mapping[str, float],
    mode: JacobianMode = "auto",
    wrt: Sequence[str] | None = None,
    *,
    record: bool = True,
) -> Jacobian:
    """J at a point, by forward columns or reverse rows.

    ``record`` keeps every sweep (its tangents or adjoints, and the adjoint steps) for the
    traces; without it only the matrix is kept, so memory does not grow with sweeps × nodes.
    """
    columns = resolve_wrt(graph, wrt)
    evaluation = evaluate(graph, at)
    values = evaluation.values
    partials = local_partials(graph, values)
    cost = advise(graph, len(columns))
    chosen: Mode = cost.choice if mode == "auto" else mode
    n, m = graph.n_inputs, len(graph.outputs)
    # Each sweep is redone only if a result is not finite, to name where (``_check_finite``).
    sweeps: Iterable[tuple[str, Sequence[float]]]
    unchecked: list[Sequence[float]] = []
    if chosen == "forward":
        forward, by_column = [], []
        for j in columns:
            seed = _seed(n, j)
            dots = tangent(graph, partials, seed)
            by_column.append([_out(dots, output) for output in graph.outputs])
            if record:
                forward.append(ForwardPass(tuple(seed), tuple(dots)))
        matrix = tuple(tuple(column[k] for column in by_column) for k in range(m))
        sweeps = (("tangent", tangent(graph, partials, _seed(n, j))) for j in columns)
        result = Jacobian(
            evaluation, chosen, columns, matrix, partials, forward=tuple(forward), cost=cost
        )
    elif chosen == "reverse":
        if m > 1:  # one table of partials for all rows (a single sweep computes its own)
            partials.compute()
        reverse, rows = [], []
        for k in range(m):
            if record:
                seed = _seed(m, k)
                bars, steps = adjoint(graph, partials, seed, record=True)
                reverse.append(ReversePass(tuple(seed), tuple(bars), tuple(steps)))
            else:  # the row's one output seeds it: no list of m weights, no O(m) seeding
                bars, _ = adjoint(graph, partials, {k: 1.0})
            if not partials.computed:  # one output, swept without the table: kept for the 0·∞ check
                unchecked.append(bars)
            rows.append(tuple(bars[j] for j in columns))
        matrix = tuple(rows)
        sweeps = (("adjoint", adjoint(graph, partials, {k: 1.0})[0]) for k in range(m))
        result = Jacobian(
            evaluation, chosen, columns, matrix, partials, reverse=tuple(reverse), cost=cost
        )
    else:
        raise ValueError(f"unknown mode {mode!r}")
    entries = (d for row in matrix for d in row)
    _check_finite(graph, values, [("first", partials)], entries, sweeps)
    hidden = hidden_infinities(graph, partials, columns, graph.outputs, bars=unchecked)
    return replace(result, warnings=_warnings(evaluation) + hidden)


def gradient(
    graph: Graph,
    at: Mapping[str, float],
    mode: Mode = "reverse",
    wrt: Sequence[str] | None = None,
    *,
    record: bool = True,
) -> Gradient:
    """∇y of a one-output function: one reverse sweep, or one forward sweep per input."""
    _single_output(graph, "a gradient")
    return jacobian(graph, at, mode, wrt, record=record)


def _direction(
    direction: Sequence[float], columns: tuple[int, ...], n: int, what: str
) -> list[float]:
    """A direction over the ``wrt`` inputs, spread into a full input seed."""
    if len(direction) != len(columns):
        raise UsageError(
            f"{what} has {_count(len(direction), 'number')}, "
            f"but the function has {_count(len(columns), 'input')}"
        )
    if not all(math.isfinite(u) for u in direction):
        raise UsageError(f"{what} must hold finite numbers")
    seed = [0.0] * n
    for j, u in zip(columns, direction):
        seed[j] = float(u)
    return seed


def jvp(
    graph: Graph,
    at: Mapping[str, float],
    direction: Sequence[float],
    wrt: Sequence[str] | None = None,
) -> Jvp:
    """J·u in one forward sweep: the directional derivative of every output."""
    columns = resolve_wrt(graph, wrt)
    evaluation = evaluate(graph, at)
    seed = _direction(direction, columns, graph.n_inputs, "the direction")
    partials = local_partials(graph, evaluation.values)
    dots = tangent(graph, partials, seed)
    product = tuple(_out(dots, output) for output in graph.outputs)
    _check_finite(graph, evaluation.values, [("first", partials)], product, [("tangent", dots)])
    sweep = ForwardPass(tuple(seed), tuple(dots))
    u = tuple(float(u) for u in direction)
    seeded = [j for j in columns if seed[j] != 0.0]
    hidden = hidden_infinities(graph, partials, seeded, graph.outputs)
    return Jvp(evaluation, columns, u, product, sweep, _warnings(evaluation) + hidden)


def vjp(
    graph: Graph,
    at: Mapping[str, float],
    cotangent: Sequence[float],
    wrt: Sequence[str] | None = None,
) -> Vjp:
    """wᵀJ in one reverse sweep: the gradient of Σₖ wₖ·yₖ."""
    columns = resolve_wrt(graph, wrt)
    m = len(graph.outputs)
    if len(cotangent) != m:
        raise UsageError(
            f"the cotangent has {_count(len(cotangent), 'number')}, "
            f"but the function has {_count(m, 'output')}"
        )
    if not all(math.isfinite(w) for w in cotangent):
        raise UsageError("the cotangent must hold finite numbers")
    evaluation = evaluate(graph, at)
    partials = local_partials(graph, evaluation.values)
    weights = tuple(float(w) for w in cotangent)
    bars, steps = adjoint(graph, partials, weights, record=True)
    product = tuple(bars[j] for j in columns)
    _check_finite(graph, evaluation.values, [("first", partials)], product, [("adjoint", bars)])
    sweep = ReversePass(weights, tuple(bars), tuple(steps))
    weighted = [o for o, w in zip(graph.outputs, weights) if w != 0.0]
    hidden = hidden_infinities(graph, partials, columns, weighted)
    return Vjp(evaluation, columns, weights, product, sweep, _warnings(evaluation) + hidden)


# --- second order --------------------------------------------------------------------------------


def _second_order(
    graph: Graph, partials: Partials, seconds: Rows, seed: list[float], columns: tuple[int, ...]
) -> SecondOrderPass:
    dots = tangent(graph, partials, seed)
    bars, bar_dots = second_order_adjoint(graph, partials, seconds, dots, [1.0])
    direction = tuple(seed[j] for j in columns)
    return SecondOrderPass(direction, tuple(dots), tuple(bars), tuple(bar_dots))


def _tables(graph: Graph, evaluation: Evaluation) -> tuple[Partials, Rows]:
    """The first and second local partials at the point, shared by every sweep."""
    values = evaluation.values
    return local_partials(graph, values), local_second_partials(graph, values)


def hessian_columns(graph: Graph, wrt: Sequence[str] | None) -> tuple[int, ...]:
    """The ``wrt`` inputs of a Hessian, after its usage checks (one output, known names)."""
    _single_output(graph, "a Hessian")
    return resolve_wrt(graph, wrt)


def hessian(
    graph: Graph,
    at: Mapping[str, float],
    wrt: Sequence[str] | None = None,
    *,
    record: bool = True,
    eig: bool = False,
) -> Hessian:
    """The exact Hessian by forward-over-reverse: one sweep per ``wrt`` input gives a column;
    with ``eig``, its eigenvalues and the second-order test's verdict too (``core.curvature``).

    ``record`` keeps every sweep's vectors for the traces; without it only the gradient and the
    matrix (flat doubles, ``DenseMatrix``) are kept, so memory is the graph plus the output.
    """
    columns = hessian_columns(graph, wrt)
    evaluation = evaluate(graph, at)
    partials, seconds = _tables(graph, evaluation)
    n = graph.n_inputs
    matrix = DenseMatrix(len(columns), len(columns))
    grad: tuple[float, ...] = ()
    passes = []
    for c, j in enumerate(columns):
        sweep = _second_order(graph, partials, seconds, _seed(n, j), columns)
        # Column c of H is the v̄̇ of the inputs in pass c; the matrix is stored by rows.
        matrix.set_column(c, [sweep.bar_dots[i] for i in columns])
        if c == 0:
            grad = tuple(sweep.bars[i] for i in columns)
        if record:
            passes.append(sweep)
    tables = [("first", partials), ("second", seconds)]
    redone = (_second_order(graph, partials, seconds, _seed(n, j), columns) for j in columns)
    sweeps = ((kind, v) for p in redone for kind, v in (("tangent", p.dots), ("adjoint", p.bars)))
    _check_finite(graph, evaluation.values, tables, chain(grad, matrix.entries()), sweeps)
    hidden = hidden_infinities(graph, partials, columns, graph.outputs, seconds=seconds)
    warnings = _warnings(evaluation) + hidden
    test = curvature(matrix) if eig else None
    return Hessian(
        evaluation, columns, grad, matrix, tuple(passes), matrix.asymmetry(), warnings, test
    )


def hvp(
    graph: Graph,
    at: Mapping[str, float],
    direction: Sequence[float],
    wrt: Sequence[str] | None = None,
) -> Hvp:
    """∇²y·u by one forward-over-reverse sweep, without forming the Hessian."""
    _single_output(graph, "a Hessian-vector product")
    columns = resolve_wrt(graph, wrt)
    evaluation = evaluate(graph, at)
    seed = _direction(direction, columns, graph.n_inputs, "the direction")
    partials, seconds = _tables(graph, evaluation)
    sweep = _second_order(graph, partials, seconds, seed, columns)
    grad = tuple(sweep.bars[j] for j in columns)
    product = tuple(sweep.bar_dots[j] for j in columns)
    tables = [("first", partials), ("second", seconds)]
    sweeps = [("tangent", sweep.dots), ("adjoint", sweep.bars)]
    _check_finite(graph, evaluation.values, tables, [*grad, *product], sweeps)
    hidden = hidden_infinities(graph, partials, columns, graph.outputs, seconds=seconds)
    warnings = _warnings(evaluation) + hidden
    return Hvp(evaluation, columns, sweep.direction, grad, product, sweep, warnings)
