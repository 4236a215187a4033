"""The command contract, read from the click tree in venvy.cli.

Everything the NL code knows about commands comes from here: which commands and
options exist, each parameter's value rule (from its type in venvy.types), how a
command string is parsed (by the CLI's real parser), its canonical form and whether
two commands are the same. This is the only module that reads the click tree;
venvy.nl.grammar builds the decoding grammar from what it returns. Nothing here is a
hand-kept copy of the CLI.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from functools import lru_cache

import click

PREFIX = "venvy"
NONE = "none"  # the model's answer for "no command"
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
    rule: tuple[str, str] | None = None  # GBNF (rule name, body) of the value, from the param type

    @property
    def is_flag(self) -> bool:
        return self.kind == "FLAG"


@dataclass(frozen=True)
class CommandSpec:
    name: str
    positional: ParamSpec | None
    options: tuple[ParamSpec, ...]
    help: str = ""

    @property
    def params(self) -> tuple[ParamSpec, ...]:
        """The positional (if any), then the options, in canonical order."""
        return ((self.positional,) if self.positional is not None else ()) + self.options


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


def _default(param: click.Parameter):
    """The CLI's default, None when there is none (click marks that with a sentinel)."""
    default = param.default
    return None if default is getattr(click.core, "UNSET", None) or callable(default) else default


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
            rule = param.type.gbnf() if kind not in ("FLAG", "CHOICE") else None
            if isinstance(param, click.Argument):
                positional = ParamSpec(param.name, None, kind, choices, _default(param), param.required, rule)
            else:
                default = _default(param) if not param.is_flag else False
                options.append(ParamSpec(param.name, _long_flag(param), kind, choices, default, param.required, rule))
        specs[name] = CommandSpec(name, positional, tuple(options), (cmd.help or "").strip())
    return specs


@lru_cache(maxsize=1)
def value_kinds() -> dict[str, tuple[str | None, dict[str, str | None]]]:
    """command -> (positional kind, {flag: kind or None for a bare flag})."""
    table = {}
    for name, spec in commands().items():
        positional = spec.positional.kind if spec.positional is not None else None
        flags = {opt.flag: (None if opt.is_flag else opt.kind) for opt in spec.options}
        table[name] = (positional, flags)
    return table


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


def convert(command: str, param_name: str, text: str):
    """`text` as a value of that parameter, converted by its click type (what the CLI would
    make of it), or None when it is not one. Option-like text ("--python") is never a value."""
    from venvy.cli import main

    if text.startswith("-"):
        return None
    param = next(p for p in main.commands[command].params if p.name == param_name)
    try:
        return param.type.convert(text, None, None)
    except (click.BadParameter, ValueError, TypeError):
        return None


def is_default(opt: ParamSpec, value) -> bool:
    """Whether `value` is what the CLI uses when the option is left out."""
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
        if is_default(opt, value):
            continue
        parts.append(opt.flag)
        if not opt.is_flag:
            parts.append(str(value))
    return " ".join(parts)


def canonical(text: str) -> str:
    """The canonical form of a command string (raises ContractError)."""
    return parse(text).canonical()


def filled(parsed: Parsed) -> dict:
    """The parsed parameters with every missing one set to the CLI's default."""
    spec = commands()[parsed.command]
    params = dict(parsed.params)
    for p in spec.params:
        if params.get(p.name) is None:
            params[p.name] = False if p.is_flag else p.default
    return params


def semantic_key(parsed: Parsed) -> tuple:
    """(command, (param, value)...) with defaults filled in and LIST entries as a set:
    two commands are the same when their keys are equal."""
    spec = commands()[parsed.command]
    key = [parsed.command]
    for p in spec.params:
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
        return semantic_key(parse(a)) == semantic_key(parse(b))
    except ContractError:
        return False


def is_valid(text: str) -> bool:
    try:
        parse(text)
    except ContractError:
        return False
    return True
