"""register: add an existing venv to the registry; record_use: what the shell hook calls."""

from __future__ import annotations

import os
from pathlib import Path

from venvy import venv
from venvy.errors import AlreadyExistsError, NotFoundError
from venvy.registry import VenvRecord, open_registry
from venvy.times import now_iso

DEFAULT_FOLDERS = (".venv", "venv", "env")


def default_path(cwd: Path) -> Path:
    """The first of .venv, venv, env in `cwd` that is a venv."""
    for folder in DEFAULT_FOLDERS:
        if venv.is_venv(cwd / folder):
            return cwd / folder
    raise NotFoundError(f"No .venv, venv or env venv in {cwd}; give the venv's path: venvy register PATH.")


def register(
    path: str | None = None,
    name: str | None = None,
    project: str | None = None,
    cwd: Path | None = None,
) -> tuple[str, VenvRecord]:
    """Register (or refresh) the venv at `path`. Returns ("new" | "updated", record)."""
    cwd = Path(cwd or os.getcwd())
    found = venv.probe(cwd / Path(path).expanduser() if path else default_path(cwd))
    project_dir = venv.absolute(cwd / Path(project).expanduser()) if project else None
    if project_dir is not None and not project_dir.is_dir():
        raise NotFoundError(f"The project folder {project} does not exist.")
    record = found.record(project=str(project_dir or found.path.parent))
    with open_registry() as reg:
        existing = reg.get_by_path(record.path)
        if name and existing is not None and existing.name != name:
            reg.rename(existing.name, name)
        elif name and existing is None and reg.get(name):
            raise AlreadyExistsError.name_taken(name)
        keep = ("name", "last_used_at", "registered_at") + (() if project else ("project",))
        candidates = [name] if name else venv.name_candidates(found.path, project_dir)
        ((status, stored),) = reg.save_found([(record, candidates)], keep=keep)
    return status, stored


def record_use(path: str) -> bool:
    """Note that the venv at `path` is in use now; register it first if it is new. False: not a venv."""
    target = venv.absolute(path)
    with open_registry() as reg:
        if reg.touch(target):
            return True
    if not venv.is_venv(target):
        return False
    record = venv.probe(target).record(project=str(target.parent))
    record.last_used_at = now_iso()
    with open_registry() as reg:
        reg.save_found([(record, venv.name_candidates(target))])
    return True
