"""profile: where autodiff's time goes, for the closing notes on the goals.

- startup: ``python -X importtime`` of the headline command (self time per package, and who
  imports the heavy ones), then cProfile of the whole command in a fresh process, by package;
- size: cProfile of ``parse`` + ``gradient`` of the 10⁵-operation random expression;
- ratio: cProfile of the primal and of the reverse sweeps (10⁴ operations, 20 calls);
- batch: cProfile of ``evaluate_batch("grad", …)`` at 10⁶ points (10 calls).

cProfile slows Python-level code by a factor of ~2 and C code hardly at all: read its numbers
as shares, not as times. The importtime numbers are real times.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from common import BENCH, Options, child_env, in_worker, seconds, stamp, table
from expressions import HEADLINE, HEADLINE_POINT, expression, point

TOP = 8
ROOT = BENCH.parent


# --- cProfile, grouped -----------------------------------------------------------------------


def _package(filename: str) -> str:
    """A readable owner for a profiled function's file."""
    if filename == "~":
        return "built-ins (C functions)"
    if filename.startswith("<frozen"):
        return "import system"
    match = re.search(r"site-packages/([^/]+)", filename)
    if match:
        name = match.group(1)
        return name[:-3] if name.endswith(".py") else name
    if filename.startswith(str(ROOT) + "/"):
        return f"autodiff {Path(filename).relative_to(ROOT).parts[0]}/"
    if "/lib/python" in filename:
        return "standard library"
    return Path(filename).name


def _digest(profile: cProfile.Profile, scale: int = 1) -> dict[str, Any]:
    """Own time by package and the functions with the most own time (seconds / ``scale``)."""
    stats = pstats.Stats(profile, stream=io.StringIO())
    by_package: dict[str, float] = defaultdict(float)
    functions = []
    total = 0.0
    for (filename, line, name), entry in stats.stats.items():  # type: ignore[attr-defined]
        _, calls, own, cumulative, callers = entry
        total += own
        if filename == "~" and callers:  # a C function: its time belongs to whoever calls it
            edges = sum(edge[2] for edge in callers.values()) or 1.0
            for caller, edge in callers.items():
                by_package[_package(caller[0])] += own * edge[2] / edges
        else:
            by_package[_package(filename)] += own
        where = f"{Path(filename).name}:{line}" if filename != "~" else ""
        functions.append((own, cumulative, calls, f"{name} {where}".strip()))
    functions.sort(reverse=True)
    return {
        "total": total / scale,
        "packages": sorted(((t / scale, p) for p, t in by_package.items()), reverse=True)[:TOP],
        "functions": [(o / scale, c / scale, n, f) for o, c, n, f in functions[:TOP]],
        "calls": scale,
    }


def _profiled(work: Any, calls: int = 1) -> dict[str, Any]:
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(calls):
        work()
    profile.disable()
    return _digest(profile, calls)


def measure(task: dict[str, Any]) -> dict[str, Any]:
    what = task["what"]
    if what == "phases":  # real times, no profiler: where the headline's process goes
        import contextlib
        import importlib

        marks = {}
        start = time.perf_counter()
        main = importlib.import_module("autodiff.cli.app").main
        marks["import autodiff.cli.app"] = time.perf_counter() - start
        build = importlib.import_module("autodiff.grammar.build")
        if "lark" not in sys.modules:
            start = time.perf_counter()
            importlib.import_module("lark")
            marks["import lark (lazily)"] = time.perf_counter() - start
        if hasattr(build, "_parser"):
            start = time.perf_counter()
            build._parser()
            marks["build the Lark parser (grammar → LALR tables)"] = time.perf_counter() - start
        sys.argv = ["autodiff", "grad", HEADLINE, "--at", "x1=2,x2=5"]
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
            main()
        marks["run the command (parse, gradient, render; lazy imports)"] = (
            time.perf_counter() - start
        )
        return {"phases": marks}
    if what == "headline":  # cProfile of the command after importing the CLI module
        import contextlib

        from autodiff.cli.app import main

        sys.argv = ["autodiff", "grad", HEADLINE, "--at", "x1=2,x2=5"]

        def run() -> None:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
                main()

        return _profiled(run)
    if what == "size":
        from autodiff.core.derivatives import gradient
        from autodiff.grammar.build import parse

        gradient(parse(HEADLINE), HEADLINE_POINT, record=False)
        text = expression("random", 10**5, 10, 0)
        at = point(10)

        def work() -> None:
            graph = parse(text)
            gradient(graph, {n: at[n] for n in graph.input_names}, record=False)

        return _profiled(work)
    if what == "gc":  # real times: the cyclic garbage collector's share at 10⁵ operations
        import gc

        from autodiff.core.derivatives import gradient
        from autodiff.grammar.build import parse

        gradient(parse(HEADLINE), HEADLINE_POINT, record=False)
        text = expression("random", 10**5, 10, 0)
        at = point(10)
        samples: dict[str, list[tuple[float, float]]] = {"on": [], "off": []}
        for _ in range(3):
            for state in ("on", "off"):
                gc.collect()
                if state == "off":
                    gc.disable()
                start = time.perf_counter()
                graph = parse(text)
                middle = time.perf_counter()
                gradient(graph, {n: at[n] for n in graph.input_names}, record=False)
                end = time.perf_counter()
                gc.enable()
                samples[state].append((middle - start, end - middle))
                del graph
        return {
            state: {
                "parse": statistics.median(p for p, _ in runs),
                "gradient": statistics.median(g for _, g in runs),
            }
            for state, runs in samples.items()
        }
    if what in ("primal", "reverse"):
        from autodiff.core.sweeps import adjoint, local_partials, primal
        from autodiff.grammar.build import parse

        graph = parse(expression("random", 10**4, 10, 0))
        x = [point(10)[n] for n in graph.input_names]

        def reverse() -> None:
            values, _ = primal(graph, x)
            adjoint(graph, local_partials(graph, values), [1.0])

        return _profiled((lambda: primal(graph, x)) if what == "primal" else reverse, 20)
    if what == "batch":
        import numpy as np

        from autodiff.core.vectorized import evaluate_batch
        from autodiff.grammar.build import parse

        graph = parse(HEADLINE)
        rng = np.random.default_rng(0)
        x1, x2 = rng.uniform(0.1, 3.0, 10**6), rng.uniform(-3.0, 3.0, 10**6)
        evaluate_batch("grad", graph, {"x1": x1, "x2": x2}, {})
        return _profiled(lambda: evaluate_batch("grad", graph, {"x1": x1, "x2": x2}, {}), 10)
    raise ValueError(f"unknown profile {what!r}")


# --- python -X importtime --------------------------------------------------------------------

_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)")


def importtime(runs: int) -> dict[str, Any]:
    """Self import time per top-level package (median over runs), and who imports each."""
    script = shutil.which("autodiff", path=str(Path(sys.executable).parent)) or "autodiff"
    command = [sys.executable, "-X", "importtime", script, "grad", HEADLINE, "--at", "x1=2,x2=5"]
    per_run: list[dict[str, float]] = []
    totals = []
    importers: dict[str, str] = {}
    modules: dict[str, list[float]] = defaultdict(list)
    for _ in range(runs):
        done = subprocess.run(command, capture_output=True, text=True, env=child_env(), check=False)
        entries = []
        for line in done.stderr.splitlines():
            match = _LINE.match(line)
            if match:
                own, cumulative, indent, name = match.groups()
                entries.append((int(own), int(cumulative), len(indent) // 2, name))
        packages: dict[str, float] = defaultdict(float)
        total = 0
        for index, (own, cumulative, depth, name) in enumerate(entries):
            packages[name.split(".")[0]] += own / 1e6
            modules[name].append(own / 1e6)
            if depth == 0:
                total += cumulative
            else:  # children are printed before their parent: the parent is the next shallower
                top = name.split(".")[0]
                for later in entries[index + 1 :]:
                    if later[2] < depth:
                        parent = later[3].split(".")[0]
                        if parent != top:
                            importers.setdefault(top, later[3])
                        break
        per_run.append(packages)
        totals.append(total / 1e6)
    names = {name for run in per_run for name in run}
    medians = {name: statistics.median(run.get(name, 0.0) for run in per_run) for name in names}
    top = sorted(((t, n) for n, t in medians.items()), reverse=True)[:12]
    slowest = sorted(
        (
            (statistics.median(times + [0.0] * (runs - len(times))), name)
            for name, times in modules.items()
        ),
        reverse=True,
    )[:12]
    return {
        "total": statistics.median(totals),
        "packages": top,
        "importers": {n: importers.get(n, "") for _, n in top},
        "modules": slowest,
    }


IMPORTS = {
    "python -c pass": "pass",
    "import lark": "import lark",
    "import rich.console, rich.table": "import rich.console, rich.table",
    "import typer": "import typer",
    "import typer, pydantic (typer's coercion imports pydantic when a command runs)": (
        "import typer, pydantic"
    ),
    "import autodiff.cli.app": "import autodiff.cli.app",
    "import the API (parse, gradient)": (
        "from autodiff.grammar.build import parse; from autodiff.core.derivatives import gradient"
    ),
}


def import_processes(runs: int) -> list[tuple[str, float | None]]:
    """Whole-process medians of importing one dependency (round-robin); None for an import
    that fails here (a package not installed), whose time would say nothing."""
    env = child_env()
    samples: dict[str, list[float]] = {name: [] for name in IMPORTS}
    failed: set[str] = set()
    for _ in range(runs):
        for name, code in IMPORTS.items():
            if name in failed:
                continue
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", code], env=env, check=False, capture_output=True
            )
            samples[name].append(time.perf_counter() - start)
            if done.returncode != 0:
                failed.add(name)
    return [
        (name, None if name in failed else statistics.median(times))
        for name, times in samples.items()
    ]


def collect(options: Options) -> dict[str, Any]:
    data: dict[str, Any] = {"stamp": stamp()}
    options.log("  profile: importtime of the headline")
    data["importtime"] = importtime(3 if options.quick else 7)
    options.log("  profile: imports as whole processes")
    data["import_processes"] = import_processes(3 if options.quick else 7)
    for what in ("phases", "headline", "size", "gc", "primal", "reverse", "batch"):
        if options.quick and what in ("size", "gc"):
            continue
        options.log(f"  profile: {what}")
        data[what] = in_worker(
            {"suite": "profile", "what": what}, options.timeout * 5, options.memory_gb
        )
    data["stamp"]["load_after"] = stamp()["load"]
    return data


def goals(data: dict[str, Any]) -> list[dict[str, Any]]:
    return []


def _digest_tables(result: dict[str, Any] | None, title: str) -> list[str]:
    if not result or result.get("status") != "ok":
        return [f"**{title}**: not profiled ({(result or {}).get('detail', 'skipped')})"]
    total = result["total"] or 1.0
    packages = [[p, seconds(t), f"{100 * t / total:.0f}%"] for t, p in result["packages"]]
    functions = [[f"`{f}`", seconds(o), seconds(c), n] for o, c, n, f in result["functions"]]
    runs = result.get("calls", 1)
    return [
        f"**{title}** (profiled total {seconds(result['total'])} per call)",
        "",
        table(["own time in", "time", "share"], packages),
        "",
        table(["function", "own", "cumulative", f"calls in {runs} run(s)"], functions),
    ]


def render(data: dict[str, Any]) -> str:
    imports = data["importtime"]
    rows = [
        [name, seconds(t), f"`{imports['importers'].get(name) or '(top level)'}`"]
        for t, name in imports["packages"]
    ]
    text = [
        "cProfile slows Python code by ~2×: read its numbers as shares. "
        "`-X importtime` numbers are real (median of several runs).",
        "",
        f"**Headline imports** (`python -X importtime`, all imports {seconds(imports['total'])}): "
        "own import time per top-level package, and a module of another package that imports it",
        "",
        table(["package", "own import time", "imported by"], rows),
        "",
        "Slowest modules to import (own time, without the modules they import):",
        "",
        table(
            ["module", "own import time"], [[f"`{n}`", seconds(t)] for t, n in imports["modules"]]
        ),
        "",
    ]
    processes = data.get("import_processes")
    if processes:
        base = processes[0][1]
        rows = [
            [f"`{name}`", seconds(t), seconds(t - base) if index else "—"]
            if t is not None
            else [f"`{name}`", "fails here (not installed)", ""]
            for index, (name, t) in enumerate(processes)
        ]
        text += [
            "**Imports as whole processes** (`python -c '…'`, median of several round-robin runs)",
            "",
            table(["process", "time", "over `python -c pass`"], rows),
            "",
        ]
    phases = data.get("phases")
    if phases and phases.get("status") == "ok":
        rows = [[name, seconds(t)] for name, t in phases["phases"].items()]
        text += [
            "**Headline phases in one process** (real times, after the interpreter's own start)",
            "",
            table(["phase", "time"], rows),
            "",
        ]
    headline = data.get("headline")
    text += _digest_tables(
        headline,
        "Headline command after `import autodiff.cli.app` (cProfile; C functions "
        "counted for their callers)",
    )
    text += ["", *_digest_tables(data.get("size"), "10⁵-operation parse + gradient")]
    collector = data.get("gc")
    if collector and collector.get("status") == "ok":
        rows = [
            [
                f"collector {state}",
                seconds(collector[state]["parse"]),
                seconds(collector[state]["gradient"]),
            ]
            for state in ("on", "off")
        ]
        text += [
            "",
            "**The garbage collector at 10⁵ operations** (real times, median of 3 alternating "
            "runs of `parse` then `gradient(record=False)` with `gc` enabled and disabled)",
            "",
            table(["", "parse", "gradient"], rows),
        ]
    text += ["", *_digest_tables(data.get("primal"), "Primal sweep, 10⁴ operations")]
    text += ["", *_digest_tables(data.get("reverse"), "Reverse gradient sweeps, 10⁴ operations")]
    text += ["", *_digest_tables(data.get("batch"), "evaluate_batch at 10⁶ points")]
    return "\n".join(text)
