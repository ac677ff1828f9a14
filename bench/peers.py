"""The peers: which are installed, and autodiff's Wengert list as each peer's own program.

A peer receives the same function as autodiff. SymPy has a parser and gets the expression text
where a suite times parsing; the others have no parser, so ``wengert`` walks autodiff's parsed
``Graph`` once (``graph.nodes``, ``node.op``, ``node.operands`` as ids or inline ``Const``) into
a plain list of steps, and ``program`` binds each step to the peer's operation. Running the
program is what running a hand-written straight-line Python function with the same operations
would do; nothing is ever ``eval``-ed.

The plain list pickles quickly, so a worker process can reuse the Wengert list of a 10⁶-operation
expression (``save`` / ``load``) instead of parsing it again.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import operator
import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# name shown in the tables → (module to import, distributions whose versions we report)
PEERS = {
    "sympy": ("sympy", ("sympy",)),
    "jax": ("jax", ("jax", "jaxlib")),
    "torch": ("torch", ("torch",)),
    "casadi": ("casadi", ("casadi",)),
    "autograd": ("autograd", ("autograd",)),
}
UNARY = ("sin", "cos", "tanh", "exp", "log", "sqrt")
BINARY = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "pow": operator.pow,
}


def available(name: str) -> bool:
    return importlib.util.find_spec(PEERS[name][0]) is not None


def version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


@dataclass(frozen=True)
class Wengert:
    """A peer-neutral copy of a ``Graph``: steps ``(op, operands)`` where an ``int`` operand is
    a node id and a ``float`` one a constant; outputs likewise."""

    input_names: tuple[str, ...]
    steps: tuple[tuple[str, tuple[int | float, ...]], ...]
    outputs: tuple[int | float, ...]


def wengert(graph: Any) -> Wengert:
    from autodiff.core.graph import Const

    def plain(operand: Any) -> int | float:
        return float(operand.value) if isinstance(operand, Const) else int(operand)

    steps = tuple(
        (node.op, tuple(plain(a) for a in node.operands)) for node in graph.nodes[graph.n_inputs :]
    )
    return Wengert(tuple(graph.input_names), steps, tuple(plain(o) for o in graph.outputs))


def save(graph: Any, path: Path) -> None:
    w = wengert(graph)
    path.write_bytes(pickle.dumps((w.input_names, w.steps, w.outputs), protocol=5))


def load(path: Path) -> Wengert:
    return Wengert(*pickle.loads(path.read_bytes()))


def operations(peer: str) -> dict[str, Callable[..., Any]]:
    """The peer's elementary operations by autodiff's primitive names (the bench's subset)."""
    if peer == "jax":
        import jax.numpy as lib
    elif peer == "torch":
        import torch as lib
    elif peer == "casadi":
        import casadi as lib
    elif peer == "autograd":
        import autograd.numpy as lib
    elif peer == "sympy":
        import sympy as lib
    elif peer == "numpy":
        import numpy as lib
    else:
        raise ValueError(f"unknown peer {peer!r}")
    ops: dict[str, Callable[..., Any]] = {**BINARY, "neg": operator.neg}
    for name in UNARY:
        ops[name] = getattr(lib, name)
    return ops


class Program:
    """The Wengert list bound to one peer's operations: ``program(inputs) -> outputs``."""

    def __init__(self, source: Any, peer: str) -> None:
        w = source if isinstance(source, Wengert) else wengert(source)
        ops = operations(peer)
        missing = sorted({op for op, _ in w.steps if op not in ops})
        if missing:
            raise NotImplementedError(f"the bench has no {peer} translation of {missing}")
        self.input_names = w.input_names
        self.outputs = w.outputs
        self.steps = [(ops[op], args, tuple(type(a) is int for a in args)) for op, args in w.steps]

    def __call__(self, inputs: Sequence[Any]) -> list[Any]:
        values = list(inputs)
        append = values.append
        for fn, args, refs in self.steps:
            if len(args) == 1:
                append(fn(values[args[0]]))  # type: ignore[index]
            else:
                a, b = args
                append(fn(values[a] if refs[0] else a, values[b] if refs[1] else b))  # type: ignore[index]
        return [values[o] if type(o) is int else o for o in self.outputs]  # type: ignore[index]


def program(source: Any, peer: str) -> Program:
    """``source``: an autodiff ``Graph`` or a ``Wengert``."""
    return Program(source, peer)


def function(source: Any, peer: str) -> Callable[..., Any]:
    """``f(*inputs) -> first output``, for peers that differentiate Python functions."""
    run = Program(source, peer)
    return lambda *inputs: run(inputs)[0]
