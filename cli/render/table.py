"""Rich tables for people: the traces as in Baydin et al. (2018), Tables 2–3, and the results.

Numbers in traces are rounded to ``--digits``; results are printed in full (round-trip).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .options import RenderOptions
from .sections import Section


def rich_table(section: Section, options: RenderOptions) -> Table:
    """One section as a Rich table: notation left-aligned, numbers right-aligned."""
    table = Table(
        box=box.ASCII if options.ascii else box.SIMPLE_HEAD,
        show_edge=options.ascii,
        safe_box=options.ascii,
    )
    for column in section.text_columns:
        table.add_column(Text(options.text(column)))
    for column in section.number_columns:
        table.add_column(Text(options.text(column)), justify="right")
    texts = len(section.text_columns)
    for n, row in enumerate(section.rows):
        if n in section.breaks:
            table.add_section()
        cells = [options.text(str(cell)) for cell in row[:texts]]
        for cell in row[texts:]:
            if cell is None or isinstance(cell, str):
                cells.append(options.text(cell or ""))
            else:
                cells.append(options.cell(cell, section.precise))
        # Text, not markup: notation such as "[v₀ > 0]" must print as it is.
        table.add_row(*(Text(cell) for cell in cells))
    return table


def print_sections(console: Console, sections: Sequence[Section], options: RenderOptions) -> None:
    """Tables separated by a blank line; titles and captions as plain lines, never wrapped to
    the width of a narrow table."""
    for n, section in enumerate(sections):
        if n:
            console.line()
        console.print(Text(options.text(section.title)), soft_wrap=True)
        console.print(rich_table(section, options))
        if section.caption:
            console.print(Text(options.text(section.caption)), soft_wrap=True)
