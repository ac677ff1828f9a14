"""The parser's LALR tables as plain data: derived from ``expr.lark`` by Lark (``derive``, the
only place Lark is imported), written with a digest (``dump``), and checked when read back
(``load``), so that a damaged or altered file is rebuilt instead of trusted.

What ``load`` verifies, without Lark (~0.2 ms):

- the digest in the first line: CRC-32 and Adler-32 of the format, the grammar's text and the
  JSON after it. Any damage, tables of another grammar or another format, or an edit that did
  not recompute it, fails here.
- the structure, so that even a file written consistently by someone else cannot make the
  driver index out of range, loop for ever or call a callback on the wrong rule: every field
  and type; every state and rule number in range; each rule's callback is the alias the
  grammar gives that very rule (``sum PLUS product -> add``), a rule that keeps its value is
  a ``?rule``'s single symbol, and the children a callback gets are all of them, in order;
  every goto row covers every terminal; the end state is reached on the end of the text only;
  and no reduction by a rule of one symbol follows another (``_no_cycles``).

The lexer's pattern is not in the file at all: it comes from the grammar's text on every start
(``source.read``). The one defence against another account rewriting the file consistently is
that it cannot: the directory and file must be the user's own and private (``cache``).
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from autodiff.grammar.source import Grammar

FORMAT = 3  # bump when what is cached changes
START = "start"  # the grammar's start rule (Lark's default)
END = "_END"  # the end of the text as a terminal (Lark's $END: not a regex group name)
_FIELDS = {"start", "end", "actions", "gotos", "rules"}
_RULE_FIELDS = {"origin", "expansion", "keep", "callback", "children"}


class DamagedTables(ValueError):
    """The cached tables are not what the grammar gives: they are built again."""


def _expect(condition: bool, why: str) -> None:
    if not condition:
        raise DamagedTables(why)


# --- derived by Lark ---------------------------------------------------------------------------


def derive(text: str, grammar: Grammar) -> dict[str, Any]:
    """What ``_Driver`` runs, derived from the grammar's ``text`` by Lark, as plain lists,
    dicts, strings and integers.

    - ``start``, ``end``: the first state, and the state reached when the start rule is reduced.
    - ``actions[state][terminal]``: ≥ 0 shift to that state, < 0 reduce by ``rules[~action]``;
      the end of the text is the terminal ``_END``.
    - ``rules[i]``: ``origin`` (the rule reduced to), ``expansion`` (its symbols), ``keep``
      (the reduction keeps the value: a ``?rule`` with one child), ``callback`` (the alias:
      the ``_Callbacks`` method, or null: the value is the list of children, for a rule Lark
      inlines into its parent) and ``children`` (null: all, in order; else [position, splice]
      pairs, splice meaning the child's list is inlined, as Lark's ``ChildFilter`` does).
    - ``gotos[state][rule][terminal]``: the state after reducing to ``rule`` over ``state``
      with ``terminal`` next, and then by the reductions that keep the value (``_settle``).
    """
    from lark import Lark
    from lark.parse_tree_builder import ExpandSingleChild
    from lark.parsers.lalr_analysis import Shift

    built = Lark(text, parser="lalr", lexer="basic", maybe_placeholders=False)
    conf = built.lexer_conf
    lark_terminals = {t.name for t in conf.terminals if t.name not in conf.ignore}
    if lark_terminals != set(grammar.terminals):  # source.read misread the grammar
        raise ValueError(f"expr.lark: Lark reads the terminals {sorted(lark_terminals)}")
    lalr = built.parser.parser.parser  # lark.parsers.lalr_parser._Parser
    table, lark_callbacks = lalr.parse_table, lalr.callbacks
    actions: list[dict[str, int]] = [{} for _ in table.states]
    shifts: list[dict[str, int]] = [{} for _ in table.states]
    rules: list[dict[str, Any]] = []
    numbers: dict[Any, int] = {}
    for state, row in table.states.items():
        for symbol, (action, arg) in row.items():
            if action is Shift:
                (actions if symbol.isupper() else shifts)[state][symbol] = arg
                continue
            if arg not in numbers:
                numbers[arg] = len(rules)
                rules.append(_rule(arg, lark_callbacks[arg], ExpandSingleChild))
            actions[state][END if symbol == "$END" else symbol] = ~numbers[arg]
    end = table.end_states[START]
    terminals = [*grammar.terminals, END]
    gotos = [
        {
            name: {t: _settle(actions, rules, shifts, below, to, t, end) for t in terminals}
            for name, to in row.items()
        }
        for below, row in enumerate(shifts)
    ]
    return {
        "start": table.start_states[START],
        "end": end,
        "actions": actions,
        "gotos": gotos,
        "rules": rules,
    }


def _rule(rule: Any, lark_callback: Any, expand_single_child: type) -> dict[str, Any]:
    """One rule as ``_Driver`` reduces it, read off the callback Lark would call."""
    expansion = [symbol.name for symbol in rule.expansion]
    keep = isinstance(lark_callback, expand_single_child) and len(expansion) == 1
    if not keep and rule.alias is None and not rule.origin.name.startswith("_"):
        raise TypeError(f"no alias (callback) for a rule of {rule.origin.name!r} in expr.lark")
    inner = lark_callback.node_builder if keep else lark_callback
    include = getattr(inner, "to_include", None)  # a ChildFilter: some children are inlined
    children = None if include is None else [[i, bool(splice)] for i, splice, *_ in include]
    return {
        "origin": rule.origin.name,
        "expansion": expansion,
        "keep": keep,
        "callback": None if keep else rule.alias,
        "children": None if keep else children,
    }


def _settle(
    actions: list[dict[str, int]],
    rules: list[dict[str, Any]],
    gotos: list[dict[str, int]],
    below: int,
    state: int,
    terminal: str,
    end: int,
) -> int:
    """Where the reductions that keep the value lead from ``state`` (over ``below``), with
    ``terminal`` next: each pops ``state`` only, so ``below`` stays."""
    while state != end:
        action = actions[state].get(terminal, 0)
        if action >= 0 or not rules[~action]["keep"]:
            return state
        state = gotos[below][rules[~action]["origin"]]
    return state


# --- the file: a line with the digest, then the JSON --------------------------------------------


def _digest(text: str, body: bytes) -> str:
    key = f"{FORMAT}\0{text}\0".encode() + body
    return f"{zlib.crc32(key):08x}{zlib.adler32(key):08x}"


def dump(tables: dict[str, Any], text: str) -> str:
    """The file's content for ``tables`` derived from the grammar's ``text``."""
    body = json.dumps(tables, separators=(",", ":"))
    return f"autodiff-tables {FORMAT} {_digest(text, body.encode())}\n{body}"


def load(content: str, text: str, grammar: Grammar) -> dict[str, Any]:
    """The tables in a file's ``content``, when it is what ``dump`` wrote for this grammar and
    they are sound (``check``); ``DamagedTables`` (or a JSON error) otherwise."""
    header, _, body = content.partition("\n")
    _expect(header == f"autodiff-tables {FORMAT} {_digest(text, body.encode())}", "digest")
    tables = json.loads(body)
    check(tables, grammar)
    return tables


# --- the check -------------------------------------------------------------------------------


def check(tables: Any, grammar: Grammar) -> None:
    """``DamagedTables`` unless ``tables`` are sound for ``grammar`` (see the module's doc)."""
    _expect(isinstance(tables, dict) and tables.keys() == _FIELDS, "fields")
    actions, gotos, rules = tables["actions"], tables["gotos"], tables["rules"]
    _expect(isinstance(actions, list) and isinstance(gotos, list), "rows")
    _expect(len(actions) == len(gotos) > 0 and isinstance(rules, list), "rows")
    states, start, end = len(actions), tables["start"], tables["end"]
    _expect(type(start) is int and type(end) is int and start != end, "start and end")
    _expect(0 <= start < states and 0 <= end < states, "start and end")
    sizes = _check_rules(rules, grammar)
    origins = {rule["origin"] for rule in rules}
    terminals = {*grammar.terminals, END}
    for row in actions:
        _expect(isinstance(row, dict) and row.keys() <= terminals, "actions")
        for terminal, action in row.items():
            _expect(type(action) is int and -len(rules) <= action < states, "action")
            _expect(action != end, "a shift to the end")
            if action < 0 and rules[~action]["origin"] == START:
                _expect(terminal == END, "the start rule reduced before the end")
    for row in gotos:
        _expect(isinstance(row, dict) and row.keys() <= origins, "gotos")
        for origin, targets in row.items():
            _expect(isinstance(targets, dict) and targets.keys() == terminals, "a goto row")
            for terminal, state in targets.items():
                _expect(type(state) is int and 0 <= state < states, "goto")
                if state == end:
                    _expect(terminal == END or origin == START, "the end before the end")
                    continue
                # After any reduction, the next action is not a reduction by one symbol: so
                # those never follow each other, every other reduction shortens the stack, and
                # each token ends in a shift (or an error) after finitely many reductions.
                action = actions[state].get(terminal, 0)
                _expect(action >= 0 or sizes[~action] > 1, "a reduction by one symbol")


def _check_rules(rules: list[Any], grammar: Grammar) -> list[int]:
    """Each rule's fields, and that it is a rule of the grammar with the callback and children
    the grammar gives it; the rules' lengths."""
    aliases = {a.alias: a for a in grammar.alternatives if a.alias is not None}
    singles = {
        (a.origin, a.symbols[0])
        for a in grammar.alternatives
        if a.origin in grammar.inlined and a.alias is None and len(a.symbols) == 1
    }
    symbols = {*grammar.terminals, *(a.origin for a in grammar.alternatives)}
    seen = set()
    for rule in rules:
        _expect(isinstance(rule, dict) and rule.keys() == _RULE_FIELDS, "rule fields")
        origin, expansion, callback = rule["origin"], rule["expansion"], rule["callback"]
        _expect(isinstance(origin, str) and isinstance(expansion, list) and expansion, "rule")
        _expect(all(isinstance(s, str) for s in expansion) and type(rule["keep"]) is bool, "rule")
        _expect(all(s in symbols or s.startswith("_") for s in expansion), "a rule's symbols")
        if rule["keep"]:  # a ?rule's single symbol: the value stays as it is
            _expect(callback is None and rule["children"] is None, "a rule that keeps")
            _expect(len(expansion) == 1 and (origin, expansion[0]) in singles, "keeps")
            continue
        if callback is None:  # a rule Lark makes for an EBNF repetition: its children, spliced
            _expect(origin.startswith("_"), "a rule without a callback")
        else:
            alternative = aliases.get(callback)
            _expect(alternative is not None and alternative.origin == origin, "callback")
            assert alternative is not None
            if alternative.plain:
                _expect(tuple(expansion) == alternative.symbols, "the callback's rule")
            else:
                _expect(_fits(expansion, alternative.symbols), "the callback's rule")
            seen.add(callback)
        splices = [[i, symbol.startswith("_")] for i, symbol in enumerate(expansion)]
        children = splices if any(splice for _, splice in splices) else None
        _expect(rule["children"] == children, "children")
    _expect(seen == aliases.keys(), "a callback missing")
    return [len(rule["expansion"]) for rule in rules]


def _fits(expansion: list[str], symbols: tuple[str, ...]) -> bool:
    """Whether a rule Lark made from an EBNF alternative (``NAME LPAR (sum (COMMA sum)*)?
    RPAR``) fits it: its own symbols (not the ones Lark made up) are a subsequence of the
    alternative's, beginning and ending with the same."""
    own = [symbol for symbol in expansion if not symbol.startswith("_")]
    if not own or own[0] != symbols[0] or own[-1] != symbols[-1]:
        return False
    rest = iter(symbols)
    return all(symbol in rest for symbol in own)
