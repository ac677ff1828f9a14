"""The suites of ``bench/run.py``: each has ``collect(options)`` (run in the harness),
``render(data)`` (its Markdown section) and ``goals(data)``; those that isolate peers in a
worker process also have ``measure(task)`` (run by ``worker.py``)."""
