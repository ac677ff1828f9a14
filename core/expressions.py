"""Expressions as a hash-consed DAG, lightly simplified, evaluated, measured and printed.

Terms live in one flat list in creation order and every argument id is smaller than the term's
own, so evaluation, sizes and printing are loops (printing uses an explicit stack): a derivative
thousands of levels deep prints as easily as ``2*x``. A term is created once however often it is
asked for (hash-consing); that is what "with sharing" means in ``operation_count``, while
``tree_sizes`` counts every term as often as it would be written out.

Simplification is deliberately light, the kind a reader would do in their head: constants are
folded, ``×1``, ``+0``, ``×0`` and ``^1`` disappear, double negations cancel, and a minus sign
moves outside a product so that ``a + (−b)·c`` prints as ``a - b*c``. Every rule looks at a
term and its arguments only, so building stays a loop however long a chain of products grows.

The derivatives of kinks need three functions that are not in the input language; they exist
only here (``STEP_FUNCTIONS``) and follow the primitive table's conventions at the kink.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from string import Formatter

from .errors import LimitError
from .primitives import PRIMITIVES

INPUT = "input"
CONST = "const"


def _sign(x: float) -> float:
    return 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)


def _heaviside(x: float) -> float:
    # H(0) = ½: the midpoint of the one-sided slopes, as the table's max/min partials use.
    return 1.0 if x > 0.0 else (0.0 if x < 0.0 else 0.5)


def _positive(x: float) -> float:
    # [x > 0]: relu'(0) = 0, as in the table.
    return 1.0 if x > 0.0 else 0.0


# The derivatives of abs, max/min and relu. Unary, not analytic, and absent from the grammar.
STEP_FUNCTIONS: dict[str, Callable[[float], float]] = {
    "sign": _sign,
    "step": _heaviside,
    "positive": _positive,
}

# Precedence levels of the printers: an operand is parenthesised when its own level is below
# what its position needs.
SUM, PRODUCT, NEGATION, POWER, ATOM = 1, 2, 3, 4, 5


@dataclass(frozen=True, slots=True)
class Term:
    """One node: an input (``name``), a constant (``value``, printed as ``name`` if given),
    or an operation (a primitive or a step function) on earlier terms."""

    op: str
    args: tuple[int, ...] = ()
    value: float = 0.0
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Spelling:
    """How one operation is written: a template over ``{0}``, ``{1}``, how tightly the result
    binds, and the precedence each operand needs before it must be parenthesised."""

    template: str
    precedence: int = ATOM
    needs: tuple[int, ...] = (0, 0)


@dataclass(frozen=True)
class Syntax:
    """A target language for ``Expressions.write``: a spelling per operation and a way to
    write numbers (``str`` of a non-negative value; negatives get a leading ``-``)."""

    spellings: Mapping[str, Spelling]
    number: Callable[[float, str | None], str]


def value_of(op: str, args: list[float]) -> float:
    """Apply a primitive or a step function to numbers (raises as ``math`` does)."""
    step = STEP_FUNCTIONS.get(op)
    return step(args[0]) if step is not None else PRIMITIVES[op].value(*args)


@lru_cache(maxsize=512)
def _pieces(template: str) -> tuple[str | int, ...]:
    """``"math.pow({0}, {1})"`` → ``("math.pow(", 0, ", ", 1, ")")``."""
    pieces: list[str | int] = []
    for literal, field, _, _ in Formatter().parse(template):
        if literal:
            pieces.append(literal)
        if field is not None:
            pieces.append(int(field))
    return tuple(pieces)


class Expressions:
    """A growing DAG of terms; ``apply`` simplifies, ``raw`` does not."""

    def __init__(self, max_terms: int | None = None) -> None:
        self.terms: list[Term] = []
        self._ids: dict[Term, int] = {}
        self.max_terms = max_terms  # None: no limit

    # --- building ---------------------------------------------------------------------------

    def _intern(self, term: Term) -> int:
        found = self._ids.get(term)
        if found is None:
            if self.max_terms is not None and len(self.terms) >= self.max_terms:
                raise LimitError(
                    f"the expressions need more than {self.max_terms:,} distinct terms even "
                    "with sharing (expression swell)"
                )
            found = self._ids[term] = len(self.terms)
            self.terms.append(term)
        return found

    def input(self, name: str) -> int:
        return self._intern(Term(INPUT, name=name))

    def const(self, value: float, label: str | None = None) -> int:
        # -0.0 and 0.0 are one term: they hash and compare equal, and either prints as 0.
        return self._intern(Term(CONST, value=float(value), name=label))

    def raw(self, op: str, *args: int) -> int:
        """The operation exactly as given: the primal steps of generated code use this."""
        return self._intern(Term(op, tuple(args)))

    def constant_value(self, t: int) -> float | None:
        term = self.terms[t]
        return term.value if term.op == CONST else None

    def _is(self, t: int, value: float) -> bool:
        return self.constant_value(t) == value

    def _fold(self, op: str, args: tuple[int, ...]) -> int | None:
        """A constant for an operation on constants, unless it is undefined or overflows
        (then it stays written out, and evaluating it reports the problem)."""
        values = [self.constant_value(a) for a in args]
        if any(v is None for v in values):
            return None
        try:
            result = value_of(op, values)  # type: ignore[arg-type]
        except (ArithmeticError, ValueError):
            return None
        if not math.isfinite(result):
            return None
        # π·1 stays the constant written "pi" rather than becoming 3.141592653589793.
        same = [a for a, v in zip(args, values) if v == result and self.terms[a].name]
        return same[0] if same else self.const(result)

    def negated(self, t: int) -> int | None:
        """``u`` if ``t`` is ``−u`` (a negation or a negative constant), else None.

        The rules keep a minus sign outermost (``−(a·b)``, never ``(−a)·b``), so this looks
        at one term only: nothing walks down a chain of products.
        """
        term = self.terms[t]
        if term.op == "neg":
            return term.args[0]
        if term.op == CONST and term.value < 0.0:
            return self.const(-term.value)
        return None

    def apply(self, op: str, *args: int) -> int:
        """The operation, lightly simplified (see the module docstring)."""
        folded = self._fold(op, args)
        if folded is not None:
            return folded
        simplify = _SIMPLIFY.get(op)
        if simplify is not None:
            result = simplify(self, *args)
            if result is not None:
                return result
        return self.raw(op, *args)

    def add(self, a: int, b: int) -> int:
        return self.apply("add", a, b)

    def sub(self, a: int, b: int) -> int:
        return self.apply("sub", a, b)

    def mul(self, a: int, b: int) -> int:
        return self.apply("mul", a, b)

    def div(self, a: int, b: int) -> int:
        return self.apply("div", a, b)

    def neg(self, a: int) -> int:
        return self.apply("neg", a)

    def pow(self, a: int, b: int) -> int:
        return self.apply("pow", a, b)

    def square(self, a: int) -> int:
        return self.apply("pow", a, self.const(2.0))

    # --- reading ----------------------------------------------------------------------------

    def reachable(self, roots: Iterable[int]) -> list[int]:
        """The ids of the terms the roots are built from (themselves included), in order."""
        seen: set[int] = set()
        stack = list(roots)
        while stack:
            t = stack.pop()
            if t not in seen:
                seen.add(t)
                stack.extend(self.terms[t].args)
        return sorted(seen)

    def operation_count(self, roots: Iterable[int]) -> int:
        """Operations needed to compute all the roots when shared terms are computed once."""
        return sum(1 for t in self.reachable(roots) if self.terms[t].args)

    def tree_sizes(self) -> list[int]:
        """For each term, its operations when written out as a tree (no sharing).

        Python integers, so the exponential sizes of expression swell are exact.
        """
        sizes: list[int] = []
        for term in self.terms:
            sizes.append(1 + sum(sizes[a] for a in term.args) if term.args else 0)
        return sizes

    def evaluate(self, roots: Iterable[int], inputs: Mapping[str, float]) -> dict[int, float]:
        """The value of every term the roots need; raises ``ValueError``/``ArithmeticError``
        where an operation is undefined, as the primitives do."""
        values: dict[int, float] = {}
        for t in self.reachable(roots):
            term = self.terms[t]
            if term.op == INPUT:
                values[t] = inputs[term.name or ""]
            elif term.op == CONST:
                values[t] = term.value
            else:
                values[t] = value_of(term.op, [values[a] for a in term.args])
        return values

    def uses(self, roots: Iterable[int], ops: Iterable[str]) -> bool:
        wanted = set(ops)
        return any(self.terms[t].op in wanted for t in self.reachable(roots))

    def write(self, root: int, syntax: Syntax) -> str:
        """The term as text in ``syntax``, parenthesised only where precedence needs it."""
        out: list[str] = []
        stack: list[str | tuple[int, int]] = [(root, 0)]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                out.append(item)
                continue
            t, need = item
            term = self.terms[t]
            if term.op == INPUT:
                out.append(term.name or "")
                continue
            if term.op == CONST:
                if term.value < 0.0:
                    # A negative number binds like a negation: x^(-1), but -2*x.
                    text = "-" + syntax.number(-term.value, None)
                    out.append(f"({text})" if need > NEGATION else text)
                else:
                    out.append(syntax.number(abs(term.value), term.name))  # abs: no "-0"
                continue
            spelling = syntax.spellings[term.op]
            wrap = spelling.precedence < need
            parts: list[str | tuple[int, int]] = ["("] if wrap else []
            for piece in _pieces(spelling.template):
                if isinstance(piece, int):
                    parts.append((term.args[piece], spelling.needs[piece]))
                else:
                    parts.append(piece)
            if wrap:
                parts.append(")")
            stack.extend(reversed(parts))
        return "".join(out)


# --- simplification rules, one per operation: None means "no rule applies" ------------------


def _add(e: Expressions, a: int, b: int) -> int | None:
    if e._is(a, 0.0):
        return b
    if e._is(b, 0.0):
        return a
    if a == b:
        return e.mul(e.const(2.0), a)  # x + x = 2*x
    minus_b = e.negated(b)
    if minus_b is not None:
        return e.sub(a, minus_b)
    minus_a = e.negated(a)
    if minus_a is not None:
        return e.sub(b, minus_a)
    return None


def _sub(e: Expressions, a: int, b: int) -> int | None:
    if e._is(b, 0.0):
        return a
    if e._is(a, 0.0):
        return e.neg(b)
    minus_b = e.negated(b)
    if minus_b is not None:
        return e.add(a, minus_b)
    return None


def _mul(e: Expressions, a: int, b: int) -> int | None:
    # 0·anything = 0, as the sweeps' convention 0·∞ = 0.
    if e._is(a, 0.0) or e._is(b, 0.0):
        return e.const(0.0)
    if e._is(a, 1.0):
        return b
    if e._is(b, 1.0):
        return a
    minus_a, minus_b = e.negated(a), e.negated(b)
    if minus_a is not None or minus_b is not None:
        # The sign goes outside: (−u)·(−v) = u·v, (−u)·v = −(u·v); exact in floating point.
        product = e.mul(a if minus_a is None else minus_a, b if minus_b is None else minus_b)
        return product if (minus_a is None) == (minus_b is None) else e.neg(product)
    if e.constant_value(b) is not None and e.constant_value(a) is None:
        return e.mul(b, a)  # constants first: 2*x
    products = ("mul", "div")
    if e.terms[b].op in products and e.terms[a].op not in products and e.constant_value(a) is None:
        # Products to the left, where they need no parentheses: a·b = b·a exactly in floating
        # point, and x2*(s*(1 - s)) reads better as s*(1 - s)*x2.
        return e.mul(b, a)
    c = e.constant_value(a)
    inner = e.terms[b]
    if c is not None and inner.op == "mul" and e.constant_value(inner.args[0]) is not None:
        return e.mul(e.mul(a, inner.args[0]), inner.args[1])  # 2*(3*x) = 6*x
    if inner.op == "div" and e._is(inner.args[0], 1.0):
        return e.div(a, inner.args[1])  # a*(1/b) = a/b
    if e.terms[a].op == "div" and e._is(e.terms[a].args[0], 1.0):
        return e.div(b, e.terms[a].args[1])  # (1/a)*b = b/a
    return None


def _div(e: Expressions, a: int, b: int) -> int | None:
    if e._is(b, 1.0):
        return a
    if e._is(a, 0.0):
        return e.const(0.0)
    minus_a, minus_b = e.negated(a), e.negated(b)
    if minus_a is not None or minus_b is not None:
        quotient = e.div(a if minus_a is None else minus_a, b if minus_b is None else minus_b)
        return quotient if (minus_a is None) == (minus_b is None) else e.neg(quotient)
    return None


def _neg(e: Expressions, a: int) -> int | None:
    term = e.terms[a]
    if term.op == "neg":
        return term.args[0]
    if term.op == "sub":
        return e.sub(term.args[1], term.args[0])  # −(x − y) = y − x
    return None


def _pow(e: Expressions, a: int, b: int) -> int | None:
    if e._is(b, 1.0):
        return a
    if e._is(b, 0.0):
        return e.const(1.0)
    return None


_SIMPLIFY: dict[str, Callable[..., int | None]] = {
    "add": _add,
    "sub": _sub,
    "mul": _mul,
    "div": _div,
    "neg": _neg,
    "pow": _pow,
}
