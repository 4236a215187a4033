"""Evaluation rows: a request and the commands accepted for it (none = no command).

Read from the dataset's JSONL splits or from a request/command TSV (the hand-written
set, venvy.nl.eval.tsv); every accepted command is put in canonical form by the CLI's
own parser, so a typo in a data file is an error, not a silently wrong answer key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from venvy.nl import contract
from venvy.nl.files import read_jsonl

NONE_NAME = "none"


class DataError(ValueError):
    """A data file that cannot be read as evaluation rows."""


@dataclass(frozen=True)
class Row:
    request: str
    accepted: tuple[str, ...]  # canonical commands; empty = no command

    @property
    def expected_name(self) -> str:
        return command_name(self.accepted[0]) if self.accepted else NONE_NAME


def command_name(command: str) -> str:
    words = command.split()
    return words[1] if len(words) > 1 and words[0] == contract.PREFIX else words[0]


def _canonical_accepted(commands, where: str) -> tuple[str, ...]:
    out = []
    for cmd in commands:
        try:
            out.append(contract.canonical(cmd))
        except contract.ContractError as exc:
            raise DataError(f"{where}: accepted command {cmd!r} is not a contract command: {exc}") from None
    return tuple(out)


def load_jsonl(path: Path) -> list[Row]:
    try:
        records = read_jsonl(path)
    except ValueError as exc:
        raise DataError(str(exc)) from None
    rows = []
    for number, record in enumerate(records, start=1):
        try:
            request, output = record["input"], record["output"]
        except KeyError as exc:
            raise DataError(f"{path}: row {number}: not a dataset row with input/output (no {exc})") from None
        accepted = [output] if output and output.strip() else []
        rows.append(Row(request, _canonical_accepted(accepted, f"{path}: row {number}")))
    return rows


def load_tsv_rows(path: Path) -> list[Row]:
    from venvy.nl.eval.tsv import TsvError, load_tsv

    try:
        pairs = load_tsv(path)
    except TsvError as exc:
        raise DataError(str(exc)) from None
    return [Row(request, _canonical_accepted(cmds, f"{path}: {request!r}")) for request, cmds in pairs]


def load_rows(path: str | Path) -> list[Row]:
    """Evaluation rows from a TSV (request TAB cmd | cmd) or the dataset's JSONL."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if path.suffix == ".jsonl":
        return load_jsonl(path)
    if path.suffix in (".tsv", ".txt"):
        return load_tsv_rows(path)
    raise DataError(f"{path}: expected a .tsv or .jsonl file")


def pairs(path: str | Path) -> list[tuple[str, str | None]]:
    """(request, command or None) of a dataset split, as written (training-side readers)."""
    return [(record["input"], record["output"] or None) for record in read_jsonl(path)]


def select(rows: list, limit: int | None) -> list:
    """At most `limit` rows, spread evenly over the file (deterministic), so a limited
    run still sees every part of a file that is grouped by command."""
    if not limit or limit >= len(rows):
        return list(rows)
    return [rows[(i * len(rows)) // limit] for i in range(limit)]
