"""Writing a JSON document piece by piece: the text ``json.dumps`` would make, never all of it.

A document's long lists (a trace of 300k nodes, 20,000 reverse passes, a Hessian's rows, the
points of a batch) are ``Stream``s: iterables whose items are made while they are written, so
memory holds one item at a time. Everything else is written by ``json.dumps`` itself, with its
indentation shifted to where it sits, so the output is byte for byte that of
``json.dumps(document, indent=2)`` (or the compact form) had every ``Stream`` been a list.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TextIO

INDENT = "  "


class Stream:
    """A list whose items are produced as it is written (a generator is read once)."""

    __slots__ = ("items",)

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = items

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)


def materialize(value: Any) -> Any:
    """The same document with every ``Stream`` read into a list (for callers that want data)."""
    if isinstance(value, Stream):
        return [materialize(item) for item in value]
    if isinstance(value, dict):
        return {key: materialize(item) for key, item in value.items()}
    if isinstance(value, list):
        return [materialize(item) for item in value]
    return value


def write(value: Any, out: TextIO, compact: bool = False) -> None:
    """``value`` as strict JSON (no NaN), indented by two spaces or on one line."""
    _write(value, out.write, 0, compact)


def _dumps(value: Any, level: int, compact: bool) -> str:
    if compact:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, indent=2)
    # JSON strings hold no raw newline, so every newline is a line break of the layout.
    return text.replace("\n", "\n" + INDENT * level) if level else text


def _has_stream(value: Any) -> bool:
    if isinstance(value, Stream):
        return True
    return isinstance(value, dict) and any(map(_has_stream, value.values()))


def _write(value: Any, put: Callable[[str], Any], level: int, compact: bool) -> None:
    if isinstance(value, dict) and _has_stream(value):
        items: Iterable[tuple[str | None, Any]] = value.items()
        opening, closing = "{", "}"
    elif isinstance(value, Stream):
        items = ((None, item) for item in value)
        opening, closing = "[", "]"
    else:
        put(_dumps(value, level, compact))
        return
    inner = "" if compact else "\n" + INDENT * (level + 1)
    separator = ":" if compact else ": "
    first = True
    for key, item in items:
        put((opening if first else ",") + inner)
        first = False
        if key is not None:
            put(json.dumps(key, ensure_ascii=False) + separator)
        _write(item, put, level + 1, compact)
    if first:  # nothing written: an empty list or object
        put(opening + closing)
    else:
        put(("" if compact else "\n" + INDENT * level) + closing)
