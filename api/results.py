"""What the Python API returns: thin, read-only views of core's result dataclasses.

Core keeps plain tuples in graph order (what the renderers read); a notebook user wants
derivatives by input name and a repr that fits on a line. Each class here wraps one core
result (``.core``): named fields are mappings by input name (``ByName``), reprs round values to
seven significant digits and abbreviate long collections, and every other attribute of the
core result (``partials``, ``cost``, ``forward``, ``reverse``, ``passes``, ``warnings``, …)
reads through unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

SHOWN = 4  # entries of a long collection shown in a repr before "…"
_DIGITS = 7


class ByName(Mapping[str, float]):
    """A read-only mapping from input name to number, in the graph's input order.

    It compares equal to a dict with the same items, and ``tuple(m.values())`` is the vector
    in input order.
    """

    __slots__ = ("_items",)

    def __init__(self, names: Sequence[str], numbers: Sequence[float]) -> None:
        self._items = dict(zip(names, numbers))

    def __getitem__(self, name: str) -> float:
        return self._items[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return repr(self._items)


def short_number(x: float) -> str:
    """``repr(x)`` when it is short, else seven significant digits and ``…`` when rounded:
    11.652071455223084 → ``11.65207…``, 5.5 → ``5.5``."""
    exact = repr(x)
    if len(exact) <= _DIGITS + 3:
        return exact
    rounded = f"{x:.{_DIGITS}g}"
    return rounded if float(rounded) == x else rounded + "…"


def _short(value: object) -> str:
    """A field's value for a repr: numbers rounded, long collections cut after ``SHOWN``."""
    if isinstance(value, float):
        return short_number(value)
    if isinstance(value, Mapping):
        shown = [f"{k!r}: {_short(v)}" for k, v in list(value.items())[:SHOWN]]
        return "{" + ", ".join(shown + _more(len(value))) + "}"
    if isinstance(value, list):
        return "[" + ", ".join([_short(v) for v in value[:SHOWN]] + _more(len(value))) + "]"
    if isinstance(value, tuple):
        shown = [_short(v) for v in value[:SHOWN]]
        return "(" + ", ".join(shown + _more(len(value))) + ("," if len(value) == 1 else "") + ")"
    return repr(value)


def _more(n: int) -> list[str]:
    return [f"… {n - SHOWN} more"] if n > SHOWN else []


class _View:
    """A read-only wrapper of one core result; attributes it does not define read through."""

    __slots__ = ("core",)
    _shown: tuple[str, ...] = ()  # the fields of the repr

    def __init__(self, core: Any) -> None:
        object.__setattr__(self, "core", core)

    def __getattr__(self, name: str) -> Any:
        if name == "core" or name.startswith("__"):  # not set yet, or a protocol probe
            raise AttributeError(name)
        return getattr(self.core, name)

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.core,)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.core == self.core  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={_short(getattr(self, name))}" for name in self._shown)
        return f"{type(self).__name__}({fields})"

    def _by_input(self, numbers: Sequence[float]) -> ByName:
        """``numbers`` over the ``wrt`` inputs, by name."""
        return ByName(self.wrt, numbers)

    @property
    def _graph(self) -> Any:
        return self.core.graph

    @property
    def wrt(self) -> tuple[str, ...]:
        """The names of the inputs differentiated (the columns), in order."""
        names = self._graph.input_names
        return tuple(names[j] for j in self.core.wrt)


class _AtAPoint(_View):
    """A result computed at one point."""

    __slots__ = ()

    @property
    def _primal(self) -> Any:
        """The core ``Evaluation`` the result was computed from."""
        return self.core.evaluation

    @property
    def _graph(self) -> Any:
        return self._primal.graph

    @property
    def evaluation(self) -> Evaluation:
        """The primal trace at the point."""
        return Evaluation(self._primal)

    @property
    def value(self) -> float:
        """The function's value (the first output)."""
        return float(self._primal.outputs[0])

    @property
    def outputs(self) -> tuple[float, ...]:
        """y₁ … yₘ."""
        return self._primal.outputs


class Evaluation(_AtAPoint):
    """The primal trace at a point: ``value`` (or ``outputs``), ``point`` by name, and
    ``values``, every node's value by id."""

    __slots__ = ()

    @property
    def _shown(self) -> tuple[str, ...]:  # type: ignore[override]
        return ("value" if len(self.outputs) == 1 else "outputs", "point")

    @property
    def _primal(self) -> Any:
        return self.core

    @property
    def point(self) -> ByName:
        """The input values, by name."""
        return ByName(self._graph.input_names, self.core.point)

    @property
    def wrt(self) -> tuple[str, ...]:
        return self._graph.input_names


class Jacobian(_AtAPoint):
    """J = ∂y/∂x at a point: ``matrix`` by rows (outputs) and columns (the ``wrt`` inputs).

    ``result[k]`` is row k (output k, from 0) by input name and ``result[k, "x1"]`` one entry;
    ``mode`` says how it was made, ``cost`` why (``mode="auto"``).
    """

    __slots__ = ()
    _shown = ("outputs", "mode", "matrix")

    @property
    def matrix(self) -> tuple[tuple[float, ...], ...]:
        return self.core.matrix

    @property
    def rows(self) -> tuple[ByName, ...]:
        """Each output's row, by input name."""
        return tuple(self._by_input(row) for row in self.core.matrix)

    def __getitem__(self, key: int | tuple[int, str]) -> Any:
        if isinstance(key, tuple):
            row, name = key
            return self.rows[row][name]
        return self.rows[key]


class Gradient(Jacobian):
    """∇y of a one-output function at a point: ``gradient`` by input name, ``value``, and,
    from a reverse sweep asked to record them (``record=True``), the adjoint ``steps`` in order.

    ``result["x1"]`` is ``result.gradient["x1"]``.
    """

    __slots__ = ()
    _shown = ("value", "gradient")

    @property
    def gradient(self) -> ByName:
        return self._by_input(self.core.matrix[0])

    @property
    def steps(self) -> tuple[Any, ...]:
        """The adjoint steps (``v̄ᵢ += v̄ⱼ·∂vⱼ/∂vᵢ``) in the order the reverse sweep took them,
        when asked for with ``gradient(..., record=True)``; otherwise (and in forward mode)
        empty."""
        return self.core.reverse[0].steps if self.core.reverse else ()

    def __getitem__(self, key: Any) -> Any:
        return self.gradient[key] if isinstance(key, str) else super().__getitem__(key)


class Jvp(_AtAPoint):
    """J·u for an input direction u: ``product``, one entry per output."""

    __slots__ = ()
    _shown = ("outputs", "product")

    @property
    def product(self) -> tuple[float, ...]:
        return self.core.product

    @property
    def direction(self) -> ByName:
        """u, by input name."""
        return self._by_input(self.core.direction)


class Vjp(_AtAPoint):
    """wᵀJ for output weights w: ``product`` by input name, and the adjoint ``steps``."""

    __slots__ = ()
    _shown = ("outputs", "product")

    @property
    def product(self) -> ByName:
        return self._by_input(self.core.product)

    @property
    def cotangent(self) -> tuple[float, ...]:
        """w, one weight per output."""
        return self.core.cotangent

    @property
    def steps(self) -> tuple[Any, ...]:
        """The adjoint steps of the reverse sweep, in order."""
        return self.core.sweep.steps


class Hessian(_AtAPoint):
    """∇²y at a point: ``matrix`` over the ``wrt`` inputs, ``gradient`` by input name.

    ``result["x1", "x2"]`` is ∂²y/∂x1∂x2 and ``result["x1"]`` that row by input name.
    """

    __slots__ = ()
    _shown = ("value", "gradient", "matrix")

    @property
    def gradient(self) -> ByName:
        return self._by_input(self.core.gradient)

    @property
    def matrix(self) -> tuple[tuple[float, ...], ...]:
        # Core keeps it as flat doubles (core.matrix.DenseMatrix); a notebook gets plain rows.
        return tuple(self.core.matrix)

    @property
    def eigenvalues(self) -> tuple[float, ...] | None:
        """H's eigenvalues, ascending, when asked for (``hessian(..., eig=True)``)."""
        test = self.core.curvature
        return None if test is None else test.eigenvalues

    @property
    def verdict(self) -> str | None:
        """The second-order test (``eig=True``): minimum, maximum, saddle or degenerate."""
        test = self.core.curvature
        return None if test is None else test.verdict

    def __getitem__(self, key: str | tuple[str, str]) -> Any:
        if isinstance(key, tuple):
            row, column = key
            return self[row][column]
        if key not in self.wrt:
            raise KeyError(key)
        return self._by_input(self.core.matrix[self.wrt.index(key)])


class Hvp(_AtAPoint):
    """∇²y·u: ``product`` and ``gradient`` by input name, without forming the Hessian."""

    __slots__ = ()
    _shown = ("value", "gradient", "product")

    @property
    def gradient(self) -> ByName:
        return self._by_input(self.core.gradient)

    @property
    def product(self) -> ByName:
        return self._by_input(self.core.product)

    @property
    def direction(self) -> ByName:
        """u, by input name."""
        return self._by_input(self.core.direction)


class Check(_AtAPoint):
    """Every method of computing J at a point, each judged against reverse-mode AD: ``agrees``,
    the ``failed`` methods, and ``methods`` with their matrices and errors."""

    __slots__ = ()
    _shown = ("agrees", "tol", "failed")

    @property
    def failed(self) -> tuple[str, ...]:
        """The methods that disagree with reverse-mode AD beyond ``tol``."""
        return tuple(method.key for method in self.core.failures)


class Derivatives(_View):
    """The derivatives as expressions: ``text(k, j)`` is ∂yₖ/∂x_j (j over ``wrt``) as text."""

    __slots__ = ()
    _shown = ("wrt", "outputs")

    @property
    def outputs(self) -> int:
        """How many outputs (rows)."""
        return len(self.core.matrix)


class Batch(_View):
    """Results at many points: ``result["d/dx"]`` is one column's array (an entry per point;
    NaN where the point failed, its error in ``errors``); ``rows()`` the points as lists."""

    __slots__ = ()
    _shown = ("columns", "size", "failed")

    @property
    def failed(self) -> int:
        """How many points could not be computed."""
        return len(self.core.errors)

    def __getitem__(self, column: str) -> Any:
        return dict(zip(self.core.columns, self.core.arrays))[column]
