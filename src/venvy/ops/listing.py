"""ls: the registered venvs, filtered and sorted, from the registry alone.

This is the hot path of `venvy ls`: it imports only the registry (no pathlib,
no rich) and never touches the disk beyond registry.db.
"""

from __future__ import annotations

from venvy.registry import VenvRecord, open_registry
from venvy.versions import matches, version_parts

# sort -> (record attribute, biggest / newest first?)
_SORT_KEYS = {
    "recent": ("last_used_at", True),
    "size": ("size_bytes", True),
    "created": ("created_at", True),
    "python": ("python", False),
}


def sort_records(records: list[VenvRecord], sort: str = "name") -> list[VenvRecord]:
    """name: A-Z; recent, size, created: newest / biggest first; python: oldest version first.
    Unknown values go last; ties keep name order."""
    records = sorted(records, key=lambda r: (r.name.lower(), r.name))
    if sort == "name":
        return records
    attr, reverse = _SORT_KEYS[sort]
    known = [r for r in records if getattr(r, attr) is not None]
    unknown = [r for r in records if getattr(r, attr) is None]
    key = (lambda r: version_parts(r.python)) if attr == "python" else (lambda r: getattr(r, attr))
    return sorted(known, key=key, reverse=reverse) + unknown


def list_venvs(sort: str = "name", python: str | None = None) -> list[VenvRecord]:
    """The registered venvs, from the registry only (the disk is not touched)."""
    with open_registry(readonly=True) as reg:
        records = reg.all()
    if python:
        records = [r for r in records if matches(r.python, python)]
    return sort_records(records, sort)
