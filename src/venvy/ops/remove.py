"""rm and cleanup: plan what goes, then delete only venvs, and only their own files.

The rules, checked when planning and again, under a lock, right before each deletion
(venvy.deletion holds the mechanics and its guarantees):
- never `/`, $HOME, $VENVY_HOME, the active venv ($VIRTUAL_ENV, $CONDA_PREFIX), the
  environment running venvy, nor any folder that holds one of them;
- never a conda installation (condabin/ or envs/ inside): it holds other envs;
- only the folder that was registered: reached without following any symlink, with the
  device and inode recorded at registration;
- only a folder laid out as a venv that holds nothing but what venv tools write; a project
  that is also its own venv is refused, with the command that removes just the venv's parts;
- never across a mount point;
- the marker goes last, so a deletion that fails halfway is `partial` and a retry finishes it;
- an entry whose path is gone is only dropped from the registry.
One failure does not stop the others; the outcome lists it.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from venvy import deletion, paths, venv
from venvy.errors import VenvyError
from venvy.ops.query import unused_for
from venvy.registry import VenvRecord, open_registry
from venvy.times import now_iso

DELETE, FORGET, SKIP = "delete", "forget", "skip"
RESUME = "finish a deletion that stopped halfway"


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


def protected_paths() -> dict[Path, str]:
    """Folders never deleted, nor any folder holding one: {resolved path: what it is}."""
    found = {
        venv.absolute(os.sep): "the root folder",
        venv.absolute(os.path.expanduser("~")): "your home folder",
        venv.absolute(paths.home_text()): "venvy's data folder ($VENVY_HOME)",
        venv.absolute(sys.prefix): "the environment running venvy",
    }
    for variable in ("VIRTUAL_ENV", "CONDA_PREFIX"):
        if os.environ.get(variable):
            found[venv.absolute(os.environ[variable])] = "the active venv"
    return found


def why_protected(path: Path) -> str | None:
    target = venv.absolute(path)
    for protected, what in protected_paths().items():
        if protected == target:
            return f"it is {what}"
        if target in protected.parents:
            return f"{what} ({protected}) is inside it"
    return None


def _identity(record: VenvRecord) -> tuple[int, int] | None:
    return (record.device, record.inode) if record.device is not None and record.inode is not None else None


def why_not_deletable(record: VenvRecord) -> str | None:
    """None when the record's folder may be deleted now; otherwise the reason, for a person."""
    path = Path(record.path)
    reason = why_protected(path)
    if reason:
        return reason
    if (path / "condabin").is_dir() or (path / "envs").is_dir():
        return "it is a conda installation holding other environments; remove it with conda's own tools"
    try:
        deletion.check(str(path), _identity(record), resuming=bool(record.deleting_since))
    except deletion.Refused as exc:
        return str(exc)
    except OSError as exc:
        return f"cannot read it: {exc.strerror or exc}"
    return None


def step_for(record: VenvRecord, keep_files: bool = False) -> Step:
    path = Path(record.path)
    if keep_files:
        return Step(record, FORGET, "keep files")
    if not os.path.lexists(path):
        return Step(record, FORGET, "path is gone")
    reason = why_not_deletable(record)
    if reason:
        return Step(record, SKIP, reason)
    return Step(record, DELETE, RESUME if record.deleting_since else "")


def plan_rm(name: str, keep_files: bool = False) -> Step:
    with open_registry(readonly=True) as reg:
        record = reg.require(name)
    step = step_for(record, keep_files)
    if step.action == SKIP:
        hint = "" if "active" in step.reason else f" `venvy rm {name} --keep-files` only forgets it."
        raise VenvyError(f"Not deleting {record.path}: {step.reason}.{hint}")
    return step


def plan_cleanup(days: int) -> list[Step]:
    """Every venv unused for `days` days (last used, or created if never used), oldest first."""
    with open_registry(readonly=True) as reg:
        records = reg.all()
    old = [r for r in records if unused_for(r, days)]
    old.sort(key=lambda r: (r.last_used_at or r.created_at or r.registered_at or "", r.name))
    return [step_for(r) for r in old]


def _delete(reg, step: Step) -> str | None:
    """Delete one venv's files (every check is made again first); None when they are gone,
    else the problem. The registry notes the start, so a half-done deletion is `partial`."""
    record = step.record
    resuming = bool(record.deleting_since)
    problem = why_protected(Path(record.path))
    if problem:
        return f"not deleted: {problem}"
    if not resuming:
        record.deleting_since = now_iso()
        reg.mark_deleting(record.name, record.deleting_since)
    try:
        result = deletion.delete(record.path, _identity(record), resuming=resuming)
    except deletion.Refused as exc:
        if not resuming:  # nothing was touched: not partial
            record.deleting_since = None
            reg.mark_deleting(record.name, None)
        return f"not deleted: {exc}"
    except FileNotFoundError:
        return None
    except OSError as exc:
        result = deletion.Result(errors=[f"{record.path}: {exc.strerror or exc}"])
    if not result.errors:
        return None
    # what is left stays registered as `partial`, with its size; the same command finishes it
    venv.refresh(record)
    reg.update(record)
    more = f" (and {len(result.errors) - 1} more)" if len(result.errors) > 1 else ""
    return f"could not delete {result.errors[0]}{more}; it is `partial` now: fix that and run the same command again"


def execute(steps: list[Step]) -> Outcome:
    """Carry out delete / forget steps (skip steps are left alone); keep going past failures."""
    outcome = Outcome()
    with open_registry() as reg:
        for step in steps:
            if step.action == SKIP:
                continue
            if step.action == DELETE and os.path.lexists(step.record.path):
                problem = _delete(reg, step)
                if problem:
                    outcome.failed.append((step, problem))
                    continue
            reg.remove(step.record.name)
            outcome.done.append(step)
    return outcome
