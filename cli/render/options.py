"""What every renderer is told besides the result itself."""

from __future__ import annotations

from dataclasses import dataclass

from autodiff.core.notation import format_number, to_ascii


@dataclass(frozen=True)
class RenderOptions:
    digits: int = 6  # significant digits of numbers in trace tables
    ascii: bool = False  # plain ASCII: v-1, vdot1, vbar0, no box drawing
    trace: bool = True  # print the trace tables, not only the result
    max_rows: int = 1000  # rows of a trace table shown to people (tables, Markdown, LaTeX)
    result_digits: int | None = None  # significant digits of results; None: round-trip
    decimals: int | None = None  # --decimals: fixed places after the point, traces and results
    work: bool = False  # --work: a column with each step's arithmetic, values put in
    paper: bool = False  # --layout paper: derivative traces beside the primal one (Tables 2–3)

    def text(self, text: str) -> str:
        return to_ascii(text) if self.ascii else text

    def number(self, x: float) -> str:
        """A number in a trace table, rounded to ``digits`` (or ``decimals``)."""
        return format_number(x, self.digits, self.decimals)

    def cell(self, x: float, precise: bool) -> str:
        """A number of a section for people: a result (``precise``) in full unless --digits
        was given, any other number rounded to ``digits``; every number to ``decimals``
        places when --decimals was given."""
        return format_number(x, self.result_digits if precise else self.digits, self.decimals)
