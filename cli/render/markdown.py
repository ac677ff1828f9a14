"""GitHub-flavoured Markdown tables of the traces and results, ready for notes."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from .options import RenderOptions
from .sections import Section


def _cell(text: str) -> str:
    # A pipe would end the cell (|v₀| is abs); a backslash escapes it in GitHub's tables.
    return text.replace("\\", "\\\\").replace("|", "\\|")


# Characters that start emphasis, links, HTML, strikethrough or (on GitHub) maths in running text.
_INLINE = re.compile(r"([\\`*_\[\]<>|~$])")


def escape(text: str) -> str:
    """Text that renders literally in a paragraph or a table cell: ``x_1*x_2`` stays as typed."""
    return _INLINE.sub(r"\\\1", text)


def code(text: str) -> str:
    """A code span that is safe in a table cell (a pipe is escaped even inside code there)."""
    text = text.replace("|", "\\|")
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def table(section: Section, options: RenderOptions, cell: Callable[[str], str] = _cell) -> str:
    """The section as a GitHub table; ``cell`` escapes its text (``str`` when already escaped)."""
    texts = len(section.text_columns)
    header = "| " + " | ".join(cell(options.text(c)) for c in section.columns) + " |"
    rule = "|" + "|".join(" --- " if a == "left" else " ---: " for a in section.aligns) + "|"
    lines = [f"**{cell(options.text(section.title))}**", "", header, rule]
    for row in section.rows:
        cells = [cell(options.text(str(entry))) for entry in row[:texts]]
        for entry in row[texts:]:
            if entry is None or isinstance(entry, str):
                cells.append(cell(options.text(entry or "")))
            else:
                cells.append(options.cell(entry, section.precise))
        lines.append("| " + " | ".join(cells) + " |")
    if section.caption:
        lines += ["", cell(options.text(section.caption))]
    return "\n".join(lines)


def render(sections: Sequence[Section], options: RenderOptions) -> str:
    return "\n\n".join(table(section, options) for section in sections)
