"""Edges: kinks and --strict, where a non-finite derivative comes from, sizes, huge traces."""

from __future__ import annotations

import pytest
from conftest import run

from autodiff.core.derivatives import gradient, hessian, jacobian, jvp, vjp
from autodiff.core.errors import NonFiniteError
from autodiff.core.primitives import PRIMITIVES
from autodiff.grammar.build import parse

KINKS = [
    ("abs(x)", {"x": 0.0}, "abs", (0.0,), "autodiff uses 0, the midpoint"),
    ("relu(x)", {"x": 0.0}, "relu", (0.0,), "autodiff uses 0 (as PyTorch and JAX)"),
    ("max(x, y)", {"x": 1.0, "y": 1.0}, "max", (0.5, 0.5), "(½, ½)"),
    ("min(x, y)", {"x": 1.0, "y": 1.0}, "min", (0.5, 0.5), "(½, ½)"),
    ("hypot(x, y)", {"x": 0.0, "y": 0.0}, "hypot", (0.0, 0.0), "(0, 0)"),
    ("sign(x)", {"x": 0.0}, "sign", (0.0,), "autodiff uses 0, the slope on either side"),
]


@pytest.mark.parametrize(("text", "at", "op", "gradient_there", "convention"), KINKS)
def test_kinks_warn_with_the_one_sided_derivatives_and_the_convention(
    text: str, at: dict[str, float], op: str, gradient_there: tuple[float, ...], convention: str
) -> None:
    graph = parse(text)
    for mode in ("reverse", "forward"):
        result = gradient(graph, at, mode)  # type: ignore[arg-type]
        assert result.gradient == gradient_there
        (warning,) = result.warnings
        assert warning.kind == "kink" and f"is at a kink of {op}" in warning.message
        assert "one-sided derivatives are" in warning.message and convention in warning.message
    others = [jvp(graph, at, [1.0] * graph.n_inputs), vjp(graph, at, [1.0])]
    if op != "hypot":  # hypot's second derivatives are infinite at the origin
        others.append(hessian(graph, at))
    for other in others:
        assert [w.kind for w in other.warnings] == ["kink"]


def test_no_kink_warning_away_from_the_kink() -> None:
    assert gradient(parse("abs(x) + max(x, y)"), {"x": 0.5, "y": 0.2}).warnings == ()


def test_every_piecewise_primitive_declares_its_kink() -> None:
    assert {name for name, p in PRIMITIVES.items() if p.kink} == {
        "abs",
        "relu",
        "max",
        "min",
        "hypot",
        "sign",
    }


def test_strict_turns_warnings_into_errors() -> None:
    code, out, err = run("grad", "abs(x)*y", "--at", "x=0,y=2")
    assert code == 0 and "warning: v₁ = |v₋₁| with v₋₁ = 0 is at a kink of abs" in err
    assert 'from "abs(x)" at column 1' in err
    code, out, err = run("grad", "abs(x)*y", "--at", "x=0,y=2", "--strict")
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "(--strict)" in err
    code, _, err = run("eval", "exp(-(x*x))", "--at", "x=1e200", "--strict")
    assert code == 1 and "IEEE overflow" in err
    assert run("grad", "abs(x)*y", "--at", "x=1,y=2", "--strict")[0] == 0


def test_strict_and_kinks_in_batches(tmp_path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("numpy")
    points = tmp_path / "p.csv"
    points.write_text("x,y\n1,2\n0,2\n-1,2\n")
    code, out, err = run("grad", "abs(x)*y", "--points", str(points), "-F", "csv")
    assert code == 0 and len(out.splitlines()) == 4
    assert f"line 3 of {points}: v₁ = |v₋₁| with v₋₁ = 0 is at a kink of abs" in err
    code, out, err = run("grad", "abs(x)*y", "--points", str(points), "-F", "csv", "--strict")
    assert code == 1 and len(out.splitlines()) == 2 and "(--strict)" in err


def test_a_blown_up_partial_names_its_node() -> None:
    with pytest.raises(NonFiniteError) as info:
        gradient(parse("x + acos(y)"), {"x": 1.0, "y": 1.0})
    assert "∂v₁/∂v₀ = -inf at v₁ = acos v₀ with v₀ = 1" in info.value.message
    assert info.value.span is not None and info.value.span.start == 4


def test_an_overflowing_tangent_or_adjoint_names_where_it_happened() -> None:
    graph = parse("1e300*sin(x*1e10)")
    with pytest.raises(
        NonFiniteError, match=r"the tangent v̇₃ = inf first overflows at v₃ = 1e\+300 × v₂"
    ):
        gradient(graph, {"x": 0.0}, "forward")
    with pytest.raises(NonFiniteError, match=r"v̄₀ \+= v̄₁·∂v₁/∂v₀ at v₁ = v₀ × 10000000000"):
        gradient(graph, {"x": 0.0}, "reverse")
    with pytest.raises(NonFiniteError, match="first overflows"):
        jacobian(parse(["1e300*sin(x*1e10)", "x"]), {"x": 0.0}, "forward")


def test_max_nodes_refuses_early() -> None:
    text = "+".join(f"sin(x{i})" for i in range(50))
    code, _, err = run("eval", text, "--max-nodes", "40")
    assert code == 2 and "more than 40 operations (see --max-nodes)" in err


def test_huge_graphs_print_no_trace_unless_asked() -> None:
    text = "+".join(f"sin(x{i})" for i in range(300))
    at = ",".join(f"x{i}=0.5" for i in range(300))
    code, out, err = run("grad", text, "--at", at)
    assert code == 0 and "Forward primal trace" not in out
    assert "899 nodes: the traces are not printed (--trace prints them)" in err
    code, out, _ = run("grad", text, "--at", at, "--trace", "--max-rows", "10")
    # 899 nodes, and 899 adjoint steps (the seed, one per sin, two per addition) and the 300
    # inputs' adjoints x̄ = v̄ that close the adjoint trace
    assert "… 890 more rows not shown (--max-rows 900 shows all)" in out  # and the y row
    assert "… 1,189 more rows not shown (--max-rows 1199 shows all)" in out


def test_memory_error_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import autodiff.grammar.build as build

    def exhausted(*_: object, **__: object) -> None:
        raise MemoryError

    monkeypatch.setattr(build, "parse", exhausted)
    code, _, err = run("eval", "x", "--at", "x=1")
    assert code == 2 and err.startswith("autodiff: error: out of memory") and err.count("\n") == 1
