"""The decoding grammar comes from the click tree: each parameter type brings its rule."""

from __future__ import annotations

import re

import pytest

from venvy import types as T
from venvy.nl import contract, grammar


def test_every_value_parameter_has_the_rule_of_its_type():
    for spec in contract.commands().values():
        for p in spec.params:
            if p.is_flag or p.kind == "CHOICE":
                assert p.rule is None
            else:
                assert p.rule is not None and p.rule[0] in grammar.grammar(), (spec.name, p.name)


def test_the_name_limit_is_the_cli_limit():
    rule = dict(line.split(" ::= ", 1) for line in grammar.grammar().splitlines())["name"]
    tail = int(re.search(r"\{0,(\d+)\}", rule).group(1))
    assert tail + 1 == T.NAME.max_length  # first character + the rest
    T.NAME.convert("a" * T.NAME.max_length, None, None)
    with pytest.raises(Exception):
        T.NAME.convert("a" * (T.NAME.max_length + 1), None, None)


def test_one_alternative_per_command_and_none():
    lines = grammar.grammar().splitlines()
    root = lines[0]
    assert root.startswith("root ::= ") and root.endswith('"none"')
    assert [a.strip() for a in root[len("root ::= "):].split("|")][:-1] == [f"cmd-{n}" for n in contract.commands()]
    assert '"none"' not in grammar.grammar(with_none=False).splitlines()[0]


def test_default_choices_are_not_expressible():
    ls = next(line for line in grammar.grammar().splitlines() if line.startswith("cmd-ls ::="))
    assert '"size"' in ls and '"name"' not in ls  # --sort name is the default: canonical form drops it
