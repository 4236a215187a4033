"""Click parameter types for the contract's value kinds.

Each type carries `kind`, the contract's name for its values (NAME, VERSION, DIR,
FILE, PATH, LIST, N), and `gbnf()`: the GBNF rule (name, body) that lets a model write
exactly such a value, with this module's limits. `venvy.nl.contract` reads these from
the click tree and `venvy.nl.grammar` joins the rules, so adding an option is an edit
here and in cli.py, and the CLI stays the single source of truth.
"""

from __future__ import annotations

import re

import click

NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
NAME_MAX = 100
VERSION_RE = re.compile(r"(?:py(?:thon)?-?)?(\d+(?:\.\d+){0,2})", re.IGNORECASE)


class NameType(click.ParamType):
    name = "name"
    kind = "NAME"
    max_length = NAME_MAX

    def gbnf(self) -> tuple[str, str]:
        return "name", f"[A-Za-z0-9] [A-Za-z0-9._-]{{0,{self.max_length - 1}}}"

    def convert(self, value, param, ctx):
        value = str(value)
        if len(value) > NAME_MAX:
            self.fail(f"a venv name is at most {NAME_MAX} characters; this one has {len(value)}.", param, ctx)
        if not NAME_RE.fullmatch(value):
            self.fail(
                f"{value!r} is not a valid venv name: use letters, digits, '.', '_' "
                "and '-', starting with a letter or digit.",
                param,
                ctx,
            )
        return value


class VersionType(click.ParamType):
    name = "version"
    kind = "VERSION"

    def gbnf(self) -> tuple[str, str]:
        # what a model writes: the bare form (3, 3.11, 3.11.4); convert() also takes "py3.11"
        # one digit before the first dot: "py36" means 3.6, and "36" is no Python version
        return "version", '[0-9] ("." [0-9] [0-9]?){0,2}'

    def convert(self, value, param, ctx):
        match = VERSION_RE.fullmatch(str(value).strip())
        if not match:
            self.fail(
                f"{value!r} is not a Python version: use a form like 3, 3.11 or 3.11.4.",
                param,
                ctx,
            )
        return match.group(1)


class PathText(click.ParamType):
    """A path kept as typed (no ~ expansion), with a trailing '/' dropped."""

    name = "path"
    max_length = 200  # what a model may write; a person typing a path has no limit

    def __init__(self, kind: str = "PATH"):
        self.kind = kind
        self.name = kind.lower()

    def gbnf(self) -> tuple[str, str]:
        # a model's path never starts with "-", so it cannot smuggle an option in as a value
        chars = "A-Za-z0-9._~/+@:="
        return "path", f"[{chars}] [{chars}-]{{0,{self.max_length - 1}}}"

    def convert(self, value, param, ctx):
        value = str(value)
        if not value or any(c in value for c in "\0\n\r"):
            self.fail(f"{value!r} is not a usable path.", param, ctx)
        if len(value) > 1 and value.endswith("/"):
            value = value.rstrip("/") or "/"
        return value


class PackageList(click.ParamType):
    """Package specs joined by commas: 'fastapi,uvicorn==0.30.1'."""

    name = "list"
    kind = "LIST"
    max_items = 20  # what a model may write

    def gbnf(self) -> tuple[str, str]:
        ops = " | ".join(f'"{op}"' for op in ("==", ">=", "<=", "~=", "!=", ">", "<"))
        return "list", (
            f'pkg ("," pkg){{0,{self.max_items - 1}}}\n'
            f"pkg ::= [A-Za-z0-9] [A-Za-z0-9._\\[\\]-]{{0,60}} (({ops}) [A-Za-z0-9.*]{{1,20}})?"
        )

    def convert(self, value, param, ctx):
        if isinstance(value, (list, tuple)):
            items = [str(v).strip() for v in value]
        else:
            items = [part.strip() for part in str(value).replace(" ", ",").split(",")]
        items = [item for item in items if item]
        if not items:
            self.fail("give at least one package, e.g. 'requests,rich'.", param, ctx)
        return ",".join(items)


class Count(click.IntRange):
    """A whole number from 0 to `most` (every number venvy takes has a sensible ceiling)."""

    kind = "N"

    def __init__(self, most: int):
        super().__init__(min=0, max=most)

    def gbnf(self) -> tuple[str, str]:
        # as many digits as the ceiling has; the CLI's parser then checks the range itself
        digits = len(str(self.max))
        return f"count-{digits}", f"[0-9]{{1,{digits}}}"


NAME = NameType()
VERSION = VersionType()
DIR = PathText("DIR")
FILE = PathText("FILE")
PATH = PathText("PATH")
LIST = PackageList()
DAYS = Count(36_500)  # a hundred years
DEPTH = Count(1_000)
