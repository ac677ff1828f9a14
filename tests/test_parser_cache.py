"""The parser's tables and their cache file: derived by Lark once, kept as JSON, verified when
read back (a damaged or altered file is rebuilt, never trusted), and safe from another account
(planted links, shared directories, files that are not the user's own) — issue 13."""

from __future__ import annotations

import copy
import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import autodiff.grammar.build as build
from autodiff.core.builder import GraphBuilder
from autodiff.grammar import cache, source, tables
from autodiff.grammar.build import parse

pytestmark = pytest.mark.skipif(not cache.SUPPORTED, reason="no dir_fd or O_NOFOLLOW here")

GRAMMAR = build._GRAMMAR.read_text(encoding="utf-8")
_NOBODY = 65534


def _make_parser(path: Path | None) -> build._Driver:
    return build._make_parser(GRAMMAR, path)


def _sum_of_product(parser: build._Driver) -> int:
    """The id ``x*y + 2`` ends in (x, y, then the product: ids before numbering)."""
    return parser.parse("x*y + 2", build._Callbacks(GraphBuilder()))[0]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "autodiff" / "grammar.json"


# --- the tables: derived once by Lark, kept as JSON, loaded without Lark -----------------------


def test_the_tables_are_plain_data_with_a_callback_per_alias() -> None:
    derived = tables.derive(GRAMMAR, source.read(GRAMMAR))
    assert json.loads(json.dumps(derived)) == derived
    assert len(derived["actions"]) == len(derived["gotos"])
    callbacks = {rule["callback"] for rule in derived["rules"]} - {None}
    aliases = {"add", "sub", "mul", "div", "pow", "neg", "pos", "number", "name", "call", "group"}
    assert callbacks == aliases
    for rule in derived["rules"]:  # a rule without a callback is one Lark inlines (arguments)
        assert rule["keep"] or rule["callback"] or rule["origin"].startswith("_")
    tables.check(derived, source.read(GRAMMAR))  # what Lark derives passes the check


def _modules_after_parse(cache_home: Path) -> set[str]:
    probe = "import sys\nfrom autodiff.grammar.build import parse\nparse('x+1')\n"
    probe += "print(' '.join(sys.modules))"
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    return set(done.stdout.split())


def test_lark_is_imported_only_to_build_the_tables(tmp_path: Path) -> None:
    assert "lark" in _modules_after_parse(tmp_path)  # the first run builds and caches them
    assert list((tmp_path / "autodiff").glob("grammar-*.json"))
    assert "lark" not in _modules_after_parse(tmp_path)


def test_sound_tables_are_loaded_not_rebuilt(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _make_parser(path)
    assert path.is_file() and not list(path.parent.glob("*.tmp"))

    def not_again(text: str, grammar: source.Grammar) -> dict[str, Any]:
        raise AssertionError("rebuilt although the cache was there")

    monkeypatch.setattr(tables, "derive", not_again)
    parser = _make_parser(path)
    assert parser.cached and _sum_of_product(parser) == 3


def test_an_unwritable_cache_is_only_slower(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    parser = _make_parser(blocker / "autodiff" / "grammar.json")
    assert parser.parse("sin(x)", build._Callbacks(GraphBuilder()))[0] == 1


def test_the_cache_follows_xdg_and_keys_on_the_grammar(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere")
    path = cache.cache_file(GRAMMAR, tables.FORMAT)
    assert path is not None and path.parent == Path("/somewhere/autodiff")
    assert cache.cache_file(GRAMMAR + " ", tables.FORMAT) != path
    assert cache.cache_file(GRAMMAR, tables.FORMAT - 1) != path
    monkeypatch.setenv("XDG_CACHE_HOME", "relative")  # ignored, as the XDG spec says
    monkeypatch.setenv("HOME", "/home/someone")
    expected = Path("/home/someone/.cache/autodiff", path.name)
    assert cache.cache_file(GRAMMAR, tables.FORMAT) == expected


# --- the grammar's text, read without Lark on every start ------------------------------------


def test_the_grammar_read_without_lark_has_lark_s_terminals_and_aliases() -> None:
    from lark import Lark

    lark = Lark(GRAMMAR, parser="lalr", lexer="basic")
    grammar = source.read(GRAMMAR)
    conf = lark.lexer_conf
    assert set(grammar.terminals) == {t.name for t in conf.terminals if t.name not in conf.ignore}
    aliases = {rule.alias for rule in lark.rules} - {None}
    assert {a.alias for a in grammar.alternatives} - {None} == aliases
    assert grammar.inlined == {"start", "sum", "product", "unary", "atom"}


@pytest.mark.parametrize(
    "regexp",
    [r"[A-Za-z_][A-Za-z0-9_]*", r"([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?", r"[+*]", r"a\*",
     r"a{2,}", r"a{2,5}", r"(?=a*)b", r"[ \t]+", r"[]*]", r"[^]+]x", r"\[a+"],
)  # fmt: skip
def test_a_regexp_s_widest_match_is_what_sre_parse_says(regexp: str) -> None:
    sre_parse = pytest.importorskip("re._parser")  # Python 3.11+
    widest = sre_parse.parse(regexp).getwidth()[1]
    unbounded = widest >= getattr(sre_parse, "MAXWIDTH", sre_parse.MAXREPEAT)
    assert source._widths(regexp, True)[1] == (source._UNBOUNDED if unbounded else widest)


@pytest.mark.parametrize(
    "line",
    ['x: "a"', "x: (a | b)", "%import common.WS", 'A: "a"i', "foo bar", 'A: "a" B', "x.2: a",
     "A: /a/ |", 'A: "a\\"b"', "A: /a", "x: a -> ", '?x: "("'],
)  # fmt: skip
def test_grammar_syntax_the_reader_does_not_know_is_refused(line: str) -> None:
    with pytest.raises(ValueError, match="does not know"):
        source.read(f"{GRAMMAR}\n{line}\n")


# --- a damaged or altered file is rebuilt, and the answer is right ----------------------------


def _cached(path: Path) -> dict[str, Any]:
    """The tables in the file, as JSON (after its digest line)."""
    return json.loads(path.read_text(encoding="utf-8").partition("\n")[2])


def _rules(found: dict[str, Any], callback: str) -> Iterator[dict[str, Any]]:
    return (rule for rule in found["rules"] if rule["callback"] == callback)


def _swap_add_and_sub(found: dict[str, Any]) -> None:
    for rule in found["rules"]:
        rule["callback"] = {"add": "sub", "sub": "add"}.get(rule["callback"], rule["callback"])


def _drop_one_goto(found: dict[str, Any]) -> None:
    row = next(row for row in found["gotos"] if "product" in row)
    del row["product"]["PLUS"]


def _goto_out_of_range(found: dict[str, Any]) -> None:
    row = next(row for row in found["gotos"] if "product" in row)
    row["product"]["PLUS"] = len(found["actions"])


def _reduce_by_no_rule(found: dict[str, Any]) -> None:
    row = next(row for row in found["actions"] if any(a < 0 for a in row.values()))
    terminal = next(t for t, a in row.items() if a < 0)
    row[terminal] = -len(found["rules"]) - 1


def _a_cycle_of_one_symbol_reductions(found: dict[str, Any]) -> None:
    """A goto into the state that reduces ``atom: NAME``: without the check, ``x`` would be
    reduced to an atom again and again, for ever."""
    name = found["rules"].index(next(_rules(found, "name")))
    state = next(s for s, row in enumerate(found["actions"]) if row.get("PLUS") == ~name)
    row = next(row for row in found["gotos"] if "atom" in row)
    row["atom"]["PLUS"] = state


def _the_end_too_early(found: dict[str, Any]) -> None:
    for row in found["gotos"]:
        for targets in row.values():
            targets["PLUS"] = found["end"]


def _keep_a_token(found: dict[str, Any]) -> None:
    rule = next(_rules(found, "number"))
    rule.update(keep=True, callback=None)


def _children_in_another_order(found: dict[str, Any]) -> None:
    rule = next(r for r in _rules(found, "call") if r["children"])
    rule["children"][1], rule["children"][2] = rule["children"][2], rule["children"][1]


def _call_for_group(found: dict[str, Any]) -> None:
    next(_rules(found, "group"))["callback"] = "call"


def _a_pattern_that_hangs(found: dict[str, Any]) -> None:
    found["pattern"] = "(a+)+$"  # the file of format 2 held the lexer's pattern


def _start_as_text(found: dict[str, Any]) -> None:
    found["start"] = str(found["start"])


def _a_row_as_a_list(found: dict[str, Any]) -> None:
    found["actions"][0] = list(found["actions"][0].items())


def _a_float_for_a_state(found: dict[str, Any]) -> None:
    row = next(row for row in found["actions"] if any(a >= 0 for a in row.values()))
    terminal = next(t for t, a in row.items() if a >= 0)
    row[terminal] = float(row[terminal])


# Each keeps the digest right (tables.dump): what the structural check alone must catch.
ALTERED: list[Callable[[dict[str, Any]], None]] = [
    _swap_add_and_sub,
    _drop_one_goto,
    _goto_out_of_range,
    _reduce_by_no_rule,
    _a_cycle_of_one_symbol_reductions,
    _the_end_too_early,
    _keep_a_token,
    _children_in_another_order,
    _call_for_group,
    _a_pattern_that_hangs,
    _start_as_text,
    _a_row_as_a_list,
    _a_float_for_a_state,
]


def _assert_rebuilt_and_right(path: Path) -> None:
    parser = _make_parser(path)
    assert not parser.cached  # rebuilt from the grammar
    assert _sum_of_product(parser) == 3
    assert parser.parse("x - y", build._Callbacks(builder := GraphBuilder()))[0] == 2
    assert builder.finish([2]).nodes[2].op == "sub"
    assert _make_parser(path).cached  # and rewritten: the next start loads it


@pytest.mark.parametrize("alter", ALTERED, ids=lambda alter: alter.__name__.strip("_"))
def test_altered_tables_with_a_right_digest_are_rebuilt(
    path: Path, alter: Callable[[dict[str, Any]], None]
) -> None:
    _make_parser(path)
    found = _cached(path)
    altered = copy.deepcopy(found)
    alter(altered)
    assert json.dumps(altered) != json.dumps(found)  # (11.0 == 11 in Python)
    path.write_text(tables.dump(altered, GRAMMAR), encoding="utf-8")
    _assert_rebuilt_and_right(path)


def _damaged(content: str) -> list[str]:
    header, _, body = content.partition("\n")
    digest = header.rsplit(" ", 1)[1]
    return [
        "",
        "\n",
        content[: len(content) // 2],  # truncated
        content[:-1],
        content.replace('"callback":"add"', '"callback":"sub"', 1),  # the digest now differs
        content.replace('"callback":"sub"', '"callback":"add"', 1),
        body,  # no digest line
        f"autodiff-tables 2 {digest}\n{body}",  # another format
        f"autodiff-tables {tables.FORMAT} {digest}\n" + body.replace(":", ": ", 1),
        f"autodiff-tables {tables.FORMAT} {digest}\n[1]",
        '{"format":2,"pattern":"(a+)+$","flags":0}',  # a file of the format before
    ]


def test_a_damaged_file_is_rebuilt(path: Path) -> None:
    _make_parser(path)
    content = path.read_text(encoding="utf-8")
    for damaged in _damaged(content):
        path.write_text(damaged, encoding="utf-8")
        _assert_rebuilt_and_right(path)
    path.write_bytes(b"\xff\xfe" + content.encode())  # not even UTF-8
    _assert_rebuilt_and_right(path)


def test_tables_of_another_grammar_are_rebuilt(path: Path) -> None:
    _make_parser(path)
    other = GRAMMAR.replace("-> add", "-> sub", 1)  # e.g. an edit of expr.lark
    found = _cached(path)
    path.write_text(tables.dump(found, other), encoding="utf-8")
    _assert_rebuilt_and_right(path)


def _without_product_gotos(found: dict[str, Any]) -> None:
    """Passes the structural check (a row need not hold every rule) but breaks ``x*y``."""
    for row in found["gotos"]:
        row.pop("product", None)


def test_tables_that_break_while_parsing_are_rebuilt_and_the_parse_is_right(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    build._parser.cache_clear()
    try:
        expected = parse("x*y + 2")  # builds and caches the tables
        path = cache.cache_file(GRAMMAR, tables.FORMAT)
        assert path is not None
        found = _cached(path)
        _without_product_gotos(found)
        tables.check(found, source.read(GRAMMAR))
        path.write_text(tables.dump(found, GRAMMAR), encoding="utf-8")
        build._parser.cache_clear()
        assert build._parser().cached  # the file passed the check …
        assert parse("x*y + 2") == expected  # … failed while parsing, and was rebuilt
        build._parser.cache_clear()
        assert build._parser().cached
        assert parse("x*y + 2") == expected
    finally:
        build._parser.cache_clear()  # the other tests' driver, from their own cache


def _grad(cache_home: Path, text: str, at: str) -> dict[str, float]:
    """The gradient ``autodiff grad`` prints, run as its own process (timed out if it hangs)."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    command = ["autodiff", "grad", text, "--at", at, "--format", "json"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["gradient"]


def test_the_command_is_right_after_add_and_sub_were_swapped(tmp_path: Path) -> None:
    assert _grad(tmp_path, "x+y", "x=1,y=2") == {"x": 1.0, "y": 1.0}
    (path,) = (tmp_path / "autodiff").glob("grammar-*.json")
    found = _cached(path)
    _swap_add_and_sub(found)
    path.write_text(tables.dump(found, GRAMMAR), encoding="utf-8")
    for _ in range(2):  # rebuilt, then loaded from the rewritten file
        assert _grad(tmp_path, "x+y", "x=1,y=2") == {"x": 1.0, "y": 1.0}


@pytest.mark.parametrize("pattern", ["(a+)+$", "(", "(?P<NAME>"])
def test_a_planted_pattern_neither_hangs_nor_breaks_the_command(
    tmp_path: Path, pattern: str
) -> None:
    assert _grad(tmp_path, "x+y", "x=1,y=2") == {"x": 1.0, "y": 1.0}
    (path,) = (tmp_path / "autodiff").glob("grammar-*.json")
    found = _cached(path)
    found["pattern"] = pattern
    path.write_text(tables.dump(found, GRAMMAR), encoding="utf-8")
    name = "a" * 40
    assert _grad(tmp_path, f"{name}*b", f"{name}=2,b=3") == {name: 3.0, "b": 2.0}


# --- the cache against another account --------------------------------------------------------


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """Another file of the user's, which the cache must never write."""
    victim = tmp_path / "precious.txt"
    victim.write_text("precious", encoding="utf-8")
    return victim


def _plausible_temporary_names(path: Path) -> list[Path]:
    """The name the cache used to write through (``<cache>.<pid>.tmp``) and its neighbours."""
    pid = os.getpid()
    names = [f"{path.name}.{n}.tmp" for n in (pid, pid + 1, pid - 1, 0, 1)]
    return [path.with_name(name) for name in (*names, f"{path.name}.tmp", f"{path.name}~")]


def test_links_planted_at_the_temporary_names_are_not_followed(path: Path, victim: Path) -> None:
    path.parent.mkdir(mode=0o700)
    for name in _plausible_temporary_names(path):
        name.symlink_to(victim)
    assert _sum_of_product(_make_parser(path)) == 3
    assert victim.read_text(encoding="utf-8") == "precious"
    assert stat.S_ISREG(path.lstat().st_mode)  # the tables were written, beside the links


def test_a_link_planted_at_the_cache_file_is_neither_read_nor_written_through(
    path: Path, victim: Path
) -> None:
    path.parent.mkdir(mode=0o700)
    path.symlink_to(victim)
    assert cache.read(path) is None
    assert _sum_of_product(_make_parser(path)) == 3
    assert victim.read_text(encoding="utf-8") == "precious"
    assert stat.S_ISREG(path.lstat().st_mode)  # the link itself was replaced


def test_the_cache_directory_is_created_private(path: Path) -> None:
    _make_parser(path)
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert cache.read(path) is not None
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left behind


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o1777, 0o722])
def test_a_directory_others_may_write_is_not_read_but_made_private(path: Path, mode: int) -> None:
    _make_parser(path)
    os.chmod(path.parent, mode)
    assert cache.read(path) is None  # not read from there
    parser = _make_parser(path)
    assert not parser.cached and _sum_of_product(parser) == 3  # built again
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700  # before it was written to
    assert cache.read(path) is not None and _make_parser(path).cached


@pytest.mark.parametrize("mode", [0o660, 0o646, 0o666])
def test_a_file_others_may_write_is_not_read(path: Path, mode: int) -> None:
    _make_parser(path)
    os.chmod(path, mode)
    assert cache.read(path) is None


def test_a_linked_cache_directory_is_not_used(tmp_path: Path, path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    path.parent.symlink_to(elsewhere)
    assert _sum_of_product(_make_parser(path)) == 3
    assert list(elsewhere.iterdir()) == []


@pytest.mark.skipif(os.getuid() != 0, reason="giving a file away needs root")
def test_a_directory_or_file_of_another_account_is_not_used(path: Path) -> None:
    _make_parser(path)
    os.chown(path, _NOBODY, _NOBODY)
    assert cache.read(path) is None
    os.chown(path, 0, 0)
    assert cache.read(path) is not None
    os.chown(path.parent, _NOBODY, _NOBODY)
    assert cache.read(path) is None
    path.unlink()
    assert _sum_of_product(_make_parser(path)) == 3
    assert not path.exists()  # not written into another account's directory either


def test_a_fifo_at_the_cache_file_does_not_block(path: Path) -> None:
    path.parent.mkdir(mode=0o700)
    os.mkfifo(path, 0o600)
    assert cache.read(path) is None  # opened without blocking, then refused by fstat
    assert _sum_of_product(_make_parser(path)) == 3
    assert stat.S_ISREG(path.lstat().st_mode)
