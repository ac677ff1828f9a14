"""jacobian: ``mode="auto"`` against forced forward and reverse, on n ≫ m and m ≫ n functions.

- wide (n ≫ m): 2 outputs, each a random expression of ~300 operations over 50 inputs;
- tall (m ≫ n): 50 outputs, each a random expression of ~12 operations over 2 inputs.

autodiff's three modes are timed in one process, interleaved, steady state
(``jacobian(graph, at, mode, record=False)``), and the matrices are checked against each other.
For context only: JAX ``jit(jacfwd)`` / ``jit(jacrev)`` and CasADi's ``jacobian`` (which picks
its own mode), each a ``Function`` of the same Wengert list evaluated at the same point.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from common import (
    Options,
    goal,
    in_worker,
    outcome,
    paired,
    present,
    seconds,
    stamp,
    steady,
    table,
)
from expressions import point, random_expression

SHAPES = {
    "wide": {"outputs": 2, "inputs": 50, "ops": 300},
    "tall": {"outputs": 50, "inputs": 2, "ops": 12},
}
CONTEXT_PEERS = ("jax", "casadi")


def texts(shape: str) -> list[str]:
    spec = SHAPES[shape]
    return [
        random_expression(spec["ops"], spec["inputs"], seed)
        for seed in range(1, spec["outputs"] + 1)
    ]


def _autodiff(graph: Any, at: dict[str, float]) -> dict[str, Callable[[], Any]]:
    from autodiff.core.derivatives import jacobian

    return {
        mode: (lambda mode=mode: jacobian(graph, at, mode, record=False))
        for mode in ("auto", "forward", "reverse")
    }


def _jax(graph: Any, x: list[float]) -> dict[str, Callable[[], Any]]:
    import jax
    import jax.numpy as jnp
    from peers import program

    jax.config.update("jax_enable_x64", True)
    prog = program(graph, "jax")
    n = len(x)

    def f(v: Any) -> Any:
        return jnp.stack(prog([v[j] for j in range(n)]))

    array = jnp.asarray(x)
    forward, reverse = jax.jit(jax.jacfwd(f)), jax.jit(jax.jacrev(f))
    return {
        "jax jacfwd": lambda: jax.block_until_ready(forward(array)),
        "jax jacrev": lambda: jax.block_until_ready(reverse(array)),
    }


def _casadi(graph: Any, x: list[float]) -> dict[str, Callable[[], Any]]:
    import casadi
    from peers import program

    sym = casadi.SX.sym("x", len(x))
    y = casadi.vertcat(*program(graph, "casadi")(casadi.vertsplit(sym)))
    f = casadi.Function("J", [sym], [casadi.jacobian(y, sym)])
    at = casadi.DM(x)
    return {"casadi jacobian": lambda: f(at)}


def measure(task: dict[str, Any]) -> dict[str, Any]:
    import numpy as np

    from autodiff.grammar.build import parse

    graph = parse(texts(task["shape"]))
    at = {name: point(SHAPES[task["shape"]]["inputs"])[name] for name in graph.input_names}
    x = [at[name] for name in graph.input_names]
    peer = task["peer"]
    works = {"jax": _jax, "casadi": _casadi}[peer](graph, x) if peer != "autodiff" else None
    if works is None:
        works = _autodiff(graph, at)
    medians = steady(works, repeat=task["repeat"])
    result: dict[str, Any] = {
        "times": medians,
        "nodes": len(graph.nodes) - graph.n_inputs,
        "n": graph.n_inputs,
        "m": len(graph.outputs),
    }
    if peer == "autodiff":
        faster = min(("forward", "reverse"), key=lambda mode: medians[mode])
        result["faster"] = faster
        result["auto_ratio"] = paired("auto", faster)
        jacobians = {mode: work() for mode, work in works.items()}
        result["chosen"] = jacobians["auto"].mode
        result["cost"] = {
            "forward": jacobians["auto"].cost.forward,
            "reverse": jacobians["auto"].cost.reverse,
        }
        matrices = [np.array(j.matrix) for j in jacobians.values()]
        result["max_difference"] = max(float(np.max(np.abs(m - matrices[0]))) for m in matrices)
    return result


def collect(options: Options) -> dict[str, Any]:
    peers, missing = present([p for p in options.peers if p in CONTEXT_PEERS])
    if options.quick:  # JAX compiles for seconds; the context can wait for a full run
        peers = []
    repeat = 7 if options.quick else 15
    data: dict[str, Any] = {"stamp": stamp(), "missing": missing, "results": {}, "repeat": repeat}
    for shape in SHAPES:
        for peer in ["autodiff", *peers]:
            task = {"suite": "jacobian", "peer": peer, "shape": shape, "repeat": repeat}
            result = in_worker(task, options.timeout, options.memory_gb)
            data["results"][f"{shape}/{peer}"] = result
            shown = outcome(result, "wall")
            if result.get("status") == "ok":
                shown = ", ".join(f"{k} {seconds(v)}" for k, v in result["times"].items())
            options.log(f"  jacobian {shape} {peer:<8} {shown}")
    data["stamp"]["load_after"] = stamp()["load"]
    return data


def goals(data: dict[str, Any]) -> list[dict[str, Any]]:
    worst, notes = None, []
    for shape in SHAPES:
        result = data["results"].get(f"{shape}/autodiff")
        if not result or result.get("status") != "ok":
            notes.append(f"{shape}: {outcome(result)}")
            continue
        times = result["times"]
        value = result["auto_ratio"]
        worst = value if worst is None else max(worst, value)
        notes.append(
            f"{shape}: auto {seconds(times['auto'])} ({result['chosen']}) vs "
            f"{result['faster']} {seconds(times[result['faster']])}"
        )
    return [goal("jacobian: auto ÷ faster forced mode", 1.1, worst, "; ".join(notes))]


def render(data: dict[str, Any]) -> str:
    rows = []
    for shape in SHAPES:
        result = data["results"].get(f"{shape}/autodiff")
        if not result or result.get("status") != "ok":
            rows.append([shape, "", outcome(result), "", "", "", ""])
            continue
        t = result["times"]
        context = []
        for peer in CONTEXT_PEERS:
            other = data["results"].get(f"{shape}/{peer}")
            if other and other.get("status") == "ok":
                context += [f"{k} {seconds(v)}" for k, v in other["times"].items()]
            elif other:
                context.append(f"{peer}: {outcome(other)}")
        rows.append(
            [
                f"{shape}: n={result['n']}, m={result['m']}, {result['nodes']} ops",
                f"{seconds(t['auto'])} ({result['chosen']})",
                seconds(t["forward"]),
                seconds(t["reverse"]),
                f"**{result['auto_ratio']:.2f}×**",
                f"{result['max_difference']:.1e}",
                "; ".join(context) or "—",
            ]
        )
    text = [
        "Steady state at one point: the median of ≥ "
        f"{data['repeat']} interleaved samples per mode; **auto ÷ faster** is the median of "
        "the per-round ratios of auto to the faster forced mode.",
        "",
        table(
            [
                "function",
                "auto (chose)",
                "forward",
                "reverse",
                "auto ÷ faster",
                "max abs ΔJ",
                "context",
            ],
            rows,
        ),
    ]
    if data["missing"]:
        text += ["", f"Not installed, skipped: {', '.join(data['missing'])}."]
    return "\n".join(text)
