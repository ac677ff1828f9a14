"""``check`` and ``diff`` for programs and notes: CSV, TSV, Markdown and LaTeX.

The tables are the terminal's ``Section``s (``render/tools_sections.py``), written by
``render/markdown.py`` and ``render/latex.py``; CSV and TSV go through ``render/delimited.py`` at
full round-trip precision. In LaTeX each derivative is set in math notation: its expression DAG
written with a LaTeX ``Syntax``, the way ``core.symbolic`` writes it in the input language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from autodiff.core.check import Check
from autodiff.core.expressions import (
    ATOM,
    INPUT,
    NEGATION,
    POWER,
    PRODUCT,
    SUM,
    Expressions,
    Spelling,
    Syntax,
)
from autodiff.core.notation import format_number
from autodiff.core.primitives import PRIMITIVES
from autodiff.core.symbolic import STEP_NOTES, Derivatives, Swell

from . import delimited, latex, markdown
from .options import RenderOptions
from .sections import Section
from .tools_sections import check_sections, swell_section

# --- check -------------------------------------------------------------------------------------

CHECK_COLUMNS = (
    "method",
    "label",
    "output",
    "wrt",
    "derivative",
    "ad",
    "error",
    "agrees",
    "h",
    "note",
)


def _flag(agrees: bool | None) -> str:
    return "" if agrees is None else "true" if agrees else "false"


def check_rows(result: Check, options: RenderOptions) -> list[list[object]]:
    """One row per method × output × input (or the one direction u, named ``u``): its
    derivative beside AD's, and the method's error (over the whole Jacobian, as in the table)
    at its best step."""
    rows: list[list[object]] = []
    for m in result.methods:
        for k, reference in enumerate(result.reference):
            for c, name in enumerate(result.column_names):
                value = None if m.matrix is None else m.matrix[k][c]
                verdict, note = _flag(m.agrees), options.text(m.note)
                rows.append(
                    [
                        m.key,
                        m.label,
                        k + 1,
                        name,
                        value,
                        reference[c],
                        m.error,
                        verdict,
                        m.step,
                        note,
                    ]
                )
    return rows


def check_csv(result: Check, options: RenderOptions) -> str:
    return delimited.write(CHECK_COLUMNS, check_rows(result, options), ",")


def check_tsv(result: Check, options: RenderOptions) -> str:
    return delimited.write(CHECK_COLUMNS, check_rows(result, options), "\t")


def _md(text: str) -> str:
    """Escaped Markdown; the lines of a caption end in hard breaks."""
    return "\\\n".join(markdown.escape(line) for line in text.split("\n"))


def check_markdown(result: Check, options: RenderOptions) -> str:
    sections = check_sections(result, options.ascii)
    return "\n\n".join(markdown.table(section, options, cell=_md) for section in sections)


def check_latex(result: Check, options: RenderOptions) -> str:
    """The same tables; the methods and the steps are words and numbers, the Jacobian's rows
    are the expressions in notation."""
    blocks = [
        latex.tabular(section, options, words=section.key in ("check", "steps"))
        for section in check_sections(result, ascii_only=True)
    ]
    return "\n\n\\bigskip\n\n".join(blocks)


# --- diff --------------------------------------------------------------------------------------

DIFF_COLUMNS = ("output", "wrt", "expression", "operations")


def _diff_rows(derivatives: Derivatives, max_size: int) -> list[list[object]]:
    return [
        [entry.output + 1, entry.wrt, entry.text, entry.operations]
        for entry in derivatives.entries(max_size)
    ]


def diff_csv(
    derivatives: Derivatives, options: RenderOptions, swell: Swell | None, max_size: int
) -> str:
    return delimited.write(DIFF_COLUMNS, _diff_rows(derivatives, max_size), ",")


def diff_tsv(
    derivatives: Derivatives, options: RenderOptions, swell: Swell | None, max_size: int
) -> str:
    return delimited.write(DIFF_COLUMNS, _diff_rows(derivatives, max_size), "\t")


def _too_long(operations: int, max_size: int) -> str:
    return f"({operations:,} operations written out: more than --max-size {max_size:,})"


# LaTeX writes the step functions in the notation of the primitive table (H, [u > 0]), not in
# the input language as the other formats do; its notes say what they mean.
LATEX_STEP_NOTES = {
    "sign": "sign(0) = 0",
    "step": "H is the Heaviside step with H(0) = 1/2",
    "positive": "[u > 0] is 1 when u > 0, else 0",
}


def _notes(derivatives: Derivatives, meanings: dict[str, str] = STEP_NOTES) -> str | None:
    notes = [meanings[name] for name in derivatives.steps_used()]
    return "where " + "; ".join(notes) if notes else None


def diff_markdown(
    derivatives: Derivatives, options: RenderOptions, swell: Swell | None, max_size: int
) -> str:
    """A table of the derivatives, each expression a code span; the sizes table with --stats."""
    sources = "; ".join(markdown.code(options.text(s)) for s in derivatives.graph.sources)
    section = Section("diff", f"Derivatives of {sources}", ["derivative", "expression"], [])
    for entry in derivatives.entries(max_size):
        symbol = markdown.escape(options.text(entry.symbol))
        if entry.text is None:
            text = "*" + markdown.escape(_too_long(entry.operations, max_size)) + "*"
        else:
            text = markdown.code(options.text(entry.text))
        section.rows.append([symbol, text])
    notes = _notes(derivatives)
    section.caption = _md(options.text(notes)) if notes else None
    blocks = [markdown.table(section, options, cell=str)]
    if swell is not None:
        blocks.append(markdown.table(swell_section(swell), options, cell=_md))
    return "\n\n".join(blocks)


# LaTeX's own operator names (no package needed); other functions are set upright with \mathrm.
_OPERATORS = {
    "exp": r"\exp",
    "log": r"\ln",
    "log2": r"\log_{2}",
    "log10": r"\log_{10}",
    "sin": r"\sin",
    "cos": r"\cos",
    "tan": r"\tan",
    "asin": r"\arcsin",
    "acos": r"\arccos",
    "atan": r"\arctan",
    "sinh": r"\sinh",
    "cosh": r"\cosh",
    "tanh": r"\tanh",
    "max": r"\max",
    "min": r"\min",
    "sigmoid": r"\sigma",
}


def _call(command: str, arity: int) -> Spelling:
    # Literal braces are doubled: the template is read by str.format's parser.
    arguments = ", ".join(f"{{{k}}}" for k in range(arity))
    return Spelling(command.replace("{", "{{").replace("}", "}}") + f"({arguments})")


def _latex_spellings() -> dict[str, Spelling]:
    spellings = {
        "add": Spelling("{0} + {1}", SUM, (SUM, PRODUCT)),
        "sub": Spelling("{0} - {1}", SUM, (SUM, PRODUCT)),
        "mul": Spelling(r"{0} \cdot {1}", PRODUCT, (PRODUCT, POWER)),
        # A fraction needs no brackets around its parts; as a base it gets them, like a power.
        "div": Spelling(r"\frac{{{0}}}{{{1}}}", POWER, (0, 0)),
        "neg": Spelling("-{0}", NEGATION, (PRODUCT,)),
        # The exponent sits in braces; the base is an atom, so x^{y}^{z} never happens.
        "pow": Spelling("{0}^{{{1}}}", POWER, (ATOM, 0)),
        "sqrt": Spelling(r"\sqrt{{{0}}}", ATOM, (0,)),
        "cbrt": Spelling(r"\sqrt[3]{{{0}}}", ATOM, (0,)),
        "abs": Spelling("|{0}|", ATOM, (0,)),
        "sign": _call(r"\mathrm{sign}", 1),
        "step": _call("H", 1),
        "positive": Spelling("[{0} > 0]", ATOM, (0,)),
    }
    for name, primitive in PRIMITIVES.items():
        if primitive.kind == "function" and name not in spellings:
            command = _OPERATORS.get(name, r"\mathrm{" + name + "}")
            spellings[name] = _call(command, primitive.arity)
    return spellings


_LABELS = {"π": r"\pi", "pi": r"\pi", "e": "e", "log(2)": r"\ln 2", "log(10)": r"\ln 10"}


def _latex_number(value: float, label: str | None) -> str:
    if label is not None and label in _LABELS:
        return _LABELS[label]
    text = latex.number(format_number(value))
    # 10^{-7} in brackets: as the base of a power it would otherwise get a second superscript.
    return f"({text})" if "^" in text else text


LATEX = Syntax(_latex_spellings(), _latex_number)


def _with_latex_names(expressions: Expressions) -> Expressions:
    """The same terms with every input's name as LaTeX (``x_1`` → ``x_{1}``), so that
    ``Expressions.write`` sets names as it sets everything else."""
    renamed = Expressions()
    renamed.terms = [
        replace(term, name=latex.identifier(term.name or "")) if term.op == INPUT else term
        for term in expressions.terms
    ]
    return renamed


def _partial(output: str, wrt: str) -> str:
    return rf"\frac{{\partial {output}}}{{\partial {latex.identifier(wrt)}}}"


def derivative_lines(derivatives: Derivatives, max_size: int) -> list[str]:
    """``\\frac{\\partial y}{\\partial x_{1}} &= …`` for each derivative: the rows of an align*."""
    graph = derivatives.graph
    expressions = _with_latex_names(derivatives.expressions)
    several = len(graph.outputs) > 1
    y = graph.output_stem
    lines = []
    for entry, term in zip(derivatives.entries(max_size), derivatives.roots()):
        output = f"{y}_{{{entry.output + 1}}}" if several else y
        if entry.text is None:
            text = r"\mbox{" + latex.escape_text(_too_long(entry.operations, max_size)) + "}"
        else:
            text = expressions.write(term, LATEX)
        lines.append(f"{_partial(output, entry.wrt)} &= {text}")
    return lines


def _align(lines: Sequence[str]) -> str:
    return "\n".join([r"\begin{align*}", " \\\\\n".join(lines), r"\end{align*}"])


def diff_latex(
    derivatives: Derivatives, options: RenderOptions, swell: Swell | None, max_size: int
) -> str:
    """The derivatives in an ``align*`` (amsmath), the notes as a sentence, and with --stats
    the sizes as a ``tabular``."""
    blocks = [_align(derivative_lines(derivatives, max_size))]
    notes = _notes(derivatives, LATEX_STEP_NOTES)
    if notes:
        blocks[0] += "\n" + latex.escape_text(notes)
    if swell is not None:
        blocks.append(latex.tabular(swell_section(swell), options, words=True))
    return "\n\n\\bigskip\n\n".join(blocks)
