"""Deleting a venv's files, and nothing else.

What this module guarantees, by construction rather than by checks sprinkled elsewhere:
- The folder is reached from `/` one component at a time with O_NOFOLLOW: a symlink
  anywhere on the registered path (the venv itself or any parent) stops it.
- The folder reached is the one registered: its (device, inode) must match.
- Only the names venv tools write at the top of a venv (venv.VENV_OWNED / CONDA_OWNED) are
  deleted; a folder holding anything else is refused as a whole, before anything goes.
- Nothing is deleted across a mount point: a mount at or under the folder (from
  /proc/self/mountinfo, and any change of st_dev met on the way) refuses it up front.
- Every removal is relative to an open folder descriptor and never follows a symlink
  (a symlink is unlinked, not entered), so a swap during the deletion cannot redirect it.
- The marker (pyvenv.cfg, conda-meta/) goes last and only when everything else went, so a
  deletion that fails halfway leaves a folder that is still recognised and can be finished.
- One deletion per folder at a time: an exclusive flock on the folder.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass, field

from venvy import venv

# What venv, virtualenv, uv, pip (data files) and the OS put at the top of a venv.
VENV_OWNED = frozenset(
    {
        venv.CONFIG, "bin", "Scripts", "lib", "lib64", "Lib", "include", "Include", "share", "etc", "man",
        ".gitignore", "CACHEDIR.TAG", ".lock", ".project", "pip-selfcheck.json", "selfcheck.json", ".DS_Store",
    }
)
# conda puts more at the top of an env (Unix and Windows layouts).
CONDA_OWNED = VENV_OWNED | frozenset(
    {
        venv.CONDA_META, "libexec", "sbin", "ssl", "var", "doc", "docs", "compiler_compat",
        "x86_64-conda-linux-gnu", "x86_64-conda_cos6-linux-gnu", "aarch64-conda-linux-gnu",
        "Library", "DLLs", "Tools", "Menu", "python.exe", "pythonw.exe", "LICENSE_PYTHON.txt",
        "mkspecs", "plugins", "phrasebooks", "qml", "resources", "translations", "fonts", ".nonadmin",
        "cmake", "jupyter",
    }
)
# A .gitignore is the venv tool's only when every rule in it is `*` (venv 3.13+, virtualenv, uv).
_TOOL_GITIGNORE_MAX = 4096

MARKERS = (venv.CONFIG, venv.CONDA_META)
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
MOUNTINFO = "/proc/self/mountinfo"


class Refused(Exception):
    """The folder must not be deleted; the message says why, for a person."""


@dataclass
class Result:
    removed: int = 0  # files and folders removed
    errors: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------
# What belongs to the venv
# --------------------------------------------------------------------------


def _tool_gitignore(path: str) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read(_TOOL_GITIGNORE_MAX + 1)
    except OSError:
        return False
    rules = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return len(text) <= _TOOL_GITIGNORE_MAX and rules == ["*"]


def foreign_entries(path: str | Path, names: list[str] | None = None) -> list[str]:
    """The names at the top of the venv at `path` that no venv tool writes (a project's src/,
    .git, pyproject.toml, ...), sorted. `names`: the folder's listing, when the caller has it."""
    path = os.fspath(path)
    names = os.listdir(path) if names is None else names
    owned = CONDA_OWNED if os.path.isdir(os.path.join(path, venv.CONDA_META)) else VENV_OWNED
    foreign = []
    for name in names:
        if name not in owned:
            foreign.append(name)
        elif name == ".gitignore" and not _tool_gitignore(os.path.join(path, name)):
            foreign.append(name)
    return sorted(foreign)


# --------------------------------------------------------------------------
# Reaching the folder
# --------------------------------------------------------------------------


def open_folder(path: str) -> tuple[int, int]:
    """(parent fd, folder fd) for an absolute path, walked from / without following any symlink.

    Refused when a component is a symlink or not a folder; FileNotFoundError when it is gone.
    """
    if not os.path.isabs(path):
        raise Refused(f"{path} is not an absolute path")
    parts = [p for p in path.split(os.sep) if p]
    if not parts:
        raise Refused("it is the root folder")
    fd = os.open(os.sep, _DIR_FLAGS)
    parent = -1
    walked = ""
    try:
        for part in parts:
            walked += os.sep + part
            try:
                nxt = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
                    if os.path.islink(walked):
                        raise Refused(f"{walked} is now a symlink, so the path leads somewhere else") from None
                    raise Refused(f"{walked} is not a folder") from None
                raise
            if parent >= 0:
                os.close(parent)
            parent, fd = fd, nxt
    except BaseException:
        os.close(fd)
        if parent >= 0:
            os.close(parent)
        raise
    return parent, fd


def mount_points() -> list[str]:
    """Every mount point of this process (Linux: /proc/self/mountinfo); [] where unknown."""
    try:
        with open(MOUNTINFO, "rb") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        fields = line.split(b" ")
        if len(fields) > 4:  # field 5 is the mount point, with space, tab, newline, \ as octal escapes
            raw = re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), fields[4])
            found.append(os.fsdecode(raw))
    return found


def mounts_at_or_under(path: str, known: list[str] | None = None) -> list[str]:
    """Mount points that are `path` itself or lie inside it."""
    prefix = path.rstrip(os.sep) + os.sep
    points = mount_points() if known is None else known
    return sorted({m for m in points if m == path or m.startswith(prefix)})


# --------------------------------------------------------------------------
# Deleting
# --------------------------------------------------------------------------


def _remove_entry(dir_fd: int, name: str, device: int, shown: str, result: Result) -> bool:
    """Remove `name` inside the open folder `dir_fd`, recursively, without following symlinks
    or leaving `device`. True when it is gone."""
    try:
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return True  # already gone (a concurrent deletion, or a retry)
    except OSError as exc:
        result.errors.append(f"{shown}: {exc.strerror or exc}")
        return False
    try:
        if not stat.S_ISDIR(st.st_mode):
            os.unlink(name, dir_fd=dir_fd)
            result.removed += 1
            return True
        if st.st_dev != device:
            result.errors.append(f"{shown}: another filesystem is mounted there; venvy does not cross it")
            return False
        sub = os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
    except FileNotFoundError:
        return True
    except OSError as exc:
        result.errors.append(f"{shown}: {exc.strerror or exc}")
        return False
    try:
        opened = os.fstat(sub)
        if (opened.st_dev, opened.st_ino) != (st.st_dev, st.st_ino):  # swapped between stat and open
            result.errors.append(f"{shown}: changed while being deleted")
            return False
        ok = True
        for child in os.listdir(sub):
            ok = _remove_entry(sub, child, device, os.path.join(shown, child), result) and ok
    finally:
        os.close(sub)
    if not ok:
        return False
    try:
        os.rmdir(name, dir_fd=dir_fd)
        result.removed += 1
        return True
    except FileNotFoundError:
        return True
    except OSError as exc:
        result.errors.append(f"{shown}: {exc.strerror or exc}")
        return False


def _lock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise Refused("another venvy is deleting it right now") from None
    except OSError:  # pragma: no cover - a filesystem without flock: the other checks still hold
        pass


def check(path: str, identity: tuple[int, int] | None, resuming: bool = False) -> None:
    """Refused (with the reason) unless the folder at `path` may be deleted now.

    `identity`: the (device, inode) recorded at registration (None for records made before
    venvy kept it: then the no-symlink walk and the structure checks stand alone).
    `resuming`: a deletion of this folder started earlier and did not finish, so only the
    marker may remain; the folder must still hold nothing a venv tool does not write.
    """
    parent, fd = open_folder(path)
    try:
        _check_open(path, fd, identity, resuming)
    finally:
        os.close(fd)
        os.close(parent)


def _check_open(path: str, fd: int, identity: tuple[int, int] | None, resuming: bool) -> list[str]:
    st = os.fstat(fd)
    if identity is not None and (st.st_dev, st.st_ino) != tuple(identity):
        raise Refused(
            "the folder at this path is not the one that was registered (it was replaced); "
            f"if it is the venv you mean, `venvy register {path}` records it again"
        )
    names = os.listdir(fd)
    if not resuming and not venv.is_venv(path):
        raise Refused(f"it is no longer a venv ({venv.why_not_a_venv(path)}), so venvy leaves it alone")
    foreign = foreign_entries(path, names)
    if foreign:
        owned = [n for n in sorted(names) if n not in foreign]
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise Refused(
            f"it holds files no venv tool writes ({shown}): it looks like a project folder that is "
            "also a venv. venvy deletes whole venvs only; to remove just the venv's parts yourself: "
            f"cd {_quote(path)} && rm -r {' '.join(map(_quote, owned))}"
        )
    mounts = mounts_at_or_under(path)
    if mounts:
        raise Refused(f"{mounts[0]} is a mount point; venvy does not delete across filesystems")
    return names


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


def delete(path: str, identity: tuple[int, int] | None, resuming: bool = False) -> Result:
    """Delete the venv at `path` (checked as in `check`, under an exclusive lock).

    Refused before anything is removed; a Result with errors when something could not be
    removed (the marker then stays, so a retry finishes the job)."""
    parent, fd = open_folder(path)
    try:
        _lock(fd)
        names = _check_open(path, fd, identity, resuming)
        device = os.fstat(fd).st_dev
        result = Result()
        # everything but the marker first, then the marker, then the (now empty) folder
        for name in sorted(n for n in names if n not in MARKERS):
            _remove_entry(fd, name, device, os.path.join(path, name), result)
        if result.errors:
            return result
        for name in MARKERS:
            if name in names:
                _remove_entry(fd, name, device, os.path.join(path, name), result)
        if result.errors:
            return result
        try:
            os.rmdir(os.path.basename(path), dir_fd=parent)
            result.removed += 1
        except FileNotFoundError:
            pass
        except OSError as exc:
            result.errors.append(f"{path}: {exc.strerror or exc}")
        return result
    finally:
        os.close(fd)
        os.close(parent)
