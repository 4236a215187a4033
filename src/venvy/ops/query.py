"""info, current and stats: the registry plus a fresh look at the disk."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from venvy import venv
from venvy.registry import VenvRecord, open_registry
from venvy.times import from_iso
from venvy.versions import version_parts


def info(name: str) -> VenvRecord:
    """One venv, with its size, health and package count measured again and stored."""
    with open_registry(readonly=True) as reg:
        record = venv.refresh(reg.require(name))
        if not reg.readonly:  # the measurement is stored when the registry can be written
            reg.update(record)
    return record


# --------------------------------------------------------------------------
# current
# --------------------------------------------------------------------------


@dataclass
class Active:
    path: str
    variable: str  # VIRTUAL_ENV or CONDA_PREFIX
    record: VenvRecord | None


def active_path() -> tuple[str, str] | None:
    """(path, variable) of the active venv, from $VIRTUAL_ENV then $CONDA_PREFIX."""
    for variable in ("VIRTUAL_ENV", "CONDA_PREFIX"):
        value = os.environ.get(variable)
        if value:
            return value, variable
    return None


def current() -> Active | None:
    found = active_path()
    if found is None:
        return None
    path, variable = found
    with open_registry(readonly=True) as reg:
        record = reg.get_by_path(str(venv.absolute(path)))
    return Active(path=path, variable=variable, record=record)


# --------------------------------------------------------------------------
# stats
# --------------------------------------------------------------------------


def last_activity(record: VenvRecord) -> datetime | None:
    """When a venv was last used, or created if never used (registered as a last resort)."""
    return from_iso(record.last_used_at or record.created_at or record.registered_at)


def unused_for(record: VenvRecord, days: int, now: datetime | None = None) -> bool:
    """True when the venv has not been used for `days` days or more."""
    when = last_activity(record)
    now = now or datetime.now(timezone.utc)
    return when is not None and now - when >= timedelta(days=days)


def stats() -> dict:
    """Totals over the registry, with each venv's health checked again (sizes as last measured)."""
    with open_registry(readonly=True) as reg:
        records = reg.all()
        changed = []
        for record in records:
            health = venv.health(Path(record.path))
            if record.deleting_since and health != "missing":
                health = venv.PARTIAL
            if health != record.health:
                record.health = health
                changed.append(record)
        if changed and not reg.readonly:
            reg.update_many(changed)
    now = datetime.now(timezone.utc)
    by_kind: dict[str, int] = {}
    by_python: dict[str, int] = {}
    for r in records:
        by_kind[r.kind] = by_kind.get(r.kind, 0) + 1
        minor = ".".join(str(p) for p in version_parts(r.python or "")[:2]) or "unknown"
        by_python[minor] = by_python.get(minor, 0) + 1
    return {
        "count": len(records),
        "size_bytes": sum(r.size_bytes or 0 for r in records),
        "packages": sum(r.packages or 0 for r in records),
        "unused_30_days": sum(unused_for(r, 30, now) for r in records),
        "unused_90_days": sum(unused_for(r, 90, now) for r in records),
        "ok": sum(r.health == "ok" for r in records),
        "broken": sum(r.health == "broken" for r in records),
        "missing": sum(r.health == "missing" for r in records),
        "partial": sum(r.health == venv.PARTIAL for r in records),
        "by_kind": dict(sorted(by_kind.items())),
        "by_python": dict(sorted(by_python.items(), key=lambda kv: version_parts(kv[0]) or (999,))),
    }
