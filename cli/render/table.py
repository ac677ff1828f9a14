"""Rich tables for people: the traces as in Baydin et al. (2018), Tables 2–3, and the results.

Numbers in traces are rounded to ``--digits``; results are printed in full (round-trip) unless
``--digits`` is given. A number is never cut to fit a narrow terminal: text columns fold, and
a table whose numbers still do not fit is printed as several, each with some of the number
columns (``fitted_tables``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from .options import RenderOptions
from .sections import Section

# A text column is folded no narrower than this when the numbers need the room.
MIN_TEXT_WIDTH = 8
UNLIMITED = 1_000_000


def rich_table(
    section: Section,
    options: RenderOptions,
    numbers: Sequence[int] | None = None,
    text_width: int | None = None,
) -> Table:
    """One section as a Rich table: notation left-aligned and folded when the terminal is
    narrow (at most ``text_width`` wide, when given), numbers right-aligned and never cut.
    ``numbers`` chooses the number columns shown (all by default)."""
    table = Table(
        box=box.ASCII if options.ascii else box.SIMPLE_HEAD,
        show_edge=options.ascii,
        safe_box=options.ascii,
    )
    texts = len(section.text_columns)
    shown = range(len(section.number_columns)) if numbers is None else numbers
    for column in section.text_columns:
        table.add_column(Text(options.text(column)), overflow="fold", max_width=text_width)
    for j in shown:
        label = Text(options.text(section.number_columns[j]))
        justify = "left" if j in section.left else "right"
        table.add_column(label, justify=justify, no_wrap=True)
    for n, row in enumerate(section.rows):
        if n in section.breaks:
            table.add_section()
        cells = [options.text(str(cell)) for cell in row[:texts]]
        for j in shown:
            cell = row[texts + j]
            if cell is None or isinstance(cell, str):
                cells.append(options.text(cell or ""))
            else:
                cells.append(options.cell(cell, section.precise))
        # Text, not markup: notation such as "[v₀ > 0]" must print as it is.
        table.add_row(*(Text(cell) for cell in cells))
    return table


def _width(console: Console, table: Table) -> int:
    return Measurement.get(console, console.options.update_width(UNLIMITED), table).maximum


def _at_most(table: Table) -> int:
    """An upper bound on the table's width, far cheaper than Rich's measurement: every cell
    is plain Text, one line, and each column adds its padding and a rule."""
    widths = [
        max(cell_len(cell.plain) for cell in (column.header, *column.cells))  # type: ignore[union-attr]
        for column in table.columns
    ]
    return sum(widths) + 3 * len(widths) + 1


def fitted_tables(console: Console, section: Section, options: RenderOptions) -> Iterator[Table]:
    """The section as one table when its numbers fit the console's width; else as several,
    each with the text columns and as many of the number columns as fit beside them."""
    whole = rich_table(section, options)
    count = len(section.number_columns)
    if count < 2 or _at_most(whole) <= console.width or _width(console, whole) <= console.width:
        yield whole
        return
    # Widths with the text columns folded as far as they may be: the columns' own, plus what
    # each number column adds.
    base = _width(console, rich_table(section, options, [], MIN_TEXT_WIDTH))
    adds = [
        _width(console, rich_table(section, options, [j], MIN_TEXT_WIDTH)) - base
        for j in range(count)
    ]
    group: list[int] = []
    for j in range(count):
        if group and base + sum(adds[k] for k in [*group, j]) > console.width:
            yield rich_table(section, options, group)
            group = []
        group.append(j)
    yield rich_table(section, options, group)


def print_sections(console: Console, sections: Sequence[Section], options: RenderOptions) -> None:
    """Tables separated by a blank line; titles and captions as plain lines, never wrapped to
    the width of a narrow table."""
    for n, section in enumerate(sections):
        if n:
            console.line()
        console.print(Text(options.text(section.title)), soft_wrap=True)
        for k, table in enumerate(fitted_tables(console, section, options)):
            if k:
                console.line()
            console.print(table)
        if section.caption:
            console.print(Text(options.text(section.caption)), soft_wrap=True)
