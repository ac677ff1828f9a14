"""The second-order test: the eigenvalues of a Hessian and what they say about the point.

The lecture's test: at a stationary point (∇y = 0), all λᵢ(H) > 0 is a local minimum, all
λᵢ < 0 a local maximum, λᵢ of both signs a saddle; when some λᵢ is zero the test is
inconclusive (degenerate). At a point that is not stationary the verdict describes the
curvature only.

"Zero" means ``|λ| ≤ tol`` with ``tol = n · ε · max |λᵢ|`` (ε the float64 machine epsilon, n
the size of H): the rounding error of a symmetric eigensolver is a few ε·‖H‖₂, so an eigenvalue
that small cannot be told from zero. It is the tolerance NumPy's ``matrix_rank`` uses.

NumPy is imported inside ``curvature`` only: the command line starts without it.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .errors import NonFiniteError, UsageError

Verdict = Literal["minimum", "maximum", "saddle", "degenerate"]

# In words, not symbols: a caption is plain text in every format, LaTeX's included.
MEANINGS: dict[str, str] = {
    "minimum": "every eigenvalue > 0: positive definite, a local minimum if the gradient is 0",
    "maximum": "every eigenvalue < 0: negative definite, a local maximum if the gradient is 0",
    "saddle": "eigenvalues of both signs: indefinite, a saddle point if the gradient is 0",
    "degenerate": "an eigenvalue is 0 (within tol): the second-order test is inconclusive",
}


@dataclass(frozen=True)
class Curvature:
    """The eigenvalues of a symmetric Hessian, ascending, and the verdict they give."""

    eigenvalues: tuple[float, ...]
    tol: float  # |λ| ≤ tol counts as zero
    verdict: Verdict

    @property
    def meaning(self) -> str:
        return MEANINGS[self.verdict]


def verdict(eigenvalues: Sequence[float], tol: float) -> Verdict:
    """Both signs is a saddle even beside a zero eigenvalue; otherwise a zero is inconclusive."""
    positive = any(lam > tol for lam in eigenvalues)
    negative = any(lam < -tol for lam in eigenvalues)
    if positive and negative:
        return "saddle"
    if eigenvalues and all(lam > tol for lam in eigenvalues):
        return "minimum"
    if eigenvalues and all(lam < -tol for lam in eigenvalues):
        return "maximum"
    return "degenerate"


def curvature(matrix: Sequence[Sequence[float]]) -> Curvature:
    """The eigenvalues of the symmetric part of ``matrix`` (``numpy.linalg.eigvalsh``).

    A non-finite entry, or an eigenvalue that overflows, raises ``NonFiniteError`` (and an empty
    matrix ``UsageError``): there is no verdict to give.
    """
    if not matrix:
        raise UsageError("the Hessian is empty (there is no variable): it has no eigenvalues")
    import numpy as np

    h = np.array(matrix, dtype=float).reshape(len(matrix), len(matrix))
    if not np.isfinite(h).all():
        raise NonFiniteError("the Hessian is not finite here: it has no eigenvalues")
    with np.errstate(over="ignore", invalid="ignore"):
        values = np.linalg.eigvalsh(h / 2.0 + h.T / 2.0)  # halves first: no overflow
    eigenvalues = tuple(float(lam) for lam in values)
    if not all(math.isfinite(lam) for lam in eigenvalues):
        raise NonFiniteError("the eigenvalues of the Hessian overflow the float range")
    largest = max((abs(lam) for lam in eigenvalues), default=0.0)
    tol = len(eigenvalues) * sys.float_info.epsilon * largest
    return Curvature(eigenvalues, tol, verdict(eigenvalues, tol))
