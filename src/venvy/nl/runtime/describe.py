"""One line that says what a parsed command will do, written from its parameters.

The wizard shows this under the command the model proposed, so the person reads
what venvy will actually do (from the real parser's view of the command), not the
model's idea of it. Defaults come from the click tree (contract.filled), never from
numbers typed here.
"""

from __future__ import annotations

from venvy.nl import contract
from venvy.nl.contract import Parsed

SORT_WORDS = {
    "name": "by name",
    "recent": "most recently used first",
    "size": "biggest first",
    "created": "newest first",
    "python": "by Python version",
}


def destructive(parsed: Parsed) -> bool:
    """Commands that delete: rm, and cleanup unless it is a dry run."""
    if parsed.command == "rm":
        return True
    return parsed.command == "cleanup" and not parsed.params.get("dry_run")


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def _plural(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def describe(parsed: Parsed) -> str:
    handler = _DESCRIBERS.get(parsed.command)
    if handler is None:  # a command added to the CLI after this file: say so plainly
        return f"Run `venvy {parsed.command}` with the options shown."
    return handler(contract.filled(parsed))


def _create(p) -> str:
    if p.get("path"):
        where = f"in {p['path']}"
        named = f" named {p['name']!r}" if p.get("name") else ""
    elif p.get("name"):
        where = f"in $VENVY_HOME/envs/{p['name']}"
        named = f" named {p['name']!r}"
    else:
        where, named = "in ./.venv", " named after this folder"
    python = f"Python {p['python']}" if p.get("python") else "the default Python"
    text = f"Create a venv{named} with {python} {where} and register it"
    installs = []
    if p.get("packages"):
        installs.append(_plural(p["packages"].split(",")))
    if p.get("requirements"):
        installs.append(f"the packages listed in {p['requirements']}")
    if installs:
        text += ", then install " + " and ".join(installs)
    return text + "."


def _ls(p) -> str:
    text = "List the registered venvs"
    if p.get("python"):
        text += f" with Python {p['python']}"
    text += f", {SORT_WORDS.get(p['sort'], 'sorted by ' + str(p['sort']))}"
    fmt = p["fmt"]
    text += {"table": ", as a table", "json": ", as JSON", "simple": ", one path per line"}.get(fmt, f", as {fmt}")
    return text + "."


def _info(p) -> str:
    fmt = " as JSON" if p.get("fmt") == "json" else ""
    return f"Show everything venvy knows about the venv {p['name']!r}{fmt}."


def _register(p) -> str:
    what = f"the venv at {p['path']}" if p.get("path") else "the first of .venv, venv, env in this folder"
    text = f"Add {what} to the registry"
    if p.get("name"):
        text += f" under the name {p['name']!r}"
    if p.get("project"):
        text += f", as part of the project {p['project']}"
    return text + "."


def _scan(p) -> str:
    where = "your home folder (hidden folders included)" if p.get("home") else (p.get("path") or "this folder")
    if p.get("home") and p.get("path"):
        where = f"{p['path']} and your home folder"
    return f"Search {where}, {p['depth']} folder levels deep, for venvs and register the ones found."


def _current(p) -> str:
    return "Show the active venv ($VIRTUAL_ENV or $CONDA_PREFIX)."


def _stats(p) -> str:
    fmt = ", as JSON" if p.get("fmt") == "json" else ""
    return f"Show totals: venvs, disk used, packages, unused for 30+/90+ days, broken{fmt}."


def _cleanup(p) -> str:
    days = _days(p["days"])
    if p.get("dry_run"):
        return f"Only list the venvs unused for {days} or more; nothing is deleted."
    ask = "WITHOUT asking" if p.get("yes") else "after listing them and asking"
    return f"DELETE every venv unused for {days} or more, from disk and the registry, {ask}."


def _rm(p) -> str:
    if p.get("keep_files"):
        text = f"Forget the venv {p['name']!r}: remove it from the registry, keep its files on disk"
    else:
        text = f"DELETE the venv {p['name']!r} from disk and from the registry"
    return text + (", without asking." if p.get("yes") else ".")


def _shell_hook(p) -> str:
    shell = p.get("shell") or "your shell ($SHELL)"
    return f"Print the {shell} code that records venv use on activation (add it to your shell's rc file)."


_DESCRIBERS = {
    "create": _create,
    "ls": _ls,
    "info": _info,
    "register": _register,
    "scan": _scan,
    "current": _current,
    "stats": _stats,
    "cleanup": _cleanup,
    "rm": _rm,
    "shell-hook": _shell_hook,
}
