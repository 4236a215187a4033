"""What a venv is, read from the disk without running any interpreter.

- A venv has the structure of one: `pyvenv.cfg` (venv, virtualenv, uv, poetry, pipenv) plus
  an interpreter (`bin/python*`, `Scripts/python.exe`) or a `site-packages` under `lib/`.
  A conda env has `conda-meta/` plus `conda-meta/history`, `bin/`, `lib/` or `Library/`.
  A stray `pyvenv.cfg` in any other folder is not a venv.
- Python version: pyvenv.cfg's `version` / `version_info`, or conda's python package record.
- Kind: conda-meta -> conda; location (poetry's cache, pipenv's folder) -> poetry / pipenv;
  the `uv` / `virtualenv` keys -> uv / virtualenv; otherwise venv.
- Health: missing (path gone), broken (interpreter link dangles or `home` is gone), ok.
- Packages: the number of *.dist-info / *.egg-info in site-packages.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from venvy import paths
from venvy.errors import NotAVenvError, NotFoundError
from venvy.registry import VenvRecord
from venvy.times import now_iso, to_iso
from venvy.sizes import tree_size

PARTIAL = "partial"  # health of a venv whose deletion started and did not finish
GENERIC_NAMES = {".venv", "venv", "env", ".env", "virtualenv", ".virtualenv", ".direnv"}
CONFIG = "pyvenv.cfg"
CONDA_META = "conda-meta"
_VERSION_RE = re.compile(r"\d+(?:\.\d+){0,2}")
_CONDA_PYTHON_RE = re.compile(r"python-(\d+\.\d+(?:\.\d+)?)-")
_BAD_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def absolute(path: str | Path) -> Path:
    """A path as typed (~ allowed) -> absolute, symlinks resolved: the registry's key."""
    return Path(os.path.realpath(Path(path).expanduser()))


def _interpreter_present(path: str) -> bool:
    bin_dir = os.path.join(path, "bin")
    try:
        with os.scandir(bin_dir) as entries:
            if any(e.name.startswith("python") for e in entries):
                return True
    except OSError:
        pass
    return os.path.lexists(os.path.join(path, "Scripts", "python.exe"))


def structure(path: str | Path) -> str | None:
    """'venv' or 'conda' when `path` is, right now, a real folder laid out like one; else None.

    A venv: pyvenv.cfg plus an interpreter (a link that dangles counts: a broken venv is still
    a venv) or a site-packages folder. A conda env: conda-meta/ plus its history, bin/, lib/
    or Library/. A symlink is never a venv (venvy registers the folder it points to).
    """
    path = os.fspath(path)
    if os.path.islink(path) or not os.path.isdir(path):
        return None
    if os.path.isdir(os.path.join(path, CONDA_META)):
        for part in (os.path.join(CONDA_META, "history"), "bin", "lib", "Library"):
            if os.path.lexists(os.path.join(path, part)):
                return "conda"
    if os.path.isfile(os.path.join(path, CONFIG)) and (_interpreter_present(path) or site_packages(path)):
        return "venv"
    return None


def is_venv(path: str | Path) -> bool:
    """True when `path` is, right now, a real folder with the structure of a venv or conda env."""
    return structure(path) is not None


def why_not_a_venv(path: str | Path) -> str:
    """For a folder that is not a venv: the reason, for a person."""
    path = os.fspath(path)
    if os.path.isfile(os.path.join(path, CONFIG)):
        return "it has a pyvenv.cfg but no interpreter (bin/python) and no lib/pythonX.Y/site-packages"
    if os.path.isdir(os.path.join(path, CONDA_META)):
        return "it has a conda-meta/ folder but no conda-meta/history, bin/, lib/ or Library/"
    return "it has neither pyvenv.cfg nor conda-meta/"


def identity(path: str | Path) -> tuple[int, int] | None:
    """(device, inode) of the folder itself (a symlink is not followed); None when it is gone."""
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def read_config(path: str | Path) -> dict[str, str]:
    """pyvenv.cfg as a dict of lower-case keys (empty when it is absent or unreadable)."""
    config: dict[str, str] = {}
    try:
        with open(os.path.join(path, CONFIG), encoding="utf-8", errors="replace") as fh:
            text = fh.read()
    except OSError:
        return config
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            config[key.strip().lower()] = value.strip()
    return config


def version_from_config(config: dict[str, str]) -> str | None:
    """'3.11.7' from `version = 3.11.7` or `version_info = 3.11.7.final.0`."""
    for key in ("version", "version_info"):
        match = _VERSION_RE.match(config.get(key, ""))
        if match:
            return match.group(0)
    return None


def conda_python_version(path: str | Path) -> str | None:
    try:
        names = os.listdir(os.path.join(path, CONDA_META))
    except OSError:
        return None
    for name in sorted(names):
        match = _CONDA_PYTHON_RE.match(name)
        if match:
            return match.group(1)
    return None


PYTHON_IN_VENV = ("Scripts", "python.exe") if os.name == "nt" else ("bin", "python")


def interpreter(path: Path) -> Path:
    return Path(path, *PYTHON_IN_VENV)


def site_packages(path: str | Path) -> list[str]:
    """The site-packages folders of a venv (lib/pythonX.Y/site-packages, or Lib/site-packages)."""
    found = []
    try:
        with os.scandir(os.path.join(path, "lib")) as entries:
            for entry in entries:
                if entry.name.startswith("python") and entry.is_dir(follow_symlinks=False):
                    candidate = os.path.join(entry.path, "site-packages")
                    if os.path.isdir(candidate):
                        found.append(candidate)
    except OSError:
        pass
    windows = os.path.join(path, "Lib", "site-packages")
    if not found and os.path.isdir(windows):  # pragma: no cover - platform specific
        found.append(windows)
    return found


def count_packages(path: str | Path) -> int:
    count = 0
    for folder in site_packages(path):
        try:
            with os.scandir(folder) as entries:
                count += sum(1 for e in entries if e.name.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
    return count


def has_pip(path: str | Path) -> bool:
    return any(os.path.isdir(os.path.join(folder, "pip")) for folder in site_packages(path))


@lru_cache(maxsize=8)
def _resolved(folders: tuple[str, ...]) -> tuple[str, ...]:
    """Folders with symlinks resolved, each ending in a separator (cached: scan asks 200 times)."""
    return tuple(os.path.join(os.path.realpath(f), "") for f in folders)


def _under(path: str, folders: list[Path]) -> bool:
    return path.startswith(_resolved(tuple(map(str, folders))))


def infer_kind(path: str | Path, config: dict[str, str], conda: bool) -> str:
    if conda:
        return "conda"
    path = os.fspath(path)
    if _under(path, paths.poetry_venv_dirs()):
        return "poetry"
    if _under(path, paths.pipenv_venv_dirs()):
        return "pipenv"
    if "uv" in config:
        return "uv"
    if "virtualenv" in config:
        return "virtualenv"
    return "venv"


def health(path: str | Path, config: dict[str, str] | None = None) -> str:
    """ok, broken or missing: read from the disk, no interpreter run."""
    path = os.fspath(path)
    if not os.path.lexists(path):
        return "missing"
    if not is_venv(path):
        return "broken"
    config = read_config(path) if config is None else config
    home = config.get("home")
    if home and not os.path.exists(home):
        return "broken"
    python = os.path.join(path, *PYTHON_IN_VENV)
    if os.path.lexists(python):
        return "ok" if os.path.exists(python) else "broken"
    return "ok" if os.path.isdir(os.path.join(path, CONDA_META)) else "broken"


def created_time(path: str | Path) -> str | None:
    """When the venv was made: pyvenv.cfg's (or conda-meta's) modification time."""
    for marker in (CONFIG, os.path.join(CONDA_META, "history"), CONDA_META):
        try:
            return to_iso(os.stat(os.path.join(path, marker)).st_mtime)
        except OSError:
            continue
    return None


@dataclass
class Probe:
    """What the disk says about one venv."""

    path: Path
    kind: str
    python: str | None
    home: str | None
    health: str
    packages: int
    created_at: str | None
    device: int | None = None
    inode: int | None = None

    def record(self, name: str = "", project: str | None = None, size: bool = True) -> VenvRecord:
        """A registry record for this venv (size measured now unless size=False)."""
        record = VenvRecord(
            name=name,
            path=str(self.path),
            project=project,
            python=self.python,
            kind=self.kind,
            health=self.health,
            created_at=self.created_at,
            packages=self.packages,
            device=self.device,
            inode=self.inode,
        )
        if size:
            record.size_bytes = tree_size(self.path)
            record.size_measured_at = now_iso()
        return record


def probe(path: str | Path, resolved: bool = False) -> Probe:
    """Read a venv from the disk; NotFoundError / NotAVenvError for anything else.

    `resolved`: the caller vouches that `path` is already absolute with no symlink in it
    (scan walks from a resolved root without following links), so no realpath is needed.
    """
    typed = str(path)
    path = Path(path) if resolved else absolute(path)
    text = str(path)
    if not os.path.exists(text):
        raise NotFoundError(f"{typed} does not exist.")
    layout = structure(text)
    if layout is None:
        raise NotAVenvError(f"{typed} is not a venv: {why_not_a_venv(text)}.")
    conda = layout == "conda"
    config = read_config(text)
    ident = identity(text)
    python = conda_python_version(text) if conda else version_from_config(config)
    return Probe(
        path=path,
        kind=infer_kind(text, config, conda),
        python=python,
        home=config.get("home"),
        health=health(text, config),
        packages=count_packages(text),
        created_at=created_time(text),
        device=ident[0] if ident else None,
        inode=ident[1] if ident else None,
    )


def project_of(found: Probe) -> str | None:
    """The project a venv belongs to: pipenv's / virtualenvwrapper's `.project` file,
    none for conda and poetry envs (they live in a shared folder), else the parent folder."""
    try:
        text = (found.path / ".project").read_text(encoding="utf-8").strip()
        if text:
            return text
    except OSError:
        pass
    if found.kind in ("conda", "poetry", "pipenv"):
        return None
    return str(found.path.parent)


def refresh(record: VenvRecord) -> VenvRecord:
    """The record with size, health and packages measured again (a missing venv keeps its old size).

    A venv whose deletion started and did not finish is `partial`, with its remaining size."""
    path = Path(record.path)
    if not os.path.lexists(path):
        record.health = "missing"
        return record
    if record.deleting_since:
        record.health = PARTIAL
        record.size_bytes = tree_size(path)
        record.size_measured_at = now_iso()
        return record
    try:
        found = probe(path)
    except (NotFoundError, NotAVenvError):
        record.health = "broken"
        return record
    record.python = found.python or record.python
    record.kind = found.kind
    record.health = found.health
    record.packages = found.packages
    record.created_at = record.created_at or found.created_at
    record.size_bytes = tree_size(path)
    record.size_measured_at = now_iso()
    return record


# --------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------


def clean_name(text: str) -> str:
    """Any folder name -> a valid venv name ([A-Za-z0-9][A-Za-z0-9._-]*)."""
    name = _BAD_NAME_CHARS.sub("-", text).lstrip("._-")[:100].rstrip("-")
    return name or "venv"


def name_candidates(venv_path: Path, project: Path | None = None) -> Iterator[str]:
    """Readable, deterministic names for a venv: its folder name (or its project's
    when the folder is a generic `.venv`/`venv`/`env`), then `parent-name`, then -2, -3, ...
    """
    project = project or venv_path.parent
    if venv_path.name in GENERIC_NAMES:
        base, prefix = clean_name(project.name or venv_path.name), project.parent.name
    else:
        base, prefix = clean_name(venv_path.name), venv_path.parent.name
    yield base
    if prefix:
        yield clean_name(f"{prefix}-{base}")
    n = 2
    while True:
        yield f"{base}-{n}"
        n += 1
