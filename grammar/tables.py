"""The parser's LALR tables as plain data: derived from ``expr.lark`` by Lark (``derive``, the
only place Lark is imported), written with a digest (``dump``), and checked when read back
(``load``), so that a damaged or altered file is rebuilt instead of trusted.

What ``load`` verifies, without Lark (~2 M instructions, a few tenths of a millisecond):

- the digest in the first line: CRC-32 and Adler-32 of the format, the grammar's text and the
  JSON after it. Any damage, tables of another grammar or another format, or an edit that did
  not recompute it, fails here.
- the structure, so that even a file rewritten consistently cannot make the driver loop for
  ever or call a callback on the wrong rule: every field and type; every state and rule number
  in range; each rule's callback is the alias the grammar gives that very rule (``sum PLUS
  product -> add``), a rule that keeps its value is a ``?rule``'s single symbol, and the
  children a callback gets are all of them, in order; every goto row covers every terminal;
  the end state is reached on the end of the text only; and no reduction by a rule of one
  symbol follows another reduction (so each token ends in a shift after finitely many).
  What it cannot see (a goto row missing altogether) fails while parsing, and ``build.parse``
  rebuilds the tables then and parses again.

The lexer's pattern is not in the file at all: it comes from the grammar's text on every start
(``source.read``). The one defence against another account rewriting the file consistently is
that it cannot: the directory and file must be the user's own and private (``cache``).
"""

from __future__ import annotations

import json
import zlib
from itertools import chain
from operator import itemgetter
from typing import Any

from autodiff.grammar.source import Alternative, Grammar

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
    # This runs on every start: whole-table set operations keep the loops in C. Anything of a
    # wrong type makes them raise, which counts as damage as well (see _make_parser).
    moves = list(chain.from_iterable(map(dict.values, actions)))
    numbers = set(range(-len(rules), states)) - {end}  # a shift (not to the end) or a reduction
    _expect(set().union(*map(dict.keys, actions)) <= terminals, "actions")
    _expect(set(map(type, moves)) <= {int} and set(moves) <= numbers, "an action")
    # Where the start rule is reduced (on _END only, or too early), and by terminal, the states
    # that reduce by a rule of one symbol (see below)
    starts = {~i for i, rule in enumerate(rules) if rule["origin"] == START}
    ones = {~i for i, size in enumerate(sizes) if size == 1}
    early, watched = set(), starts | ones
    units: dict[str, set[int]] = {t: set() for t in terminals}
    for state, row in enumerate(actions):
        if not watched.isdisjoint(row.values()):
            early.update(t for t, a in row.items() if a in starts)
            for t, a in row.items():
                if a in ones:
                    units[t].add(state)
    _expect(early <= {END}, "the start rule reduced before the end of the text")
    _expect(set().union(*map(dict.keys, gotos)) <= origins, "gotos")
    others = [targets for row in gotos for origin, targets in row.items() if origin != START]
    ends = list(chain.from_iterable(row[START].values() for row in gotos if START in row))
    _expect(set(ends) <= {end}, "the start rule's goto")
    _expect(set(map(len, others)) <= {len(terminals)}, "a goto row")  # and each has every t:
    reach = {t: set(map(itemgetter(t), others)) for t in terminals}  # (else a KeyError)
    found = set().union(*reach.values())
    _expect(set(map(type, found)) <= {int} and found <= set(range(states)), "a goto")
    # After any reduction, the next action is not a reduction by one symbol: so those never
    # follow each other, every other reduction shortens the stack, and each token ends in a
    # shift (or an error) after finitely many reductions. And the end state is reached on
    # the end of the text alone (but from the start rule's own row, which only _END reaches).
    for t, states_reached in reach.items():
        _expect(states_reached.isdisjoint(units[t]), "a reduction by one symbol after another")
        _expect(t == END or end not in states_reached, "the end state before the end")


def _check_rules(rules: list[Any], grammar: Grammar) -> list[int]:
    """That each rule is one of the grammar's, with the callback and children the grammar
    gives it, and that every alias has its rule; the rules' lengths."""
    aliases = {a.alias: a for a in grammar.alternatives if a.alias is not None}
    singles = {
        (a.origin, a.symbols[0])
        for a in grammar.alternatives
        if a.origin in grammar.inlined and a.alias is None and len(a.symbols) == 1
    }
    symbols = {*grammar.terminals, *(a.origin for a in grammar.alternatives)}
    exact = _exact_rules(grammar)
    for rule in rules:
        key = rule["callback"] or (rule["origin"], *rule["expansion"])
        if exact.get(key) != rule:  # (else one dict comparison was enough)
            _expect(_is_the_grammar_s(rule, aliases, singles, symbols), "a rule not the grammar's")
    _expect({rule["callback"] for rule in rules} - {None} == aliases.keys(), "a callback missing")
    return [len(rule["expansion"]) for rule in rules]


def _exact_rules(grammar: Grammar) -> dict[Any, dict[str, Any]]:
    """The rule Lark derives from each alternative without EBNF, as ``derive`` writes it, by
    its alias (or, for a ?rule's single symbol, by its origin and symbol)."""
    exact: dict[Any, dict[str, Any]] = {}
    for a in grammar.alternatives:
        if not a.plain or any(symbol.startswith("_") for symbol in a.symbols):
            continue
        keep = a.alias is None and a.origin in grammar.inlined and len(a.symbols) == 1
        key = a.alias if a.alias else (a.origin, *a.symbols)
        exact[key] = {
            "origin": a.origin,
            "expansion": list(a.symbols),
            "keep": keep,
            "callback": a.alias,
            "children": None,
        }
    return exact


def _is_the_grammar_s(
    rule: Any,
    aliases: dict[str, Alternative],
    singles: set[tuple[str, str]],
    symbols: set[str],
) -> bool:
    if not (isinstance(rule, dict) and rule.keys() == _RULE_FIELDS):
        return False
    origin, expansion, callback = rule["origin"], rule["expansion"], rule["callback"]
    if not (isinstance(origin, str) and isinstance(expansion, list) and expansion):
        return False
    if not all(isinstance(s, str) and (s in symbols or s.startswith("_")) for s in expansion):
        return False
    if rule["keep"] is True:  # a ?rule's single symbol: the value stays as it is
        single = len(expansion) == 1 and (origin, expansion[0]) in singles
        return single and callback is None and rule["children"] is None
    splices = [[i, symbol.startswith("_")] for i, symbol in enumerate(expansion)]
    if rule["keep"] is not False or rule["children"] != (
        splices if any(splice for _, splice in splices) else None  # all children, in order
    ):
        return False
    if callback is None:  # a rule Lark makes for an EBNF repetition: its children, spliced
        return origin.startswith("_")
    alternative = aliases.get(callback)  # the callback is the alias of this very rule
    if alternative is None or alternative.origin != origin:
        return False
    if alternative.plain:
        return tuple(expansion) == alternative.symbols
    return _fits(expansion, alternative.symbols)


def _fits(expansion: list[str], symbols: tuple[str, ...]) -> bool:
    """Whether a rule Lark made from an EBNF alternative (``NAME LPAR (sum (COMMA sum)*)?
    RPAR``) fits it: its own symbols (not the ones Lark made up) are a subsequence of the
    alternative's, beginning and ending with the same."""
    own = [symbol for symbol in expansion if not symbol.startswith("_")]
    if not own or own[0] != symbols[0] or own[-1] != symbols[-1]:
        return False
    rest = iter(symbols)
    return all(symbol in rest for symbol in own)
