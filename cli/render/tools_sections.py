"""``check`` and ``diff`` as plain tables (``Section``s) and lines, before a format is chosen.

Rich (``render/tools_table.py``) and the formats for notes and programs
(``render/tools_formats.py``) render these, so every format shows the same rows. Nothing here
imports Rich.
"""

from __future__ import annotations

from autodiff.core.check import Check, Method
from autodiff.core.notation import format_number, output_name
from autodiff.core.symbolic import STEP_NOTES, Derivatives, Swell

from .sections import Cell, Section


def _error(error: float | None) -> str:
    if error is None:
        return ""
    return "0" if error == 0.0 else f"{error:.1e}"


def _step(h: float | None) -> str:
    return "" if h is None else f"{h:.0e}".replace("e-0", "e-")


def _verdict(method: Method, ascii_only: bool) -> str:
    if method.agrees is None:
        return "reference" if method.key == "reverse" else "skipped"
    if ascii_only:
        return "yes" if method.agrees else "NO"
    return "✓" if method.agrees else "✗ NO"


def _point(result: Check) -> str:
    names, point = result.graph.input_names, result.evaluation.point
    return ", ".join(f"{n} = {format_number(x)}" for n, x in zip(names, point))


def _along(result: Check) -> str:
    """`` along u = (1, 0)`` when a direction is checked."""
    if result.direction is None:
        return ""
    return " along u = (" + ", ".join(format_number(u) for u in result.direction) + ")"


def _is_scalar(result: Check) -> bool:
    return len(result.reference) == 1 and len(result.reference[0]) == 1


def check_sections(result: Check, ascii_only: bool = False) -> list[Section]:
    """The methods against AD, the AD Jacobian (when it is not a single number), the steps."""
    graph = result.graph
    scalar = _is_scalar(result)
    value = [f"∂{output_name(graph, 0)}/∂{result.column_names[0]}"] if scalar else []
    methods = Section(
        "check",
        f"Derivative check of {'; '.join(graph.sources)} at {_point(result)}{_along(result)}",
        ["method"],
        ["h", *value, "error", "agrees"],
        precise=True,
    )
    notes = []
    for m in result.methods:
        entry: list[Cell] = [m.matrix[0][0] if m.matrix is not None else ""] if scalar else []
        methods.rows.append(
            [m.label, _step(m.step), *entry, _error(m.error), _verdict(m, ascii_only)]
        )
        if m.note:
            notes.append(f"{m.label}: {m.note}")
    tol = format_number(result.tol)
    if result.agrees:
        verdict = f"Every method that applies agrees with reverse-mode AD within --tol {tol}"
    else:
        failed = ", ".join(m.label for m in result.failures)
        verdict = f"Disagree with reverse-mode AD beyond --tol {tol}: {failed}"
    j = "J" if result.direction is None else "(J·u)"
    rule = f"error = max |{j} − {j}_AD| / max(1, |{j}_AD|); differences at their best step h"
    if len(result.steps) == 1:
        rule = rule.replace("their best step h", f"the step h = {_step(result.steps[0].h)}")
    methods.caption = "\n".join([f"{verdict} ({rule}).", *notes])
    sections = [methods]
    if not scalar:
        title = "Jacobian" if result.direction is None else "J·u"
        jacobian = Section(
            "jacobian", f"{title} (AD, reverse mode)", [""], list(result.column_names), precise=True
        )
        for k, (source, row) in enumerate(zip(graph.sources, result.reference)):
            jacobian.rows.append([f"{output_name(graph, k)} = {source}", *row])
        sections.append(jacobian)
    sections.append(_steps_section(result, scalar))
    return sections


def _steps_section(result: Check, scalar: bool) -> Section:
    columns = (
        ["forward difference", "error", "central difference", "error"]
        if scalar
        else ["forward difference error", "central difference error"]
    )
    section = Section("steps", "Finite differences by step h", ["h"], columns, precise=True)
    for row in result.steps:
        cells: list[Cell]
        if scalar:
            cells = [
                row.forward[0][0] if row.forward else "undefined",
                _error(row.forward_error),
                row.central[0][0] if row.central else "undefined",
                _error(row.central_error),
            ]
        else:
            cells = [
                _error(row.forward_error) or "undefined",
                _error(row.central_error) or "undefined",
            ]
        section.rows.append([_step(row.h), *cells])
    return section


def swell_section(swell: Swell) -> Section:
    section = Section("swell", "Expression swell", ["written as"], ["operations"])
    section.rows = [
        [label, f"{count:,}"]
        for label, count in [
            ("the function itself (its Wengert list)", swell.function),
            ("symbolic derivative, written out as a tree", swell.tree),
            ("symbolic derivative, shared subexpressions once", swell.shared),
            ("reverse-mode AD program: value and gradient", swell.program),
        ]
    ]
    section.caption = (
        "operations: + − × / ^ and function calls, after the same light simplification"
    )
    return section


def derivative_lines(derivatives: Derivatives, max_size: int) -> list[str]:
    lines = []
    for entry in derivatives.entries(max_size):
        text = entry.text
        if text is None:
            text = (
                f"({entry.operations:,} operations written out: more than --max-size {max_size:,})"
            )
        lines.append(f"{entry.symbol} = {text}")
    notes = [STEP_NOTES[name] for name in derivatives.steps_used()]
    if notes:
        lines.append("where " + "; ".join(notes))
    return lines
