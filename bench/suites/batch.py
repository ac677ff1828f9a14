"""batch: the headline gradient at 10⁶ points, vectorised, against a hand-written NumPy formula.

Every contender gets the same two float64 arrays and returns the value and both partials at
every point; the steady-state median (after a warm-up) is compared, and every result is checked
against the formula. Contenders:

- autodiff: ``evaluate_batch("grad", graph, {"x1": …, "x2": …}, {})``;
- NumPy: the formula written by hand (``bench/batch.py``);
- JAX: ``jit(vmap(value_and_grad(f, argnums=(0, 1))))``;
- PyTorch: the Wengert list on tensors with grad, ``autograd.grad`` with a ones cotangent;
- autograd: ``make_vjp`` of the list over a 2 × N array with a ones cotangent;
- CasADi: ``Function.map(N)`` of (y, ∇y) on a 2 × N ``DM`` (conversions in and out counted);
- SymPy: ``lambdify`` of (y, ∂y/∂x1, ∂y/∂x2) with the NumPy backend.
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
from expressions import HEADLINE

POINTS = 10**6
Work = Callable[[], tuple[Any, Any, Any]]


def _arrays(n: int) -> tuple[Any, Any]:
    import numpy as np

    rng = np.random.default_rng(0)
    return rng.uniform(0.1, 3.0, n), rng.uniform(-3.0, 3.0, n)


def _autodiff(graph: Any, x1: Any, x2: Any) -> Work:
    from autodiff.core.vectorized import evaluate_batch

    return lambda: evaluate_batch("grad", graph, {"x1": x1, "x2": x2}, {})  # type: ignore[return-value]


def _jax(graph: Any, x1: Any, x2: Any) -> Work:
    import jax
    from peers import function

    jax.config.update("jax_enable_x64", True)
    f = jax.jit(jax.vmap(jax.value_and_grad(function(graph, "jax"), argnums=(0, 1))))
    a, b = jax.device_put(x1), jax.device_put(x2)

    def work() -> tuple[Any, Any, Any]:
        y, (g1, g2) = jax.block_until_ready(f(a, b))
        return y, g1, g2

    return work


def _torch(graph: Any, x1: Any, x2: Any) -> Work:
    import torch
    from peers import program

    prog = program(graph, "torch")

    def work() -> tuple[Any, Any, Any]:
        a = torch.from_numpy(x1).requires_grad_()
        b = torch.from_numpy(x2).requires_grad_()
        y = prog([a, b])[0]
        g1, g2 = torch.autograd.grad(y, [a, b], grad_outputs=torch.ones_like(y))
        return y.detach(), g1, g2

    return work


def _autograd(graph: Any, x1: Any, x2: Any) -> Work:
    import autograd
    import autograd.numpy as anp
    from peers import program

    prog = program(graph, "autograd")

    def f(x: Any) -> Any:
        return prog([x[0], x[1]])[0]

    make_vjp = autograd.make_vjp(f)

    def work() -> tuple[Any, Any, Any]:
        vjp, y = make_vjp(anp.stack([x1, x2]))
        g = vjp(anp.ones_like(y))
        return y, g[0], g[1]

    return work


def _casadi(graph: Any, x1: Any, x2: Any) -> Work:
    import casadi
    import numpy as np
    from peers import program

    x = casadi.SX.sym("x", 2)
    y = program(graph, "casadi")(casadi.vertsplit(x))[0]
    mapped = casadi.Function("g", [x], [y, casadi.gradient(y, x)]).map(len(x1))

    def work() -> tuple[Any, Any, Any]:
        value, grad = mapped(np.vstack([x1, x2]))
        value, grad = value.full(), grad.full()
        return value[0], grad[0], grad[1]

    return work


def _sympy(graph: Any, x1: Any, x2: Any) -> Work:
    import sympy

    a, b = sympy.symbols("x1 x2")
    y = sympy.sympify(HEADLINE)
    f = sympy.lambdify([a, b], [y, y.diff(a), y.diff(b)], "numpy")
    return lambda: tuple(f(x1, x2))  # type: ignore[return-value]


def _numpy(graph: Any, x1: Any, x2: Any) -> Work:
    from batch import hand_written

    return lambda: hand_written(x1, x2)  # type: ignore[return-value]


CONTENDERS = {
    "autodiff": _autodiff,
    "numpy": _numpy,
    "jax": _jax,
    "torch": _torch,
    "autograd": _autograd,
    "casadi": _casadi,
    "sympy": _sympy,
}


def measure(task: dict[str, Any]) -> dict[str, Any]:
    import numpy as np
    from batch import hand_written

    from autodiff.grammar.build import parse

    x1, x2 = _arrays(task["points"])
    graph = parse(HEADLINE)
    works = {"numpy": _numpy(graph, x1, x2)}
    if task["peer"] != "numpy":
        works[task["peer"]] = CONTENDERS[task["peer"]](graph, x1, x2)
    medians = steady(works, repeat=task["repeat"], min_time=0.05, budget=2.0)
    expected = hand_written(x1, x2)
    if task["peer"] == "autodiff":
        batch = works["autodiff"]()
        columns = dict(zip(batch.columns, batch.arrays))  # type: ignore[attr-defined]
        got = [columns[name] for name in ("value", "d/dx1", "d/dx2")]
    else:
        got = [np.asarray(part, dtype=float).ravel() for part in works[task["peer"]]()]
    error = max(float(np.max(np.abs(g - e))) for g, e in zip(got, expected))
    return {
        "seconds": medians[task["peer"]],
        "numpy": medians["numpy"],
        "ratio": paired(task["peer"], "numpy") if task["peer"] != "numpy" else 1.0,
        "max_error": error,
    }


def collect(options: Options) -> dict[str, Any]:
    peers, missing = present(options.peers)
    points = 10**5 if options.quick else POINTS
    repeat = 5 if options.quick else 7
    data: dict[str, Any] = {"stamp": stamp(), "points": points, "missing": missing, "rows": {}}
    for peer in ["autodiff", *peers]:
        task = {"suite": "batch", "peer": peer, "points": points, "repeat": repeat}
        result = in_worker(
            task, options.timeout * (5 if peer == "autodiff" else 1), options.memory_gb
        )
        data["rows"][peer] = result
        shown = outcome(result)
        if result.get("status") == "ok":
            shown += f" (NumPy {seconds(result['numpy'])})"
        options.log(f"  batch {peer:<8} {shown}")
    data["repeat"] = repeat
    data["stamp"]["load_after"] = stamp()["load"]
    return data


def goals(data: dict[str, Any]) -> list[dict[str, Any]]:
    ours = data["rows"].get("autodiff", {})
    if ours.get("status") != "ok":
        return [goal("batch: autodiff ÷ hand-written NumPy", 1.5, None, outcome(ours))]
    measured = ours["ratio"]
    note = f"{seconds(ours['seconds'])} vs {seconds(ours['numpy'])} at {data['points']:,} points"
    return [goal("batch: autodiff ÷ hand-written NumPy", 1.5, measured, note)]


def render(data: dict[str, Any]) -> str:
    rows = []
    for peer, result in data["rows"].items():
        ok = result.get("status") == "ok"
        rows.append(
            [
                peer,
                outcome(result),
                seconds(result["numpy"]) if ok else "—",
                f"{result['ratio']:.2f}×" if ok else "—",
                f"{result['max_error']:.1e}" if ok else "—",
            ]
        )
    text = [
        f"Value and both partials of `{HEADLINE}` at {data['points']:,} points (float64), "
        f"steady-state median of {data['repeat']} samples after a warm-up; the hand-written "
        "NumPy formula is timed in the same process, interleaved, as the reference; ÷ NumPy is the "
        "median of the per-round ratios.",
        "",
        table(["contender", "time", "NumPy formula", "÷ NumPy", "max abs error"], rows),
    ]
    if data["missing"]:
        text += ["", f"Not installed, skipped: {', '.join(data['missing'])}."]
    return "\n".join(text)
