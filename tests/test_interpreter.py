"""Finding an interpreter for --python: uv, pythonX.Y on PATH, pyenv, or a clear error."""

from __future__ import annotations

import os
import sys

import pytest

from venvy import interpreter
from venvy.versions import matches
from venvy.errors import InterpreterNotFoundError


@pytest.fixture
def isolated_path(tmp_path, monkeypatch):
    """PATH holds only an empty folder (plus what a test adds); no uv, no system pythons."""
    folder = tmp_path / "only-bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", str(folder))
    return folder


def fake_python(folder, name, version):
    path = folder / name
    path.write_text(f"#!/bin/sh\necho {version}\n")
    path.chmod(0o755)
    return path


def fake_pyenv(tmp_path, monkeypatch, *versions):
    root = tmp_path / "pyenv"
    for version in versions:
        bin_dir = root / "versions" / version / "bin"
        bin_dir.mkdir(parents=True)
        fake_python(bin_dir, "python", version)
    (root / "versions" / "my-virtualenv").mkdir(parents=True)
    monkeypatch.setenv("PYENV_ROOT", str(root))
    return root


@pytest.mark.parametrize(
    "version, wanted, ok",
    [("3.11.4", "3.11", True), ("3.11.4", "3.1", False), ("3.11", "3.11.4", False), ("3.11.4", "3", True), (None, "3", False)],
)
def test_matches_compares_dotted_components(version, wanted, ok):
    assert matches(version, wanted) is ok


def test_no_version_is_the_running_interpreter(isolated_path):
    found = interpreter.find(None)
    assert found.source == "current" and found.version == ".".join(map(str, sys.version_info[:3]))


def test_path_python_then_pyenv(isolated_path, tmp_path, monkeypatch):
    fake_python(isolated_path, "python3.7", "3.7.9")
    fake_pyenv(tmp_path, monkeypatch, "3.8.18", "3.8.2", "3.9.1")
    assert interpreter.find("3.7").source == "PATH"
    assert interpreter.find("3.7.9").version == "3.7.9"
    found = interpreter.find("3.8")
    assert (found.source, found.version) == ("pyenv", "3.8.18")
    assert interpreter.find("3.8.2").version == "3.8.2"


def test_pyenv_shims_are_skipped(tmp_path, monkeypatch):
    shims = tmp_path / ".pyenv" / "shims"
    shims.mkdir(parents=True)
    fake_python(shims, "python3.7", "3.7.9")
    monkeypatch.setenv("PATH", str(shims))
    with pytest.raises(InterpreterNotFoundError):
        interpreter.find("3.7")


def test_missing_version_lists_what_was_found(isolated_path, tmp_path, monkeypatch):
    fake_python(isolated_path, "python3.7", "3.7.9")
    fake_pyenv(tmp_path, monkeypatch, "3.8.18")
    with pytest.raises(InterpreterNotFoundError) as info:
        interpreter.find("3.4")
    message = str(info.value)
    assert "Python 3.4 is not installed" in message
    assert "3.7" in message and "3.8.18" in message and sys.version.split()[0] in message


def test_uv_on_path_wins(isolated_path):
    uv = fake_python(isolated_path, "uv", "0")
    found = interpreter.find("3.13")
    assert (found.tool, found.executable, found.version) == ("uv", str(uv), "3.13")
    assert interpreter.find(None).version == interpreter.current().executable


def test_exact_version_of_a_broken_interpreter_is_none(tmp_path):
    bad = tmp_path / "python9"
    bad.write_text("#!/bin/sh\nexit 3\n")
    bad.chmod(0o755)
    assert interpreter._exact_version(str(bad)) is None
    assert interpreter._exact_version(str(tmp_path / "absent")) is None
