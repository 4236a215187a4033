"""scan: find venvs under folders (os.scandir, no symlinked folders followed) and register them.

A folder laid out as a venv (venv.structure: pyvenv.cfg plus an interpreter or
site-packages, or conda-meta/ plus its history or bin/) is recorded and not entered;
a stray pyvenv.cfg is not a venv. A folder left by an interrupted `venvy create` is
skipped and reported. `.git`, `node_modules` and `__pycache__` are never entered. Hidden
folders are. With --home, the well-known venv folders (pipenv, poetry, conda,
virtualenvwrapper, pyenv) are searched too, however deep they are.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from venvy import paths, venv
from venvy.errors import NotAVenvError, NotFoundError
from venvy.registry import VenvRecord, open_registry

SKIP = frozenset({".git", "node_modules", "__pycache__", ".hg", ".svn", ".tox", ".mypy_cache", ".pytest_cache"})
WELL_KNOWN_DEPTH = 2
PROGRESS_EVERY = 512

OnProgress = Callable[[int, int], None]


@dataclass
class ScanResult:
    roots: list[str]
    folders: int = 0
    new: list[VenvRecord] = field(default_factory=list)
    updated: list[VenvRecord] = field(default_factory=list)
    interrupted: list[str] = field(default_factory=list)  # left by a killed `venvy create`: skipped

    @property
    def found(self) -> int:
        return len(self.new) + len(self.updated)


def find_venvs(root: Path, depth: int, counter: list[int], on_progress: OnProgress | None = None) -> list[Path]:
    """Venv folders under `root`, at most `depth` levels below it (root is level 0).

    counter[0] counts the folders read, counter[1] the venvs found (shared across roots).
    """
    found: list[Path] = []
    stack = [(os.fspath(root), 0)]
    while stack:
        folder, level = stack.pop()
        try:
            entries = os.scandir(folder)
        except OSError:
            continue
        counter[0] += 1
        is_venv = False
        subfolders = []
        with entries:
            for entry in entries:
                name = entry.name
                if name == "pyvenv.cfg" or name == "conda-meta":
                    is_venv = True
                elif level < depth and name not in SKIP and entry.is_dir(follow_symlinks=False):
                    subfolders.append(entry.path)
        if is_venv and venv.is_venv(folder):
            found.append(Path(folder))
            counter[1] += 1
        else:
            stack.extend((sub, level + 1) for sub in subfolders)
        if on_progress and counter[0] % PROGRESS_EVERY == 0:
            on_progress(counter[0], counter[1])
    return found


def scan_roots(path: str | None, home: bool, depth: int, cwd: Path) -> list[tuple[Path, int]]:
    """(folder, depth) pairs to search for the scan options."""
    roots: list[tuple[Path, int]] = []
    if path or not home:
        root = cwd / Path(path).expanduser() if path else cwd
        if not root.is_dir():
            raise NotFoundError(f"{path or root} is not a folder.")
        roots.append((venv.absolute(root), depth))
    if home:
        roots.append((venv.absolute(Path.home()), depth))
        roots.extend((venv.absolute(d), WELL_KNOWN_DEPTH) for d in paths.well_known_venv_dirs() if d.is_dir())
    return roots


def scan(
    path: str | None = None,
    home: bool = False,
    depth: int = 3,
    cwd: Path | None = None,
    on_progress: OnProgress | None = None,
) -> ScanResult:
    roots = scan_roots(path, home, depth, Path(cwd or os.getcwd()))
    result = ScanResult(roots=[str(r) for r, _ in roots])
    counter = [0, 0]
    found: set[Path] = set()
    for root, root_depth in roots:
        found.update(find_venvs(root, root_depth, counter, on_progress))
    result.folders = counter[0]
    from venvy.ops.create import interrupted_targets

    leftovers = interrupted_targets()
    result.interrupted = sorted(str(f) for f in found if str(f) in leftovers)
    found = {f for f in found if str(f) not in leftovers}
    for status, record in register_found(sorted(found)):
        (result.new if status == "new" else result.updated).append(record)
    return result


def _measure(folder: Path) -> tuple[VenvRecord, Iterator[str]] | None:
    try:
        found = venv.probe(folder, resolved=True)  # the walk starts at a resolved root, follows no link
    except (NotFoundError, NotAVenvError):  # gone or changed since the walk
        return None
    project = venv.project_of(found)
    record = found.record(project=project)
    return record, venv.name_candidates(found.path, Path(project) if project else None)


def register_found(folders: list[Path]) -> list[tuple[str, VenvRecord]]:
    """Probe and measure each venv folder, then store them all in one transaction, in the
    order given. Serial on purpose: a thread pool measured 2x slower here (the walk is
    mostly Python code holding the GIL, and the threads fight over it)."""
    measured = [_measure(folder) for folder in folders]
    items = [item for item in measured if item is not None]
    if not items:
        return []
    with open_registry() as reg:
        return reg.save_found(items)
