"""The fuzz tests of tests/test_fuzz.py at a scale for running by hand (default 10⁵ examples).

    python bench/fuzz.py [--examples 100000] [--only cli|core] [--seed N]

Same inputs and the same contract (tests/fuzz_strategies.py). Prints how the runs ended (exit
status and the first words of each error) so one can see which paths the fuzzing reaches; the
first broken contract stops the run with hypothesis's minimal failing example.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fuzz_strategies import (
    OPERATIONS,
    CommandLine,
    check_command_line,
    check_core,
    command_lines,
    directions,
    wide_points,
)
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from strategies import expressions, points

Test = Callable[..., None]


def _kind(code: int, stderr: str) -> str:
    """``exit 2: unexpected character …`` — the status and the start of the message."""
    first = stderr.split("\n", 1)[0]
    message = re.sub(r"^autodiff: error( at [^:]*)?: ", "", first)
    message = re.sub(r"'[^']*'|\"[^\"]*\"|\S*\d\S*", "…", message)
    return f"exit {code}: {' '.join(message.split()[:4])}" if code else "exit 0"


def _fuzzer(examples: int, seed_value: int | None) -> Callable[[Test], Test]:
    """hypothesis settings for a long run: no deadline, no example database, no health checks."""

    def wrap(test: Test) -> Test:
        test = settings(
            max_examples=examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )(test)
        return test if seed_value is None else seed(seed_value)(test)

    return wrap


def fuzz_cli(examples: int, seed_value: int | None, tally: Counter[str]) -> None:
    @_fuzzer(examples, seed_value)
    @given(line=command_lines())
    def cli(line: CommandLine) -> None:
        outcome = check_command_line(line)
        tally[_kind(outcome.code, outcome.stderr)] += 1

    cli()


def fuzz_core(examples: int, seed_value: int | None, tally: Counter[str]) -> None:
    @_fuzzer(examples, seed_value)
    @given(text=expressions, point=st.one_of(points, wide_points), direction=directions)
    def core(text: str, point: dict[str, float], direction: list[float]) -> None:
        tally[
            f"{check_core(text, point, direction)} of {len(OPERATIONS)} operators gave numbers"
        ] += 1

    core()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=100_000, help="per fuzz target")
    parser.add_argument("--only", choices=["cli", "core"])
    parser.add_argument("--seed", type=int, help="hypothesis seed, to repeat a run")
    args = parser.parse_args()
    targets = {"cli": fuzz_cli, "core": fuzz_core}
    for name, target in targets.items():
        if args.only not in (None, name):
            continue
        tally: Counter[str] = Counter()
        start = time.perf_counter()
        try:
            target(args.examples, args.seed, tally)
        finally:
            seconds = time.perf_counter() - start
            total = sum(tally.values())
            print(f"\n{name}: {total:,} runs in {seconds:.0f} s ({total / seconds:.0f}/s)")
            for kind, count in tally.most_common(25):
                print(f"  {count:8,}  {count / total:6.1%}  {kind}")


if __name__ == "__main__":
    main()
