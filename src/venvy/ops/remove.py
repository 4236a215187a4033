"""rm and cleanup: plan what goes, then delete only what is, at that moment, a venv.

Safety rules, checked when planning and again right before each deletion:
- only a real folder holding pyvenv.cfg or conda-meta/ is deleted;
- never the active venv ($VIRTUAL_ENV, $CONDA_PREFIX) nor the one running venvy,
  nor a folder that holds one of them;
- never a conda installation (condabin/ or envs/ inside): it holds other envs;
- an entry whose path is gone is only dropped from the registry.
One failure does not stop the others; the outcome lists it.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from venvy import venv
from venvy.errors import VenvyError
from venvy.ops.query import unused_for
from venvy.registry import VenvRecord, open_registry

DELETE, FORGET, SKIP = "delete", "forget", "skip"


@dataclass
class Step:
    record: VenvRecord
    action: str  # delete (files and entry), forget (entry only) or skip
    reason: str = ""


@dataclass
class Outcome:
    done: list[Step] = field(default_factory=list)
    failed: list[tuple[Step, str]] = field(default_factory=list)

    @property
    def freed_bytes(self) -> int:
        return sum(s.record.size_bytes or 0 for s in self.done if s.action == DELETE)


def protected_paths() -> set[Path]:
    """The active venvs and the environment running venvy: never deleted."""
    found = {venv.absolute(sys.prefix)}
    for variable in ("VIRTUAL_ENV", "CONDA_PREFIX"):
        if os.environ.get(variable):
            found.add(venv.absolute(os.environ[variable]))
    return found


def why_not_deletable(path: Path) -> str | None:
    """None when `path` may be deleted now; otherwise the reason, for a person."""
    target = venv.absolute(path)
    for protected in protected_paths():
        if protected == target or Path(path) == protected:
            return "it is the active venv"
        if target in protected.parents:
            return f"the active venv {protected} is inside it"
    if not venv.is_venv(path):
        return "it is no longer a venv (no pyvenv.cfg or conda-meta/), so venvy leaves it alone"
    if (target / "condabin").is_dir() or (target / "envs").is_dir():
        return "it is a conda installation holding other environments; remove it with conda's own tools"
    return None


def step_for(record: VenvRecord, keep_files: bool = False) -> Step:
    path = Path(record.path)
    if keep_files:
        return Step(record, FORGET, "keep files")
    if not os.path.lexists(path):
        return Step(record, FORGET, "path is gone")
    reason = why_not_deletable(path)
    if reason:
        return Step(record, SKIP, reason)
    return Step(record, DELETE)


def plan_rm(name: str, keep_files: bool = False) -> Step:
    with open_registry() as reg:
        record = reg.require(name)
    step = step_for(record, keep_files)
    if step.action == SKIP:
        hint = "" if "active" in step.reason else f" `venvy rm {name} --keep-files` only forgets it."
        raise VenvyError(f"Not deleting {record.path}: {step.reason}.{hint}")
    return step


def plan_cleanup(days: int) -> list[Step]:
    """Every venv unused for `days` days (last used, or created if never used), oldest first."""
    with open_registry() as reg:
        records = reg.all()
    old = [r for r in records if unused_for(r, days)]
    old.sort(key=lambda r: (r.last_used_at or r.created_at or r.registered_at or "", r.name))
    return [step_for(r) for r in old]


def _delete_tree(path: Path) -> str | None:
    errors: list[str] = []

    def on_error(_func, failed_path, exc_info):
        exc = exc_info[1] if isinstance(exc_info, tuple) else exc_info
        errors.append(f"{failed_path}: {getattr(exc, 'strerror', None) or exc}")

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=on_error)
    else:  # pragma: no cover - older Pythons
        shutil.rmtree(path, onerror=on_error)
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return f"could not delete {errors[0]}{more}"
    return None


def execute(steps: list[Step]) -> Outcome:
    """Carry out delete / forget steps (skip steps are left alone); keep going past failures."""
    outcome = Outcome()
    with open_registry() as reg:
        for step in steps:
            if step.action == SKIP:
                continue
            path = Path(step.record.path)
            if step.action == DELETE and os.path.lexists(path):
                # checked again right before deleting: the disk may have changed since the plan
                problem = why_not_deletable(path) or _delete_tree(path)
                if problem:
                    outcome.failed.append((step, problem))
                    continue
            reg.remove(step.record.name)
            outcome.done.append(step)
    return outcome
