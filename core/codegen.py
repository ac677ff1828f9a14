"""Straight-line Python and C for the value and gradient: reverse-mode AD written out.

The generated function takes the inputs as positional arguments in the tool's input order and
runs the primal trace (one line per Wengert step), then one adjoint sweep per output (one line
per accumulation ``v̄ₖ += v̄ᵢ·∂vᵢ/∂vₖ``, in the order the reverse sweep performs them). It needs
nothing but the language's standard maths library.

``SPELLINGS`` is the one place that says how each operation is written in each language: every
primitive, and the step functions that derivatives at kinks use. Partials are not spelled per
language: they are ``core.symbolic.RULES`` expressions, printed with the same spellings, so a
derivative is written once. A few operations need a helper function in the generated file
(``HELPERS``); it is emitted only when used.

Generated Python raises where the maths is undefined (``ValueError``, ``ZeroDivisionError``),
generated C gives IEEE ``inf``/``nan``; neither reproduces the tool's 0·∞ = 0 convention or the
special cases of the primitive table at isolated points (such as ∂(x^y)/∂x at y = 0, x = 0).
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .errors import UsageError
from .expressions import NEGATION, POWER, PRODUCT, SUM, Expressions, Spelling, Syntax
from .graph import Const, Graph, Operand
from .symbolic import RULES, operand_terms

Language = Literal["python", "c"]
LANGUAGES: tuple[Language, ...] = ("python", "c")


@dataclass(frozen=True, slots=True)
class Spellings:
    python: Spelling
    c: Spelling


def _same(spelling: Spelling) -> Spellings:
    return Spellings(spelling, spelling)


def _call(python: str, c: str) -> Spellings:
    return Spellings(Spelling(python), Spelling(c))


SPELLINGS: dict[str, Spellings] = {
    # −a * b is (−a)·b, which equals −(a·b) exactly: a product needs no parentheses.
    "neg": _same(Spelling("-{0}", NEGATION, (PRODUCT,))),
    "add": _same(Spelling("{0} + {1}", SUM, (SUM, PRODUCT))),
    "sub": _same(Spelling("{0} - {1}", SUM, (SUM, PRODUCT))),
    "mul": _same(Spelling("{0} * {1}", PRODUCT, (PRODUCT, POWER))),
    "div": _same(Spelling("{0} / {1}", PRODUCT, (PRODUCT, POWER))),
    # Python's ** turns a negative base into a complex number; math.pow raises, as the table.
    "pow": _call("math.pow({0}, {1})", "pow({0}, {1})"),
    "exp": _call("math.exp({0})", "exp({0})"),
    "log": _call("math.log({0})", "log({0})"),
    "log2": _call("math.log2({0})", "log2({0})"),
    "log10": _call("math.log10({0})", "log10({0})"),
    "log1p": _call("math.log1p({0})", "log1p({0})"),
    "expm1": _call("math.expm1({0})", "expm1({0})"),
    "sqrt": _call("math.sqrt({0})", "sqrt({0})"),
    "cbrt": _call("_cbrt({0})", "cbrt({0})"),
    "sin": _call("math.sin({0})", "sin({0})"),
    "cos": _call("math.cos({0})", "cos({0})"),
    "tan": _call("math.tan({0})", "tan({0})"),
    "asin": _call("math.asin({0})", "asin({0})"),
    "acos": _call("math.acos({0})", "acos({0})"),
    "atan": _call("math.atan({0})", "atan({0})"),
    "atan2": _call("math.atan2({0}, {1})", "atan2({0}, {1})"),
    "sinh": _call("math.sinh({0})", "sinh({0})"),
    "cosh": _call("math.cosh({0})", "cosh({0})"),
    "tanh": _call("math.tanh({0})", "tanh({0})"),
    "asinh": _call("math.asinh({0})", "asinh({0})"),
    "acosh": _call("math.acosh({0})", "acosh({0})"),
    "atanh": _call("math.atanh({0})", "atanh({0})"),
    "sigmoid": _call("_sigmoid({0})", "ad_sigmoid({0})"),
    "softplus": _call("_softplus({0})", "ad_softplus({0})"),
    "relu": _call("max({0}, 0.0)", "fmax({0}, 0.0)"),
    "abs": _call("abs({0})", "fabs({0})"),
    "max": _call("max({0}, {1})", "fmax({0}, {1})"),
    "min": _call("min({0}, {1})", "fmin({0}, {1})"),
    "hypot": _call("math.hypot({0}, {1})", "hypot({0}, {1})"),
    # The step functions of derivatives at kinks (core.expressions.STEP_FUNCTIONS).
    "sign": _call("_sign({0})", "ad_sign({0})"),
    "step": _call("_step({0})", "ad_step({0})"),
    "positive": _call("_positive({0})", "ad_positive({0})"),
}

# Helper definitions, by the name the spellings call; each mirrors core.primitives or
# core.expressions so generated code computes what the tool computes.
HELPERS: dict[str, str] = {
    "_cbrt": """def _cbrt(x: float) -> float:
    if hasattr(math, "cbrt"):  # Python 3.11+
        return math.cbrt(x)
    return math.copysign(abs(x) ** (1.0 / 3.0), x)
""",
    "_sigmoid": """def _sigmoid(x: float) -> float:
    # Two branches so that exp never overflows.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)
""",
    "_softplus": """def _softplus(x: float) -> float:
    return math.log1p(math.exp(-abs(x))) + max(x, 0.0)
""",
    "_sign": """def _sign(x: float) -> float:
    return 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)
""",
    "_step": """def _step(x: float) -> float:
    # Heaviside with H(0) = 1/2: the midpoint of the one-sided slopes.
    return 1.0 if x > 0.0 else (0.0 if x < 0.0 else 0.5)
""",
    "_positive": """def _positive(x: float) -> float:
    return 1.0 if x > 0.0 else 0.0
""",
    "ad_sigmoid": """static double ad_sigmoid(double x)
{
    /* Two branches so that exp never overflows. */
    if (x >= 0.0)
        return 1.0 / (1.0 + exp(-x));
    const double z = exp(x);
    return z / (1.0 + z);
}
""",
    "ad_softplus": """static double ad_softplus(double x)
{
    return log1p(exp(-fabs(x))) + fmax(x, 0.0);
}
""",
    "ad_sign": """static double ad_sign(double x)
{
    return x > 0.0 ? 1.0 : (x < 0.0 ? -1.0 : 0.0);
}
""",
    "ad_step": """static double ad_step(double x)
{
    /* Heaviside with H(0) = 1/2: the midpoint of the one-sided slopes. */
    return x > 0.0 ? 1.0 : (x < 0.0 ? 0.0 : 0.5);
}
""",
    "ad_positive": """static double ad_positive(double x)
{
    return x > 0.0 ? 1.0 : 0.0;
}
""",
}


def _number(value: float, label: str | None) -> str:
    # repr is the shortest round-trip form and a valid literal in both languages (2.0, 1e-05).
    return repr(float(value))


SYNTAX: dict[Language, Syntax] = {
    "python": Syntax({op: s.python for op, s in SPELLINGS.items()}, _number),
    "c": Syntax({op: s.c for op, s in SPELLINGS.items()}, _number),
}

# --- names -------------------------------------------------------------------------------------

_CALLED = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\(")
_GENERATED = re.compile(r"(v|vbar)m?[0-9]+|row[0-9]+")
_C_KEYWORDS = frozenset(
    "auto break case char const continue default do double else enum extern float for goto if "
    "inline int long register restrict return short signed sizeof static struct switch typedef "
    "union unsigned void volatile while _Bool _Complex _Imaginary".split()
)
# Object-like macros of <math.h>: a parameter with one of these names would not compile.
_C_MACROS = frozenset(
    "NAN INFINITY HUGE_VAL HUGE_VALF HUGE_VALL math_errhandling MATH_ERRNO MATH_ERREXCEPT".split()
)
# What the other standard headers define as macros or types: the generated function is pasted
# into files that include them, where a parameter named ``errno`` or ``stdin`` stops compiling.
_C_LIBRARY = frozenset(
    "errno stdin stdout stderr EOF NULL BUFSIZ FILENAME_MAX FOPEN_MAX TMP_MAX L_tmpnam "
    "SEEK_SET SEEK_CUR SEEK_END RAND_MAX EXIT_SUCCESS EXIT_FAILURE MB_CUR_MAX MB_LEN_MAX "
    "CHAR_BIT CLOCKS_PER_SEC TIME_UTC assert offsetof setjmp va_arg va_start va_end va_copy "
    "bool true false complex imaginary I alignas alignof noreturn static_assert thread_local "
    "FILE fpos_t jmp_buf va_list div_t ldiv_t lldiv_t".split()
)
# Prefixes the C standard reserves for its headers' macros: <errno.h> (EDOM, E2BIG), <signal.h>,
# <locale.h>, <float.h>, <stdint.h>/<inttypes.h> and <stdatomic.h>.
_C_LIBRARY_PREFIX = re.compile(
    r"E[0-9A-Z]|SIG[A-Z_]|LC_[A-Z]|(L?DBL|FLT|DECIMAL|INT|UINT|INTMAX|UINTMAX|INTPTR|UINTPTR|"
    r"PTRDIFF|SIZE|WCHAR|WINT|SIG_ATOMIC|CHAR|SCHAR|UCHAR|SHRT|USHRT|LONG|ULONG|LLONG|ULLONG)_|"
    r"PRI[a-zX]|SCN[a-zX]|ATOMIC_|memory_order"
)


def _called(language: Language) -> set[str]:
    """Every function name the generated code of ``language`` may call."""
    texts = [getattr(s, language).template for s in SPELLINGS.values()]
    texts += [HELPERS[h] for h in HELPERS if h.startswith("ad_") == (language == "c")]
    return {name for text in texts for name in _CALLED.findall(text)}


def _reserved_prefix(name: str, language: Language) -> bool:
    """C reserves ``__x``, ``_X`` for the implementation; <math.h> defines ``M_…``, ``FP_…``;
    the other standard headers ``EDOM``, ``SIGINT``, ``INT_MAX`` (``_C_LIBRARY_PREFIX``), and
    any name ending in ``_t`` is a type of theirs or of POSIX."""
    return language == "c" and (
        name.startswith(("__", "FP_", "M_"))
        or name.endswith("_t")
        or re.match(r"_[A-Z]", name) is not None
        or _C_LIBRARY_PREFIX.match(name) is not None
    )


def _reserved(name: str, language: Language, taken: set[str]) -> bool:
    if name in taken or _GENERATED.fullmatch(name) or _reserved_prefix(name, language):
        return True
    if language == "python":
        return keyword.iskeyword(name) or name == "math"
    return name in _C_KEYWORDS or name in _C_MACROS or name in _C_LIBRARY


def _fixed_names(language: Language, function: str) -> set[str]:
    outputs = {"grad", "y", "jacobian"} if language == "c" else set()
    return _called(language) | outputs | {function}


def _parameters(names: Sequence[str], language: Language, function: str) -> list[str]:
    """The inputs' names as parameters. A name the language or the generated code already uses
    gets underscores appended (``int`` → ``int_`` in C, ``v1`` → ``v1_``), or, when its prefix
    is reserved, ``in_`` put in front (``M_PI`` → ``in_M_PI``); names that need no change keep
    it, and the new ones avoid them."""
    fixed = _fixed_names(language, function)
    kept = {name for name in names if not _reserved(name, language, fixed)}
    used = fixed | kept
    chosen: list[str] = []
    for name in names:
        if name in kept:
            chosen.append(name)
            continue
        candidate = "in_" + name if _reserved_prefix(name, language) else name
        # Terminates: a trailing underscore matches no keyword, prefix or generated name.
        while candidate in used or _reserved(candidate, language, fixed):
            candidate += "_"
        used.add(candidate)
        chosen.append(candidate)
    return chosen


def _check_function_name(name: str, language: Language) -> None:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise UsageError(f"{name!r} is not an identifier", argument="name")
    if _reserved(name, language, _fixed_names(language, "")):
        raise UsageError(f"{name} is reserved in generated {_TITLE[language]}", argument="name")


_TITLE = {"python": "Python", "c": "C"}


def variable(graph: Graph, node_id: int, bar: bool = False) -> str:
    """``v5``, ``vm1`` (v₋₁), and with ``bar`` the adjoint ``vbar5``, ``vbarm1``."""
    index = graph.wengert_index(node_id)
    return ("vbar" if bar else "v") + (f"m{-index}" if index < 0 else str(index))


# --- the program, language-neutral -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    """One assignment ``target (+)= expression`` in the target language."""

    target: str
    expression: str
    accumulate: bool = False  # +=, not =


@dataclass(frozen=True)
class Sweep:
    """One adjoint sweep, seeded with ȳₖ = 1, and the input adjoints it leaves: the row."""

    output: int
    steps: tuple[Step, ...]
    row: tuple[str, ...]  # one variable (or 0.0) per input


@dataclass(frozen=True)
class Program:
    """The primal trace and one adjoint sweep per output, spelled in one language."""

    graph: Graph
    language: Language
    name: str
    parameters: tuple[str, ...]
    primal: tuple[Step, ...]
    sweeps: tuple[Sweep, ...]
    outputs: tuple[str, ...]  # the variable (or constant) holding each output's value

    @property
    def line_count(self) -> int:
        """Wengert steps written out: primal steps plus adjoint steps."""
        return len(self.primal) + sum(len(s.steps) for s in self.sweeps)


def _ancestors(graph: Graph, output: int) -> set[int]:
    """The nodes the output depends on, itself included (a loop: ids only decrease)."""
    needed = {output}
    for i in range(output, graph.n_inputs - 1, -1):
        if i in needed:
            needed.update(a for a in graph.nodes[i].operands if isinstance(a, int))
    return needed


def _sweep(
    graph: Graph, e: Expressions, leaves: list[int], syntax: Syntax, k: int, output: Operand
) -> Sweep:
    zero = "0.0"
    if isinstance(output, Const):
        return Sweep(k, (), (zero,) * graph.n_inputs)
    needed = _ancestors(graph, output)
    steps = [Step(variable(graph, output, bar=True), "1.0")]
    touched = {output}
    # The reverse sweep's order: nodes from the last to the first, operands left to right.
    for i in range(len(graph.nodes) - 1, graph.n_inputs - 1, -1):
        if i not in needed:
            continue
        node = graph.nodes[i]
        args = operand_terms(e, leaves, node.operands)
        partials = RULES[node.op](e, *args, leaves[i])
        bar = e.input(variable(graph, i, bar=True))
        for position, operand in enumerate(node.operands):
            if isinstance(operand, int):
                rhs = e.write(e.mul(bar, partials[position]), syntax)
                steps.append(Step(variable(graph, operand, bar=True), rhs, operand in touched))
                touched.add(operand)
    row = tuple(
        variable(graph, j, bar=True) if j in touched else zero for j in range(graph.n_inputs)
    )
    return Sweep(k, tuple(steps), row)


def program(graph: Graph, language: Language, name: str = "f") -> Program:
    """The value-and-gradient program of ``graph`` in ``language``."""
    if language not in LANGUAGES:
        raise UsageError(f"unknown language {language!r} (choose {' or '.join(LANGUAGES)})")
    if graph.n_inputs == 0:
        raise UsageError("the expression has no variables: there is nothing to differentiate")
    _check_function_name(name, language)
    syntax = SYNTAX[language]
    parameters = _parameters(graph.input_names, language, name)
    e = Expressions()
    leaves = [e.input(variable(graph, i)) for i in range(len(graph.nodes))]
    primal = [Step(variable(graph, i), parameters[i]) for i in range(graph.n_inputs)]
    for i in range(graph.n_inputs, len(graph.nodes)):
        node = graph.nodes[i]
        term = e.raw(node.op, *operand_terms(e, leaves, node.operands))
        primal.append(Step(variable(graph, i), e.write(term, syntax)))
    sweeps = tuple(_sweep(graph, e, leaves, syntax, k, o) for k, o in enumerate(graph.outputs))
    outputs = tuple(
        variable(graph, o) if isinstance(o, int) else _number(o.value, None) for o in graph.outputs
    )
    return Program(graph, language, name, tuple(parameters), tuple(primal), sweeps, outputs)


# --- writing it out ----------------------------------------------------------------------------

SOURCE_LIMIT = 200  # characters of the expression quoted in comments


def _quoted(text: str) -> str:
    """An expression for a comment: one line, and short."""
    text = " ".join(text.split())
    return text if len(text) <= SOURCE_LIMIT else text[: SOURCE_LIMIT - 3] + "..."


def _helpers(body: str, language: Language) -> list[str]:
    used = set(_CALLED.findall(body))
    return [HELPERS[h] for h in HELPERS if h in used and h.startswith("ad_") == (language == "c")]


def _tuple(items: Sequence[str]) -> str:
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def _renamed(program: Program) -> list[str]:
    names = program.graph.input_names
    return [f"parameter {p} is the input {n}" for p, n in zip(program.parameters, names) if p != n]


def _header(program: Program, comment: str, needs: str) -> list[str]:
    sources = program.graph.sources
    if len(sources) == 1:
        lines = [f"Generated by autodiff from: {_quoted(sources[0])}"]
    else:
        lines = ["Generated by autodiff from the expressions"]
        lines += [f"  y{k} = {_quoted(s)}" for k, s in enumerate(sources, start=1)]
    lines += [
        "Reverse-mode AD written out, one line per Wengert step: vK is the Wengert variable",
        "v_K (vm1 is v_-1) and vbarK its adjoint. " + needs,
        *_renamed(program),
    ]
    return [f"{comment} {line}".rstrip() for line in lines]


def to_python(program: Program) -> str:
    graph = program.graph
    single = len(graph.outputs) == 1
    params = ", ".join(f"{p}: float" for p in program.parameters)
    y = graph.output_stem
    names = ", ".join(f"d{y}/d{n}" for n in graph.input_names)
    if single:
        returns = "tuple[float, tuple[float, ...]]"
        doc = f'"""Return {y} = {_quoted(graph.sources[0])} and its gradient ({names})."""'
    else:
        returns = "tuple[tuple[float, ...], tuple[tuple[float, ...], ...]]"
        doc = f'"""Return the values ({y}1, ..., {y}m) and the Jacobian, one row per output."""'
    body = ["    " + doc, "    # primal trace"]
    body += [f"    {s.target} = {s.expression}" for s in program.primal]
    for sweep in program.sweeps:
        label = "adjoint trace" if single else f"adjoint trace of {y}{sweep.output + 1}"
        body.append(f"    # {label}")
        body += [
            f"    {s.target} {'+=' if s.accumulate else '='} {s.expression}" for s in sweep.steps
        ]
        if not single:
            body.append(f"    row{sweep.output + 1} = {_tuple(sweep.row)}")
    if single:
        body.append(f"    return {program.outputs[0]}, {_tuple(program.sweeps[0].row)}")
    else:
        rows = [f"row{s.output + 1}" for s in program.sweeps]
        body.append(f"    return {_tuple(program.outputs)}, {_tuple(rows)}")
    text = "\n".join(body)
    helpers = _helpers(text, "python")
    header = _header(program, "#", "Needs only the Python standard library.")
    if "math." in text + "".join(helpers):
        header.append("import math")
    parts = ["\n".join(header), *helpers]
    parts.append(f"def {program.name}({params}) -> {returns}:\n{text}\n")
    # Two blank lines between top-level definitions, as PEP 8 asks.
    return "\n\n\n".join(p.rstrip("\n") for p in parts) + "\n"


def to_c(program: Program) -> str:
    graph = program.graph
    n, m = graph.n_inputs, len(graph.outputs)
    single = m == 1
    params = ", ".join(f"double {p}" for p in program.parameters)
    y = graph.output_stem
    names = ", ".join(f"d{y}/d{x}" for x in graph.input_names)
    if single:
        signature = f"double {program.name}({params}, double grad[{n}])"
        source = _quoted(graph.sources[0])
        doc = f"/* Return {y} = {source}; store its gradient ({names}) in grad. */"
    else:
        # The C array y holds the values whatever the outputs are called (an input y is renamed).
        signature = f"void {program.name}({params}, double y[{m}], double jacobian[{m}][{n}])"
        doc = f"/* Store the values ({y}1, ..., {y}m) in y and the Jacobian, one row per output. */"
    body = ["    /* primal trace */"]
    body += [f"    const double {s.target} = {s.expression};" for s in program.primal]
    for sweep in program.sweeps:
        indent = "    " if single else "        "
        if single:
            body.append("    /* adjoint trace */")
        else:
            body.append(f"    y[{sweep.output}] = {program.outputs[sweep.output]};")
            body.append(f"    {{   /* adjoint trace of {y}{sweep.output + 1} */")
        for s in sweep.steps:
            if s.accumulate:
                body.append(f"{indent}{s.target} += {s.expression};")
            else:
                body.append(f"{indent}double {s.target} = {s.expression};")
        target = "grad" if single else f"jacobian[{sweep.output}]"
        body += [f"{indent}{target}[{j}] = {v};" for j, v in enumerate(sweep.row)]
        if not single:
            body.append("    }")
    if single:
        body.append(f"    return {program.outputs[0]};")
    text = "\n".join(body)
    header = _header(program, " *", "Needs only <math.h> (link with -lm).")
    header[0] = "/*" + header[0][2:]
    header[-1] += " */"
    parts = ["\n".join(header) + "\n#include <math.h>"]
    parts += _helpers(text, "c")
    parts.append(f"{doc}\n{signature}\n{{\n{text}\n}}\n")
    return "\n\n".join(p.rstrip("\n") for p in parts) + "\n"


def generate(graph: Graph, language: Language, name: str = "f") -> str:
    """The source text of the value-and-gradient function of ``graph``."""
    built = program(graph, language, name)
    return to_python(built) if language == "python" else to_c(built)
