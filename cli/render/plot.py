"""The error of finite differences against AD as h shrinks: a text plot, and a PNG.

The text plot needs nothing but Unicode (or ASCII with ``--ascii``): one column per step
h = 1e-1 … 1e-15, one row per power of ten of the error, so the V of truncation error (falling
with h) meeting rounding error (growing as 1/h) is visible in a terminal. The PNG needs
matplotlib, an optional dependency, imported only when asked for.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from autodiff.core.check import Check, StepRow

CELL = 4  # characters per step column


def _decade(error: float) -> int:
    return round(math.log10(error))


def error_plot(steps: Sequence[StepRow], ascii_only: bool = False) -> list[str]:
    """Lines of a log-log plot of the forward and central differences' error against h."""
    forward, central, both = ("f", "c", "*") if ascii_only else ("●", "○", "◉")
    vertical, corner, horizontal = ("|", "+", "-") if ascii_only else ("│", "└", "─")
    errors = [(row.forward_error, row.central_error) for row in steps]
    positive = [e for pair in errors for e in pair if e is not None and e > 0.0]
    exact = any(e == 0.0 for pair in errors for e in pair)
    title = (
        f"Error against AD by step h, log scale: {forward} forward difference, "
        f"{central} central difference, {both} both"
    )
    if not positive and not exact:
        return [title, "  (no step gives a finite difference here)"]
    rows: list[tuple[str, int | None]] = []
    if positive:
        top, bottom = max(map(_decade, positive)), min(map(_decade, positive))
        rows = [(f"{10.0**d:.0e}", d) for d in range(top, bottom - 1, -1)]
    if exact:
        rows.append(("0", None))

    def on_row(error: float | None, decade: int | None) -> bool:
        if error is None:
            return False
        return error == 0.0 if decade is None else error > 0.0 and _decade(error) == decade

    lines = [title]
    for label, decade in rows:
        cells = []
        for fd, cd in errors:
            hit_f, hit_c = on_row(fd, decade), on_row(cd, decade)
            mark = both if hit_f and hit_c else forward if hit_f else central if hit_c else " "
            cells.append(mark.rjust(CELL))
        lines.append(f"{label:>6} {vertical}{''.join(cells)}".rstrip())
    lines.append(f"{'':>6} {corner}{horizontal * (CELL * len(steps))}")
    ticks = "".join(str(round(math.log10(row.h))).rjust(CELL) for row in steps)
    lines.append(f"{'':>6}  {ticks}   log10 h")
    return lines


def save_png(result: Check, path: Path) -> None:
    """The same plot through matplotlib (the caller has checked that it is installed)."""
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6.4, 4.2))
    for which, label, marker in (
        ("forward", "forward difference", "o"),
        ("central", "central difference", "s"),
    ):
        points = [
            (row.h, error)
            for row in result.steps
            if (error := getattr(row, f"{which}_error")) is not None and error > 0.0
        ]
        if points:
            hs, errors = zip(*points)
            axes.loglog(hs, errors, marker=marker, label=label)
    axes.invert_xaxis()  # h shrinks to the right, as in the terminal plot
    axes.set_xlabel("step h")
    axes.set_ylabel("error against AD")
    axes.set_title("; ".join(result.graph.sources))
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=150)
    plt.close(figure)
