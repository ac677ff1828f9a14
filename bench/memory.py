"""Peak memory (RSS) and wall time of the installed ``autodiff`` at scale (issue 13; run by hand).

    python bench/memory.py [--cases hessian-at,hessian-points,...] [--cap-gb 8] [--keep DIR]
                           [--variables 3000] [--outputs 20000]

Each case writes its input files into a temporary directory, runs one ``autodiff`` command
under ``/usr/bin/time -v`` with stdout sent to ``/dev/null``, and prints the command, its exit
status, the "Maximum resident set size" and the elapsed time. ``--cap-gb`` limits each run's
address space (the machine is shared): a run that needs more ends with autodiff's out-of-memory
message (exit 2), shown as such. Never run by the tests.
"""

from __future__ import annotations

import argparse
import re
import resource
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

N_HESSIAN = 3000  # variables of the sum of squares (--variables)
M_JACOBIAN = 20_000  # outputs of the reverse Jacobian (--outputs)
TRACE_TERMS = 100_000  # terms of the sum whose JSON trace is printed (about 300k nodes)
POINTS = 100_000  # rows of the --points cases


def _squares(directory: Path) -> tuple[Path, Path]:
    """x1^2 + … + xN^2, and a points file with one row giving every variable a value."""
    names = [f"x{i}" for i in range(1, _sizes["variables"] + 1)]
    expression = directory / "squares.txt"
    expression.write_text(" + ".join(f"{x}^2" for x in names) + "\n")
    points = directory / "squares.csv"
    points.write_text(",".join(names) + "\n" + ",".join("1.5" for _ in names) + "\n")
    return expression, points


def hessian_at(directory: Path) -> list[str]:
    expression, _ = _squares(directory)
    at = ",".join(f"x{i}=1.5" for i in range(1, _sizes["variables"] + 1))
    return ["hessian", "-f", str(expression), "--at", at, "-F", "csv"]


def hessian_points(directory: Path) -> list[str]:
    expression, points = _squares(directory)
    return ["hessian", "-f", str(expression), "--points", str(points), "-F", "csv"]


def _outputs(directory: Path) -> Path:
    """M expressions of two variables, one per line: a tall Jacobian (m ≫ n)."""
    path = directory / "outputs.txt"
    path.write_text("".join(f"sin(x1)*x2 + {k}*x1\n" for k in range(1, _sizes["outputs"] + 1)))
    return path


def jacobian_reverse(directory: Path) -> list[str]:
    path = _outputs(directory)
    return ["jacobian", "-f", str(path), "--mode", "reverse", "--at", "x1=0.5,x2=2", "-F", "csv"]


def jacobian_reverse_json(directory: Path) -> list[str]:
    return [*jacobian_reverse(directory)[:-2], "-F", "json"]


def trace_json(directory: Path) -> list[str]:
    path = directory / "sum.txt"
    path.write_text(" + ".join(f"sin(x{i % 100})*x{(i + 1) % 100}" for i in range(TRACE_TERMS)))
    at = ",".join(f"x{i}=0.5" for i in range(100))
    return ["grad", "-f", str(path), "--at", at, "-F", "json", "--trace"]


def _points(directory: Path) -> Path:
    path = directory / "points.csv"
    rows = (f"{1 + (k % 97) / 10},{k % 13 / 7}" for k in range(POINTS))
    path.write_text("x1,x2\n" + "\n".join(rows) + "\n")
    return path


def points_table(directory: Path) -> list[str]:
    return ["grad", "log(x1)+x1*x2-sin(x2)", "--points", str(_points(directory))]


def points_json(directory: Path) -> list[str]:
    return [*points_table(directory), "-F", "json"]


def points_csv(directory: Path) -> list[str]:
    return [*points_table(directory), "-F", "csv"]


# The problem sizes of this run (set once from the command line; a script, not the library).
_sizes = {"variables": N_HESSIAN, "outputs": M_JACOBIAN}

CASES: dict[str, Callable[[Path], list[str]]] = {
    "hessian-at": hessian_at,
    "hessian-points": hessian_points,
    "jacobian-reverse": jacobian_reverse,
    "jacobian-reverse-json": jacobian_reverse_json,
    "trace-json": trace_json,
    "points-table": points_table,
    "points-json": points_json,
    "points-csv": points_csv,
}


def measure(arguments: list[str], cap_bytes: int) -> tuple[int, float, float, str]:
    """Exit status, peak RSS in MB, elapsed seconds, and the last line of stderr."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap_bytes, cap_bytes))

    done = subprocess.run(
        ["/usr/bin/time", "-v", "autodiff", *arguments],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=limit,
        env={**__import__("os").environ, "XDG_CACHE_HOME": tempfile.gettempdir()},
    )
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", done.stderr)
    seconds = 0.0
    for part in (wall.group(1) if wall else "0").split(":"):
        seconds = seconds * 60 + float(part)
    status = re.search(r"Exit status: (\d+)", done.stderr)
    messages = [
        line for line in done.stderr.splitlines() if line.startswith("autodiff") and line.strip()
    ]
    return (
        int(status.group(1)) if status else done.returncode,
        int(rss.group(1)) / 1024 if rss else float("nan"),
        seconds,
        messages[-1] if messages else "",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--cap-gb", type=float, default=8.0)
    parser.add_argument("--keep", help="write the input files here instead of a temporary dir")
    parser.add_argument("--variables", type=int, default=N_HESSIAN, help="of the Hessian cases")
    parser.add_argument("--outputs", type=int, default=M_JACOBIAN, help="of the Jacobian cases")
    args = parser.parse_args()
    _sizes.update(variables=args.variables, outputs=args.outputs)
    cap = int(args.cap_gb * 2**30)
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(args.keep or scratch)
        directory.mkdir(parents=True, exist_ok=True)
        for name in args.cases.split(","):
            arguments = CASES[name](directory)
            shown = [a if len(a) < 60 else a[:40] + "…" for a in arguments]
            code, mb, seconds, message = measure(arguments, cap)
            print(f"{name}: autodiff {shlex.join(shown)}")
            print(f"    exit {code}, peak RSS {mb:,.0f} MB, {seconds:.1f} s  {message}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
