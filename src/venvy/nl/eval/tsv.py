"""Read request/command TSV files (the hand-written test set and the like).

One row per line: the request, a TAB, then the accepted commands separated by
`|` (spaces around it are stripped). Nothing after the TAB means "no command".
Blank lines and lines starting with `#` are skipped. No header row.

    create a py3.11 env named api<TAB>venvy create --name api --python 3.11
    list my envs<TAB>venvy ls | venvy ls --format simple
    git push<TAB>
"""

from __future__ import annotations

from pathlib import Path

Row = tuple[str, list[str]]


class TsvError(ValueError):
    """A malformed row; the message names the file and line."""


def parse_line(line: str, where: str = "<line>") -> Row:
    """One non-comment, non-blank line -> (request, accepted commands)."""
    line = line.rstrip("\r\n")
    if line.count("\t") != 1:
        raise TsvError(f"{where}: expected exactly one TAB, found {line.count(chr(9))}")
    request, commands = line.split("\t")
    request = request.strip()
    if not request:
        raise TsvError(f"{where}: empty request")
    if not commands.strip():
        return request, []
    accepted = [c.strip() for c in commands.split("|")]
    if any(not c for c in accepted):
        raise TsvError(f"{where}: empty alternative in {commands!r}")
    return request, accepted


def parse_text(text: str, source: str = "<text>") -> list[Row]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        rows.append(parse_line(line, f"{source}:{number}"))
    return rows


def load_tsv(path: str | Path) -> list[Row]:
    """Rows of a request/command TSV file; an empty list means no command."""
    path = Path(path)
    return parse_text(path.read_text(encoding="utf-8"), str(path))
