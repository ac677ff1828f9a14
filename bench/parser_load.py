"""Start-up cost of the parser on a warm cache (run by hand).

    python bench/parser_load.py [--runs 41]
    python bench/parser_load.py --instructions      # needs valgrind

Each probe is a new interpreter that imports ``autodiff.grammar.build`` and makes the parser
from the cached tables: the part of every command's start that reads, checks and loads them.
By default it prints the median wall time of the probe and of the headline command, and the
best in-process time of making the parser again (``re.purge`` first, so the lexer is compiled
again too). On a shared machine those wander by milliseconds; ``--instructions`` counts the
instructions of the probe, and of the same probe making the parser 20 more times, with
valgrind's callgrind instead: deterministic, so a change worth ~1 ms (≈ 5 M instructions; the
headline command is ~590 M) shows. Bytecode is cached (``PYTHONPYCACHEPREFIX`` in a temporary
directory) as in an installed autodiff. Uses the running interpreter and ``$XDG_CACHE_HOME``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_PROBE = """
import json, re, sys, time
start = time.perf_counter()
import autodiff.grammar.build as build
imported = time.perf_counter()
build._parser()
loaded = time.perf_counter()
again = []
for _ in range(int(sys.argv[1])):  # the same in a warm process (re.purge: compile it again)
    re.purge()
    begin = time.perf_counter()
    build._parser.__wrapped__()
    again.append(time.perf_counter() - begin)
print(json.dumps([imported - start, loaded - imported, min(again, default=0)]))
"""
HEADLINE = ["grad", "log(x1)+x1*x2-sin(x2)", "--at", "x1=2,x2=5"]


def _instructions(command: list[str], env: dict[str, str]) -> int:
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(re.findall(r"Collected : (\d+)", done.stderr)[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=41)
    parser.add_argument("--instructions", action="store_true")
    args = parser.parse_args()
    script = shutil.which("autodiff", path=str(Path(sys.executable).parent)) or "autodiff"
    with tempfile.TemporaryDirectory() as bytecode:
        env = {**os.environ, "PYTHONPYCACHEPREFIX": bytecode}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run([script, *HEADLINE], env=env, check=True, stdout=subprocess.DEVNULL)
        probe = [sys.executable, "-c", _PROBE]
        if args.instructions:
            once, more = _instructions([*probe, "0"], env), _instructions([*probe, "20"], env)
            print(f"import autodiff.grammar.build and make the parser  {once:>12,} instructions")
            print(f"make the parser again (each of 20)              {(more - once) // 20:>12,}")
            print(f"autodiff {' '.join(HEADLINE)}  {_instructions([script, *HEADLINE], env):,}")
            return
        imports, loads, repeats, wholes = [], [], [], []
        for _ in range(args.runs):  # interleaved, so a change of the machine's load hits all
            done = subprocess.run(
                [*probe, "50"], env=env, check=True, capture_output=True, text=True
            )
            imported, loaded, repeated = json.loads(done.stdout)
            imports.append(imported)
            loads.append(loaded)
            repeats.append(repeated)
            start = time.perf_counter()
            subprocess.run([script, *HEADLINE], env=env, check=True, stdout=subprocess.DEVNULL)
            wholes.append(time.perf_counter() - start)
    print(f"median of {args.runs} runs")
    print(f"import autodiff.grammar.build  {statistics.median(imports) * 1000:7.2f} ms")
    print(f"make the parser (warm cache)   {statistics.median(loads) * 1000:7.2f} ms")
    best = statistics.median(repeats) * 1000
    print(f"  again in the same process    {best:7.2f} ms (each run's best of 50)")
    print(f"autodiff {' '.join(HEADLINE)}  {statistics.median(wholes) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
