"""A dense matrix of floats in one flat array: rows read as tuples, made when asked for.

A Hessian of 3,000 inputs has 9M entries: 72 MB as doubles, about 290 MB as a tuple of
tuples of Python floats. Renderers read it row by row, so only one row exists as floats at a
time. It compares equal to any sequence of sequences with the same numbers.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from operator import sub
from typing import Any


class DenseMatrix(Sequence[tuple[float, ...]]):
    """``rows × columns`` floats, row-major; ``matrix[r]`` is row ``r`` as a tuple."""

    __slots__ = ("_data", "columns", "rows")

    def __init__(self, rows: int, columns: int) -> None:
        self.rows = rows
        self.columns = columns
        self._data = array("d", bytes(8 * rows * columns))  # zeros

    @classmethod
    def from_columns(cls, rows: int, columns: Sequence[Sequence[float]]) -> DenseMatrix:
        """The matrix whose ``c``-th column is ``columns[c]`` (each ``rows`` long)."""
        matrix = cls(rows, len(columns))
        for c, column in enumerate(columns):
            matrix.set_column(c, column)
        return matrix

    def set_column(self, c: int, column: Sequence[float]) -> None:
        self._data[c :: self.columns] = array("d", column)

    def entries(self) -> Iterator[float]:
        """Every entry, row by row."""
        return iter(self._data)

    def asymmetry(self) -> float:
        """max |Mᵢⱼ − Mⱼᵢ| (0.0 for a matrix with less than two rows); square matrices only."""
        n, data = self.columns, self._data
        worst = 0.0
        for r in range(1, n):
            below = data[r * n : r * n + r]  # M[r][c] for c < r
            above = data[r : r * n : n]  # M[c][r] for c < r
            worst = max(worst, max(map(abs, map(sub, below, above))))
        return worst

    def __getitem__(self, r: Any) -> Any:
        if isinstance(r, slice):
            return tuple(self[i] for i in range(*r.indices(self.rows)))
        if r < 0:
            r += self.rows
        if not 0 <= r < self.rows:
            raise IndexError("matrix row out of range")
        return tuple(self._data[r * self.columns : (r + 1) * self.columns])

    def __len__(self) -> int:
        return self.rows

    def __iter__(self) -> Iterator[tuple[float, ...]]:
        for r in range(self.rows):
            yield tuple(self._data[r * self.columns : (r + 1) * self.columns])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(other) == self.rows and all(tuple(row) == mine for row, mine in zip(other, self))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"DenseMatrix({tuple(self)!r})"
