"""Tables for people for ``check`` and ``diff`` (``graph`` and ``codegen`` print their text).

The tables are the ``Section``s of ``render/tools_sections.py``, printed by ``render/table.py``
like every other command's; the derivatives and the error plot are plain lines, printed as
``Text`` so that a derivative such as ``[x > 0]`` is never read as Rich markup.
"""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from autodiff.core.check import Check
from autodiff.core.symbolic import Derivatives, Swell

from .options import RenderOptions
from .plot import error_plot
from .table import print_sections
from .tools_sections import check_sections, derivative_lines, swell_section


def _line(console: Console, options: RenderOptions, text: str) -> None:
    console.print(Text(options.text(text)), soft_wrap=True)


def print_check(console: Console, result: Check, options: RenderOptions) -> None:
    print_sections(console, check_sections(result, options.ascii), options)
    console.line()
    for line in error_plot(result.steps, options.ascii):
        _line(console, options, line)


# --- diff --------------------------------------------------------------------------------------


def print_diff(
    console: Console,
    derivatives: Derivatives,
    options: RenderOptions,
    swell: Swell | None,
    max_size: int,
) -> None:
    for line in derivative_lines(derivatives, max_size):
        _line(console, options, line)
    if swell is not None:
        console.line()
        print_sections(console, [swell_section(swell)], options)
