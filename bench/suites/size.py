"""size: parse + gradient of one expression of 10³ … 10⁶ operations, three shapes, every peer.

One worker process per (peer, shape, size). After a warm-up on the headline expression (so
imports and first-call set-up are not counted), the worker times ``repeat`` complete runs from
the expression to the gradient at one point and reports the median:

- autodiff: ``parse(text)`` then ``gradient(graph, at, record=False)``;
- SymPy: ``sympify(text)``, ``diff`` per variable, ``lambdify`` and one call;
- PyTorch: the Wengert list run eagerly on float64 leaf tensors, then ``torch.autograd.grad``;
- JAX: ``jax.value_and_grad`` of the Wengert list, eager (``jax.jit`` compiles 10⁴ scalar
  operations in minutes on this machine, which says nothing about large-graph scaling);
- CasADi: the list built on ``SX`` symbols, ``gradient``, a ``Function``, one call;
- autograd: ``value_and_grad`` of the list on ``autograd.numpy``.

The peers without a parser receive autodiff's parsed Wengert list as a straight-line program of
their own operations (built before the clock starts), so their times exclude any parsing: the
comparison favours them. A peer that fails at one size is not run at the larger ones; one
whose last time, scaled linearly, cannot fit the timeout is not run either (marked so). At
10⁶ the peers run the ``random`` shape only, to keep the default run near 15 minutes
(``--exhaustive`` runs everything).
"""

from __future__ import annotations

import math
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import (
    Options,
    goal,
    in_worker,
    once_each,
    outcome,
    power_of_ten,
    present,
    ready,
    seconds,
    stamp,
    table,
)
from expressions import HEADLINE, HEADLINE_POINT, SHAPES, expression, point

SIZES = (10**3, 10**4, 10**5, 10**6)
QUICK_SIZES = (10**4,)
VARIABLES = 10
Solver = Callable[[], tuple[float, list[float]]]


def _repeat(n: int, quick: bool) -> int:
    if n >= 10**6:
        return 1
    if n >= 10**5:
        return 3 if not quick else 1
    return 5 if not quick else 3


# --- in the worker ---------------------------------------------------------------------------


def _sympy(graph: Any, text: str, at: list[float]) -> Solver:
    import sympy

    def solve() -> tuple[float, list[float]]:
        expr = sympy.sympify(text)
        xs = sympy.symbols(list(graph.input_names))
        grads = [expr.diff(x) for x in xs]
        values = sympy.lambdify(xs, [expr, *grads], "math")(*at)
        return values[0], list(values[1:])

    return solve


def _torch(graph: Any, text: str, at: list[float]) -> Solver:
    import torch
    from peers import program

    prog = program(graph, "torch")

    def solve() -> tuple[float, list[float]]:
        leaves = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in at]
        y = prog(leaves)[0]
        grads = torch.autograd.grad(y, leaves, allow_unused=True)
        return float(y), [0.0 if g is None else float(g) for g in grads]

    return solve


def _jax(graph: Any, text: str, at: list[float]) -> Solver:
    import jax
    from peers import function

    jax.config.update("jax_enable_x64", True)
    f = function(graph, "jax")
    value_and_grad = jax.value_and_grad(f, argnums=tuple(range(len(at))))

    def solve() -> tuple[float, list[float]]:
        y, grads = value_and_grad(*at)
        return float(y), [float(g) for g in grads]

    return solve


def _casadi(graph: Any, text: str, at: list[float]) -> Solver:
    import casadi
    from peers import program

    prog = program(graph, "casadi")

    def solve() -> tuple[float, list[float]]:
        x = casadi.SX.sym("x", len(at))
        y = prog(casadi.vertsplit(x))[0]
        f = casadi.Function("f", [x], [y, casadi.gradient(y, x)])
        value, grad = f(at)
        return float(value), [float(g) for g in grad.full().ravel()]

    return solve


def _autograd(graph: Any, text: str, at: list[float]) -> Solver:
    import autograd
    import autograd.numpy as anp
    from peers import program

    prog = program(graph, "autograd")
    n = len(at)
    value_and_grad = autograd.value_and_grad(lambda x: prog([x[j] for j in range(n)])[0])

    def solve() -> tuple[float, list[float]]:
        y, grad = value_and_grad(anp.array(at, dtype=float))
        return float(y), [float(g) for g in grad]

    return solve


SOLVERS = {
    "sympy": _sympy,
    "torch": _torch,
    "jax": _jax,
    "casadi": _casadi,
    "autograd": _autograd,
}


def measure(task: dict[str, Any]) -> dict[str, Any]:
    from peers import load, save, wengert

    from autodiff.core.derivatives import gradient
    from autodiff.grammar.build import parse

    peer, n, repeat = task["peer"], task["n"], task["repeat"]
    text = expression(task["shape"], n, VARIABLES, task["seed"])
    cache = Path(task["cache"]) / f"{task['shape']}-{n}.pickle" if task.get("cache") else None
    values = point(VARIABLES)
    if peer == "autodiff":
        gradient(parse(HEADLINE), HEADLINE_POINT, record=False)  # warm-up: the parser's tables
        parse_times, grad_times, graphs = [], [], []

        def solve() -> tuple[float, list[float]]:
            start = time.perf_counter()
            graph = parse(text)
            middle = time.perf_counter()
            result = gradient(graph, {x: values[x] for x in graph.input_names}, record=False)
            grad_times.append(time.perf_counter() - middle)
            parse_times.append(middle - start)
            graphs[:] = [graph]
            return result.evaluation.value, list(result.gradient)

        ready()
        median, (value, grad) = once_each(solve, repeat)  # type: ignore[misc]
        graph = graphs[0]
        if cache:  # the same Wengert list for the peers, without parsing it again
            save(graph, cache)
        return {
            "seconds": median,
            "parse": statistics.median(parse_times),
            "gradient_only": statistics.median(grad_times),
            "value": value,
            "gradient": grad,
            "nodes": len(graph.nodes) - graph.n_inputs,
        }
    make = SOLVERS[peer]
    small = wengert(parse(HEADLINE))
    make(small, HEADLINE, [HEADLINE_POINT[x] for x in small.input_names])()  # warm-up
    w = load(cache) if cache and cache.exists() else wengert(parse(text))
    solve = make(w, text, [values[x] for x in w.input_names])
    ready()
    median, (value, grad) = once_each(solve, repeat)  # type: ignore[misc]
    return {"seconds": median, "value": float(value), "gradient": grad}


# --- in the harness --------------------------------------------------------------------------


def _mismatch(result: dict[str, Any], reference: dict[str, Any] | None) -> float | None:
    """Largest gradient difference from autodiff's, relative to the gradient's size."""
    if not reference or reference.get("status") != "ok" or result.get("status") != "ok":
        return None
    ours, theirs = reference["gradient"], result["gradient"]
    if len(ours) != len(theirs):
        return math.inf
    scale = max(1.0, *(abs(g) for g in ours))
    return max(abs(a - b) for a, b in zip(ours, theirs)) / scale


def _plan(
    previous: dict[str, Any] | None, n_previous: int, n: int, repeat: int, timeout: float
) -> tuple[int, str | None]:
    """How many runs at size ``n`` fit the timeout, judging by the last size (linear scaling,
    the best case); a reason instead when none does or the last size failed."""
    if previous is None:
        return repeat, None
    if previous["status"] == "skipped":
        return 0, previous["detail"]
    if previous["status"] != "ok":
        return 0, f"failed at {power_of_ten(n_previous)}"
    per_run = previous["seconds"] * n / n_previous
    fits = int(0.8 * timeout / per_run) if per_run < 10.0 else 1  # long runs vary little
    if per_run > 0.8 * timeout:
        return (
            0,
            f"≥ {per_run:.0f} s projected from {seconds(previous['seconds'])} at "
            + power_of_ten(n_previous),
        )
    return min(repeat, fits), None


def collect(options: Options) -> dict[str, Any]:
    sizes = QUICK_SIZES if options.quick else SIZES
    peers, missing = present(options.peers)
    data: dict[str, Any] = {
        "stamp": stamp(),
        "sizes": sizes,
        "peers": ["autodiff", *peers],
        "missing": missing,
        "timeout": options.timeout,
        "results": {},
    }
    with tempfile.TemporaryDirectory(prefix="autodiff-bench-") as cache:
        for shape in SHAPES:
            for peer in data["peers"]:
                previous: dict[str, Any] | None = None
                n_previous = 0
                for n in sizes:
                    timeout = options.timeout * (5 if peer == "autodiff" else 1)
                    repeat, reason = _plan(
                        previous, n_previous, n, _repeat(n, options.quick), timeout
                    )
                    failed = previous is not None and previous["status"] != "ok"
                    if n >= 10**6 and peer != "autodiff" and shape != "random":
                        reason = reason or "10⁶ runs one shape (--exhaustive for all)"
                    if reason and (not options.exhaustive or failed):
                        result: dict[str, Any] = {"status": "skipped", "detail": reason}
                    else:
                        task = {
                            "suite": "size",
                            "peer": peer,
                            "shape": shape,
                            "n": n,
                            "seed": 0,
                            "repeat": repeat or 1,
                            "cache": cache,
                        }
                        result = in_worker(task, timeout, options.memory_gb)
                        result["repeat"] = repeat or 1
                    data["results"][f"{shape}/{peer}/{n}"] = result
                    options.log(f"  size {shape:<6} {power_of_ten(n)} {peer:<8} {outcome(result)}")
                    previous, n_previous = result, n
    for shape in SHAPES:
        for n in sizes:
            reference = data["results"].get(f"{shape}/autodiff/{n}")
            for peer in peers:
                result = data["results"][f"{shape}/{peer}/{n}"]
                result["mismatch"] = _mismatch(result, reference)
    data["stamp"]["load_after"] = stamp()["load"]
    return data


def _get(data: dict[str, Any], shape: str, peer: str, n: int) -> dict[str, Any] | None:
    return data["results"].get(f"{shape}/{peer}/{n}")


def _ok(result: dict[str, Any] | None, key: str = "seconds") -> float | None:
    return result.get(key) if result and result.get("status") == "ok" else None


def goals(data: dict[str, Any]) -> list[dict[str, Any]]:
    versus_torch, linear = [], []
    for shape in SHAPES:
        ours = _ok(_get(data, shape, "autodiff", 10**5))
        torch = _ok(_get(data, shape, "torch", 10**5))
        if ours and torch:
            versus_torch.append((ours / torch, shape, ours, torch))
        big = _ok(_get(data, shape, "autodiff", 10**6))
        if ours and big:
            linear.append((big / ours, shape, big, ours))
    found = []
    if versus_torch:
        worst = max(versus_torch)
        note = "; ".join(
            f"{s}: {r:.2f}× ({seconds(a)} vs {seconds(b)})" for r, s, a, b in versus_torch
        )
        found.append(goal("size: 10⁵ nodes parse + gradient ÷ PyTorch", 0.75, worst[0], note))
    else:
        found.append(goal("size: 10⁵ nodes parse + gradient ÷ PyTorch", 0.75, None, "not measured"))
    if linear:
        note = "; ".join(f"{s}: {r:.1f}× ({seconds(a)} vs {seconds(b)})" for r, s, a, b in linear)
        found.append(goal("size: 10⁶ ÷ 10⁵ nodes (autodiff)", 12.0, max(linear)[0], note))
    else:
        found.append(goal("size: 10⁶ ÷ 10⁵ nodes (autodiff)", 12.0, None, "10⁶ not run"))
    return found


def render(data: dict[str, Any]) -> str:
    sizes = data["sizes"]
    text = [
        "Parse + gradient at one point, from the expression text: the median of "
        + ", ".join(f"{_repeat(n, data.get('quick', False))} at {power_of_ten(n)}" for n in sizes)
        + " runs (fewer where the last size says more would not fit the timeout); timeout "
        f"{data['timeout']:.0f} s per peer measurement after its set-up "
        f"({5 * data['timeout']:.0f} s for autodiff), 10 variables. ≠ marks a gradient that "
        "differs from autodiff's by more than 1e-6 (relative).",
    ]
    for shape in SHAPES:
        header = ["peer", *(power_of_ten(n) for n in sizes)]
        rows = []
        nodes = [str(_ok(_get(data, shape, "autodiff", n), "nodes") or "—") for n in sizes]
        rows.append(["*operations in the Wengert list*", *nodes])
        for peer in data["peers"]:
            cells = []
            for n in sizes:
                result = _get(data, shape, peer, n)
                cell = outcome(result)
                if result and (result.get("mismatch") or 0) > 1e-6:
                    cell += f" ≠ ({result['mismatch']:.1e})"
                cells.append(cell)
            rows.append([peer, *cells])
        rows.append(
            [
                "*autodiff: parse / gradient*",
                *(
                    f"{seconds(_ok(_get(data, shape, 'autodiff', n), 'parse'))} / "
                    f"{seconds(_ok(_get(data, shape, 'autodiff', n), 'gradient_only'))}"
                    for n in sizes
                ),
            ]
        )
        ratios = []
        for n in sizes:
            ours, torch = _ok(_get(data, shape, "autodiff", n)), _ok(_get(data, shape, "torch", n))
            ratios.append(f"{ours / torch:.2f}×" if ours and torch else "—")
        rows.append(["*autodiff ÷ PyTorch*", *ratios])
        text += ["", f"**{shape}** ({_describe(shape)})", "", table(header, rows)]
    if data["missing"]:
        text += ["", f"Not installed, skipped: {', '.join(data['missing'])}."]
    return "\n".join(text)


def _describe(shape: str) -> str:
    return {
        "random": "terms combined pairwise at random, depth ~ log n",
        "flat": "one long sum, a left-deep chain of additions",
        "deep": "one chain nested n/2 levels deep: `sin(x3 + cos(x1 * tanh(…)))`",
    }[shape]
