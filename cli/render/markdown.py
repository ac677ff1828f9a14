"""GitHub-flavoured Markdown tables of the traces and results, ready for notes."""

from __future__ import annotations

from collections.abc import Sequence

from autodiff.core.notation import format_number

from .options import RenderOptions
from .sections import Section


def _cell(text: str) -> str:
    # A pipe would end the cell (|v₀| is abs); a backslash escapes it in GitHub's tables.
    return text.replace("\\", "\\\\").replace("|", "\\|")


def table(section: Section, options: RenderOptions) -> str:
    texts = len(section.text_columns)
    header = "| " + " | ".join(_cell(options.text(c)) for c in section.columns) + " |"
    rule = "|" + "|".join([" --- "] * texts + [" ---: "] * len(section.number_columns)) + "|"
    lines = [f"**{_cell(options.text(section.title))}**", "", header, rule]
    for row in section.rows:
        cells = [_cell(options.text(str(cell))) for cell in row[:texts]]
        for cell in row[texts:]:
            if cell is None or isinstance(cell, str):
                cells.append(_cell(options.text(cell or "")))
            else:
                cells.append(format_number(cell) if section.precise else options.number(cell))
        lines.append("| " + " | ".join(cells) + " |")
    if section.caption:
        lines += ["", _cell(options.text(section.caption))]
    return "\n".join(lines)


def render(sections: Sequence[Section], options: RenderOptions) -> str:
    return "\n\n".join(table(section, options) for section in sections)
