"""Quick timing of autodiff's sweeps alone, for work on issue 8's ratio goal (not a suite).

    python bench/sweeps_timing.py [n ...]        # default: 10^3 10^4 10^5

For the ``random`` expression of each size (as ``python bench/run.py ratio`` builds it), prints
the median time per call of ``primal``, ``local_partials``, ``adjoint`` and of the whole reverse
gradient as the ratio suite times it, the ratio gradient ÷ primal, a lower bound on any adjoint
loop (``edges_only``: one multiply-add per operand edge and nothing else) and the ratio it
would give, ``autodiff codegen``'s written-out Python function against the same without its
adjoint lines (the ratio suite's ``written_out``: code with no loop at all), the API's
``gradient(record=False)``, and once per size the first parse + gradient (a fresh process is
not used: run the size suite for that).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from expressions import expression, point
from suites.ratio import written_out

from autodiff.core.derivatives import gradient
from autodiff.core.graph import Graph
from autodiff.core.sweeps import adjoint, local_partials, primal
from autodiff.grammar.build import parse


def loops_for(work: Callable[[], object], min_time: float = 0.02) -> int:
    loops = 1
    while True:
        start = time.perf_counter()
        for _ in range(loops):
            work()
        if time.perf_counter() - start >= min_time:
            return loops
        loops *= 2


def timed(works: dict[str, Callable[[], object]], rounds: int = 21) -> dict[str, list[float]]:
    """Seconds per call of each work, ``rounds`` samples each, interleaved (as bench/common.py)."""
    loops = {name: loops_for(work) for name, work in works.items()}
    samples: dict[str, list[float]] = {name: [] for name in works}
    order = list(works)
    for _ in range(rounds):
        for name in order:
            start = time.perf_counter()
            for _ in range(loops[name]):
                works[name]()
            samples[name].append((time.perf_counter() - start) / loops[name])
        order.reverse()
    return samples


def edges_only(graph: Graph) -> Callable[[], object]:
    """A lower bound on any adjoint loop in CPython: one ``v̄ₖ += v̄ᵢ·c`` per node operand of
    every operation (its edges), with no dispatch, no partials, no checks."""
    pairs = [
        (i, k)
        for i, node in enumerate(graph.nodes)
        for k in node.operands
        if type(k) is int and i >= graph.n_inputs
    ]
    pairs.reverse()
    size = len(graph.nodes)

    def loop() -> object:
        bars = [0.0] * size
        bars[-1] = 1.0
        for i, k in pairs:
            bars[k] += bars[i] * 0.5
        return bars

    return loop


def measure(n: int) -> str:
    text = expression("random", n, 10, 0)
    start = time.perf_counter()
    graph = parse(text)
    at = {name: point(10)[name] for name in graph.input_names}
    first = gradient(graph, at, record=False)
    one_shot = time.perf_counter() - start
    x = [at[name] for name in graph.input_names]
    values, _ = primal(graph, x)
    partials = local_partials(graph, values)

    def reverse() -> object:
        values, _ = primal(graph, x)
        return adjoint(graph, local_partials(graph, values), [1.0])

    assert reverse()[0][: graph.n_inputs] == list(first.gradient)  # type: ignore[index]
    samples = timed(
        {
            "primal": lambda: primal(graph, x),
            "partials": lambda: local_partials(graph, values),
            "adjoint": lambda: adjoint(graph, partials, [1.0]),
            "edges": edges_only(graph),
            **dict(zip(("codegen primal", "codegen gradient"), written_out(graph, x))),
            "reverse": reverse,
            "api": lambda: gradient(graph, at, record=False),
        }
    )
    t = {name: statistics.median(times) for name, times in samples.items()}
    ratio = statistics.median(r / p for r, p in zip(samples["reverse"], samples["primal"]))
    floor = 1 + statistics.median(e / p for e, p in zip(samples["edges"], samples["primal"]))
    written = statistics.median(
        g / p for g, p in zip(samples["codegen gradient"], samples["codegen primal"])
    )
    nodes = len(graph.nodes) - graph.n_inputs
    return (
        f"n={n:>7} nodes={nodes:>7}  primal {t['primal'] * 1e3:8.3f} ms  "
        f"partials {t['partials'] * 1e3:8.3f}  adjoint {t['adjoint'] * 1e3:8.3f}  "
        f"reverse {t['reverse'] * 1e3:8.3f}  ratio {ratio:5.2f}  "
        f"edges only {t['edges'] * 1e3:8.3f} (ratio floor {floor:4.2f})  "
        f"codegen {t['codegen primal'] * 1e3:8.3f} / {t['codegen gradient'] * 1e3:8.3f} "
        f"(ratio {written:4.2f})  "
        f"API {t['api'] * 1e3:8.3f}  first parse+gradient {one_shot * 1e3:8.1f} ms"
    )


def main(sizes: list[int]) -> None:
    for n in sizes:
        print(measure(n), flush=True)


if __name__ == "__main__":
    main([int(float(a)) for a in sys.argv[1:]] or [10**3, 10**4, 10**5])
