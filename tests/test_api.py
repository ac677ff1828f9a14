"""The Python API: text or graphs in, results by input name out, short reprs, errors that name
the function and the argument, NumPy scalars as values, docstrings that run, a lazy import."""

from __future__ import annotations

import ast
import doctest
import inspect
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import PAPER_EXPRESSION, PAPER_GRADIENT, PAPER_VALUE

import autodiff
from autodiff import functions, results
from autodiff.core.errors import DomainError, ParseError, PointError, UsageError

README = Path(__file__).parent.parent / "README.md"
PAPER_AT = {"x1": 2, "x2": 5}
PUBLIC_FUNCTIONS = [
    name for name in autodiff.__all__ if callable(getattr(autodiff, name)) and name.islower()
]


def test_top_level_names() -> None:
    graph = autodiff.parse(PAPER_EXPRESSION)
    assert autodiff.evaluate(graph, PAPER_AT).value == PAPER_VALUE
    assert tuple(autodiff.gradient(graph, PAPER_AT).gradient.values()) == PAPER_GRADIENT
    assert autodiff.grad is autodiff.gradient
    assert autodiff.hessian(graph, PAPER_AT).matrix[0][0] == -0.25
    with pytest.raises(AttributeError):
        autodiff.no_such_name  # noqa: B018


def test_text_and_graph_give_the_same_results() -> None:
    graph = autodiff.parse(PAPER_EXPRESSION)
    for name in ("evaluate", "gradient", "jacobian", "hessian", "check"):
        function = getattr(autodiff, name)
        assert function(PAPER_EXPRESSION, PAPER_AT) == function(graph, PAPER_AT), name
    assert autodiff.parse(graph) is graph
    assert autodiff.generate(PAPER_EXPRESSION) == autodiff.generate(graph)
    assert autodiff.differentiate("x*y").text(0, 0) == autodiff.differentiate(
        autodiff.parse("x*y")
    ).text(0, 0)


def test_gradient_is_a_read_only_mapping_by_input_name() -> None:
    result = autodiff.gradient(PAPER_EXPRESSION, PAPER_AT)
    assert result.gradient == {"x1": 5.5, "x2": PAPER_GRADIENT[1]}
    assert list(result.gradient) == ["x1", "x2"]
    assert result["x1"] == result.gradient["x1"] == 5.5
    with pytest.raises(TypeError):
        result.gradient["x1"] = 0.0  # type: ignore[index]
    with pytest.raises(AttributeError):
        result.value = 0.0  # type: ignore[misc]
    with pytest.raises(KeyError):
        result.gradient["x3"]
    assert autodiff.gradient("x*y", {"x": 2, "y": 3}, wrt="y").gradient == {"y": 2.0}


def test_steps_are_the_adjoint_steps_when_recorded() -> None:
    """The README's ``result.steps`` (an AttributeError before: they were in
    ``result.reverse[0].steps``)."""
    result = autodiff.gradient(PAPER_EXPRESSION, PAPER_AT, record=True)
    assert result.steps == result.core.reverse[0].steps
    assert len(result.steps) == 9 and result.steps[0].source is None  # the seed ȳ = 1 first
    assert autodiff.gradient(PAPER_EXPRESSION, PAPER_AT, record=False).steps == ()
    assert autodiff.gradient(PAPER_EXPRESSION, PAPER_AT, mode="forward").steps == ()


def test_gradient_jacobian_and_hessian_record_their_sweeps_only_when_asked() -> None:
    """Recording the adjoint steps cost 15-32x the primal: the API keeps none by default (#15)."""
    assert autodiff.gradient(PAPER_EXPRESSION, PAPER_AT).steps == ()
    assert autodiff.gradient(PAPER_EXPRESSION, PAPER_AT).core.reverse == ()
    assert autodiff.jacobian(["x*y", "x+y"], {"x": 2, "y": 3}, mode="reverse").core.reverse == ()
    plain = autodiff.hessian("x^2*y", {"x": 3, "y": 2})
    recorded = autodiff.hessian("x^2*y", {"x": 3, "y": 2}, record=True)
    assert plain.core.passes == () and len(recorded.core.passes) == 2
    assert plain.matrix == recorded.matrix == ((4.0, 6.0), (6.0, 0.0))


def test_jacobian_and_hessian_are_indexed_by_output_number_and_input_name() -> None:
    J = autodiff.jacobian(["x*y", "x+y"], {"x": 2, "y": 3})
    assert J.matrix == ((3.0, 2.0), (1.0, 1.0))
    assert J[0] == {"x": 3.0, "y": 2.0} and J[1, "x"] == 1.0
    assert J.rows == (J[0], J[1]) and J.wrt == ("x", "y")
    H = autodiff.hessian("x^2*y", {"x": 3, "y": 2})
    assert H["x", "y"] == H["y", "x"] == 6.0 and H["x"] == {"x": 4.0, "y": 6.0}
    assert H.gradient == {"x": 12.0, "y": 9.0}
    with pytest.raises(KeyError):
        H["z"]
    hvp = autodiff.hvp("x^2*y", {"x": 3, "y": 2}, {"y": 1})
    assert hvp.product == {"x": 6.0, "y": 0.0} and hvp.direction == {"x": 0.0, "y": 1.0}
    assert autodiff.vjp(["x*y", "x+y"], {"x": 2, "y": 3}, [1, 10]).product == {
        "x": 13.0,
        "y": 12.0,
    }
    assert autodiff.jvp(["x*y", "x+y"], {"x": 2, "y": 3}, [0, 1]).product == (2.0, 1.0)


def test_core_attributes_read_through() -> None:
    result = autodiff.jacobian(PAPER_EXPRESSION, PAPER_AT)
    assert result.cost == result.core.cost and result.partials is result.core.partials
    assert result.evaluation.values == result.core.evaluation.values


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (
            lambda: autodiff.gradient(PAPER_EXPRESSION, PAPER_AT),
            "Gradient(value=11.65207…, gradient={'x1': 5.5, 'x2': 1.716338…})",
        ),
        (
            lambda: autodiff.evaluate(PAPER_EXPRESSION, PAPER_AT),
            "Evaluation(value=11.65207…, point={'x1': 2.0, 'x2': 5.0})",
        ),
        (
            lambda: autodiff.jacobian(["x*y", "x+y"], {"x": 2, "y": 3}),
            "Jacobian(outputs=(6.0, 5.0), mode='forward', matrix=((3.0, 2.0), (1.0, 1.0)))",
        ),
        (
            lambda: autodiff.jvp("x*y", {"x": 2, "y": 3}, [1, 0]),
            "Jvp(outputs=(6.0,), product=(3.0,))",
        ),
        (
            lambda: autodiff.vjp("x*y", {"x": 2, "y": 3}, [1]),
            "Vjp(outputs=(6.0,), product={'x': 3.0, 'y': 2.0})",
        ),
        (
            lambda: autodiff.hessian("x^2*y", {"x": 3, "y": 2}),
            "Hessian(value=18.0, gradient={'x': 12.0, 'y': 9.0}, matrix=((4.0, 6.0), (6.0, 0.0)))",
        ),
        (
            lambda: autodiff.hvp("x^2*y", {"x": 3, "y": 2}, [1, 0]),
            "Hvp(value=18.0, gradient={'x': 12.0, 'y': 9.0}, product={'x': 4.0, 'y': 6.0})",
        ),
        (
            lambda: autodiff.check("x^2*y", {"x": 3, "y": 2}),
            "Check(agrees=True, tol=1e-06, failed=())",
        ),
        (lambda: autodiff.differentiate(["x", "y"]), "Derivatives(wrt=('x', 'y'), outputs=2)"),
        (
            lambda: autodiff.parse(PAPER_EXPRESSION),
            "Graph(sources=('log(x1)+x1*x2-sin(x2)',), inputs=('x1', 'x2'), operations=5)",
        ),
    ],
)
def test_reprs_are_short_and_rounded(make: Callable[[], object], expected: str) -> None:
    assert repr(make()) == expected


def test_long_reprs_are_abbreviated() -> None:
    names = [f"x{k}" for k in range(1, 201)]
    text = "+".join(f"{n}^2" for n in names)
    result = autodiff.gradient(text, dict.fromkeys(names, 1 / 3))
    shown = repr(result)
    assert shown.startswith("Gradient(value=22.22222…, gradient={'x1': 0.6666667…, ")
    assert shown.endswith(", … 196 more})") and len(shown) < 150
    graph = repr(result.graph)
    assert graph.startswith("Graph(sources=('x1^2+x2^2+x3^2+") and len(graph) < 160
    assert graph.endswith("inputs=('x1', 'x2', 'x3', 'x4', … 196 more), operations=399)")


@pytest.mark.parametrize(
    ("x", "shown"),
    [(11.652071455223084, "11.65207…"), (5.5, "5.5"), (-0.25, "-0.25"), (1e300, "1e+300")],
)
def test_numbers_in_reprs(x: float, shown: str) -> None:
    assert results.short_number(x) == shown


def test_batch_results_are_columns_by_name() -> None:
    pytest.importorskip("numpy")
    batch = autodiff.evaluate_batch("grad", "x*y", {"x": [1.0, 2.0, 3.0]}, {"y": 2})
    assert repr(batch) == "Batch(columns=['x', 'y', 'value', 'd/dx', … 1 more], size=3, failed=0)"
    assert batch["d/dy"].tolist() == [1.0, 2.0, 3.0]
    assert batch.rows()[0] == [1.0, 2.0, 2.0, 2.0, 1.0]


def test_numpy_scalars_are_values() -> None:
    np = pytest.importorskip("numpy")
    for x in (np.float64(2), np.int64(2), np.float32(2), np.array(2.0), np.array(2), 2, 2.0):
        result = autodiff.gradient("x*y", {"x": x, "y": np.float64(3)})
        assert result.gradient == {"x": 3.0, "y": 2.0}, type(x)
    assert autodiff.jvp("x*y", {"x": 2, "y": 3}, np.array([1.0, 0.0])).product == (3.0,)
    assert autodiff.gradient("x", {"x": 10**20}).value == 1e20


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (True, "must be a number, not True"),
        ("2", "must be a number, not '2'"),
        (1j, "must be a number, not complex"),
        (None, "must be a number, not NoneType"),
        (10**400, "too large"),
        (float("nan"), "must be a finite number"),
    ],
)
def test_values_that_are_not_numbers_are_refused(value: object, fragment: str) -> None:
    with pytest.raises(PointError, match=fragment) as raised:
        autodiff.gradient("x", {"x": value})
    assert raised.value.argument == "at"
    assert str(raised.value).startswith("gradient(): the value of x ")


def test_numpy_booleans_and_arrays_are_refused() -> None:
    np = pytest.importorskip("numpy")
    for value in (np.bool_(True), np.array([1.0])):
        with pytest.raises(PointError, match="must be a number"):
            autodiff.evaluate("x", {"x": value})


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: autodiff.gradient("x*y", {"x": 2}),
            PointError,
            "gradient(): no value for y (argument 'at')",
        ),
        (
            lambda: autodiff.hessian("x*y", {"x": 2, "y": 1}, wrt=["x", "q"]),
            UsageError,
            "hessian(): q is not a variable of the expression (it uses x, y) (argument 'wrt')",
        ),
        (
            lambda: autodiff.jacobian("x", {"x": 2}, mode="sideways"),
            UsageError,
            "jacobian(): the mode must be 'auto' or 'reverse' or 'forward', not 'sideways' "
            "(argument 'mode')",
        ),
        (
            lambda: autodiff.evaluate(3, {}),  # type: ignore[arg-type]
            UsageError,
            "evaluate(): expected text or a Graph, not int (argument 'expr')",
        ),
        (
            lambda: autodiff.check("x", {"x": 1}, tol=-1),
            UsageError,
            "check(): the tolerance must be a finite number ≥ 0, not -1.0 (argument 'tol')",
        ),
        (
            lambda: autodiff.jvp("x", {"x": 1}, {"y": 1}),
            UsageError,
            "jvp(): y is not one of x (argument 'direction')",
        ),
        (
            lambda: autodiff.evaluate("log(x)", {"x": -1}),
            DomainError,
            "evaluate(): log is undefined at v₁ = ln v₀ with v₀ = -1: log needs x > 0 "
            '(from "log(x)" at column 1)',
        ),
    ],
)
def test_errors_name_the_function_and_the_argument(
    call: Callable[[], object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as raised:
        call()
    assert str(raised.value) == message
    assert "--" not in str(raised.value)


def test_a_bad_expression_raises_with_the_caret_in_its_message() -> None:
    with pytest.raises(ParseError) as raised:
        autodiff.gradient("x1 + * x2", {"x1": 1, "x2": 2})
    error = raised.value
    assert str(error).splitlines() == [error.message, "  x1 + * x2", "       ^"]
    assert error.message.startswith("gradient() at column 6: ")
    assert error.span is not None and error.span.start == 5


def test_every_public_function_has_a_docstring_with_an_example() -> None:
    assert len(PUBLIC_FUNCTIONS) >= 12
    for name in PUBLIC_FUNCTIONS:
        doc = inspect.getdoc(getattr(autodiff, name)) or ""
        assert ">>> " in doc, name


@pytest.mark.parametrize("module", [functions, results], ids=lambda m: m.__name__)
def test_docstring_examples_run(module: Any) -> None:
    pytest.importorskip("numpy")  # evaluate_batch's example
    outcome = doctest.testmod(module, optionflags=doctest.ELLIPSIS, raise_on_error=False)
    assert outcome.failed == 0


def test_import_is_lazy() -> None:
    loaded = _modules_after("import autodiff")
    assert not loaded & {"lark", "numpy", "typer", "rich", "autodiff.functions"}
    loaded = _modules_after("from autodiff import gradient\ngradient('x^2', {'x': 1})")
    assert not loaded & {"numpy", "typer", "rich"}


def _modules_after(code: str) -> set[str]:
    """The modules loaded after running ``code`` in a fresh interpreter (which must succeed)."""
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.splitlines()[-1].split())


def test_core_imports_no_front_end() -> None:
    loaded = _modules_after("import autodiff.core.derivatives, autodiff.core.trace")
    assert not loaded & {"lark", "typer", "rich"}


def test_json_output_does_not_load_rich() -> None:
    # The command's exit status is checked: one that failed early would load nothing.
    code = (
        "import sys\nfrom autodiff.cli.app import app\n"
        "sys.argv = ['autodiff', 'grad', 'x^2', '--at', 'x=1', '-F', 'json']\n"
        "try:\n    app(prog_name='autodiff')\nexcept SystemExit as done:\n"
        "    assert not done.code, f'exit status {done.code}'"
    )
    assert "rich.table" not in _modules_after(code)


def _readme_python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_python_blocks_run_and_show_true_values() -> None:
    """The README's Python is run (our own text, not user input), and every expression line
    ending in a comment shows the ``repr`` of its value there."""
    checked = 0
    for block in _readme_python_blocks():
        namespace: dict[str, Any] = {}
        lines = block.splitlines()
        for statement in ast.parse(block).body:
            code = ast.get_source_segment(block, statement)
            assert code is not None
            comment = lines[statement.end_lineno - 1].partition("  # ")[2]  # type: ignore[operator]
            if isinstance(statement, ast.Expr) and comment:
                value = eval(
                    compile(ast.Expression(statement.value), README.name, "eval"), namespace
                )
                assert repr(value) == comment, code
                checked += 1
            else:
                exec(compile(code, README.name, "exec"), namespace)
    assert checked >= 8
