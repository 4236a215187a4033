"""create: make a venv (uv or `python -m venv`), install packages, register it.

If anything fails once the folder exists, the folder (and any parent venvy made
for it) is removed and nothing is registered.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections import deque
from pathlib import Path
from typing import Callable

from venvy import interpreter, paths, venv
from venvy.errors import AlreadyExistsError, CommandFailedError, NotFoundError, VenvyError
from venvy.registry import VenvRecord, open_registry

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def run_streaming(cmd: list[str], what: str, progress: Progress, env: dict | None = None) -> None:
    """Run a tool, passing each output line to `progress`; CommandFailedError with its last lines."""
    tail: deque[str] = deque(maxlen=8)
    try:
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            errors="replace",
            env=env,
        )
    except OSError as exc:
        raise CommandFailedError(f"{what} failed: cannot run {cmd[0]}: {exc.strerror or exc}.") from exc
    assert proc.stdout is not None
    with proc:
        for line in proc.stdout:
            line = line.rstrip()
            if line:
                tail.append(line)
                progress(f"{what}: {line[:100]}")
    if proc.returncode != 0:
        last = " | ".join(tail) or "no output"
        raise CommandFailedError(f"{what} failed (exit {proc.returncode}): {last}")


def target_and_name(name: str | None, path: str | None, cwd: Path) -> tuple[Path, str | None, Path | None]:
    """(venv folder, explicit name or None, project folder) for the create options."""
    if path:
        target = Path(os.path.abspath(cwd / Path(path).expanduser()))
        return target, name, target.parent
    if name:
        return paths.envs_dir() / name, name, None
    return cwd / ".venv", None, cwd


def _install_args(packages: str | None, requirements: Path | None) -> list[str]:
    args = [p for p in (packages or "").split(",") if p]
    if requirements:
        args += ["-r", str(requirements)]
    return args


def create(
    name: str | None = None,
    python: str | None = None,
    path: str | None = None,
    packages: str | None = None,
    requirements: str | None = None,
    cwd: Path | None = None,
    progress: Progress = _quiet,
) -> VenvRecord:
    cwd = Path(cwd or os.getcwd())
    target, explicit_name, project = target_and_name(name, path, cwd)
    req_file = None
    if requirements:
        req_file = Path(os.path.abspath(cwd / Path(requirements).expanduser()))
        if not req_file.is_file():
            raise NotFoundError(f"The requirements file {requirements} does not exist.")
    if os.path.lexists(target):
        raise AlreadyExistsError(f"{target} already exists; venvy will not create a venv over it.")
    with open_registry() as reg:
        if explicit_name and reg.get(explicit_name):
            raise AlreadyExistsError.name_taken(explicit_name)
    found = interpreter.find(python)

    made = _missing_parents(target)
    try:
        progress(f"Creating {target} ...")
        if found.tool == "uv":
            run_streaming([found.executable, "venv", "--python", found.version, str(target)], "uv venv", progress)
        else:
            run_streaming([found.executable, "-m", "venv", str(target)], "python -m venv", progress)
        install = _install_args(packages, req_file)
        if install:
            _install(target, found, install, progress)
        progress("Measuring ...")
        record = venv.probe(target).record(project=str(project) if project else None)
        with open_registry() as reg:
            if explicit_name:
                record.name = explicit_name
                reg.add(record)
            else:
                (_, record), = reg.save_found([(record, venv.name_candidates(target, project))])
        return record
    except BaseException:
        _remove_made(target, made)
        raise


def _install(target: Path, found: interpreter.Interpreter, args: list[str], progress: Progress) -> None:
    python = str(venv.interpreter(target))
    if found.tool == "uv":
        run_streaming([found.executable, "pip", "install", "--python", python, *args], "uv pip install", progress)
        return
    if not venv.has_pip(target):
        raise VenvyError(f"Cannot install packages: the new venv has no pip (its Python, {found.executable}, lacks ensurepip).")
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
    run_streaming([python, "-m", "pip", "install", *args], "pip install", progress, env=env)


def _missing_parents(target: Path) -> list[Path]:
    """The folders above `target` that do not exist yet (venvy will make them)."""
    missing = []
    parent = target.parent
    while not parent.exists() and parent != parent.parent:
        missing.append(parent)
        parent = parent.parent
    return missing


def _remove_made(target: Path, parents: list[Path]) -> None:
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target, ignore_errors=True)
    for parent in parents:  # innermost first; only if still empty
        try:
            parent.rmdir()
        except OSError:
            break
