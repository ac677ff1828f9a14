"""Symbolic derivatives, and the numbers behind "symbolic derivatives swell, AD does not".

``RULES`` gives each primitive's partials as expressions (one line per primitive, mirroring the
``partial_notation`` of the primitive table, with ``ans`` standing for the primitive's own value
so ``exp``, ``sqrt``, ``tanh`` reuse it). ``differentiate`` applies the chain rule node by node
over the Wengert list, ``∂vᵢ/∂xⱼ = Σₖ ∂vᵢ/∂vₖ · ∂vₖ/∂xⱼ``, building the derivative of every
output with respect to every input as one hash-consed DAG (``core.expressions``).

``swell`` measures three ways of writing the same derivative, in operations:
- as a tree, the way a symbolic derivative is printed (each shared subexpression written out
  wherever it occurs);
- with sharing (each distinct subexpression computed once);
- the gradient program of reverse-mode AD: the primal steps and the adjoint accumulations
  ``v̄ₖ += v̄ᵢ·∂vᵢ/∂vₖ``, built with the same rules and the same simplification.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .derivatives import resolve_wrt
from .errors import LimitError, UsageError
from .expressions import ATOM, NEGATION, POWER, PRODUCT, SUM, Expressions, Spelling, Syntax
from .graph import Const, Graph
from .notation import format_number, output_name
from .primitives import PRIMITIVES

# (e, *argument terms, ans) -> one term per argument: ∂ans/∂argument.
Rule = Callable[..., tuple[int, ...]]

LN2 = math.log(2.0)
LN10 = math.log(10.0)
# Distinct terms a symbolic derivative may build (a few hundred bytes each).
MAX_TERMS = 1_000_000


def _one(e: Expressions) -> int:
    return e.const(1.0)


def _reciprocal(e: Expressions, t: int) -> int:
    return e.div(_one(e), t)


def _inverse_sqrt(e: Expressions, t: int) -> int:
    return _reciprocal(e, e.apply("sqrt", t))


# The forms below are the primitive table's numerically sound ones (core.primitives), so that
# generated code loses no digits where the tool does not: (1 − x)(1 + x), not 1 − x², which
# cancels near ±1; hypot, not a sum of squares, which overflows; σ(x)·σ(−x), not σ(1 − σ).


def _one_minus_square(e: Expressions, x: int) -> int:
    return e.mul(e.sub(_one(e), x), e.add(_one(e), x))


def _tanh_slope(e: Expressions, x: int) -> int:
    u = e.mul(e.const(2.0), x)
    return e.mul(e.mul(e.const(4.0), e.apply("sigmoid", u)), e.apply("sigmoid", e.neg(u)))


def _atan2_partial(e: Expressions, numerator: int, y: int, x: int) -> int:
    """numerator/(y² + x²) as numerator/h/h for h = hypot(y, x)."""
    h = e.apply("hypot", y, x)
    return e.div(e.div(numerator, h), h)


RULES: dict[str, Rule] = {
    "neg": lambda e, x, a: (e.const(-1.0),),
    "add": lambda e, x, y, a: (_one(e), _one(e)),
    "sub": lambda e, x, y, a: (_one(e), e.const(-1.0)),
    "mul": lambda e, x, y, a: (y, x),
    "div": lambda e, x, y, a: (_reciprocal(e, y), e.neg(e.div(x, e.square(y)))),
    "pow": lambda e, x, y, a: (
        e.mul(y, e.pow(x, e.sub(y, _one(e)))),
        e.mul(a, e.apply("log", x)),
    ),
    "exp": lambda e, x, a: (a,),
    "log": lambda e, x, a: (_reciprocal(e, x),),
    "log2": lambda e, x, a: (_reciprocal(e, e.mul(e.const(LN2, "log(2)"), x)),),
    "log10": lambda e, x, a: (_reciprocal(e, e.mul(e.const(LN10, "log(10)"), x)),),
    "log1p": lambda e, x, a: (_reciprocal(e, e.add(_one(e), x)),),
    "expm1": lambda e, x, a: (e.apply("exp", x),),
    "sqrt": lambda e, x, a: (_reciprocal(e, e.mul(e.const(2.0), a)),),
    "cbrt": lambda e, x, a: (_reciprocal(e, e.mul(e.const(3.0), e.square(a))),),
    "sin": lambda e, x, a: (e.apply("cos", x),),
    "cos": lambda e, x, a: (e.neg(e.apply("sin", x)),),
    "tan": lambda e, x, a: (e.add(_one(e), e.square(a)),),
    "asin": lambda e, x, a: (_inverse_sqrt(e, _one_minus_square(e, x)),),
    "acos": lambda e, x, a: (e.neg(_inverse_sqrt(e, _one_minus_square(e, x))),),
    "atan": lambda e, x, a: (_reciprocal(e, e.add(_one(e), e.square(x))),),
    "atan2": lambda e, y, x, a: (_atan2_partial(e, x, y, x), _atan2_partial(e, e.neg(y), y, x)),
    "sinh": lambda e, x, a: (e.apply("cosh", x),),
    "cosh": lambda e, x, a: (e.apply("sinh", x),),
    # sech² x as 4σ(2x)σ(−2x): 1 − tanh² x is 0 from |x| ≈ 19 on, and 1/cosh² x overflows
    # (and raises in generated Python) from |x| ≈ 355 on.
    "tanh": lambda e, x, a: (_tanh_slope(e, x),),
    "asinh": lambda e, x, a: (_reciprocal(e, e.apply("hypot", x, _one(e))),),
    "acosh": lambda e, x, a: (
        _reciprocal(
            e, e.mul(e.apply("sqrt", e.sub(x, _one(e))), e.apply("sqrt", e.add(x, _one(e))))
        ),
    ),
    "atanh": lambda e, x, a: (_reciprocal(e, _one_minus_square(e, x)),),
    "sigmoid": lambda e, x, a: (e.mul(a, e.apply("sigmoid", e.neg(x))),),
    "softplus": lambda e, x, a: (e.apply("sigmoid", x),),
    "relu": lambda e, x, a: (e.apply("positive", x),),
    "abs": lambda e, x, a: (e.apply("sign", x),),
    "max": lambda e, x, y, a: (e.apply("step", e.sub(x, y)), e.apply("step", e.sub(y, x))),
    "min": lambda e, x, y, a: (e.apply("step", e.sub(y, x)), e.apply("step", e.sub(x, y))),
    # hypot: x/hypot(x, y); at the origin this is 0/0, where the table takes 0.
    "hypot": lambda e, x, y, a: (e.div(x, a), e.div(y, a)),
    "sign": lambda e, x, a: (e.const(0.0),),
}


# --- the input language, so a printed derivative can be pasted back into autodiff -------------


def _grammar_number(value: float, label: str | None) -> str:
    if label is not None:
        return {"π": "pi"}.get(label, label)
    return format_number(value)


def _grammar_spellings() -> dict[str, Spelling]:
    spellings = {
        "add": Spelling("{0} + {1}", SUM, (SUM, PRODUCT)),
        "sub": Spelling("{0} - {1}", SUM, (SUM, PRODUCT)),
        "mul": Spelling("{0}*{1}", PRODUCT, (PRODUCT, POWER)),
        "div": Spelling("{0}/{1}", PRODUCT, (PRODUCT, POWER)),
        # −a*b reads as (−a)·b, which equals −(a·b) exactly: a product needs no parentheses.
        "neg": Spelling("-{0}", NEGATION, (PRODUCT,)),
        # a^b^c is a^(b^c): the base must be an atom, the exponent may be another power.
        "pow": Spelling("{0}^{1}", POWER, (ATOM, POWER)),
        # The derivatives of abs, max/min and relu, in the input language so that they read
        # back with the same value at the kink: H(0) = 1/2, [0 > 0] = 0.
        "sign": Spelling("sign({0})"),
        "step": Spelling("(1 + sign({0}))/2", PRODUCT, (0,)),
        "positive": Spelling("relu(sign({0}))"),
    }
    for name, primitive in PRIMITIVES.items():
        if primitive.kind == "function" and name not in spellings:
            arguments = ", ".join(f"{{{k}}}" for k in range(primitive.arity))
            spellings[name] = Spelling(f"{name}({arguments})")
    return spellings


GRAMMAR = Syntax(_grammar_spellings(), _grammar_number)
STEP_NOTES = {
    "sign": "sign(0) = 0",
    "step": "(1 + sign(u))/2 is the Heaviside step, 1/2 at u = 0",
    "positive": "relu(sign(u)) is 1 when u > 0, else 0",
}


# --- differentiation ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    """One derivative ∂yᵢ/∂xⱼ as text, unless it is too long to print."""

    output: int  # 0-based
    wrt: str
    symbol: str  # ∂y/∂x1, ∂y₂/∂x1
    operations: int  # written out as a tree
    text: str | None  # None when it has more than the requested number of operations


@dataclass(frozen=True)
class Derivatives:
    """∂yᵢ/∂xⱼ for every output i and every ``wrt`` input j, as terms of one DAG."""

    graph: Graph
    wrt: tuple[int, ...]  # input ids, in column order
    expressions: Expressions
    matrix: tuple[tuple[int, ...], ...]  # term ids, rows: outputs, columns: wrt inputs

    @property
    def wrt_names(self) -> tuple[str, ...]:
        return tuple(self.graph.input_names[j] for j in self.wrt)

    def text(self, row: int, column: int) -> str:
        return self.expressions.write(self.matrix[row][column], GRAMMAR)

    def entries(self, max_size: int) -> list[Entry]:
        """Every derivative, row by row; those with more than ``max_size`` operations written
        out are not printed (a swollen derivative can have billions)."""
        sizes = self.expressions.tree_sizes()
        found = []
        for k, row in enumerate(self.matrix):
            for c, term in enumerate(row):
                name = self.wrt_names[c]
                symbol = f"∂{output_name(self.graph, k)}/∂{name}"
                text = self.text(k, c) if sizes[term] <= max_size else None
                found.append(Entry(k, name, symbol, sizes[term], text))
        return found

    def roots(self) -> list[int]:
        return [t for row in self.matrix for t in row]

    def steps_used(self) -> list[str]:
        """The step functions the derivatives use (not in the input language), in order."""
        terms = self.expressions.terms
        used = {terms[t].op for t in self.expressions.reachable(self.roots())}
        return [name for name in STEP_NOTES if name in used]


def primal_terms(graph: Graph, e: Expressions) -> list[int]:
    """The term of every node of the graph, built (and lightly simplified) in ``e``."""
    terms: list[int] = []
    for i, node in enumerate(graph.nodes):
        if i < graph.n_inputs:
            terms.append(e.input(node.name or ""))
            continue
        terms.append(e.apply(node.op, *operand_terms(e, terms, node.operands)))
    return terms


def operand_terms(
    e: Expressions, terms: Sequence[int], operands: Sequence[int | Const]
) -> list[int]:
    return [terms[a] if isinstance(a, int) else _const_term(e, a) for a in operands]


def _const_term(e: Expressions, const: Const) -> int:
    if const.value == 0.0 and math.copysign(1.0, const.value) < 0.0:
        # Expressions makes -0 and 0 one term, but the graph's -0 is another constant
        # (atan2(-0, -1) is -pi): written as -(0) it keeps its sign in generated code.
        return e.raw("neg", e.const(0.0))
    return e.const(const.value, const.label)


def _nothing_to_differentiate(graph: Graph) -> None:
    if graph.n_inputs == 0:
        raise UsageError("the expression has no variables: there is nothing to differentiate")


def differentiate(
    graph: Graph, wrt: Sequence[str] | None = None, max_terms: int = MAX_TERMS
) -> Derivatives:
    """The chain rule in the Wengert list's order: forward accumulation, written symbolically.

    Each node keeps only its nonzero derivatives (``{column: term}``), so a function of many
    inputs where each node depends on a few stays cheap. Where the derivatives themselves swell
    beyond ``max_terms`` distinct terms (n partials of an n-factor product are n² terms), a
    ``LimitError`` says so rather than exhausting memory.
    """
    _nothing_to_differentiate(graph)
    columns = resolve_wrt(graph, wrt)
    e = Expressions(max_terms)
    try:
        return _differentiate(graph, columns, e)
    except LimitError as error:
        raise LimitError(
            f"the symbolic derivative needs more than {max_terms:,} distinct terms even with "
            "sharing (expression swell): differentiate fewer inputs with --wrt"
        ) from error


def _differentiate(graph: Graph, columns: tuple[int, ...], e: Expressions) -> Derivatives:
    """``differentiate`` building its terms in ``e``."""
    terms = primal_terms(graph, e)
    tangents: list[dict[int, int]] = []  # per node: {column: ∂vᵢ/∂x_column}, nonzero only
    one = e.const(1.0)
    for i, node in enumerate(graph.nodes):
        if i < graph.n_inputs:
            tangents.append({c: one for c, j in enumerate(columns) if j == i})
            continue
        if not any(isinstance(a, int) and tangents[a] for a in node.operands):
            tangents.append({})
            continue
        args = operand_terms(e, terms, node.operands)
        partials = RULES[node.op](e, *args, terms[i])
        sums: dict[int, int] = {}
        for k, operand in enumerate(node.operands):
            if not isinstance(operand, int):
                continue
            for column, tangent in tangents[operand].items():
                term = e.mul(tangent, partials[k])
                sums[column] = e.add(sums[column], term) if column in sums else term
        tangents.append({c: t for c, t in sums.items() if e.constant_value(t) != 0.0})
    zero = e.const(0.0)
    matrix = tuple(
        tuple(
            tangents[output].get(c, zero) if isinstance(output, int) else zero
            for c in range(len(columns))
        )
        for output in graph.outputs
    )
    return Derivatives(graph, columns, e, matrix)


def _adjoint_program(graph: Graph, columns: Sequence[int]) -> tuple[Expressions, list[int]]:
    """Reverse-mode AD written out as terms: one adjoint sweep per output, every sweep
    ``v̄ₖ += v̄ᵢ·∂vᵢ/∂vₖ`` from the last node to the first. Returns the DAG and its roots: the
    outputs' values and the adjoints of the ``wrt`` inputs."""
    e = Expressions()
    terms = primal_terms(graph, e)
    roots = [terms[o] if isinstance(o, int) else e.const(o.value) for o in graph.outputs]
    for output in graph.outputs:
        if not isinstance(output, int):
            continue
        bars: dict[int, int] = {output: e.const(1.0)}
        for i in range(len(graph.nodes) - 1, graph.n_inputs - 1, -1):
            if i not in bars:
                continue
            node = graph.nodes[i]
            args = operand_terms(e, terms, node.operands)
            partials = RULES[node.op](e, *args, terms[i])
            for k, operand in enumerate(node.operands):
                if isinstance(operand, int):
                    term = e.mul(bars[i], partials[k])
                    bars[operand] = e.add(bars[operand], term) if operand in bars else term
        roots.extend(bars[j] for j in columns if j in bars)
    return e, roots


@dataclass(frozen=True)
class Swell:
    """The sizes of one derivative, in operations (+, −, ×, /, ^ and function calls)."""

    function: int  # the Wengert list of the function itself
    tree: int  # the derivatives written out as trees, summed over all entries
    shared: int  # the derivatives with every shared subexpression computed once
    program: int  # reverse-mode AD: primal and adjoint steps, value and gradient
    entries: tuple[tuple[int, ...], ...]  # the tree size of each entry, like ``matrix``


def swell(derivatives: Derivatives) -> Swell:
    graph = derivatives.graph
    e = derivatives.expressions
    sizes = e.tree_sizes()
    entries = tuple(tuple(sizes[t] for t in row) for row in derivatives.matrix)
    program, roots = _adjoint_program(graph, derivatives.wrt)
    return Swell(
        function=len(graph.nodes) - graph.n_inputs,
        tree=sum(sum(row) for row in entries),
        shared=e.operation_count(derivatives.roots()),
        program=program.operation_count(roots),
        entries=entries,
    )
