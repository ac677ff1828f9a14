"""LaTeX for lecture slides: each section as a ``tabular`` in the paper's notation.

The output is plain ASCII and needs no package: paste it into any document (``pdflatex`` with
the default preamble compiles it). Notation is translated token by token from the Unicode of
``core.notation``: ``v₋₁`` → ``v_{-1}``, ``v̇₁`` → ``\\dot{v}_{1}``, ``v̄₀ += …`` →
``\\bar{v}_{0} \\mathrel{+}= …``, ``√v₀`` → ``\\sqrt{v_{0}}``, ``ln`` → ``\\ln``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from autodiff.core.notation import BAR, DOT, to_ascii

from .options import RenderOptions
from .sections import Section

_SUBSCRIPT_DIGITS = "₀₁₂₃₄₅₆₇₈₉"
_ACCENTS = {DOT: r"\dot", BAR: r"\bar"}
# Functions LaTeX knows; every other name of a function is set upright with \mathrm.
_KNOWN = {"ln", "log", "exp", "sin", "cos", "tan", "sinh", "cosh", "tanh", "max", "min"}
_ARC = {"asin": r"\arcsin", "acos": r"\arccos", "atan": r"\arctan"}
_FUNCTIONS = {
    "log2", "log10", "log1p", "expm1", "cbrt", "atan2", "asinh", "acosh", "atanh",
    "sigmoid", "softplus", "relu", "hypot", "sign", "pow",
}  # fmt: skip
_SYMBOLS = {
    "×": r"\times ",
    "·": r"\cdot ",
    "−": "-",
    "²": "^{2}",
    "≥": r"\geq ",
    "≤": r"\leq ",
    "∂": r"\partial ",
    "→": r"\to ",
    "π": r"\pi ",
    "λ": r"\lambda ",
    "σ": r"\sigma ",
    "…": r"\dots ",
    "←": r"\leftarrow ",
    "{": r"\{",
    "}": r"\}",
    "_": r"\_",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
}
_TOKEN = re.compile(
    r"(?P<var>[vy][\u0307\u0304]*[₋₀-₉]*)(?![A-Za-z0-9_])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<accent>[\u0307\u0304]?)(?P<tail>[A-Za-z0-9_]*)"
    r"|(?P<number>\d+(?:\.\d*)?(?:e[-+]?\d+)?)"
    r"|(?P<op>\+=)"
    r"|(?P<other>.)",
    re.S,
)


def _subscript(text: str) -> str:
    digits = "".join(
        "-" if ch == "₋" else str(_SUBSCRIPT_DIGITS.index(ch)) for ch in text if ch != " "
    )
    return f"_{{{digits}}}" if digits else ""


def identifier(name: str) -> str:
    """``x1`` → ``x_{1}``, ``alpha`` → ``\\mathit{alpha}``, ``x`` → ``x``."""
    match = re.fullmatch(r"([A-Za-z])_?(\d+)", name)
    if match:
        return f"{match.group(1)}_{{{match.group(2)}}}"
    if len(name) == 1:
        return name
    return r"\mathit{" + name.replace("_", r"\_") + "}"


def _word(name: str, accent: str, tail: str) -> str:
    if accent:  # a seed such as ẋ1 or x̄1: the accent sits on the first letter
        return f"{_ACCENTS[accent]}{{{name}}}" + (
            identifier("x" + tail)[1:] if tail.isdigit() else tail
        )
    if name in _KNOWN:
        return "\\" + name + " "
    if name in _ARC:
        return _ARC[name] + " "
    if name in _FUNCTIONS:
        # \operatorname needs amsmath; \mathrm keeps the output free of packages.
        return r"\mathrm{" + name + r"}\,"
    if name == "inf":
        return r"\infty "
    return identifier(name)


def _tokens(text: str) -> list[str]:
    out = []
    for match in _TOKEN.finditer(text):
        if match.group("var") is not None and match.group("var"):
            token = match.group("var")
            base, rest = token[0], token[1:]
            accents = "".join(ch for ch in rest if ch in _ACCENTS)
            symbol = base
            for accent in accents:
                symbol = f"{_ACCENTS[accent]}{{{symbol}}}"
            out.append(symbol + _subscript("".join(ch for ch in rest if ch not in _ACCENTS)))
        elif match.group("name") is not None:
            out.append(_word(match.group("name"), match.group("accent"), match.group("tail")))
        elif match.group("number") is not None:
            out.append(match.group("number"))
        elif match.group("op") is not None:
            out.append(r"\mathrel{+}=")
        else:
            ch = match.group("other")
            out.append(_SYMBOLS.get(ch, ch))
    return out


def _group(tokens: list[str], start: int) -> int:
    """The index after the operand that starts at ``start`` (a token, or a bracketed group)."""
    if start < len(tokens) and tokens[start] == "(":
        depth = 0
        for k in range(start, len(tokens)):
            depth += {"(": 1, ")": -1}.get(tokens[k], 0)
            if depth == 0:
                return k + 1
    return min(start + 1, len(tokens))


_PARTIAL = r"\partial "


def _fraction(tokens: list[str], k: int) -> str | None:
    r"""``\frac{\partial v_{5}}{\partial v_{4}}`` when ``∂v₅/∂v₄`` starts at ``k``."""
    window = tokens[k : k + 5]
    if len(window) == 5 and window[0] == window[3] == _PARTIAL and window[2] == "/":
        return rf"\frac{{\partial {window[1]}}}{{\partial {window[4]}}}"
    return None


def math(text: str) -> str:
    """Unicode notation as LaTeX math (without the ``$``); ``∂v₅/∂v₄`` as a fraction."""
    tokens = _tokens(text)
    out: list[str] = []
    k = 0
    while k < len(tokens):
        token = tokens[k]
        fraction = _fraction(tokens, k) if token == _PARTIAL else None
        if fraction is not None:
            out.append(fraction)
            k += 5
            continue
        if token in ("√", "∛", "^"):
            end = _group(tokens, k + 1)
            inner = tokens[k + 1 : end]
            if token != "^" and inner[:1] == ["("] and inner[-1:] == [")"]:
                inner = inner[1:-1]
            body = math_join(inner)
            out.append({"√": r"\sqrt{", "∛": r"\sqrt[3]{", "^": "^{"}[token] + body + "}")
            k = end
            continue
        out.append(token)
        k += 1
    return math_join(out)


def math_join(tokens: Sequence[str]) -> str:
    return re.sub(r" +", " ", "".join(tokens)).strip()


def _number(cell: float, section: Section, options: RenderOptions) -> str:
    return number(options.cell(cell, section.precise))


def number(text: str) -> str:
    """A number as ``format_number`` writes it, in math: ``1e-05`` → ``1 \\times 10^{-5}``."""
    if text in ("inf", "-inf", "nan"):
        return {"inf": r"\infty", "-inf": r"-\infty", "nan": r"\mathrm{NaN}"}[text]
    mantissa, _, exponent = text.partition("e")
    return mantissa + (rf" \times 10^{{{int(exponent)}}}" if exponent else "")


# Every character that is special in text mode: titles, captions, headers and text a user
# typed (expressions, names) all go through ``escape_text``.
_TEXT_ESCAPES = {
    "\\": r"\textbackslash{}",
    "^": r"\^{}",
    "~": r"\~{}",
    "$": r"\$",
    "<": "$<$",
    ">": "$>$",
    "|": "$|$",
    "\n": r"\newline ",
    **{ch: "\\" + ch for ch in "{}_%&#"},
}


def escape_text(text: str) -> str:
    """Any text in text mode, ASCII only: ``x_1^2`` → ``x\\_1\\^{}2``; ``--tol`` keeps both
    hyphens (no en dash)."""
    plain = to_ascii(text.replace("←", "<-")).encode("ascii", "replace").decode("ascii")
    return re.sub(r"-(?=-)", "-{}", "".join(_TEXT_ESCAPES.get(ch, ch) for ch in plain))


# Headers of trace columns that name the notation they hold: set as math, as on a slide.
_NOTATION_HEADERS = {
    "var": "$v_i$",
    "tangent": r"$\dot{v}_i$",
    "adjoint": r"$\bar{v}_i$",
    "=": "$=$",
}


def _header(column: str) -> str:
    r"""A column header in math mode: the notation a column holds (``$\dot{v}_i$``, ``$=$``),
    or notation itself (ẋ1=1, v̄); other words (value, work) as text."""
    if not column:
        return ""
    if column in _NOTATION_HEADERS:
        return _NOTATION_HEADERS[column]
    return escape_text(column) if column.isascii() else f"${math(column)}$"


# A number already rounded to text (``6.1e-09``, ``1e-8``), which a ``words`` table sets as one.
_NUMBER = re.compile(r"-?\d+(?:\.\d*)?(?:e[-+]?\d+)?")


def tabular(section: Section, options: RenderOptions, words: bool = False) -> str:
    """The section as a ``tabular``; with ``words`` its text cells are plain words (escaped
    text), not notation, apart from numbers written as text. Titles and captions are text."""

    def notation(cell: str) -> str:
        if not cell:
            return ""
        if not words:
            return f"${math(cell)}$"
        return f"${number(cell)}$" if _NUMBER.fullmatch(cell) else escape_text(cell)

    texts = len(section.text_columns)
    spec = "".join(align[0] for align in section.aligns)
    lines = [
        rf"\noindent\textbf{{{escape_text(section.title)}}}\par\smallskip",
        rf"\begin{{tabular}}{{{spec}}}",
        r"\hline",
        " & ".join(_header(c) for c in section.columns) + r" \\",
        r"\hline",
    ]
    for n, row in enumerate(section.rows):
        if n in section.breaks or (n and n == section.inputs):
            lines.append(r"\hline")
        cells = [notation(str(cell)) if cell else "" for cell in row[:texts]]
        for cell in row[texts:]:
            if cell is None or isinstance(cell, str):
                cells.append(notation(cell or ""))
            else:
                cells.append(f"${_number(cell, section, options)}$")
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\hline", r"\end{tabular}"]
    if section.caption:
        lines.append(r"\par\smallskip " + escape_text(section.caption))
    return "\n".join(lines)


def render(sections: Sequence[Section], options: RenderOptions, standalone: bool = False) -> str:
    """The sections as LaTeX ``tabular`` environments, separated by a blank line; with
    ``standalone`` a whole document, which ``pdflatex`` compiles as it is (its one package,
    geometry, comes with every LaTeX)."""
    blocks = [tabular(section, options) for section in sections]
    body = "\n\n\\bigskip\n\n".join(blocks)
    if not standalone:
        return body
    return "\n".join(
        [
            r"\documentclass{article}",
            # Landscape: a trace beside another (--layout paper) is wider than a portrait page.
            r"\usepackage[landscape,margin=1.5cm]{geometry}",
            r"\pagestyle{empty}",
            r"\begin{document}",
            body,
            r"\end{document}",
        ]
    )
