"""The headline gradient at many points: autodiff's vectorised sweeps vs hand-written NumPy.

    python bench/batch.py [--points 1000000] [--repeat 7]

Both sides get the same two arrays and produce the value and both partials; the median of
``--repeat`` runs (after a warm-up) is compared. Also times the whole command on a CSV file.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from autodiff.core.vectorized import evaluate_batch
from autodiff.grammar.build import parse

EXPRESSION = "log(x1)+x1*x2-sin(x2)"


def hand_written(x1: np.ndarray, x2: np.ndarray) -> tuple[np.ndarray, ...]:
    return np.log(x1) + x1 * x2 - np.sin(x2), 1.0 / x1 + x2, x1 - np.cos(x2)


def median_seconds(work: Callable[[], object], repeat: int) -> float:
    work()  # warm-up: first-touch page faults are not what we measure
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x1 = rng.uniform(0.1, 3.0, args.points)
    x2 = rng.uniform(-3.0, 3.0, args.points)
    graph = parse(EXPRESSION)

    ours = median_seconds(
        lambda: evaluate_batch("grad", graph, {"x1": x1, "x2": x2}, {}), args.repeat
    )
    theirs = median_seconds(lambda: hand_written(x1, x2), args.repeat)
    print(f"{args.points:,} points of grad {EXPRESSION!r} (median of {args.repeat})")
    print(f"  autodiff vectorised sweeps  {ours * 1000:8.1f} ms")
    print(f"  hand-written NumPy formula  {theirs * 1000:8.1f} ms")
    print(f"  ratio                       {ours / theirs:8.2f}x   (goal <= 1.5x)")

    script = shutil.which("autodiff", path=str(Path(sys.executable).parent)) or "autodiff"
    with tempfile.TemporaryDirectory() as folder:
        points = Path(folder) / "points.csv"
        np.savetxt(points, np.column_stack([x1, x2]), delimiter=",", header="x1,x2", comments="")
        start = time.perf_counter()
        subprocess.run(
            [script, "grad", EXPRESSION, "--points", str(points), "--format", "csv"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"  whole command, CSV in and out {time.perf_counter() - start:6.2f} s")


if __name__ == "__main__":
    main()
