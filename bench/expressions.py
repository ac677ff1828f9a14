"""Benchmark expressions as text: seeded, built without recursion, finite everywhere they are used.

Three shapes of about ``n`` operations over the variables ``x1 … xk``:

- ``random``: terms combined pairwise at random (a bushy tree of depth ~ log n) with
  ``+ − × /`` and ``sin cos tanh exp``; a bound on every subterm decides where a ``tanh`` is
  needed so that no value or partial overflows.
- ``flat``: one long sum ``c₁·sin(x₃) + c₂·x₇·x₁ + …`` (a left-deep chain of additions).
- ``deep``: one nesting chain ``sin(x3 + cos(x1 × tanh(… )))`` about ``n/2`` levels deep.

Every peer receives the same text (SymPy parses it) or the same Wengert list (the others walk
autodiff's parsed graph, see ``peers.py``). Points lie in [0.2, 0.9], where everything is
defined and the gradients neither overflow nor vanish entirely.
"""

from __future__ import annotations

import random

SHAPES = ("random", "flat", "deep")
UNARY = ("sin", "cos", "tanh")
HEADLINE = "log(x1)+x1*x2-sin(x2)"
HEADLINE_POINT = {"x1": 2.0, "x2": 5.0}


def variables(k: int) -> list[str]:
    return [f"x{j}" for j in range(1, k + 1)]


def point(k: int, seed: int = 1) -> dict[str, float]:
    rng = random.Random(seed)
    return {name: round(rng.uniform(0.2, 0.9), 6) for name in variables(k)}


def _constant(rng: random.Random) -> str:
    return f"{rng.uniform(0.1, 2.0):.6f}"


def random_expression(n: int, k: int, seed: int) -> str:
    """About ``n`` operations combined pairwise at random; every subterm's magnitude is bounded."""
    rng = random.Random(seed)
    names = variables(k)
    # (text, bound on |value|, operations)
    pool: list[tuple[str, float, int]] = []
    ops = 0
    while ops < 0.54 * n:  # the leaves: distinct thanks to the constants
        x = rng.choice(names)
        kind = rng.randrange(4)
        if kind == 0:
            pool.append((f"{_constant(rng)}*{x}", 2.0, 1))
            ops += 1
        else:
            pool.append((f"{UNARY[kind - 1]}({_constant(rng)}*{x})", 1.0, 2))
            ops += 2
    while len(pool) > 1:
        i = rng.randrange(len(pool))
        pool[i], pool[-1] = pool[-1], pool[i]
        a_text, a_bound, a_ops = pool.pop()
        j = rng.randrange(len(pool))
        b_text, b_bound, b_ops = pool[j]
        kind = rng.randrange(8)
        if kind in (0, 1):
            item = (f"({a_text} + {b_text})", a_bound + b_bound, a_ops + b_ops + 1)
        elif kind == 2:
            item = (f"({a_text} - {b_text})", a_bound + b_bound, a_ops + b_ops + 1)
        elif kind in (3, 4):
            if a_bound * b_bound > 1e3:  # keep products tame: squash one side first
                a_text, a_bound, a_ops = f"tanh({a_text})", 1.0, a_ops + 1
            item = (f"{a_text}*{b_text}", a_bound * b_bound, a_ops + b_ops + 1)
        elif kind == 5:  # a denominator in [1, 3]
            item = (f"{a_text}/(2 + cos({b_text}))", a_bound, a_ops + b_ops + 3)
        elif kind == 6 and a_bound + b_bound <= 5.0:
            item = (f"exp({a_text} - {b_text})", 150.0, a_ops + b_ops + 2)
        else:
            func = rng.choice(UNARY)
            item = (f"{func}({a_text} + {b_text})", 1.0, a_ops + b_ops + 2)
        pool[j] = item
    return pool[0][0]


def flat_sum(n: int, k: int, seed: int) -> str:
    """One long sum of distinct terms, three or four operations each."""
    rng = random.Random(seed)
    names = variables(k)
    terms = []
    ops = 0
    while ops < n:
        x, y = rng.choice(names), rng.choice(names)
        if rng.random() < 0.5:
            terms.append(f"{_constant(rng)}*{rng.choice(UNARY)}({_constant(rng)}*{x})")
            ops += 4
        else:
            terms.append(f"{_constant(rng)}*{x}*{y}")
            ops += 3
    return " + ".join(terms)


def deep_nesting(n: int, k: int, seed: int) -> str:
    """A chain ``f(x + f(x × f(…)))`` about n/2 levels deep: every node feeds the next."""
    rng = random.Random(seed)
    names = variables(k)
    opening = []
    closing = []
    for _ in range(max(1, n // 2)):
        func = rng.choice(UNARY)
        op = rng.choice(("+", "-", "*"))
        opening.append(f"{func}({rng.choice(names)} {op} ")
        closing.append(")")
    return "".join(opening) + rng.choice(names) + "".join(closing)


def expression(shape: str, n: int, k: int = 10, seed: int = 0) -> str:
    builders = {"random": random_expression, "flat": flat_sum, "deep": deep_nesting}
    return builders[shape](n, k, seed)
