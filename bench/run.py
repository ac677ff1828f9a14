"""autodiff against SymPy, JAX, PyTorch, CasADi and autograd, in one run (by hand, not in CI).

    python bench/run.py [suite ...] [--quick] [--timeout 60] [--peers sympy,jax,...]

Suites: startup, size, ratio, batch, jacobian, and profile (where autodiff's time goes); all of
them by default, in that order (about 15 minutes on 2 cores; ``--quick`` about 2 minutes).
Peers come from the ``bench`` extra; a missing one is skipped with a note. Each suite's raw
numbers go to ``bench/results/<suite>.json`` and ``bench/RESULTS.md`` is rebuilt from all of
them, with the machine, the load average and the verdict on each goal of the issue. A quick run
prints its Markdown instead, unless ``--output`` is given.
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import BENCH, PYCACHE, Options, machine, table, warm_bytecode
from peers import PEERS

SUITES = ("startup", "size", "ratio", "batch", "jacobian", "profile")
RESULTS = BENCH / "results"
NOTES = RESULTS / "notes.md"
TITLES = {
    "startup": "startup: the headline command as a whole process",
    "size": "size: parse + gradient of large expressions",
    "ratio": "ratio: the cheap-gradient ratio",
    "batch": "batch: the headline gradient at many points",
    "jacobian": "jacobian: the mode advisor",
    "profile": "profile: where autodiff's time goes",
}


def _git() -> str:
    root = BENCH.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changed = subprocess.run(
            [
                "git",
                "-C",
                str(root),
                "status",
                "--porcelain",
                "--",
                "api",
                "core",
                "grammar",
                "cli",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    return f"{commit}" + (f" + {len(changed)} changed files" if changed else "")


def _load(stamp: dict[str, Any]) -> str:
    before = stamp.get("load", [None])[0]
    after = (stamp.get("load_after") or [None])[0]
    if before is None:
        return "?"
    return f"{before:.2f}" + (f" → {after:.2f}" if after is not None else "")


def _verdict(goal: dict[str, Any]) -> str:
    measured, target = goal["measured"], goal["target"]
    if measured is None:
        return "not measured"
    if goal["met"]:
        return "**met**"
    return f"**missed**: {measured / target:.2f}× the target"


def markdown(results: dict[str, dict[str, Any]], quick: bool) -> str:
    latest = max(results.values(), key=lambda data: data["stamp"]["date"])
    box = latest["machine"]
    packages = ", ".join(f"{name} {v}" for name, v in box["packages"].items() if v)
    missing = ", ".join(box["missing_peers"]) or "none"
    lines = [
        "# autodiff benchmark results" + (" (quick run)" if quick else ""),
        "",
        "Written by `python bench/run.py` from `bench/results/*.json`; rerun it rather than "
        "editing. What each suite measures and how: `bench/README.md`.",
        "",
        "## Machine",
        "",
        table(
            ["", ""],
            [
                ["CPU", f"{box['cpu']}, {box['cores']} cores"],
                ["memory", f"{box['memory_gb']} GB"],
                ["Python", f"{box['python']} ({box['implementation']})"],
                ["system", box["system"]],
                ["autodiff tree", latest.get("git", "?")],
                ["packages", packages],
                ["peers not installed", missing],
                ["bytecode", box.get("bytecode", "?")],
                [
                    "load average (1 min) per suite",
                    ", ".join(f"{name} {_load(data['stamp'])}" for name, data in results.items()),
                ],
            ],
        ),
        "",
        "The machine is shared (other test runs); every time is a median, and ratios of two "
        "steady-state timings are medians of per-round ratios of interleaved samples.",
        "",
        "## Goals of issue 8",
        "",
    ]
    rows = []
    for name, data in results.items():
        for goal in importlib.import_module(f"suites.{name}").goals(data):
            measured = goal["measured"]
            rows.append(
                [
                    goal["goal"],
                    f"≤ {goal['target']:g}×",
                    "—" if measured is None else f"{measured:.2f}×",
                    _verdict(goal),
                    goal["note"],
                ]
            )
    lines += [table(["goal", "target", "measured", "verdict", "detail"], rows), ""]
    for name, data in results.items():
        suite = importlib.import_module(f"suites.{name}")
        lines += [
            f"## {TITLES[name]}",
            "",
            f"*Run {data['stamp']['date']}, load average {_load(data['stamp'])}, "
            f"tree {data.get('git', '?')}{', quick' if data.get('quick') else ''}.*",
            "",
            suite.render(data),
            "",
        ]
    if NOTES.exists() and not quick:
        lines += ["## Closing notes", "", NOTES.read_text().strip(), ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("suites", nargs="*", metavar="suite", help=", ".join(SUITES))
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer runs")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per peer run")
    parser.add_argument("--memory-gb", type=float, default=6.0, help="memory per peer run")
    parser.add_argument("--peers", default=",".join(PEERS), help="comma-separated peers")
    parser.add_argument(
        "--exhaustive",
        action="store_true",
        help="also run what the last size projects past the timeout, and every shape at 10⁶",
    )
    parser.add_argument("--output", type=Path, default=None, help="Markdown file to write")
    parser.add_argument(
        "--render", action="store_true", help="only rebuild RESULTS.md from bench/results/"
    )
    args = parser.parse_args()
    suites = args.suites or list(SUITES)
    if any(name not in SUITES for name in suites):
        parser.error(f"suites are {', '.join(SUITES)}")
    peers = [p for p in args.peers.split(",") if p]
    unknown = [p for p in peers if p not in PEERS]
    if unknown:
        parser.error(f"unknown peers: {', '.join(unknown)} (known: {', '.join(PEERS)})")
    began = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - began:6.0f} s] {message}", flush=True)

    options = Options(
        quick=args.quick,
        timeout=args.timeout or (10.0 if args.quick else 60.0),
        memory_gb=args.memory_gb,
        peers=peers,
        exhaustive=args.exhaustive,
        log=log,
    )
    box, git = machine(), _git()
    if box["missing_peers"]:
        log(f"not installed, skipped: {', '.join(box['missing_peers'])}")
    if not args.render:
        log(f"bytecode cache: {PYCACHE}")
        warm_bytecode(peers, log)
    fresh: dict[str, dict[str, Any]] = {}
    for name in [] if args.render else suites:
        log(f"suite {name}")
        data = importlib.import_module(f"suites.{name}").collect(options)
        data.update(machine=box, git=git, quick=args.quick)
        fresh[name] = data
        if not args.quick:
            RESULTS.mkdir(exist_ok=True)
            (RESULTS / f"{name}.json").write_text(json.dumps(data, indent=1) + "\n")
    results = fresh
    if args.render or not args.quick:  # the other suites' latest full results, in suite order
        results = {}
        for name in SUITES:
            path = RESULTS / f"{name}.json"
            if path.exists():
                results[name] = json.loads(path.read_text())
    if not results:
        parser.error("no results yet: run some suites first")
    text = markdown(results, args.quick)
    output = args.output or (None if args.quick else BENCH / "RESULTS.md")
    if output:
        output.write_text(text)
        log(f"wrote {output}")
    else:
        print(text)
    for name, data in fresh.items():
        for goal in importlib.import_module(f"suites.{name}").goals(data):
            log(f"{goal['goal']}: {_verdict(goal)} ({goal['note']})")
    log("done")


if __name__ == "__main__":
    main()
