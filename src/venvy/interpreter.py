"""Which tool makes a venv for "3.11": uv, pythonX.Y on PATH, pyenv's versions, or a clear error.

- `uv` on PATH: uv makes the venv (it can fetch any Python version itself).
- no version asked: the interpreter running venvy (its base, not a venv's copy).
- otherwise `pythonX.Y` on PATH (pyenv's shims are skipped: they fail for any
  version that is not the selected one), then $PYENV_ROOT/versions/X.Y*/bin/python.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from venvy import paths
from venvy.errors import InterpreterNotFoundError
from venvy.versions import matches, version_parts

_PYTHON_NAME_RE = re.compile(r"python(\d+(?:\.\d+)?)")
_VERSION_DIR_RE = re.compile(r"\d+\.\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Interpreter:
    """How to make the venv: `uv` with a request, or a Python executable."""

    tool: str  # "uv" or "python"
    executable: str  # the uv binary, or the python binary
    version: str | None  # the version asked for or found (None: uv decides)
    source: str  # "uv", "current", "PATH", "pyenv"


def find_uv() -> str | None:
    return shutil.which("uv")


def current() -> Interpreter:
    base = getattr(sys, "_base_executable", None) or sys.executable
    return Interpreter("python", base, platform.python_version(), "current")


def _is_shim_dir(folder: str) -> bool:
    folder = folder.rstrip("/\\")
    return folder.endswith("shims") and "pyenv" in folder


def _path_pythons() -> list[tuple[str, str]]:
    """(name version, executable) for every pythonX.Y on PATH, shims excluded, first one per name."""
    found: dict[str, str] = {}
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if not folder or _is_shim_dir(folder):
            continue
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in sorted(names):
            match = _PYTHON_NAME_RE.fullmatch(name)
            full = os.path.join(folder, name)
            if match and match.group(1) not in found and os.access(full, os.X_OK) and os.path.isfile(full):
                found[match.group(1)] = full
    return list(found.items())


def _pyenv_pythons() -> list[tuple[str, str]]:
    """(version, executable) for each $PYENV_ROOT/versions/X.Y.Z, newest first."""
    versions = paths.pyenv_root() / "versions"
    found = []
    try:
        names = os.listdir(versions)
    except OSError:
        return []
    for name in names:
        exe = versions / name / "bin" / "python"
        if _VERSION_DIR_RE.fullmatch(name) and exe.exists():
            found.append((name, str(exe)))
    return sorted(found, key=lambda item: version_parts(item[0]), reverse=True)


def _exact_version(executable: str) -> str | None:
    try:
        done = subprocess.run(
            [executable, "-c", "import platform; print(platform.python_version())"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def available_versions() -> list[str]:
    """Every version venvy can see without uv (for the error message)."""
    seen = {current().version}
    seen.update(version for version, _ in _path_pythons() if "." in version)
    seen.update(version for version, _ in _pyenv_pythons())
    precise = {v for v in seen if not any(w != v and matches(w, v) for w in seen)}
    return sorted(precise, key=version_parts)


def find(version: str | None) -> Interpreter:
    """The interpreter to make a venv with, for `--python VERSION` (None: the current one)."""
    uv = find_uv()
    if uv:
        return Interpreter("uv", uv, version or current().executable, "uv")
    if not version:
        return current()
    here = current()
    want = version_parts(version)
    if len(want) <= 2 and matches(here.version, version):
        return here
    for name_version, exe in _path_pythons():
        if len(want) <= 2 and name_version == version:
            return Interpreter("python", exe, version, "PATH")
        if len(want) == 3 and matches(version, name_version) and "." in name_version:
            exact = _exact_version(exe)
            if exact and matches(exact, version):
                return Interpreter("python", exe, exact, "PATH")
    if matches(here.version, version):
        return here
    for found_version, exe in _pyenv_pythons():
        if matches(found_version, version):
            return Interpreter("python", exe, found_version, "pyenv")
    found = ", ".join(available_versions()) or "none"
    raise InterpreterNotFoundError(
        f"Python {version} is not installed where venvy looks (uv, python{'.'.join(map(str, want[:2]))} "
        f"on PATH, {paths.pyenv_root() / 'versions'}). Found: {found}. "
        f"Install it (e.g. `pyenv install {version}`) or install uv, which fetches any version."
    )
