"""The GBNF grammar that constrains decoding, built from the contract.

Each command is one alternative in canonical option order; each value comes from the
rule its parameter type supplies (venvy.types: `gbnf()`), so the grammar and the
command line agree on what a value may be. Choices list their values except the
default (canonical form leaves a default out); flags are bare.
"""

from __future__ import annotations

from venvy.nl import contract


def _value_expr(p: contract.ParamSpec) -> str:
    if p.kind == "CHOICE":
        choices = [c for c in p.choices if c != p.default]
        return "(" + " | ".join(f'"{c}"' for c in choices) + ")"
    return p.rule[0]


def grammar(prefix: str = "", with_none: bool = True) -> str:
    """GBNF for every contract command in canonical option order, or `none`.

    `prefix` is prepended to each command (e.g. "venvy "). Options equal to their
    default choice are not expressible; other defaults are removed by canonical()."""
    lines, alts, rules = [], [], {}
    for spec in contract.commands().values():
        rule = "cmd-" + spec.name
        alts.append(rule)
        body = [f'"{prefix}{spec.name}"']
        if spec.positional is not None:
            pos = f'" " {_value_expr(spec.positional)}'
            body.append(pos if spec.positional.required else f"({pos})?")
        for opt in spec.options:
            if opt.is_flag:
                body.append(f'(" {opt.flag}")?')
            else:
                body.append(f'(" {opt.flag} " {_value_expr(opt)})?')
        for p in spec.params:
            if p.rule is not None:
                rules.setdefault(p.rule[0], p.rule[1])
        lines.append(f"{rule} ::= " + " ".join(body))
    root = " | ".join(alts + ([f'"{contract.NONE}"'] if with_none else []))
    values = [f"{name} ::= {rules[name]}" for name in sorted(rules)]
    return "\n".join([f"root ::= {root}", *lines, *values]) + "\n"
