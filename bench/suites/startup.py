"""startup: the headline command as a whole process against ``python -c pass`` and one-liners.

Every command is a fresh process that imports, parses (or builds), differentiates and prints
the gradient of ``log(x1)+x1*x2-sin(x2)`` at (2, 5). The commands run round-robin (one warm-up
round first, not counted) so that a change in the machine's load hits all of them alike; each
output is checked for the gradient (5.5, 1.7163…).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from common import Options, child_env, goal, seconds, stamp, table, times
from expressions import HEADLINE
from peers import available

HEADLINE_ARGS = ["grad", HEADLINE, "--at", "x1=2,x2=5"]
# What no Typer command printing a Rich table can skip: importing the two. Its time is a floor
# for the headline, quoted beside the goals (it prints nothing, so its output is not checked).
FLOOR = "imports of Typer and Rich's table (a floor)"
FLOOR_CODE = "import typer, rich.console, rich.table"
UNCHECKED = ("python -c pass", FLOOR)
API_ONE_LINER = (
    "from autodiff.grammar.build import parse; from autodiff.core.derivatives import gradient;"
    " print(gradient(parse('log(x1)+x1*x2-sin(x2)'), {'x1': 2, 'x2': 5}).gradient)"
)
ONE_LINERS = {
    "sympy": (
        "import sympy as s; x1, x2 = s.symbols('x1 x2'); f = s.sympify('log(x1)+x1*x2-sin(x2)');"
        " print([s.diff(f, v).subs({x1: 2, x2: 5}).evalf() for v in (x1, x2)])"
    ),
    "jax": (
        "import jax, jax.numpy as jnp; jax.config.update('jax_enable_x64', True);"
        " print(jax.grad(lambda x: jnp.log(x[0]) + x[0]*x[1] - jnp.sin(x[1]))"
        "(jnp.array([2.0, 5.0])))"
    ),
    "torch": (
        "import torch; x = torch.tensor([2.0, 5.0], dtype=torch.float64, requires_grad=True);"
        " y = torch.log(x[0]) + x[0]*x[1] - torch.sin(x[1]); y.backward(); print(x.grad.tolist())"
    ),
    "casadi": (
        "import casadi as ca; x = ca.SX.sym('x', 2); y = ca.log(x[0]) + x[0]*x[1] - ca.sin(x[1]);"
        " print(ca.Function('g', [x], [ca.gradient(y, x)])([2, 5]))"
    ),
    "autograd": (
        "import autograd.numpy as np; from autograd import grad;"
        " print(grad(lambda x: np.log(x[0]) + x[0]*x[1] - np.sin(x[1]))(np.array([2.0, 5.0])))"
    ),
}


def commands(options: Options) -> tuple[dict[str, list[str]], list[str]]:
    script = shutil.which("autodiff", path=str(Path(sys.executable).parent)) or "autodiff"
    found: dict[str, list[str]] = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "autodiff grad (table, the headline)": [script, *HEADLINE_ARGS],
        "autodiff grad --format json": [script, *HEADLINE_ARGS, "--format", "json"],
        "autodiff API one-liner (no CLI)": [sys.executable, "-c", API_ONE_LINER],
        FLOOR: [sys.executable, "-c", FLOOR_CODE],
    }
    missing = []
    for peer in options.peers:
        if available(peer):
            found[f"{peer} one-liner"] = [sys.executable, "-c", ONE_LINERS[peer]]
        else:
            missing.append(peer)
    return found, missing


def _run(command: list[str], timeout: float, check: bool) -> tuple[float | None, str]:
    env = child_env()
    start = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return None, f"timeout after {timeout:.0f} s"
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        return None, (done.stderr.strip().splitlines() or ["exit"])[-1][:160]
    if check and ("5.5" not in done.stdout or "1.7163" not in done.stdout):
        return None, f"wrong output: {done.stdout.strip()[:120]!r}"
    return elapsed, ""


def collect(options: Options) -> dict[str, Any]:
    runs = 5 if options.quick else 11
    cases, missing = commands(options)
    data: dict[str, Any] = {"stamp": stamp(), "runs": runs, "missing": missing, "rows": []}
    samples: dict[str, list[float]] = {name: [] for name in cases}
    errors: dict[str, str] = {}
    for round_ in range(runs + 1):  # round 0 warms the page cache and is not counted
        for name, command in cases.items():
            if name in errors:
                continue
            elapsed, error = _run(command, options.timeout, name not in UNCHECKED)
            if elapsed is None:
                errors[name] = error
            elif round_ > 0:
                samples[name].append(elapsed)
        options.log(f"  startup round {round_}/{runs}")
    for name, command in cases.items():
        times_ = samples[name]
        data["rows"].append(
            {
                "name": name,
                "command": " ".join(command[1:]) if command[0] == sys.executable else command,
                "median": statistics.median(times_) if times_ and name not in errors else None,
                "min": min(times_) if times_ else None,
                "max": max(times_) if times_ else None,
                "error": errors.get(name, ""),
            }
        )
    data["stamp"]["load_after"] = os.getloadavg()
    return data


def _median(data: dict[str, Any], prefix: str) -> float | None:
    for row in data["rows"]:
        if row["name"].startswith(prefix):
            return row["median"]
    return None


def goals(data: dict[str, Any]) -> list[dict[str, Any]]:
    ours, floor = _median(data, "autodiff grad (table"), _median(data, FLOOR)
    found = []
    for peer, target in (("CasADi", 0.8), ("SymPy", 0.25)):
        theirs = _median(data, peer.lower())
        detail = f"{seconds(ours)} vs {seconds(theirs)}"
        if floor and theirs:
            detail += (
                f"; importing Typer and Rich alone takes {seconds(floor)}, {floor / theirs:.2f}×"
            )
        found.append(
            goal(
                f"startup: headline process ÷ {peer} one-liner",
                target,
                ours / theirs if ours and theirs else None,
                detail,
            )
        )
    return found


def render(data: dict[str, Any]) -> str:
    base = _median(data, "python -c pass")
    ours = _median(data, "autodiff grad (table")
    rows = []
    for row in data["rows"]:
        median = row["median"]
        rows.append(
            [
                row["name"],
                seconds(median) if median else f"**{row['error']}**",
                f"{seconds(row['min'])} – {seconds(row['max'])}" if median else "",
                times(median / base if median and base else None, 1),
                times(ours / median if median and ours else None),
            ]
        )
    text = [
        f"Whole process, median of {data['runs']} runs (round-robin after one warm-up round); "
        "the same gradient of `log(x1)+x1*x2-sin(x2)` at (2, 5).",
        "",
        table(["command", "median", "range", "÷ python -c pass", "autodiff ÷ this"], rows),
    ]
    if data["missing"]:
        text += ["", f"Not installed, skipped: {', '.join(data['missing'])}."]
    text += ["", "One-liners (each run as `python -c '…'`):", ""]
    text += [f"- autodiff API: `{API_ONE_LINER}`"]
    text += [
        f"- {name}: `{ONE_LINERS[name]}`" for name in ONE_LINERS if name not in data["missing"]
    ]
    return "\n".join(text)
