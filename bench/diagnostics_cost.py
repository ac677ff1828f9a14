"""What the 0·∞ and overflow checks of issue 13 cost, against the work they check (not a suite).

    python bench/diagnostics_cost.py [n]        # default: 10^5 nodes and 10^5 points

Prints the median time of a reverse gradient of the ``random`` expression of n nodes (as the
ratio suite builds it) and of ``hidden_infinities`` on its result; of the forward table check;
and, for a batch of n points of the paper's expression, of ``evaluate_batch`` and of the masks
``_overflow_rows`` and ``_hidden_rows`` that send points to the scalar path.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from expressions import expression, point

from autodiff.core import vectorized
from autodiff.core.derivatives import gradient
from autodiff.core.indeterminate import hidden_infinities
from autodiff.core.sweeps import local_partials
from autodiff.grammar.build import parse


def median_ms(work: Callable[[], object], runs: int = 9) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def main(n: int) -> None:
    graph = parse(expression("random", n, 10, 0))
    at = {name: point(10)[name] for name in graph.input_names}
    result = gradient(graph, at, "reverse", record=False)
    values, bars = result.evaluation.values, [p.bars for p in result.reverse]
    inputs = range(graph.n_inputs)
    table = local_partials(graph, values)
    table.compute()
    rows = {
        f"gradient, reverse, {len(graph.nodes):,} nodes (check included)": median_ms(
            lambda: gradient(graph, at, "reverse", record=False)
        ),
        "  hidden_infinities after it (adjoints only)": median_ms(
            lambda: hidden_infinities(
                graph, local_partials(graph, values), inputs, graph.outputs, bars=bars
            )
        ),
        "  hidden_infinities given the table (forward mode)": median_ms(
            lambda: hidden_infinities(graph, table, inputs, graph.outputs)
        ),
    }
    paper = parse("log(x1)+x1*x2-sin(x2)")
    rng = np.random.default_rng(0)
    points = {"x1": rng.uniform(0.1, 3.0, n), "x2": rng.uniform(-3.0, 3.0, n)}
    arrays = vectorized.primal_arrays(paper, [points["x1"], points["x2"]])
    partials = vectorized.partial_arrays(paper, arrays)
    seconds = vectorized.second_partial_arrays(paper, arrays)
    for command in ("eval", "grad", "hessian"):
        rows[f"batch {command}, {n:,} points (checks included)"] = median_ms(
            lambda command=command: vectorized.evaluate_batch(command, paper, points, {})
        )
    rows["  _overflow_rows"] = median_ms(lambda: vectorized._overflow_rows(paper, arrays, n))
    rows["  _hidden_rows (grad)"] = median_ms(
        lambda: vectorized._hidden_rows(paper, partials, (0, 1), n)
    )
    rows["  _hidden_rows (hessian)"] = median_ms(
        lambda: vectorized._hidden_rows(paper, partials, (0, 1), n, seconds)
    )
    for label, ms in rows.items():
        print(f"{label:<60} {ms:9.2f} ms")


if __name__ == "__main__":
    main(int(float(sys.argv[1])) if len(sys.argv) > 1 else 10**5)
