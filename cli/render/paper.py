"""``--layout paper``: a derivative trace beside the primal trace, as Baydin et al. (2018) print
their Tables 2–3.

Table 2: the forward primal trace on the left and the tangent trace on the right, both read
downward, row beside row. Table 3: the primal trace on the left, read downward, and the reverse
adjoint trace on the right, read upward: the seed ``v̄₅ = ȳ`` at the bottom, the inputs'
adjoints ``x̄1 = v̄₋₁`` at the top, and an accumulation written out (``v̄₀ = v̄₀ + v̄₂·∂v₂/∂v₀``).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import zip_longest

from autodiff.core.derivatives import Evaluation, ForwardPass, ReversePass
from autodiff.core.notation import Number
from autodiff.core.trace import adjoint_row, input_adjoint_rows

from .sections import Cell, Section, output_seeds, tangent_section, wengert_section


def _beside(title: str, left: Section, right: Section) -> Section:
    """One table: ``left``'s columns, then ``right``'s (its notation aligned left), row beside
    row; the shorter side is padded at the bottom."""
    right_texts = right.text_columns
    section = Section(
        "paper",
        title,
        left.text_columns,
        [*left.number_columns, *right_texts, *right.number_columns],
    )
    section.inputs = left.inputs  # the inputs' adjoints or tangents are the top rows too
    section.left = set(range(len(left.number_columns), len(left.number_columns) + len(right_texts)))
    blank_left: list[Cell] = [""] * len(left.text_columns) + [None] * len(left.number_columns)
    blank_right: list[Cell] = [""] * len(right_texts) + [None] * len(right.number_columns)
    for a, b in zip_longest(left.rows, right.rows):
        section.rows.append([*(a or blank_left), *(b or blank_right)])
    # Each side built its first --max-rows rows at most; the table is as long as the longer.
    total = max(len(left.rows) + left.unbuilt, len(right.rows) + right.unbuilt)
    section.unbuilt = total - len(section.rows)
    return section


def _upward_adjoints(
    evaluation: Evaluation, sweep: ReversePass, work: bool, limit: int | None = None
) -> Section:
    """The adjoint trace as the paper's Table 3 prints it, top to bottom: the inputs' adjoints,
    then the steps from the last to the first; ``limit`` rows at most."""
    graph = evaluation.graph
    third = "work" if work else "local"
    section = Section("adjoint", "", ["adjoint", "=", third], ["value"])
    for out in input_adjoint_rows(graph, sweep):
        section.rows.append([out.name, out.expr, "", out.value])
    steps = len(sweep.steps)
    shown = steps if limit is None else min(steps, max(limit - len(section.rows), 0))
    section.unbuilt = steps - shown
    for number in range(steps, steps - shown, -1):
        row = adjoint_row(graph, sweep, number, work)
        local = row.work if work else row.local
        # v̄₀ += t is the paper's v̄₀ = v̄₀ + t
        so_far = f"{row.var} + " if row.accumulate else ""
        local = so_far + local if local else ""
        section.rows.append([row.var, so_far + row.symbolic, local, row.adjoint])
    return section


def forward_tables(
    evaluation: Evaluation,
    passes: Sequence[ForwardPass],
    number: Number | None,
    limit: int | None = None,
) -> list[Section]:
    """Table 2 for each forward pass: primal trace | tangent trace (``limit`` rows at most)."""
    graph = evaluation.graph
    primal = wengert_section(graph, evaluation, number, limit)
    tables = []
    for sweep in passes:
        tangent = tangent_section(graph, [sweep], evaluation.values, number, limit)
        # The seed is the header of the tangents' column (ẋ1=1), not in the title: titles are
        # text, and LaTeX would spell it xdot1.
        tables.append(_beside("Forward primal trace | forward tangent trace", primal, tangent))
    return tables


def reverse_tables(
    evaluation: Evaluation,
    sweeps: Sequence[ReversePass],
    number: Number | None,
    limit: int | None = None,
) -> list[Section]:
    """Table 3 for each reverse sweep: primal trace | adjoint trace, read upward (``limit``
    rows at most)."""
    graph = evaluation.graph
    primal = wengert_section(graph, evaluation, number, limit)
    tables = []
    for sweep in sweeps:
        title = (
            f"Forward primal trace | reverse adjoint trace{output_seeds(graph, sweep)}, read upward"
        )
        adjoint = _upward_adjoints(evaluation, sweep, number is not None, limit)
        tables.append(_beside(title, primal, adjoint))
    return tables
