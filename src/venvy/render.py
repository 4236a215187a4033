"""Rendering: rich tables for people, JSON for scripts, one path per line for shells.

Results go to stdout, diagnostics and progress to stderr. rich is imported only
by the functions that draw with it; `venvy ls` (its 1,000-row table included)
never loads it, which keeps it within its time budget.
NO_COLOR is honoured (rich reads it). JSON keys are stable and documented in
docs/cli.md; every JSON document carries "schema_version".
"""

from __future__ import annotations

import json
import os
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Callable, Iterator

from venvy.registry import COLUMNS, VenvRecord
from venvy.times import from_iso

if TYPE_CHECKING:  # pragma: no cover
    from venvy.ops.query import Active
    from venvy.ops.remove import Outcome, Step
    from venvy.ops.scan import ScanResult

SCHEMA_VERSION = 1
HEALTH_STYLE = {"ok": "green", "broken": "red", "missing": "yellow", "partial": "yellow"}
# C0 controls, DEL and C1 controls: shown escaped in human output (a folder name can hold an
# ESC sequence or a newline); JSON keeps the exact text.
_CONTROL = {c: f"\\x{c:02x}" for c in [*range(0x20), *range(0x7F, 0xA0)]}


# --------------------------------------------------------------------------
# Plain helpers
# --------------------------------------------------------------------------


def human_size(size: int | None) -> str:
    if size is None:
        return "-"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover - loop always returns


def ago(iso: str | None, now: datetime | None = None) -> str:
    when = from_iso(iso)
    if when is None:
        return "never"
    seconds = ((now or datetime.now(timezone.utc)) - when).total_seconds()
    if seconds < 60:
        return "just now"
    for unit, size in (("year", 365 * 86400), ("month", 30 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count > 1 else ''} ago"
    return "just now"  # pragma: no cover - the loop covers every case >= 60 s


def printable(text: str) -> str:
    """`text` with control characters escaped (\\x1b, \\x0a): safe on a terminal, one line."""
    return text.translate(_CONTROL)


def short_path(path: str | None) -> str:
    """A path for people: ~ for the home folder, control characters escaped."""
    if not path:
        return "-"
    home = os.path.expanduser("~")
    if home not in ("", "/") and (path == home or path.startswith(home + os.sep)):
        path = "~" + path[len(home) :]
    return printable(path)


def record_dict(record: VenvRecord) -> dict:
    return {column: getattr(record, column) for column in COLUMNS}


def write_json(document: dict) -> None:
    """Pretty enough to read, fast to write: top-level keys one per line, list items one per
    line, each piece by json's C encoder (indent= would switch to the slow pure-Python one)."""
    document = {"schema_version": SCHEMA_VERSION, **document}
    lines = []
    for key, value in document.items():
        if isinstance(value, list) and value:
            items = ",\n    ".join(json.dumps(item) for item in value)
            lines.append(f"  {json.dumps(key)}: [\n    {items}\n  ]")
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value)}")
    sys.stdout.write("{\n" + ",\n".join(lines) + "\n}\n")


def err(message: str) -> None:
    """One diagnostic line on stderr."""
    sys.stderr.write(message + "\n")


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def _table(*columns: str, title: str | None = None):
    from rich.table import Table

    table = Table(title=title, box=None, header_style="bold", pad_edge=False)
    for column in columns:
        table.add_column(column, overflow="fold" if column in ("Path", "Value") else "ellipsis")
    return table


# --------------------------------------------------------------------------
# ls
# --------------------------------------------------------------------------


def venvs(records: list[VenvRecord], fmt: str, python: str | None = None, registered: int | None = None) -> None:
    """The list; `python`: the filter given, `registered`: how many there are before filtering."""
    if fmt == "json":
        write_json({"venvs": [record_dict(r) for r in records]})
        return
    if fmt == "simple":  # one path per line: a control character (a newline) is escaped
        sys.stdout.write("".join(printable(r.path) + "\n" for r in records))
        return
    if not records:
        if python and registered:
            err(f"No venv matches --python {python} ({registered} registered; `venvy ls` lists them all).")
        else:
            err("No venvs registered. Find the ones you have with `venvy scan --home`, or make one with `venvy create`.")
        return
    now = datetime.now(timezone.utc)
    header = ("Name", "Python", "Kind", "Size", "Pkgs", "Last used", "Health", "Path")
    rows = [
        (
            printable(r.name),
            printable(r.python or "?"),
            r.kind,
            human_size(r.size_bytes),
            "-" if r.packages is None else str(r.packages),
            ago(r.last_used_at, now),
            r.health,
            short_path(r.path),
        )
        for r in records
    ]
    sys.stdout.write(aligned(header, rows, right=(3, 4), styles={6: HEALTH_STYLE}, color=color_enabled()))


ANSI = {"bold": "1", "green": "32", "red": "31", "yellow": "33"}


def color_enabled(stream=None) -> bool:
    """As rich decides: a terminal, NO_COLOR unset, TERM not dumb; FORCE_COLOR forces it."""
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty() and os.environ.get("TERM") != "dumb"


def aligned(header: tuple[str, ...], rows: list[tuple[str, ...]], right=(), styles=None, color=False) -> str:
    """A borderless table as text, columns padded by hand (ANSI styles when `color`).

    This is `venvy ls`'s table: rich's Table measures every cell and needs seconds for a
    thousand rows, and importing rich alone costs more than the whole listing. The last
    column is not padded, so a long path wraps instead of being cut.
    """
    styles = styles or {}
    widths = [max([len(h)] + [len(row[i]) for row in rows]) for i, h in enumerate(header)]
    last = len(header) - 1

    def paint(text: str, style: str | None) -> str:
        return f"\x1b[{ANSI[style]}m{text}\x1b[0m" if color and style else text

    def line(row: tuple[str, ...]) -> str:
        cells = []
        for i, cell in enumerate(row):
            padded = (cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])) if i < last else cell
            cells.append(paint(padded, styles[i].get(cell)) if i in styles else padded)
        return "  ".join(cells)

    head = "  ".join(
        (h.rjust(widths[i]) if i in right else h.ljust(widths[i])) if i < last else h for i, h in enumerate(header)
    )
    return "\n".join([paint(head, "bold"), *map(line, rows)]) + "\n"


# --------------------------------------------------------------------------
# info, register, create
# --------------------------------------------------------------------------

FIELD_LABELS = {
    "name": "Name",
    "path": "Path",
    "project": "Project",
    "python": "Python",
    "kind": "Kind",
    "health": "Health",
    "created_at": "Created",
    "last_used_at": "Last used",
    "registered_at": "Registered",
    "size_bytes": "Size",
    "size_measured_at": "Size measured",
    "packages": "Packages",
    "deleting_since": "Deletion started",
}


def venv_detail(record: VenvRecord, fmt: str = "table") -> None:
    if fmt == "json":
        write_json({"venv": record_dict(record)})
        return
    table = _table("Field", "Value")
    for column in COLUMNS:
        value = getattr(record, column)
        if column not in FIELD_LABELS or (column == "deleting_since" and value is None):
            continue  # the identity (device, inode) is for venvy's checks; JSON has it
        if column == "size_bytes":
            text = "-" if value is None else f"{human_size(value)} ({value} bytes)"
        elif column.endswith("_at") or column == "deleting_since":
            text = "never" if value is None else f"{value} ({ago(value)})"
        elif column == "health":
            text = f"[{HEALTH_STYLE.get(value, 'white')}]{value}[/]"
        else:
            text = "-" if value is None else printable(str(value))
        table.add_row(FIELD_LABELS[column], _escape_markup(text) if column in ("path", "project") else text)
    _console().print(table)


def _escape_markup(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def registered(status: str, record: VenvRecord) -> None:
    verb = "Registered" if status == "new" else "Updated"
    print(f"{verb} {record.name}: {short_path(record.path)} (Python {record.python or '?'}, {record.kind}, {human_size(record.size_bytes)})")


def created(record: VenvRecord) -> None:
    print(f"Created {record.name}: {short_path(record.path)} (Python {record.python or '?'}, {human_size(record.size_bytes)})")
    activate = os.path.join(record.path, "Scripts", "activate") if os.name == "nt" else os.path.join(record.path, "bin", "activate")
    err(f"Activate it with: source {short_path(activate)}")


@contextmanager
def status(message: str) -> Iterator[Callable[[str], None]]:
    """A transient spinner on stderr; yields a function that changes its text."""
    if not sys.stderr.isatty():
        yield lambda _text: None
        return
    with _console(stderr=True).status(message) as spinner:
        yield lambda text: spinner.update(text)


# --------------------------------------------------------------------------
# scan
# --------------------------------------------------------------------------


@contextmanager
def scan_progress(delay: float = 0.3) -> Iterator[Callable[[int, int], None]]:
    """Yields an on_progress(folders, found) callback; a transient line on stderr appears only
    when stderr is a terminal and the scan has run for `delay` seconds (rich loaded only then)."""
    start = time.monotonic()
    state: dict = {}

    def on_progress(folders: int, found: int) -> None:
        if not sys.stderr.isatty() or time.monotonic() - start < delay:
            return
        if "status" not in state:
            state["status"] = _console(stderr=True).status("")
            state["status"].start()
        state["status"].update(f"Scanning: {folders:,} folders, {found} venvs found")

    try:
        yield on_progress
    finally:
        if "status" in state:
            state["status"].stop()


def scan_summary(result: "ScanResult") -> None:
    for record in result.new:
        print(f"new      {record.name:<24} {short_path(record.path)}")
    for path in result.interrupted:
        err(f"skipped  {short_path(path)}: left by an interrupted `venvy create`; `venvy create` with the same target removes it")
    print(
        f"Scanned {result.folders:,} folders under {', '.join(short_path(r) for r in result.roots)}: "
        f"{result.found} found, {len(result.new)} new, {len(result.updated)} updated."
    )


# --------------------------------------------------------------------------
# current, stats
# --------------------------------------------------------------------------


def current(active: "Active | None") -> None:
    if active is None:
        print("No active venv ($VIRTUAL_ENV and $CONDA_PREFIX are not set).")
        return
    shown = printable(active.path)
    if not os.path.isdir(active.path):
        print(f"{shown} (from ${active.variable}) does not exist: the variable is stale; `deactivate` clears it.")
    elif active.record is None:
        print(f"{shown} (from ${active.variable}; not registered: `venvy register {shown}` adds it)")
    else:
        print(f"{active.record.name}  {shown}")


def stats(totals: dict, fmt: str) -> None:
    if fmt == "json":
        write_json(totals)
        return
    table = _table("", "")
    table.show_header = False
    table.add_row("Venvs", str(totals["count"]))
    table.add_row("Disk used", human_size(totals["size_bytes"]))
    table.add_row("Packages", str(totals["packages"]))
    table.add_row("Unused 30+ days", str(totals["unused_30_days"]))
    table.add_row("Unused 90+ days", str(totals["unused_90_days"]))
    table.add_row("Broken", f"[red]{totals['broken']}[/]" if totals["broken"] else "0")
    table.add_row("Missing", f"[yellow]{totals['missing']}[/]" if totals["missing"] else "0")
    if totals.get("partial"):
        table.add_row("Partly deleted", f"[yellow]{totals['partial']}[/]")
    table.add_row("By kind", ", ".join(f"{k} {v}" for k, v in totals["by_kind"].items()) or "-")
    table.add_row("By Python", ", ".join(f"{k} {v}" for k, v in totals["by_python"].items()) or "-")
    _console().print(table)


# --------------------------------------------------------------------------
# rm, cleanup
# --------------------------------------------------------------------------

def removal_plan(steps: list["Step"], title: str, to_stdout: bool = False) -> None:
    """What will go, with sizes, one plain line each: on stderr when it precedes a question,
    on stdout when it is the output (a dry run)."""
    out = print if to_stdout else err
    out(f"{title}:")
    width = max(len(s.record.name) for s in steps)
    for step in steps:
        r = step.record
        note = {"path is gone": "files already gone; only the entry goes", "keep files": "files stay"}.get(
            step.reason, step.reason
        )
        line = (
            f"  {step.action:<6}  {r.name:<{width}}  {human_size(r.size_bytes):>9}  "
            f"last used {ago(r.last_used_at)}  {short_path(r.path)}"
        )
        out(line + (f"  ({note})" if note else ""))


def removal_outcome(outcome: "Outcome") -> None:
    for step in outcome.done:
        verb = "Deleted" if step.action == "delete" else "Forgot"
        print(f"{verb} {step.record.name} ({short_path(step.record.path)})")
    if outcome.freed_bytes:
        print(f"Freed {human_size(outcome.freed_bytes)}.")
    for step, problem in outcome.failed:
        err(f"Failed: {step.record.name} ({short_path(step.record.path)}): {problem}")
