"""Time and peak memory at 10³ … 10⁶ nodes, for several shapes of expression (run by hand).

    python bench/scale.py [--sizes 1000,10000,100000,1000000] [--shapes sum,chain,...]
                          [--no-memory] [--profile] [--cli]

Stages: ``parse`` is text → Graph (the builder runs inside the parser's reductions, so parsing
and graph building are one pass), ``primal`` is ``evaluate``, ``gradient`` is ``gradient(...,
mode="reverse", record=False)`` (its own primal, the local partials and one adjoint sweep).
Times come from a run without tracing; peak memory (tracemalloc, above what was live before the
stage) from a second run, as tracing slows Python down. Goals (issue 6): the 10⁶ time within
12× the 10⁵ time, and under 1 KB per node. ``--profile`` prints cProfile's top functions per
stage at the largest size; ``--cli`` times the installed ``autodiff grad`` on a file.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from autodiff.core.derivatives import evaluate, gradient
from autodiff.core.graph import Graph
from autodiff.grammar.build import parse

# --- shapes: text with about n operations ------------------------------------------------------


def flat_sum(n: int) -> str:
    return " + ".join(f"x{i % 100}" for i in range(n + 1))


def long_product(n: int) -> str:
    return " * ".join(f"x{i % 100}" for i in range(n + 1))


def unary_chain(n: int) -> str:
    return "sin(" * n + "x" + ")" * n


def nested_parentheses(n: int) -> str:
    """x + (x + (x + …)): n additions, each inside one more pair of parentheses."""
    return "x + (" * n + "x" + ")" * n


UNARY = ("sin", "cos", "tanh", "atan", "sigmoid")
BINARY = ("atan2", "max", "min")
LEAVES = (*(f"x{i}" for i in range(10)), "0.5", "2")


def random_expression(n: int, seed: int = 0) -> str:
    """A random valid expression with n operations, generated left to right (no recursion).

    Bounded functions between short runs of + - * keep the values moderate.
    """
    rng = random.Random(seed)
    out: list[str] = []
    pending: list[str] = []  # what closes each open call or group: ")" or "," then ")"
    ops = 0
    operand = True  # whether an operand comes next
    while True:
        if operand:
            r = rng.random() if ops < n else 1.0
            if r < 0.25:
                out.append(rng.choice(UNARY) + "(")
                pending.append(")")
                ops += 1
            elif r < 0.35:
                out.append(rng.choice(BINARY) + "(")
                pending.append(",")
                ops += 1
            elif r < 0.45:
                out.append("(")
                pending.append(")")
            else:
                out.append(rng.choice(LEAVES))
                operand = False
        elif ops < n and (not pending or rng.random() < 0.5):
            out.append(rng.choice((" + ", " - ", " * ")))
            ops += 1
            operand = True
        elif pending:
            closer = pending.pop()
            if closer == ",":
                out.append(", ")
                pending.append(")")
                operand = True
            else:
                out.append(")")
        else:
            return "".join(out)


SHAPES: dict[str, Callable[[int], str]] = {
    "sum": flat_sum,
    "product": long_product,
    "chain": unary_chain,
    "parens": nested_parentheses,
    "random": random_expression,
}

# --- measuring -----------------------------------------------------------------------------------


def point(graph: Graph) -> dict[str, float]:
    return {name: 1.0 for name in graph.input_names}  # 1.0: a long product stays finite


STAGES: dict[str, Callable[[object], object]] = {
    "parse": lambda text: parse(text),  # type: ignore[arg-type]
    "primal": lambda graph: evaluate(graph, point(graph)),  # type: ignore[arg-type]
    "gradient": lambda graph: gradient(graph, point(graph), "reverse", record=False),  # type: ignore[arg-type]
}


def run_stages(text: str, memory: bool) -> tuple[Graph, dict[str, float]]:
    """Seconds per stage, or with ``memory`` peak bytes per stage above the live baseline."""
    measured: dict[str, float] = {}
    subject: object = text
    graph: Graph | None = None
    for stage, action in STAGES.items():
        gc.collect()
        if memory:
            tracemalloc.start()
            baseline = tracemalloc.get_traced_memory()[0]
            result = action(subject)
            measured[stage] = tracemalloc.get_traced_memory()[1] - baseline
            tracemalloc.stop()
        else:
            start = time.perf_counter()
            result = action(subject)
            measured[stage] = time.perf_counter() - start
        if stage == "parse":
            graph = subject = result  # type: ignore[assignment]
    assert graph is not None
    return graph, measured


def best_times(text: str, repeats: int) -> tuple[Graph, dict[str, float]]:
    """The fastest of ``repeats`` timed runs, stage by stage (small sizes are noisy)."""
    graph, best = run_stages(text, memory=False)
    for _ in range(repeats - 1):
        _, seconds = run_stages(text, memory=False)
        best = {stage: min(best[stage], seconds[stage]) for stage in best}
    return graph, best


def profile_stages(text: str, top: int) -> None:
    subject: object = text
    for stage, action in STAGES.items():
        profiler = cProfile.Profile()
        result = profiler.runcall(action, subject)
        print(f"\n--- cProfile: {stage} (top {top} by own time)")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(top)
        if stage == "parse":
            subject = result


# Runs a command and reports its peak RSS on stderr. A small process of its own, because a child
# forked from this big one would count this one's pages as its own.
_PEAK_RSS = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[1:])\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print('peak-rss-kb', peak, file=sys.stderr)\n"
    "sys.exit(code)"
)


def cli_end_to_end(text: str, graph: Graph) -> None:
    """The installed script on a file: wall time and the script's peak resident memory."""
    script = shutil.which("autodiff", path=str(Path(sys.executable).parent)) or "autodiff"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "expression.txt"
        path.write_text(text, encoding="utf-8")
        at = ",".join(f"{name}=1" for name in graph.input_names)
        command = [script, "grad", "-f", str(path), "--at", at, "--no-trace", "-F", "json"]
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _PEAK_RSS, *command], capture_output=True, text=True
        )
        seconds = time.perf_counter() - start
    *messages, last = done.stderr.strip().splitlines()
    rss = int(last.split()[-1]) * 1024
    print(
        f"\nCLI (autodiff grad -f FILE --no-trace -F json), {len(graph.nodes):,} nodes: "
        f"exit {done.returncode}, {seconds:.1f} s, peak RSS {rss / 2**20:.0f} MiB "
        f"({rss / len(graph.nodes):.0f} B/node, interpreter and text included)"
    )
    for message in messages[:3]:
        print("  " + message[:300])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc run")
    parser.add_argument("--profile", action="store_true", help="cProfile the largest size")
    parser.add_argument("--cli", action="store_true", help="time the CLI on the largest sum")
    args = parser.parse_args()
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    parse("x")  # build the parser once, outside the timings
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; times in seconds")
    header = (
        f"{'shape':<8} {'n':>9} {'nodes':>9} {'text MB':>8} {'parse':>8} {'primal':>8} "
        f"{'gradient':>8} {'peak MB':>8} {'B/node':>7}"
    )
    for shape in args.shapes.split(","):
        print(f"\n{header}")
        totals: dict[int, float] = {}
        for n in sizes:
            text = SHAPES[shape](n)
            graph, seconds = best_times(text, repeats=3 if n <= 10_000 else 1)
            nodes = len(graph.nodes)
            totals[n] = sum(seconds.values())
            peak = "" if args.no_memory else max(run_stages(text, memory=True)[1].values())
            row = (
                f"{shape:<8} {n:>9,} {nodes:>9,} {len(text) / 1e6:>8.2f} {seconds['parse']:>8.3f}"
                f" {seconds['primal']:>8.3f} {seconds['gradient']:>8.3f}"
            )
            if peak != "":
                row += f" {peak / 2**20:>8.1f} {peak / nodes:>7.0f}"
            print(row, flush=True)
            del graph
        big, small = max(sizes), max((s for s in sizes if s < max(sizes)), default=None)
        if small:
            ratio = totals[big] / totals[small]
            print(f"{shape}: time {big:,} / {small:,} = {ratio:.1f}x (ideal {big / small:.0f}x)")
        if args.profile:
            profile_stages(SHAPES[shape](big), top=12)
    if args.cli:
        text = flat_sum(max(sizes))
        cli_end_to_end(text, parse(text))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"\npeak RSS of this process: {rss / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
