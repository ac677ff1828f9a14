"""What every suite shares: timing, the isolated worker process, the machine description.

Peers run in a worker process (``worker.py``) per measurement, with a wall-clock timeout and a
memory ceiling watched from outside, so that a peer's RecursionError, MemoryError, runaway
memory or endless compile becomes a row of the table instead of the end of the run.
"""

from __future__ import annotations

import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from peers import PEERS, available, version

BENCH = Path(__file__).resolve().parent
WORKER = BENCH / "worker.py"
RESULT_PREFIX = "@@result "
READY = "@@ready"
# Quiet, CPU-only peers; nothing else about their threading is changed.
PEER_ENV = {"JAX_PLATFORMS": "cpu", "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore"}
# Bytecode for every measured process, outside the source tree. Without it, an environment with
# PYTHONDONTWRITEBYTECODE=1 recompiles autodiff's (editable) sources at every start, while the
# peers load the bytecode pip compiled at install time.
PYCACHE = Path(tempfile.gettempdir()) / "autodiff-bench-pycache"


WARM_IMPORTS = {
    "autodiff": "import autodiff.cli.app, autodiff.cli.render.table, autodiff.core.vectorized",
    "sympy": "import sympy",
    "jax": "import jax, jax.numpy",
    "torch": "import torch",
    "casadi": "import casadi",
    "autograd": "import autograd, autograd.numpy",
}


def warm_bytecode(peers: Sequence[str], log: Callable[[str], None]) -> None:
    """Compile what the measured processes import into ``PYCACHE`` once, before any timing
    (slow only the first time: PyTorch and JAX have thousands of modules)."""
    for name in ["autodiff", *peers]:
        if name == "autodiff" or available(name):
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", WARM_IMPORTS[name]],
                env=child_env(),
                capture_output=True,
                check=False,
                timeout=600,
            )
            if time.perf_counter() - start > 5:
                log(f"  compiled {name}'s bytecode in {time.perf_counter() - start:.0f} s")


def child_env() -> dict[str, str]:
    """The environment of every process the bench starts."""
    env = {**os.environ, **PEER_ENV, "PYTHONPYCACHEPREFIX": str(PYCACHE)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


# --- timing ----------------------------------------------------------------------------------


def loops_for(work: Callable[[], object], min_time: float) -> int:
    """How many calls make one timing sample last at least ``min_time`` (after one warm-up)."""
    start = time.perf_counter()
    work()
    once = time.perf_counter() - start
    return max(1, int(min_time / once) + 1) if once < min_time else 1


def sample(work: Callable[[], object], loops: int) -> float:
    start = time.perf_counter()
    for _ in range(loops):
        work()
    return (time.perf_counter() - start) / loops


def steady(
    works: dict[str, Callable[[], object]],
    repeat: int = 7,
    min_time: float = 0.01,
    budget: float = 1.0,
) -> dict[str, float]:
    """Steady-state seconds per call of each work: warm-ups, then the median of many short
    samples (at least ``repeat``, more while each work has used less than ``budget`` seconds,
    at most 201), the works interleaved in alternating order so that a change in the machine's
    load hits them all alike."""
    loops = {name: loops_for(work, min_time) for name, work in works.items()}
    samples: dict[str, list[float]] = {name: [] for name in works}
    spent = dict.fromkeys(works, 0.0)
    order = list(works)
    gc.collect()
    rounds = 0
    while rounds < repeat or (rounds < 201 and max(spent.values()) < budget):
        for name in order:
            seconds_per_call = sample(works[name], loops[name])
            samples[name].append(seconds_per_call)
            spent[name] += seconds_per_call * loops[name]
        order.reverse()  # no work always runs right after the same other one
        rounds += 1
    LAST_SAMPLES.clear()
    LAST_SAMPLES.update(samples)
    return {name: statistics.median(times) for name, times in samples.items()}


# The samples behind the last ``steady`` call, round by round, for ``paired``.
LAST_SAMPLES: dict[str, list[float]] = {}


def paired(numerator: str, denominator: str) -> float:
    """The median of the per-round ratios of two works timed by the last ``steady`` call.

    Adjacent samples see the same machine state, so the ratio of a pair is steadier on a shared
    machine than the ratio of two medians.
    """
    a, b = LAST_SAMPLES[numerator], LAST_SAMPLES[denominator]
    return statistics.median(x / y for x, y in zip(a, b))


def once_each(work: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median seconds of ``repeat`` single calls (no warm-up: the first call is the point)."""
    times = []
    result: object = None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


# --- the worker process ----------------------------------------------------------------------


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def ready() -> None:
    """Called by a worker when its set-up is done: the harness's timeout starts again here."""
    print(READY, flush=True)


def in_worker(task: dict[str, Any], timeout: float, memory_gb: float) -> dict[str, Any]:
    """Run ``worker.py`` on one task; every way it can end is a result dict with a status.

    status: ok | error (the peer raised: RecursionError, MemoryError, …) | timeout | memory
    (resident memory passed ``memory_gb``) | crashed (killed by a signal, e.g. the OOM killer).
    The timeout counts from the worker's ``ready()`` when it calls it (set-up such as building
    a 10⁶-operation expression is not the peer's time), else from the start; set-up gets at
    least two minutes.
    """
    env = child_env()
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(
            [sys.executable, str(WORKER), json.dumps(task)],
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            env=env,
            cwd=BENCH,
        )
        lines: list[str] = []
        ready_at: list[float] = []

        def read() -> None:
            for line in process.stdout:  # type: ignore[union-attr]
                if line.startswith(READY) and not ready_at:
                    ready_at.append(time.perf_counter())
                lines.append(line)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        limit = memory_gb * 2**30
        peak = 0
        ended: str | None = None
        while process.poll() is None:
            now = time.perf_counter()
            deadline = ready_at[0] + timeout if ready_at else start + max(timeout, 120.0)
            rss = _rss_bytes(process.pid)
            peak = max(peak, rss)
            if now > deadline:
                ended = "timeout"
            elif rss > limit:
                ended = "memory"
            if ended:
                process.kill()
                break
            time.sleep(0.05)
        process.wait()
        reader.join(timeout=10)
        errors.seek(0)
        stderr = errors.read()
    wall = time.perf_counter() - start
    if ended == "timeout":
        where = "" if ready_at else " (in set-up)"
        return {"status": "timeout", "detail": f"no result in {timeout:.0f} s{where}", "wall": wall}
    if ended == "memory":
        return {
            "status": "memory",
            "detail": f"out of memory: resident set passed {memory_gb:g} GB",
            "wall": wall,
        }
    for line in reversed(lines):
        if line.startswith(RESULT_PREFIX):
            result = json.loads(line[len(RESULT_PREFIX) :])
            result.setdefault("status", "ok")
            result["wall"] = wall
            result["peak_rss_mb"] = round(peak / 2**20)
            return result
    last = (stderr.strip().splitlines() or ["no output"])[-1]
    if process.returncode < 0:
        return {"status": "crashed", "detail": f"killed by signal {-process.returncode}: {last}"}
    return {"status": "crashed", "detail": f"exit {process.returncode}: {last[:200]}"}


def describe_error(error: BaseException) -> str:
    """``Type: first line`` (short), following a wrapped cause (SymPy's ``base_exc``)."""
    cause = getattr(error, "base_exc", None)
    if isinstance(cause, BaseException):
        return f"{type(error).__name__} ← {describe_error(cause)}"
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text[:100]}" if text else type(error).__name__


# --- the machine ----------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_average() -> tuple[float, float, float]:
    try:
        return os.getloadavg()
    except OSError:
        nan = float("nan")
        return (nan, nan, nan)


def memory_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return float("nan")


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {
        name: version(name) for name in ("autodiff-cli", "lark", "typer", "rich", "numpy")
    }
    for _, (_, distributions) in PEERS.items():
        for distribution in distributions:
            versions[distribution] = version(distribution)
    return versions


def machine() -> dict[str, Any]:
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "memory_gb": round(memory_gb(), 1),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "system": f"{platform.system()} {platform.release()}",
        "packages": package_versions(),
        "missing_peers": [name for name in PEERS if not available(name)],
        "bytecode": f"cached in {PYCACHE} (PYTHONPYCACHEPREFIX)"
        + (
            "; PYTHONDONTWRITEBYTECODE is set here and removed for the measured processes"
            if os.environ.get("PYTHONDONTWRITEBYTECODE")
            else ""
        ),
    }


def present(peers: Sequence[str]) -> tuple[list[str], list[str]]:
    """The peers that can be imported and the ones that cannot (skipped with a note)."""
    return [p for p in peers if available(p)], [p for p in peers if not available(p)]


# --- options and reporting -------------------------------------------------------------------


@dataclass
class Options:
    quick: bool = False
    timeout: float = 60.0  # seconds, for one peer measurement in its worker
    memory_gb: float = 6.0  # resident-set ceiling for one worker
    peers: list[str] = field(default_factory=lambda: list(PEERS))
    # run what the last size says cannot fit the timeout, and every shape at 10⁶
    exhaustive: bool = False
    log: Callable[[str], None] = print


def stamp() -> dict[str, Any]:
    """When and under what load a suite ran (the machine is shared: read the medians with it)."""
    return {"date": time.strftime("%Y-%m-%d %H:%M"), "load": load_average()}


def seconds(value: float | None) -> str:
    if value is None or value != value:
        return "—"
    if value >= 1.0:
        return f"{value:.2f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.1f} ms" if value < 0.1 else f"{value * 1e3:.0f} ms"
    return f"{value * 1e6:.1f} µs"


def outcome(result: dict[str, Any] | None, key: str = "seconds") -> str:
    """A table cell: the time, or how the measurement ended."""
    if result is None:
        return "—"
    status = result.get("status", "ok")
    if status == "ok":
        return seconds(result.get(key))
    if status == "skipped":
        return f"not run ({result['detail']})"
    if status == "timeout":
        return f"**timeout** ({result['detail']})"
    if status == "memory":
        return "**out of memory**"
    return f"**{result.get('detail', status)}**"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def power_of_ten(n: int) -> str:
    """A size in the tables' headers: 1000 → 10³."""
    return f"10{'⁰¹²³⁴⁵⁶⁷⁸⁹'[round(math.log10(n))]}"


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def times(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}×"


def goal(name: str, target: float, measured: float | None, note: str = "") -> dict[str, Any]:
    """One goal of the issue: a ratio that must stay at or below ``target``."""
    return {
        "goal": name,
        "target": target,
        "measured": measured,
        "met": measured is not None and measured <= target,
        "note": note,
    }
