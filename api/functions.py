"""The public functions of ``autodiff``: the core's operators, shaped for Python callers.

Each takes the function as text (one expression, or a list of them for several outputs) or as
a ``Graph`` from ``parse``; the point as a mapping from input name to number (a Python
``int`` or ``float``, or a NumPy scalar or 0-d array: anything ``float()`` or
``operator.index`` accepts, except ``bool``); and returns a result from ``results.py``. Errors
are the project's exceptions (``AutodiffError`` and its subclasses), their message naming the
function and the argument at fault, and, for a bad expression, showing it with a caret.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from autodiff.core import derivatives as core
from autodiff.core.builder import DEFAULT_MAX_NODES
from autodiff.core.errors import AutodiffError, PointError, UsageError
from autodiff.core.graph import Graph
from autodiff.grammar import build

from .results import (
    Batch,
    Check,
    Derivatives,
    Evaluation,
    Gradient,
    Hessian,
    Hvp,
    Jacobian,
    Jvp,
    Vjp,
)

Expression = str | Sequence[str] | Graph
Number = Any  # int, float, a NumPy scalar or 0-d array: what float() or operator.index takes
MODES = ("reverse", "forward")


# --- arguments -----------------------------------------------------------------------------


@contextmanager
def _speaking_as(function: str, sources: Sequence[str] = ()) -> Iterator[None]:
    """Restate a core error as coming from ``function(...)``, naming the argument at fault and,
    when it has a span in ``sources``, showing the expression with a caret under it."""
    try:
        yield
    except AutodiffError as error:
        raise _restated(error, function, sources) from None


def _restated(error: AutodiffError, function: str, sources: Sequence[str]) -> AutodiffError:
    from autodiff.cli.errors import format_error  # the one caret renderer; only on failure

    message = error.message
    if error.argument is not None:
        message += f" (argument {error.argument!r})"
    cls = type(error)
    text = format_error(
        cls(message, span=error.span, node=error.node), sources, lead=f"{function}()"
    )
    restated = cls(text.split("\n")[0], span=error.span, node=error.node, argument=error.argument)
    restated.args = (text,)  # str(error): the message and, for a bad expression, the caret
    return restated


def _graph(
    expr: Expression,
    function: str,
    max_nodes: int = DEFAULT_MAX_NODES,
    inputs: Sequence[str] = (),
) -> Graph:
    """The Wengert list of ``expr``: a ``Graph`` as it is, text parsed (``inputs`` first)."""
    if isinstance(expr, Graph):
        if inputs:
            error = UsageError("a parsed Graph keeps its order: pass the text", argument="inputs")
            raise _restated(error, function, expr.sources)
        return expr
    sources = [expr] if isinstance(expr, str) else expr
    if not isinstance(sources, Sequence) or not all(isinstance(s, str) for s in sources):
        error = UsageError(f"expected text or a Graph, not {type(expr).__name__}", argument="expr")
        raise _restated(error, function, ())
    with _speaking_as(function, sources):
        return build.parse(sources, max_nodes=max_nodes, inputs=inputs)


def _number(value: Number, what: str, argument: str) -> float:
    """``value`` as a float: a Python or NumPy number (or 0-d array); not a bool or text."""
    kind = type(value).__name__
    if isinstance(value, (bool, str, bytes)) or kind in ("bool_", "bool"):
        raise PointError(f"{what} must be a number, not {value!r}", argument=argument)
    if getattr(value, "ndim", 0) != 0:
        raise PointError(f"{what} must be a number, not an array", argument=argument)
    try:
        return float(operator.index(value))  # ints of any size; NumPy integers
    except TypeError:
        pass
    except OverflowError:
        raise PointError(f"{what} is too large for a float", argument=argument) from None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise PointError(f"{what} must be a number, not {kind}", argument=argument) from None


def _point(at: Mapping[str, Number]) -> dict[str, float]:
    if not isinstance(at, Mapping):
        raise PointError(
            f"expected a mapping from input name to value, not {type(at).__name__}", argument="at"
        )
    return {name: _number(value, f"the value of {name}", "at") for name, value in at.items()}


def _names(wrt: str | Sequence[str] | None) -> list[str] | None:
    """One input name or several: ``"x1"`` is ``["x1"]``, not split into letters."""
    return [wrt] if isinstance(wrt, str) else None if wrt is None else list(wrt)


def _vector(
    numbers: Sequence[Number] | Mapping[str, Number], names: Sequence[str], argument: str
) -> list[float]:
    """A direction or cotangent: a sequence in order, or a mapping by name (absent names 0)."""
    if isinstance(numbers, Mapping):
        unknown = [name for name in numbers if name not in names]
        if unknown:
            raise UsageError(f"{unknown[0]} is not one of {', '.join(names)}", argument=argument)
        numbers = [numbers.get(name, 0.0) for name in names]
    if isinstance(numbers, (str, bytes)) or not hasattr(numbers, "__iter__"):
        raise UsageError(f"expected a sequence of numbers, not {numbers!r}", argument=argument)
    return [_number(u, f"entry {k} of {argument}", argument) for k, u in enumerate(numbers, 1)]


def _mode(mode: str, allowed: Sequence[str]) -> None:
    if mode not in allowed:
        choices = " or ".join(repr(m) for m in allowed)
        raise UsageError(f"the mode must be {choices}, not {mode!r}", argument="mode")


def _wrt_names(graph: Graph, wrt: list[str] | None) -> list[str]:
    return list(graph.input_names) if wrt is None else wrt


def _output_names(graph: Graph) -> list[str]:
    """y1 … ym: the names a cotangent given as a mapping uses."""
    return [f"y{k + 1}" for k in range(len(graph.outputs))]


# --- the functions ---------------------------------------------------------------------------


def parse(
    expr: Expression, *, max_nodes: int = DEFAULT_MAX_NODES, inputs: Sequence[str] = ()
) -> Graph:
    """The Wengert list (``Graph``) of one expression, or of several (the outputs of one
    function). Parse once to call many functions on the same graph. Inputs are numbered in
    the natural order of their names, those in ``inputs`` first, in that order.

    >>> graph = parse("log(x1)+x1*x2-sin(x2)")
    >>> graph.input_names
    ('x1', 'x2')
    >>> parse("log(x1)+x1*x2-sin(x2)", inputs=["x2"]).input_names
    ('x2', 'x1')
    >>> parse("x1 +")
    Traceback (most recent call last):
    ...
    autodiff.core.errors.ParseError: parse() at column 5: ...
      x1 +
          ^
    """
    return _graph(expr, "parse", max_nodes, inputs)


def evaluate(expr: Expression, at: Mapping[str, Number]) -> Evaluation:
    """The value at a point (the primal trace).

    >>> evaluate("x*y + 1", {"x": 2, "y": 3})
    Evaluation(value=7.0, point={'x': 2.0, 'y': 3.0})
    >>> evaluate(["x+y", "x-y"], {"x": 2, "y": 3}).outputs
    (5.0, -1.0)
    """
    graph = _graph(expr, "evaluate")
    with _speaking_as("evaluate", graph.sources):
        return Evaluation(core.evaluate(graph, _point(at)))


def gradient(
    expr: Expression,
    at: Mapping[str, Number],
    mode: str = "reverse",
    wrt: str | Sequence[str] | None = None,
    *,
    record: bool = False,
) -> Gradient:
    """∇y of a one-output function at a point, by name: one reverse sweep (``mode="reverse"``)
    or one forward sweep per input (``"forward"``). ``wrt`` differentiates with respect to some
    inputs only. The adjoint ``steps`` are kept only with ``record=True`` (recording them costs
    several times the sweep itself). ``grad`` is another name for it.

    >>> g = gradient("log(x1)+x1*x2-sin(x2)", {"x1": 2, "x2": 5})
    >>> g
    Gradient(value=11.65207…, gradient={'x1': 5.5, 'x2': 1.716338…})
    >>> g.gradient["x1"]
    5.5
    >>> g.steps  # not recorded unless asked
    ()
    >>> len(gradient("log(x1)+x1*x2-sin(x2)", {"x1": 2, "x2": 5}, record=True).steps)
    9
    >>> gradient("x*y", {"x": 2})
    Traceback (most recent call last):
    ...
    autodiff.core.errors.PointError: gradient(): no value for y (argument 'at')
    """
    graph = _graph(expr, "gradient")
    with _speaking_as("gradient", graph.sources):
        _mode(mode, MODES)
        result = core.gradient(graph, _point(at), mode, _names(wrt), record=record)  # type: ignore[arg-type]
        return Gradient(result)


def jacobian(
    expr: Expression,
    at: Mapping[str, Number],
    mode: str = "auto",
    wrt: str | Sequence[str] | None = None,
    *,
    record: bool = False,
) -> Jacobian:
    """∂y/∂x of one or several outputs at a point: ``result[k]`` is output k's row by input
    name, ``result[k, "x"]`` one entry, ``result.matrix`` the rows in order. ``mode="auto"``
    chooses forward columns or reverse rows by counting the work of each (``result.cost``).
    ``record=True`` also keeps every sweep (``result.forward``, ``result.reverse``).

    >>> J = jacobian(["x*y", "x+y"], {"x": 2, "y": 3})
    >>> J
    Jacobian(outputs=(6.0, 5.0), mode='forward', matrix=((3.0, 2.0), (1.0, 1.0)))
    >>> J[0, "y"]
    2.0
    >>> J[1]
    {'x': 1.0, 'y': 1.0}
    """
    graph = _graph(expr, "jacobian")
    with _speaking_as("jacobian", graph.sources):
        _mode(mode, ("auto", *MODES))
        result = core.jacobian(graph, _point(at), mode, _names(wrt), record=record)  # type: ignore[arg-type]
        return Jacobian(result)


def jvp(
    expr: Expression,
    at: Mapping[str, Number],
    direction: Sequence[Number] | Mapping[str, Number],
    wrt: str | Sequence[str] | None = None,
) -> Jvp:
    """J·u, the directional derivative of every output, in one forward sweep. ``direction`` is
    a sequence over the (``wrt``) inputs in order, or a mapping by name (absent names are 0).

    >>> jvp(["x*y", "x+y"], {"x": 2, "y": 3}, {"x": 1})
    Jvp(outputs=(6.0, 5.0), product=(3.0, 1.0))
    """
    graph = _graph(expr, "jvp")
    with _speaking_as("jvp", graph.sources):
        names = _names(wrt)
        u = _vector(direction, _wrt_names(graph, names), "direction")
        return Jvp(core.jvp(graph, _point(at), u, names))


def vjp(
    expr: Expression,
    at: Mapping[str, Number],
    cotangent: Sequence[Number],
    wrt: str | Sequence[str] | None = None,
) -> Vjp:
    """wᵀJ, the gradient of Σₖ wₖ·yₖ by input name, in one reverse sweep; ``cotangent`` holds
    one weight per output, in order or as a mapping by output name (``{"y2": 1}``).

    >>> vjp(["x*y", "x+y"], {"x": 2, "y": 3}, [1, 10])
    Vjp(outputs=(6.0, 5.0), product={'x': 13.0, 'y': 12.0})
    """
    graph = _graph(expr, "vjp")
    with _speaking_as("vjp", graph.sources):
        w = _vector(cotangent, _output_names(graph), "cotangent")
        return Vjp(core.vjp(graph, _point(at), w, _names(wrt)))


def hessian(
    expr: Expression,
    at: Mapping[str, Number],
    wrt: str | Sequence[str] | None = None,
    eig: bool = False,
    *,
    record: bool = False,
) -> Hessian:
    """∇²y of a one-output function, exactly (forward-over-reverse): ``result["x", "y"]`` is
    ∂²y/∂x∂y, ``result["x"]`` that row by name, ``result.matrix`` the rows in order; with
    ``eig``, ``result.eigenvalues`` and the second-order test's ``result.verdict`` too.
    ``record=True`` also keeps every forward-over-reverse sweep (``result.passes``).

    >>> H = hessian("x^2*y", {"x": 3, "y": 2})
    >>> H
    Hessian(value=18.0, gradient={'x': 12.0, 'y': 9.0}, matrix=((4.0, 6.0), (6.0, 0.0)))
    >>> H["x", "y"]
    6.0
    >>> hessian("x^2 - y^2", {"x": 0, "y": 0}, eig=True).verdict
    'saddle'
    """
    graph = _graph(expr, "hessian")
    with _speaking_as("hessian", graph.sources):
        return Hessian(core.hessian(graph, _point(at), _names(wrt), record=record, eig=eig))


def hvp(
    expr: Expression,
    at: Mapping[str, Number],
    direction: Sequence[Number] | Mapping[str, Number],
    wrt: str | Sequence[str] | None = None,
) -> Hvp:
    """∇²y·u in one forward-over-reverse sweep, without forming the Hessian; ``direction`` as
    for ``jvp``.

    >>> hvp("x^2*y", {"x": 3, "y": 2}, [1, 0]).product
    {'x': 4.0, 'y': 6.0}
    """
    graph = _graph(expr, "hvp")
    with _speaking_as("hvp", graph.sources):
        names = _names(wrt)
        u = _vector(direction, _wrt_names(graph, names), "direction")
        return Hvp(core.hvp(graph, _point(at), u, names))


def evaluate_batch(
    command: str,
    expr: Expression,
    points: Mapping[str, Any],
    constants: Mapping[str, Number] | None = None,
    *,
    mode: str = "auto",
    wrt: str | Sequence[str] | None = None,
    direction: Sequence[Number] = (),
    cotangent: Sequence[Number] = (),
) -> Batch:
    """``command`` ("eval", "grad", "jacobian", "jvp", "vjp", "hessian", "hvp") at many points
    at once, over NumPy arrays (``pip install 'autodiff-cli[batch]'``): ``points`` maps input
    names to equal-length arrays, ``constants`` the other inputs to one value each. Columns are
    named as in the command line's CSV output.

    >>> batch = evaluate_batch("grad", "x*y", {"x": [1.0, 2.0]}, {"y": 3})
    >>> batch
    Batch(columns=['x', 'y', 'value', 'd/dx', … 1 more], size=2, failed=0)
    >>> batch["d/dx"].tolist()
    [3.0, 3.0]
    >>> batch.rows()
    [[1.0, 3.0, 3.0, 3.0, 1.0], [2.0, 3.0, 6.0, 3.0, 2.0]]
    """
    from autodiff.core import vectorized  # NumPy, only for batches

    graph = _graph(expr, "evaluate_batch")
    with _speaking_as("evaluate_batch", graph.sources):
        _mode(mode, ("auto", *MODES))
        names = _names(wrt)
        batch = vectorized.evaluate_batch(
            command,
            graph,
            points,
            _point(constants or {}),
            mode=mode,  # type: ignore[arg-type]
            wrt=names,
            direction=_vector(direction, _wrt_names(graph, names), "direction"),
            cotangent=_vector(cotangent, _output_names(graph), "cotangent"),
        )
        return Batch(batch)


def differentiate(
    expr: Expression, wrt: str | Sequence[str] | None = None, max_terms: int | None = None
) -> Derivatives:
    """The derivatives as expressions (symbolic differentiation along the Wengert list):
    ``result.text(k, j)`` is ∂yₖ/∂x_j as text the parser reads back.

    >>> d = differentiate("x^2*y")
    >>> d
    Derivatives(wrt=('x', 'y'), outputs=1)
    >>> d.text(0, 0), d.text(0, 1)
    ('2*x*y', 'x^2')
    """
    from autodiff.core import symbolic

    graph = _graph(expr, "differentiate")
    with _speaking_as("differentiate", graph.sources):
        limit = symbolic.MAX_TERMS if max_terms is None else max_terms
        return Derivatives(symbolic.differentiate(graph, _names(wrt), limit))


def check(
    expr: Expression,
    at: Mapping[str, Number],
    wrt: str | Sequence[str] | None = None,
    tol: float | None = None,
    direction: Sequence[Number] | Mapping[str, Number] | None = None,
    h: float | None = None,
) -> Check:
    """Every method (forward and reverse AD, finite differences, complex step, symbolic) at a
    point, each judged against reverse-mode AD within ``tol``: J, or J·u along ``direction``
    (as for ``jvp``); the differences over h = 1e-1 … 1e-15, or at the one step ``h``.

    >>> check("sin(x)*y", {"x": 1, "y": 2})
    Check(agrees=True, tol=1e-06, failed=())
    >>> check("x*y", {"x": 1, "y": 2}, direction=[1, 1], h=1e-6).agrees
    True
    """
    from autodiff.core import check as checks

    graph = _graph(expr, "check")
    with _speaking_as("check", graph.sources):
        tolerance = checks.DEFAULT_TOL if tol is None else _number(tol, "the tolerance", "tol")
        names = _names(wrt)
        u = None
        if direction is not None:
            u = _vector(direction, _wrt_names(graph, names), "direction")
        step = None if h is None else _number(h, "the step", "h")
        return Check(checks.check(graph, _point(at), names, tolerance, u, step))


def generate(expr: Expression, language: str = "python", name: str = "f") -> str:
    """The source text of a function ``name`` returning the value and the gradient, in
    ``language`` ("python" or "c").

    >>> source = generate("x*y", name="value_and_grad")
    >>> print(next(line for line in source.splitlines() if line.startswith("def ")))
    def value_and_grad(x: float, y: float) -> tuple[float, tuple[float, ...]]:
    """
    from autodiff.core import codegen

    graph = _graph(expr, "generate")
    with _speaking_as("generate", graph.sources):
        return codegen.generate(graph, language, name)  # type: ignore[arg-type]
