"""Batches of points: the same sweeps, run once over NumPy arrays (one array per node).

The rules come from the one primitive table, built against NumPy's elementary functions
(``build_table(NumpyMath)``), so nothing is written twice. The array sweeps skip the per-element
bookkeeping of the scalar ones (zero skipping, domain checks); instead, every point whose
result is not finite, where some node overflowed, that sits on a kink, or where an infinite
partial lies on a path to the result is recomputed by the scalar path, which raises the exact
error the single-point command gives, or applies the 0·∞ = 0 convention and warns as it does.
So a batch gives the same numbers, errors and warnings as one call per point, at array speed.

NumPy is imported only here, and this module only for batches.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from .derivatives import JacobianMode, advise, hessian_columns, resolve_wrt
from .errors import AutodiffError, MathError, PointError
from .graph import Const, Graph
from .indeterminate import live_edges, live_pairs
from .primitives import Primitive, build_table, pair_index
from .records import columns, compute, iter_columns, record
from .sweeps import Diagnostic, output_weights

Array = np.ndarray


def _sigmoid(x: Array) -> Array:
    # The scalar formula on both branches, so that neither exp overflows.
    z = np.exp(-np.abs(x))
    return np.where(x >= 0.0, 1.0 / (1.0 + z), z / (1.0 + z))


def _softplus(x: Array) -> Array:
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0.0)


def _exponent(x: Array) -> Array:
    return np.frexp(x)[1]


class NumpyMath:
    """Elementary functions of arrays, for the rules of the primitive table (IEEE: never raise)."""

    exp = np.exp
    log = np.log
    log2 = np.log2
    log10 = np.log10
    log1p = np.log1p
    expm1 = np.expm1
    sqrt = np.sqrt
    cbrt = np.cbrt
    sin = np.sin
    cos = np.cos
    tan = np.tan
    asin = np.arcsin
    acos = np.arccos
    atan = np.arctan
    atan2 = np.arctan2
    sinh = np.sinh
    cosh = np.cosh
    tanh = np.tanh
    asinh = np.arcsinh
    acosh = np.arccosh
    atanh = np.arctanh
    hypot = np.hypot
    pow = np.power
    maximum = np.maximum
    minimum = np.minimum
    sigmoid = staticmethod(_sigmoid)
    softplus = staticmethod(_softplus)
    exponent = staticmethod(_exponent)
    ldexp = np.ldexp
    where = np.where
    div = np.divide
    powi = np.power
    log0 = np.log


@lru_cache(maxsize=1)
def array_table() -> dict[str, Primitive]:
    return {p.name: p for p in build_table(NumpyMath)}


# --- array sweeps --------------------------------------------------------------------------------
# A value is a float (a constant, or a derivative that is the same at every point) or an array.

Value = Any


def _args(values: Sequence[Value], operands: tuple[int | Const, ...]) -> list[Value]:
    return [values[a] if type(a) is int else a.value for a in operands]  # type: ignore[union-attr,index]


def primal_arrays(graph: Graph, inputs: Sequence[Array]) -> list[Value]:
    table = array_table()
    values: list[Value] = list(inputs) + [None] * (len(graph.nodes) - graph.n_inputs)
    for i in range(graph.n_inputs, len(graph.nodes)):
        node = graph.nodes[i]
        values[i] = table[node.op].value(*_args(values, node.operands))
    return values


def partial_arrays(graph: Graph, values: Sequence[Value]) -> list[tuple[Value, ...]]:
    table = array_table()
    partials: list[tuple[Value, ...]] = [()] * len(graph.nodes)
    for i in range(graph.n_inputs, len(graph.nodes)):
        node = graph.nodes[i]
        rules = table[node.op].partials
        args = _args(values, node.operands)
        partials[i] = tuple(
            rules[k](*args, values[i]) if type(a) is int else 0.0
            for k, a in enumerate(node.operands)
        )
    return partials


def second_partial_arrays(graph: Graph, values: Sequence[Value]) -> list[tuple[Value, ...]]:
    table = array_table()
    seconds: list[tuple[Value, ...]] = [()] * len(graph.nodes)
    for i in range(graph.n_inputs, len(graph.nodes)):
        node = graph.nodes[i]
        primitive = table[node.op]
        args = _args(values, node.operands)
        arity = len(node.operands)
        seconds[i] = tuple(
            primitive.second[pair_index(k, m, arity)](*args, values[i])
            for k in range(arity)
            for m in range(k, arity)
        )
    return seconds


def _mul(a: Value, b: Value) -> Value:
    """a·b, keeping exact zeros and ones symbolic so that constant partials cost nothing."""
    if isinstance(a, float):
        if a == 0.0:
            return 0.0
        if a == 1.0:
            return b
    if isinstance(b, float):
        if b == 0.0:
            return 0.0
        if b == 1.0:
            return a
    return a * b


def _add(a: Value, b: Value) -> Value:
    if isinstance(a, float) and a == 0.0:
        return b
    if isinstance(b, float) and b == 0.0:
        return a
    return a + b


def tangent_arrays(
    graph: Graph, partials: Sequence[tuple[Value, ...]], seed: Sequence[Value]
) -> list[Value]:
    dots: list[Value] = list(seed) + [0.0] * (len(graph.nodes) - graph.n_inputs)
    for i in range(graph.n_inputs, len(graph.nodes)):
        acc: Value = 0.0
        for operand, d in zip(graph.nodes[i].operands, partials[i]):
            if type(operand) is int:
                acc = _add(acc, _mul(d, dots[operand]))
        dots[i] = acc
    return dots


def adjoint_arrays(
    graph: Graph,
    partials: Sequence[tuple[Value, ...]],
    output_bar: Sequence[Value] | Mapping[int, Value],
) -> list[Value]:
    """``sweeps.adjoint`` over arrays; ``output_bar`` per output, or ``{output index: weight}``."""
    bars: list[Value] = [0.0] * len(graph.nodes)
    for k, w in output_weights(graph, output_bar):
        output = graph.outputs[k]
        if type(output) is int:
            bars[output] = _add(bars[output], w)
    for i in range(len(graph.nodes) - 1, graph.n_inputs - 1, -1):
        bar = bars[i]
        if isinstance(bar, float) and bar == 0.0:
            continue
        for operand, d in zip(graph.nodes[i].operands, partials[i]):
            if type(operand) is int:
                bars[operand] = _add(bars[operand], _mul(bar, d))
    return bars


# Per node (last to first): its node operands (k, operand), each with the (other operand, index
# into the node's second partials) pairs of its curvature; the same for every pass of a Hessian.
SecondOrderPlan = list[tuple[int, tuple[tuple[int, int, tuple[tuple[int, int], ...]], ...]]]


def second_order_plan(graph: Graph) -> SecondOrderPlan:
    """The index work of ``second_order_arrays``, done once rather than once per pass."""
    plan: SecondOrderPlan = []
    for i in range(len(graph.nodes) - 1, graph.n_inputs - 1, -1):
        operands = graph.nodes[i].operands
        arity = len(operands)
        nodes = [(k, a) for k, a in enumerate(operands) if isinstance(a, int)]
        pairs = [(k, a, tuple((b, pair_index(k, m, arity)) for m, b in nodes)) for k, a in nodes]
        plan.append((i, tuple(pairs)))
    return plan


def second_order_arrays(
    graph: Graph,
    partials: Sequence[tuple[Value, ...]],
    seconds: Sequence[tuple[Value, ...]],
    dots: Sequence[Value],
    plan: SecondOrderPlan | None = None,
) -> tuple[list[Value], list[Value]]:
    """Forward-over-reverse over arrays (see ``sweeps.second_order_adjoint``), with ȳ = 1."""
    n = len(graph.nodes)
    bars: list[Value] = [0.0] * n
    bar_dots: list[Value] = [0.0] * n
    for output in graph.outputs[:1]:
        if type(output) is int:
            bars[output] = 1.0
    for i, operands in second_order_plan(graph) if plan is None else plan:
        bar, bar_dot = bars[i], bar_dots[i]
        d_i, dd_i = partials[i], seconds[i]
        for k, operand, pairs in operands:
            d = d_i[k]
            bars[operand] = _add(bars[operand], _mul(bar, d))
            curvature: Value = 0.0
            for other, pair in pairs:
                curvature = _add(curvature, _mul(dd_i[pair], dots[other]))
            bar_dots[operand] = _add(
                bar_dots[operand], _add(_mul(bar_dot, d), _mul(bar, curvature))
            )
    return bars, bar_dots


# --- batches -------------------------------------------------------------------------------------


@dataclass
class Batch:
    """Results at many points: one row of ``data`` per quantity, an entry per point."""

    command: str
    graph: Graph
    wrt: tuple[int, ...]
    # (columns × points), one block of memory: a Hessian of 3,000 inputs has 9M columns, too
    # many for an array (or a name) each. Entries of failed points are nan.
    data: Array
    errors: dict[int, AutodiffError] = field(default_factory=dict)  # point → its scalar error
    warnings: dict[int, tuple[Diagnostic, ...]] = field(default_factory=dict)  # point → kinks…

    @property
    def columns(self) -> list[str]:
        """The column names (``records.columns``)."""
        return columns(self.command, self.graph, self.wrt)

    def iter_columns(self) -> Iterator[str]:
        """The column names one at a time, for writers of very wide batches."""
        return iter_columns(self.command, self.graph, self.wrt)

    @property
    def arrays(self) -> list[Array]:
        """One 1-D array (a view of ``data``) per column."""
        return list(self.data)

    @property
    def size(self) -> int:
        return int(self.data.shape[1])

    def rows(self) -> list[list[float]]:
        """The points as rows of Python floats (for writers)."""
        return self.data.T.tolist()  # type: ignore[no-any-return]


def _full(value: Value, size: int) -> Array:
    return np.broadcast_to(np.asarray(value, dtype=float), (size,))


def _output(vector: Sequence[Value], output: int | Const, size: int) -> Array:
    return _full(output.value if isinstance(output, Const) else vector[output], size)


def _point_columns(
    graph: Graph, table: Mapping[str, Array], constants: Mapping[str, float], size: int
) -> list[Array]:
    """One array per input, from the points table or the constants."""
    columns = []
    for name in graph.input_names:
        if name in table:
            columns.append(np.asarray(table[name], dtype=float))
        elif name in constants:
            columns.append(np.full(size, float(constants[name])))
        else:
            raise PointError(f"no value for {name}: neither a column of the points nor a constant")
    return columns


def evaluate_batch(
    command: str,
    graph: Graph,
    points: Mapping[str, Array],
    constants: Mapping[str, float],
    *,
    mode: JacobianMode = "auto",
    wrt: Sequence[str] | None = None,
    direction: Sequence[float] = (),
    cotangent: Sequence[float] = (),
) -> Batch:
    """Run ``command`` (eval, grad, jacobian, jvp, vjp, hessian, hvp) at every point at once.

    Columns: the inputs, the outputs (``value`` or ``y1…ym``), then what the command computes,
    named as in the single-point CSV output (``d/dx1``, ``dy2/dx1``, ``d2/dx1dx2``, …).
    """
    size = len(next(iter(points.values()))) if points else 1
    inputs = _point_columns(graph, points, constants, size)
    request = (command, graph, mode, wrt, direction, cotangent)
    if size and command == "hessian":
        # Its usage checks need no point; the single-point path would sweep once per input.
        hessian_columns(graph, wrt)
    elif size:
        # The single-point path on the first point raises every usage error (one output for
        # grad, the length of the direction, an unknown wrt) as the single-point command does.
        first = {name: float(column[0]) for name, column in zip(graph.input_names, inputs)}
        try:
            _scalar_row(*request, first)
        except (MathError, PointError):
            pass  # a property of that point (a value out of range), reported with its row below
    wrt_ids = resolve_wrt(graph, wrt)
    with np.errstate(all="ignore"):
        values, data, hidden = _batch_arrays(
            command, graph, inputs, size, mode, wrt_ids, direction, cotangent
        )
        kinked = _kink_rows(graph, values, size) if command != "eval" else np.zeros(size, bool)
        batch = Batch(command, graph, wrt_ids, data)
        overflowed = _overflow_rows(graph, values, size)
        _recheck(request, batch, kinked | hidden | overflowed)
        return batch


def _kink_rows(graph: Graph, values: Sequence[Value], size: int) -> Array:
    """The points where some node sits exactly on a kink (they go down the scalar path, which
    warns about them as a single call does)."""
    table = array_table()
    rows = np.zeros(size, dtype=bool)
    for i in range(graph.n_inputs, len(graph.nodes)):
        node = graph.nodes[i]
        kink = table[node.op].kink
        if kink is not None:
            rows |= np.broadcast_to(kink.at(*_args(values, node.operands)), (size,))
    return rows


def _overflow_rows(graph: Graph, values: Sequence[Value], size: int) -> Array:
    """The points where some node's value overflowed to inf (or nan) even if the result did
    not (``1/(x*x)`` at 1e200): the scalar path warns there, or raises, as one point does."""
    total = np.zeros(size)
    for value in values[graph.n_inputs :]:
        total += value
    return ~np.isfinite(total)


def _hidden_rows(
    graph: Graph,
    partials: Sequence[tuple[Value, ...]],
    wrt_ids: tuple[int, ...],
    size: int,
    seconds: Sequence[tuple[Value, ...]] | None = None,
) -> Array:
    """The points where an infinite (or NaN) partial lies on a path from the ``wrt`` inputs to
    the outputs: a finite result there may hide 0·∞, which the scalar path reports
    (``core.indeterminate``). A sum over those partials is not finite exactly there."""
    total = np.zeros(size)
    outputs = [o for o in graph.outputs if type(o) is int]
    for i, ks in live_edges(graph, wrt_ids, outputs):
        for k in ks:
            total += partials[i][k]
        if seconds is not None:
            for pair in live_pairs(ks, len(graph.nodes[i].operands)):
                total += seconds[i][pair]
    return ~np.isfinite(total)


def _batch_arrays(
    command: str,
    graph: Graph,
    inputs: list[Array],
    size: int,
    mode: JacobianMode,
    wrt_ids: tuple[int, ...],
    direction: Sequence[float],
    cotangent: Sequence[float],
) -> tuple[list[Value], list[Value], Array]:
    """Every node's value, the (columns × points) array of ``records.columns``, and the
    points that may hide 0·∞ (``_hidden_rows``)."""
    values = primal_arrays(graph, inputs)
    data, hidden = _derived(
        command, graph, values, inputs, size, mode, wrt_ids, direction, cotangent
    )
    return values, data, hidden


def _stacked(values: Sequence[Value], size: int, more: int = 0) -> Array:
    """The values (floats or arrays) as the rows of a (len + ``more``) × size array; the
    ``more`` rows are left for the caller to fill."""
    data = np.empty((len(values) + more, size))
    for row, value in zip(data, values):
        row[...] = value
    return data


def _derived(
    command: str,
    graph: Graph,
    values: list[Value],
    inputs: list[Array],
    size: int,
    mode: JacobianMode,
    wrt_ids: tuple[int, ...],
    direction: Sequence[float],
    cotangent: Sequence[float],
) -> tuple[Array, Array]:
    n = graph.n_inputs
    arrays = [*inputs, *(_output(values, o, size) for o in graph.outputs)]
    if command == "eval":
        return _stacked(arrays, size), np.zeros(size, bool)
    partials = partial_arrays(graph, values)
    if command in ("grad", "jacobian"):
        if mode == "auto":
            mode = "reverse" if command == "grad" else advise(graph, len(wrt_ids)).choice
        matrix = _jacobian_arrays(graph, partials, wrt_ids, mode, size)
        arrays += [entry for row in matrix for entry in row]
    elif command == "jvp":
        dots = tangent_arrays(graph, partials, _spread(direction, wrt_ids, n))
        arrays += [_output(dots, o, size) for o in graph.outputs]
    elif command == "vjp":
        bars = adjoint_arrays(graph, partials, [float(w) for w in cotangent])
        arrays += [bars[j] for j in wrt_ids]
    if command in ("grad", "jacobian", "jvp", "vjp"):
        return _stacked(arrays, size), _hidden_rows(graph, partials, wrt_ids, size)
    if command not in ("hessian", "hvp"):
        raise ValueError(f"no batch form for {command!r}")
    seconds = second_partial_arrays(graph, values)
    hidden = _hidden_rows(graph, partials, wrt_ids, size, seconds)
    seeds: Iterable[list[Value]]
    if command == "hvp":
        seeds = [_spread(direction, wrt_ids, n)]
    else:  # one seed at a time: all of them at once would be n² floats
        seeds = (_spread([1.0 if c == j else 0.0 for c in wrt_ids], wrt_ids, n) for j in wrt_ids)
    k = len(wrt_ids)
    block = np.empty((0, 0, size))
    data = block
    plan = second_order_plan(graph)
    # Of each pass only the inputs' v̄̇ (a column of H) is kept, not its arrays for every node.
    for b, seed in enumerate(seeds):
        dots = tangent_arrays(graph, partials, seed)
        bars, bar_dots = second_order_arrays(graph, partials, seconds, dots, plan)
        if b == 0:
            arrays += [bars[j] for j in wrt_ids]
            if command == "hvp":
                return _stacked(arrays + [bar_dots[i] for i in wrt_ids], size), hidden
            data = _stacked(arrays, size, k * k)
            block = data[len(arrays) :].reshape(k, k, size)
        # Entry (a, b) of H is the v̄̇ of input a in the pass seeded with input b.
        for a, i in enumerate(wrt_ids):
            block[a, b] = bar_dots[i]
    if not k:
        data = _stacked(arrays, size)
    return data, hidden


def _spread(direction: Sequence[float], columns: tuple[int, ...], n: int) -> list[Value]:
    """A direction over the ``wrt`` inputs as a full seed (the scalar path checked its length)."""
    seed: list[Value] = [0.0] * n
    for j, u in zip(columns, direction):
        seed[j] = float(u)
    return seed


def _jacobian_arrays(
    graph: Graph,
    partials: Sequence[tuple[Value, ...]],
    columns: tuple[int, ...],
    mode: str,
    size: int,
) -> list[list[Array]]:
    """J as nested lists of arrays: [output][wrt input]."""
    n, m = graph.n_inputs, len(graph.outputs)
    if mode == "forward":
        passes = []
        for j in columns:
            seed: list[Value] = [0.0] * n
            seed[j] = 1.0
            passes.append(tangent_arrays(graph, partials, seed))
        return [[_output(dots, o, size) for dots in passes] for o in graph.outputs]
    rows = []
    for k in range(m):
        bars = adjoint_arrays(graph, partials, {k: 1.0})  # one output seeds the row
        rows.append([_full(bars[j], size) for j in columns])
    return rows


Request = tuple[str, Graph, JacobianMode, "Sequence[str] | None", Sequence[float], Sequence[float]]


def _recheck(request: Request, batch: Batch, extra: Array) -> None:
    """Recompute by the scalar path every point with a non-finite entry, and the ``extra`` ones
    (see the module doc); record their errors and warnings in ``batch``."""
    graph = request[1]
    n = graph.n_inputs
    data = batch.data
    bad = ~np.isfinite(data).all(axis=0) | extra
    for row in np.flatnonzero(bad).tolist():
        at = {name: float(data[j, row]) for j, name in enumerate(graph.input_names)}
        try:
            result = compute(*request[:2], at, *request[2:])
            fixed = record(request[0], result)
            if getattr(result, "warnings", ()):
                batch.warnings[row] = tuple(result.warnings)
        except AutodiffError as error:
            batch.errors[row] = error
            data[n:, row] = math.nan
            continue
        data[:, row] = fixed


def _scalar_row(
    command: str,
    graph: Graph,
    mode: JacobianMode,
    wrt: Sequence[str] | None,
    direction: Sequence[float],
    cotangent: Sequence[float],
    at: dict[str, float],
) -> list[float]:
    """One row of the batch, computed by the single-point functions."""
    return record(command, compute(command, graph, at, mode, wrt, direction, cotangent))
