"""Whole-process time of the headline command against `python -c pass` (run by hand).

    python bench/startup.py [--runs 15]

Prints the median and the ratio. Uses the `autodiff` script next to the running interpreter.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HEADLINE = ["grad", "log(x1)+x1*x2-sin(x2)", "--at", "x1=2,x2=5"]


def median_seconds(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    script = shutil.which("autodiff", path=str(Path(sys.executable).parent)) or "autodiff"
    cases = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "autodiff grad (table)": [script, *HEADLINE],
        "autodiff grad (json)": [script, *HEADLINE, "--format", "json"],
    }
    baseline = None
    print(f"{'command':<24} {'median':>9} {'ratio':>7}   ({args.runs} runs)")
    for name, command in cases.items():
        seconds = median_seconds(command, args.runs)
        baseline = baseline or seconds
        print(f"{name:<24} {seconds * 1000:7.1f}ms {seconds / baseline:6.1f}x")


if __name__ == "__main__":
    main()
