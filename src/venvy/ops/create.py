"""create: make a venv (uv or `python -m venv`), install packages, register it.

If anything fails once the folder exists (an error, Ctrl-C, SIGTERM, SIGHUP when the
terminal closes), the folder (and any parent venvy made for it) is removed and nothing
is registered. A marker under $VENVY_HOME/creating/ is written before the folder exists
and removed last, so what a killed create (SIGKILL, power loss) leaves is recognised:
`scan` skips it and a later `create` of the same target removes it first.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
from collections import deque
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from venvy import deletion, interpreter, paths, venv
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
    try:
        with proc:
            for line in proc.stdout:
                line = line.rstrip()
                if line:
                    tail.append(line)
                    progress(f"{what}: {line[:100]}")
    except BaseException:  # interrupted: stop the tool before the folder is rolled back
        proc.kill()
        proc.wait()
        raise
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
        if req_file.is_dir():
            raise NotFoundError(f"{requirements} is a folder; --requirements takes a file such as requirements.txt.")
        if not req_file.is_file():
            raise NotFoundError(f"The requirements file {requirements} does not exist.")
    remove_interrupted(target)
    if os.path.lexists(target):
        raise AlreadyExistsError(f"{target} already exists; venvy will not create a venv over it.")
    with open_registry() as reg:
        if explicit_name and reg.get(explicit_name):
            raise AlreadyExistsError.name_taken(explicit_name)
    found = interpreter.find(python)

    made = _missing_parents(target)
    marker = _write_marker(target, made)
    try:
        with _signals_interrupt():
            record = _make(target, found, packages, req_file, explicit_name, project, progress)
    except BaseException:
        _remove_made(target, made)
        marker.unlink(missing_ok=True)
        raise
    marker.unlink(missing_ok=True)
    return record


def _make(target, found, packages, req_file, explicit_name, project, progress) -> VenvRecord:
    """Make the venv, install into it, measure and register it."""
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


# --------------------------------------------------------------------------
# Interruptions: signals roll back like Ctrl-C; a marker outlives a kill
# --------------------------------------------------------------------------


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGHUP during create: handled like Ctrl-C (rolled back, exit 130-ish)."""


@contextmanager
def _signals_interrupt() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into Interrupted while the venv is being made (main thread only)."""
    import threading

    wanted = [getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n)]
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, _frame):
        raise Interrupted(f"stopped by {signal.Signals(signum).name}")

    previous = {s: signal.signal(s, interrupt) for s in wanted}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _marker_path(target: Path) -> Path:
    digest = hashlib.sha256(os.fsencode(str(target))).hexdigest()[:24]
    return paths.home() / "creating" / f"{digest}.json"


def _write_marker(target: Path, parents: list[Path]) -> Path:
    marker = _marker_path(target)
    marker.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"target": str(target), "parents": [str(p) for p in parents], "pid": os.getpid()})
    tmp = marker.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, marker)
    return marker


def _read_marker(marker: Path) -> dict | None:
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("target"), str) else None


def _alive(pid) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def interrupted_targets() -> set[str]:
    """Folders a create is making now or left behind when it was killed."""
    folder = paths.home() / "creating"
    found = set()
    try:
        markers = list(folder.glob("*.json"))
    except OSError:
        return found
    for marker in markers:
        data = _read_marker(marker)
        if data:
            found.add(data["target"])
    return found


def remove_interrupted(target: Path) -> bool:
    """Remove what a killed `venvy create` of `target` left (only if its process is gone).
    True when something was removed."""
    marker = _marker_path(target)
    data = _read_marker(marker)
    if not data or data["target"] != str(target):
        return False
    if _alive(data.get("pid")) and data.get("pid") != os.getpid():
        raise AlreadyExistsError(f"Another venvy is creating {target} right now (pid {data['pid']}).")
    with open_registry() as reg:
        registered = reg.get_by_path(str(target)) is not None
    if not registered and os.path.isdir(target) and not os.path.islink(target):
        foreign = deletion.foreign_entries(target)
        if foreign:
            raise AlreadyExistsError(
                f"{target} was left by an interrupted `venvy create` but now also holds {', '.join(foreign[:3])}; "
                "venvy leaves it alone: move those files out, or remove the folder yourself."
            )
        _remove_made(target, [Path(p) for p in data.get("parents", [])])
    marker.unlink(missing_ok=True)
    return not registered
