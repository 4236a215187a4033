"""Python version strings compared by dotted components: "3.1" is not a prefix of "3.11"."""

from __future__ import annotations


def version_parts(version: str) -> tuple[int, ...]:
    """'3.11.4' -> (3, 11, 4); stops at the first piece that is not a number."""
    parts = []
    for piece in version.split("."):
        if not piece.isdigit():
            break
        parts.append(int(piece))
    return tuple(parts)


def matches(version: str | None, wanted: str) -> bool:
    """'3.11' matches 3.11 and 3.11.4 but not 3.1 or 3.110: dotted components compared."""
    if not version:
        return False
    have, want = version_parts(version), version_parts(wanted)
    return bool(want) and have[: len(want)] == want
