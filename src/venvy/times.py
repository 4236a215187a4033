"""Times as venvy stores them: ISO 8601 UTC strings ("2026-01-31T12:00:00Z"), the registry's
one format."""

from __future__ import annotations

import time
from datetime import datetime, timezone

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def to_iso(moment: datetime | float | None) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return moment.astimezone(timezone.utc).strftime(TIME_FORMAT)
    return time.strftime(TIME_FORMAT, time.gmtime(moment))


def from_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))  # C parser: strptime is 10x slower


def now_iso() -> str:
    return to_iso(time.time())
