"""One measurement in a process of its own: ``python bench/worker.py '<task as JSON>'``.

The task names its suite; the suite's ``measure(task)`` returns a JSON-able dict. Whatever the
peer raises (RecursionError, MemoryError, a compile error…) is reported as the result; the
harness watches time and memory from outside (``common.in_worker``).
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULT_PREFIX, describe_error


def main() -> None:
    task = json.loads(sys.argv[1])
    suite = importlib.import_module(f"suites.{task['suite']}")
    try:
        result = suite.measure(task)
    except Exception as error:  # a peer's failure is a result, not the end of the run
        result = {"status": "error", "detail": describe_error(error)}
    print(RESULT_PREFIX + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
