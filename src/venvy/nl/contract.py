"""The command contract, read from the click tree in venvy.cli.

Everything the NL pipeline knows about commands comes from here: which commands
and options exist, how a command string is parsed (by the CLI's real parser),
its canonical form, whether two commands are the same, and the GBNF grammar that
constrains decoding. Nothing here is a hand-kept copy of the CLI.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from functools import lru_cache

import click

PREFIX = "venvy"
HIDDEN_PARAMS = {"help"}


class ContractError(ValueError):
    """A string that is not a valid contract command."""


@dataclass(frozen=True)
class ParamSpec:
    name: str  # click's parameter name (e.g. "fmt")
    flag: str | None  # "--format"; None for a positional
    kind: str  # NAME VERSION DIR FILE PATH LIST N, or "FLAG" / "CHOICE"
    choices: tuple[str, ...] = ()
    default: object = None
    required: bool = False

    @property
    def is_flag(self) -> bool:
        return self.kind == "FLAG"


@dataclass(frozen=True)
class CommandSpec:
    name: str
    positional: ParamSpec | None
    options: tuple[ParamSpec, ...]
    help: str = ""


@dataclass
class Parsed:
    """A command parsed by the real CLI parser, defaults filled in."""

    command: str
    params: dict = field(default_factory=dict)

    def canonical(self) -> str:
        return canonical_from_parsed(self)


def _kind(param: click.Parameter) -> tuple[str, tuple[str, ...]]:
    if isinstance(param, click.Option) and param.is_flag:
        return "FLAG", ()
    if isinstance(param.type, click.Choice):
        return "CHOICE", tuple(str(c) for c in param.type.choices)
    kind = getattr(param.type, "kind", None)
    if kind is None:
        raise TypeError(f"parameter {param.name!r} has no contract kind ({param.type!r})")
    return kind, ()


def _long_flag(option: click.Option) -> str:
    longs = [o for o in option.opts if o.startswith("--")]
    return longs[0]


@lru_cache(maxsize=1)
def commands() -> dict[str, CommandSpec]:
    """The contract commands, in the CLI's order, keyed by name."""
    from venvy.cli import main

    specs: dict[str, CommandSpec] = {}
    for name, cmd in main.commands.items():
        if cmd.hidden:
            continue
        positional = None
        options = []
        for param in cmd.params:
            if param.name in HIDDEN_PARAMS or getattr(param, "hidden", False):
                continue
            kind, choices = _kind(param)
            if isinstance(param, click.Argument):
                positional = ParamSpec(param.name, None, kind, choices, param.default, param.required)
            else:
                default = param.default if not param.is_flag else False
                options.append(ParamSpec(param.name, _long_flag(param), kind, choices, default, param.required))
        specs[name] = CommandSpec(name, positional, tuple(options), (cmd.help or "").strip())
    return specs


def parse(text: str) -> Parsed:
    """Parse 'venvy CMD ...' (or 'CMD ...') with the CLI's own parser.

    Raises ContractError for anything outside the contract.
    """
    from venvy.cli import main

    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise ContractError(f"cannot split {text!r}: {exc}") from None
    if words and words[0] == PREFIX:
        words = words[1:]
    if not words:
        raise ContractError("empty command")
    name, args = words[0], words[1:]
    specs = commands()
    if name not in specs:
        raise ContractError(f"unknown command {name!r}")
    if any(a in ("-h", "--help") for a in args):
        raise ContractError("--help is not a contract command")
    cmd = main.commands[name]
    try:
        ctx = cmd.make_context(name, list(args), resilient_parsing=False)
    except click.exceptions.Exit:  # pragma: no cover - --help filtered above
        raise ContractError("not a command") from None
    except click.ClickException as exc:
        raise ContractError(exc.format_message()) from None
    spec = specs[name]
    params = {}
    if spec.positional is not None:
        params[spec.positional.name] = ctx.params.get(spec.positional.name)
    for opt in spec.options:
        value = ctx.params.get(opt.name)
        params[opt.name] = bool(value) if opt.is_flag else value
    return Parsed(name, params)


def _is_default(opt: ParamSpec, value) -> bool:
    if opt.is_flag:
        return not value
    return value is None or value == opt.default


def canonical_from_parsed(parsed: Parsed) -> str:
    spec = commands()[parsed.command]
    parts = [PREFIX, parsed.command]
    if spec.positional is not None:
        value = parsed.params.get(spec.positional.name)
        if value is not None:
            parts.append(str(value))
    for opt in spec.options:
        value = parsed.params.get(opt.name)
        if _is_default(opt, value):
            continue
        parts.append(opt.flag)
        if not opt.is_flag:
            parts.append(str(value))
    return " ".join(parts)


def canonical(text: str) -> str:
    """The canonical form of a command string (raises ContractError)."""
    return parse(text).canonical()


def _semantic_key(parsed: Parsed):
    spec = commands()[parsed.command]
    key = [parsed.command]
    all_params = ([spec.positional] if spec.positional else []) + list(spec.options)
    for p in all_params:
        value = parsed.params.get(p.name)
        if p.is_flag:
            value = bool(value)
        elif value is None:
            value = p.default
        if p.kind == "LIST" and value is not None:
            value = frozenset(v for v in str(value).split(",") if v)
        key.append((p.name, value))
    return tuple(key)


def same(a: str | None, b: str | None) -> bool:
    """Semantic match: the same command and the same value for every parameter
    once defaults are filled in. None (no command) matches only None."""
    if not a or not b:
        return not a and not b
    try:
        return _semantic_key(parse(a)) == _semantic_key(parse(b))
    except ContractError:
        return False


def is_valid(text: str) -> bool:
    try:
        parse(text)
    except ContractError:
        return False
    return True


# --------------------------------------------------------------------------
# Grammar
# --------------------------------------------------------------------------

NONE = "none"

VALUE_RULES = {
    "NAME": 'name ::= [A-Za-z0-9] [A-Za-z0-9._-]{0,63}',
    "VERSION": 'version ::= [0-9] [0-9]? ("." [0-9] [0-9]?){0,2}',
    # a path never starts with "-", so the model cannot smuggle an option in as a value
    "DIR": 'path ::= [A-Za-z0-9._~/+@:=] [A-Za-z0-9._~/+@:=-]{0,199}',
    "FILE": 'path ::= [A-Za-z0-9._~/+@:=] [A-Za-z0-9._~/+@:=-]{0,199}',
    "PATH": 'path ::= [A-Za-z0-9._~/+@:=] [A-Za-z0-9._~/+@:=-]{0,199}',
    "LIST": 'list ::= pkg ("," pkg){0,19}\npkg ::= [A-Za-z0-9] [A-Za-z0-9._\\[\\]-]{0,60} (("==" | ">=" | "<=" | "~=" | "!=" | ">" | "<") [A-Za-z0-9.*]{1,20})?',
    "N": 'count ::= [0-9]{1,5}',
}
RULE_NAME = {"NAME": "name", "VERSION": "version", "DIR": "path", "FILE": "path", "PATH": "path", "LIST": "list", "N": "count"}


def _value_expr(p: ParamSpec) -> str:
    if p.kind == "CHOICE":
        choices = [c for c in p.choices if c != p.default]
        return "(" + " | ".join(f'"{c}"' for c in choices) + ")"
    return RULE_NAME[p.kind]


def grammar(prefix: str = "", with_none: bool = True) -> str:
    """GBNF for every contract command in canonical option order.

    `prefix` is prepended to each command (e.g. "venvy "). Options equal to their
    default choice are not expressible; other defaults are removed by canonical().
    """
    lines = []
    alts = []
    used_kinds = set()
    for spec in commands().values():
        rule = "cmd-" + spec.name
        alts.append(rule)
        body = [f'"{prefix}{spec.name}"']
        if spec.positional is not None:
            used_kinds.add(spec.positional.kind)
            pos = f'" " {_value_expr(spec.positional)}'
            body.append(pos if spec.positional.required else f"({pos})?")
        for opt in spec.options:
            if opt.is_flag:
                body.append(f'(" {opt.flag}")?')
            else:
                if opt.kind != "CHOICE":
                    used_kinds.add(opt.kind)
                body.append(f'(" {opt.flag} " {_value_expr(opt)})?')
        lines.append(f"{rule} ::= " + " ".join(body))
    root = " | ".join(alts + ([f'"{NONE}"'] if with_none else []))
    out = [f"root ::= {root}", *lines]
    seen = set()
    for kind in sorted(used_kinds):
        rule = VALUE_RULES[kind]
        if RULE_NAME[kind] in seen:
            continue
        seen.add(RULE_NAME[kind])
        out.append(rule)
    return "\n".join(out) + "\n"
