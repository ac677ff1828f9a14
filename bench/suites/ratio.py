"""ratio: steady-state reverse gradient time ÷ primal time on the same Wengert list.

The ``random`` expression of 10² … 10⁵ operations (10 variables), built once; then, after
warm-ups, the median of interleaved samples of each pair (each sample at least 50 ms of calls):

- autodiff (sweeps): ``primal`` against ``primal`` + ``local_partials`` + ``adjoint``;
- autodiff (API): ``evaluate`` against ``gradient(…, record=False)`` (adds binding and checks);
- autodiff codegen: the Python function ``autodiff codegen`` writes (every step a line, no
  loop) without its adjoint lines against the whole function;
- CasADi: an ``SX`` ``Function`` for y against one for (y, ∇y), both called on a ``DM``;
- PyTorch: the list run eagerly under ``no_grad`` against with grad + ``autograd.grad``;
- JAX: ``jit(f)`` against ``jit(value_and_grad(f))`` (compile time is reported apart);
- autograd: f on floats against ``value_and_grad(f)``;
- SymPy: ``lambdify(cse=True)`` of y against that of (y, ∇y) from ``diff`` (symbolic
  derivatives, not a reverse sweep: its ratio is the size of the differentiated code).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from common import (
    Options,
    goal,
    in_worker,
    outcome,
    paired,
    power_of_ten,
    present,
    ready,
    seconds,
    stamp,
    steady,
    table,
)
from expressions import expression, point

SIZES = (10**2, 10**3, 10**4, 10**5)
QUICK_SIZES = (10**2, 10**3)
Pair = tuple[Callable[[], object], Callable[[], object]]
KEYS = ("primal", "gradient")
WRITTEN_OUT = "autodiff codegen (written-out Python)"


def _autodiff_pairs(graph: Any, at: dict[str, float]) -> dict[str, Pair]:
    from autodiff.core.derivatives import evaluate, gradient
    from autodiff.core.sweeps import adjoint, local_partials, primal

    x = [at[name] for name in graph.input_names]
    ones = [1.0] * len(graph.outputs)

    def reverse() -> object:
        values, _ = primal(graph, x)
        return adjoint(graph, local_partials(graph, values), ones)

    return {
        "autodiff (sweeps)": (lambda: primal(graph, x), reverse),
        "autodiff (API)": (
            lambda: evaluate(graph, at),
            lambda: gradient(graph, at, record=False),
        ),
        WRITTEN_OUT: written_out(graph, x),
    }


def written_out(graph: Any, x: list[float]) -> Pair:
    """``autodiff codegen``'s Python function (the primal and adjoint traces written out, one
    line per step: no loop, no dispatch) without its adjoint lines and whole, each loaded from
    a temporary file as a user would import it."""
    import importlib.util
    import tempfile
    from dataclasses import replace
    from functools import partial
    from pathlib import Path

    from autodiff.core.codegen import program, to_python

    full = program(graph, "python")
    bare = replace(
        full, sweeps=tuple(replace(s, steps=(), row=("0.0",) * len(s.row)) for s in full.sweeps)
    )
    functions = []
    with tempfile.TemporaryDirectory() as folder:
        for name, built in (("primal", bare), ("gradient", full)):
            path = Path(folder, f"{name}.py")
            path.write_text(to_python(built), encoding="utf-8")
            spec = importlib.util.spec_from_file_location(f"written_{name}", path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            functions.append(partial(module.f, *x))
    return functions[0], functions[1]


def _casadi_pair(graph: Any, x: list[float]) -> Pair:
    import casadi
    from peers import program

    sym = casadi.SX.sym("x", len(x))
    y = program(graph, "casadi")(casadi.vertsplit(sym))[0]
    f = casadi.Function("f", [sym], [y])
    g = casadi.Function("g", [sym], [y, casadi.gradient(y, sym)])
    point_ = casadi.DM(x)
    return (lambda: f(point_)), (lambda: g(point_))


def _torch_pair(graph: Any, x: list[float]) -> Pair:
    import torch
    from peers import program

    prog = program(graph, "torch")
    constants = [torch.tensor(v, dtype=torch.float64) for v in x]

    def primal() -> object:
        with torch.no_grad():
            return prog(constants)[0]

    def reverse() -> object:
        leaves = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in x]
        y = prog(leaves)[0]
        return y, torch.autograd.grad(y, leaves, allow_unused=True)

    return primal, reverse


def _jax_pair(graph: Any, x: list[float]) -> Pair:
    import jax
    from peers import function

    jax.config.update("jax_enable_x64", True)
    f = function(graph, "jax")
    argnums = tuple(range(len(x)))
    jf = jax.jit(f)
    jg = jax.jit(jax.value_and_grad(f, argnums=argnums))
    args = [jax.numpy.asarray(v) for v in x]
    return (
        lambda: jax.block_until_ready(jf(*args)),
        lambda: jax.block_until_ready(jg(*args)),
    )


def _autograd_pair(graph: Any, x: list[float]) -> Pair:
    import autograd
    import autograd.numpy as anp
    from peers import program

    prog = program(graph, "autograd")
    n = len(x)
    array = anp.array(x, dtype=float)

    def f(v: Any) -> Any:
        return prog([v[j] for j in range(n)])[0]

    value_and_grad = autograd.value_and_grad(f)
    return (lambda: f(array)), (lambda: value_and_grad(array))


def _sympy_pair(graph: Any, x: list[float]) -> Pair:
    import sympy
    from peers import program

    xs = sympy.symbols(list(graph.input_names))
    y = program(graph, "sympy")(xs)[0]
    grads = [y.diff(v) for v in xs]
    f = sympy.lambdify(xs, y, "math", cse=True)
    g = sympy.lambdify(xs, [y, *grads], "math", cse=True)
    return (lambda: f(*x)), (lambda: g(*x))


PAIRS = {
    "casadi": _casadi_pair,
    "torch": _torch_pair,
    "jax": _jax_pair,
    "autograd": _autograd_pair,
    "sympy": _sympy_pair,
}


def measure(task: dict[str, Any]) -> dict[str, Any]:
    from autodiff.grammar.build import parse

    graph = parse(expression("random", task["n"], 10, task["seed"]))
    at = {name: point(10)[name] for name in graph.input_names}
    ready()  # the timeout covers the peer's set-up, not autodiff's parsing
    start = time.perf_counter()
    if task["peer"] == "autodiff":
        pairs = _autodiff_pairs(graph, at)
    else:
        pairs = {task["peer"]: PAIRS[task["peer"]](graph, [at[n] for n in graph.input_names])}
    works = {}
    for name, (primal, reverse) in pairs.items():
        works[f"{name}|primal"] = primal
        works[f"{name}|gradient"] = reverse
    setup = time.perf_counter() - start
    start = time.perf_counter()
    for work in works.values():  # warm-up (JAX compiles here)
        work()
    first = time.perf_counter() - start
    medians = steady(works, repeat=task["repeat"], budget=task["budget"])
    rows = {}
    for name in pairs:
        primal, reverse = medians[f"{name}|primal"], medians[f"{name}|gradient"]
        ratio = paired(f"{name}|gradient", f"{name}|primal")
        rows[name] = {"primal": primal, "gradient": reverse, "ratio": ratio}
    return {
        "rows": rows,
        "nodes": len(graph.nodes) - graph.n_inputs,
        "setup": setup,
        "first_call": first,
    }


def _skip_reason(previous: dict[str, Any] | None, n0: int, n: int, timeout: float) -> str | None:
    if previous is None:
        return None
    if previous["status"] == "skipped":
        return previous["detail"]
    if previous["status"] != "ok":
        return f"failed at {power_of_ten(n0)}"
    # set-up (symbolic derivatives, compilation) grows at least linearly; sampling takes at
    # least its budget per work
    scale = n / n0
    sampling = sum(
        max(1.0, 7 * row[key] * scale) for row in previous["rows"].values() for key in KEYS
    )
    projected = (previous["setup"] + previous["first_call"]) * scale + sampling
    if projected > timeout:
        return f"≥ {projected:.0f} s projected from {previous['wall']:.1f} s at {power_of_ten(n0)}"
    return None


def collect(options: Options) -> dict[str, Any]:
    sizes = QUICK_SIZES if options.quick else SIZES
    peers, missing = present(options.peers)
    data: dict[str, Any] = {
        "stamp": stamp(),
        "sizes": sizes,
        "missing": missing,
        "timeout": options.timeout,
        "results": {},
    }
    repeat = 5 if options.quick else 7
    for peer in ["autodiff", *peers]:
        previous: dict[str, Any] | None = None
        n0 = 0
        for n in sizes:
            timeout = options.timeout * (5 if peer == "autodiff" else 1)
            reason = _skip_reason(previous, n0, n, timeout)
            if reason and (not options.exhaustive or previous["status"] != "ok"):  # type: ignore[index]
                result: dict[str, Any] = {"status": "skipped", "detail": reason}
            else:
                task = {
                    "suite": "ratio",
                    "peer": peer,
                    "n": n,
                    "seed": 0,
                    "repeat": repeat if n < 10**5 else 5,
                    "budget": 0.3 if options.quick else 1.0,
                }
                result = in_worker(task, timeout, options.memory_gb)
            data["results"][f"{peer}/{n}"] = result
            shown = outcome(result, "wall")
            if result.get("status") == "ok":
                shown = ", ".join(f"{k} {v['ratio']:.2f}" for k, v in result["rows"].items())
            options.log(f"  ratio {power_of_ten(n)} {peer:<8} {shown}")
            previous, n0 = result, n
    data["stamp"]["load_after"] = stamp()["load"]
    return data


def _names(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(row name, peer) in table order."""
    names = [
        ("autodiff (sweeps)", "autodiff"),
        ("autodiff (API)", "autodiff"),
        (WRITTEN_OUT, "autodiff"),
    ]
    peers = sorted({key.split("/")[0] for key in data["results"]} - {"autodiff"})
    return names + [(p, p) for p in ["casadi", "torch", "jax", "autograd", "sympy"] if p in peers]


def _row(data: dict[str, Any], name: str, peer: str, n: int) -> dict[str, Any] | None:
    result = data["results"].get(f"{peer}/{n}")
    if result and result.get("status") == "ok":
        return result["rows"].get(name)
    return None


def goals(data: dict[str, Any]) -> list[dict[str, Any]]:
    ratios = [
        (row["ratio"], n)
        for n in data["sizes"]
        if (row := _row(data, "autodiff (sweeps)", "autodiff", n)) is not None
    ]
    if not ratios:
        return [goal("ratio: reverse gradient ÷ primal", 2.0, None, "not measured")]
    note = ", ".join(f"{r:.2f} at {power_of_ten(n)}" for r, n in ratios)
    written = [
        row["ratio"] for n in data["sizes"] if (row := _row(data, WRITTEN_OUT, "autodiff", n))
    ]
    if written:
        note += f"; written-out Python (no loop at all) {min(written):.2f}–{max(written):.2f}"
    return [goal("ratio: reverse gradient ÷ primal (autodiff sweeps)", 2.0, max(ratios)[0], note)]


def render(data: dict[str, Any]) -> str:
    sizes = data["sizes"]
    header = ["", *(power_of_ten(n) for n in sizes)]
    rows = []
    for name, peer in _names(data):
        cells = []
        for n in sizes:
            row = _row(data, name, peer, n)
            if row is None:
                cells.append(outcome(data["results"].get(f"{peer}/{n}")))
            else:
                cells.append(
                    f"**{row['ratio']:.2f}** ({seconds(row['gradient'])} / "
                    f"{seconds(row['primal'])})"
                )
        rows.append([name, *cells])
    compile_row = []
    for n in sizes:
        result = data["results"].get(f"jax/{n}")
        ok = result and result.get("status") == "ok"
        compile_row.append(seconds(result["first_call"]) if ok else "—")  # type: ignore[index]
    if any(cell != "—" for cell in compile_row):
        rows.append(["*JAX: first calls (compile both)*", *compile_row])
    text = [
        "Steady-state reverse gradient ÷ primal on the same Wengert list (random expression, "
        "10 variables): **ratio** (then the medians of gradient / primal per call). The ratio is "
        "the median of per-round ratios of interleaved samples after warm-ups; the gradient "
        "includes its own primal pass.",
        "",
        table(header, rows),
    ]
    if data["missing"]:
        text += ["", f"Not installed, skipped: {', '.join(data['missing'])}."]
    return "\n".join(text)
