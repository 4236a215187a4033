"""Where venvy keeps its data. Read at call time, never cached at import."""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    """The data root: $VENVY_HOME, default ~/.venvy."""
    value = os.environ.get("VENVY_HOME")
    return Path(value).expanduser() if value else Path.home() / ".venvy"


def registry_db() -> Path:
    return home() / "registry.db"


def envs_dir() -> Path:
    return home() / "envs"


def models_dir() -> Path:
    return home() / "models"
