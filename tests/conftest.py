"""Shared fixtures: a fresh $VENVY_HOME and $HOME per test, real venvs copied from one template."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from venvy.cli import main
from venvy.registry import open_registry

BASE_PYTHON = getattr(sys, "_base_executable", None) or sys.executable
CLEARED = (
    "VIRTUAL_ENV",
    "CONDA_PREFIX",
    "VENVY_DEBUG",
    "PYENV_ROOT",
    "WORKON_HOME",
    "XDG_CACHE_HOME",
    "XDG_DATA_HOME",
    "POETRY_CACHE_DIR",
    "POETRY_VIRTUALENVS_PATH",
)


@pytest.fixture(scope="session", autouse=True)
def session_venvy_home(tmp_path_factory):
    """Module- and session-scoped fixtures (a loaded model) are made before the per-test
    environment below: give them a throwaway $VENVY_HOME and base + adapter too, so no test
    writes to the real ~/.venvy or merges the shipped adapter (~15 s)."""
    patch = pytest.MonkeyPatch()
    patch.setenv("VENVY_HOME", str(tmp_path_factory.mktemp("session-venvy-home")))
    patch.setenv("VENVY_MERGE", "0")
    patch.setenv("VENVY_RESIDENT", "0")  # no background parser outliving a test
    yield
    patch.undo()


@pytest.fixture(autouse=True)
def venvy_home(tmp_path, monkeypatch) -> Path:
    """Each test gets its own $VENVY_HOME and $HOME; no venv is active; pip stays offline."""
    home = tmp_path / "venvy-home"
    user_home = tmp_path / "home"
    user_home.mkdir()
    monkeypatch.setenv("VENVY_HOME", str(home))
    monkeypatch.setenv("HOME", str(user_home))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    # Merging the shipped adapter takes ~15 s per fresh $VENVY_HOME; tests load base + adapter
    # unless they test the merge (tests/nl/runtime/test_merge_lora.py turns it back on).
    monkeypatch.setenv("VENVY_MERGE", "0")
    # `venvy -w` would leave a resident parser running (venvy.nl.runtime.resident); only its
    # own tests (tests/nl/runtime/test_resident.py) start one, and stop it
    monkeypatch.setenv("VENVY_RESIDENT", "0")
    for variable in CLEARED:
        monkeypatch.delenv(variable, raising=False)
    return home


@pytest.fixture
def work(tmp_path, monkeypatch) -> Path:
    """An empty current folder."""
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


@pytest.fixture(scope="session")
def template_venv(tmp_path_factory) -> Path:
    """One real `python -m venv --without-pip`, copied by make_venv (creating many is slow)."""
    path = tmp_path_factory.mktemp("template") / "venv"
    subprocess.run([BASE_PYTHON, "-m", "venv", "--without-pip", str(path)], check=True)
    return path


@pytest.fixture
def make_venv(template_venv):
    """make_venv(path, packages=(), cfg_extra="") -> a real venv at path (a copy of the template)."""

    def make(path, packages=(), cfg_extra: str = "") -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(template_venv, path, symlinks=True)
        site = next((path / "lib").glob("python*/site-packages"))
        for name in packages:
            (site / f"{name}-1.0.dist-info").mkdir()
            (site / name).mkdir()
            (site / name / "__init__.py").write_text("x = 1\n")
        if cfg_extra:
            with open(path / "pyvenv.cfg", "a") as fh:
                fh.write(cfg_extra)
        return path

    return make


@pytest.fixture
def cli():
    """cli(*args, input=None, env=None) -> click Result of the real CLI."""
    runner = CliRunner()

    def invoke(*args, input=None, env=None):
        return runner.invoke(main, [str(a) for a in args], input=input, env=env, catch_exceptions=False)

    return invoke


@pytest.fixture
def registry():
    with open_registry() as reg:
        yield reg


@pytest.fixture
def local_wheel(tmp_path) -> callable:
    """local_wheel(name) -> path of a minimal pure-Python wheel built by hand (no network)."""

    def build(name: str, version: str = "1.0") -> Path:
        folder = tmp_path / "wheels"
        folder.mkdir(exist_ok=True)
        path = folder / f"{name}-{version}-py3-none-any.whl"
        info = f"{name}-{version}.dist-info"
        files = {
            f"{name}/__init__.py": f"VERSION = {version!r}\n",
            f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
            f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: venvy-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        }
        record = "".join(f"{p},,\n" for p in files) + f"{info}/RECORD,,\n"
        with zipfile.ZipFile(path, "w") as zf:
            for p, text in files.items():
                zf.writestr(p, text)
            zf.writestr(f"{info}/RECORD", record)
        return path

    return build


@pytest.fixture
def fake_tool(tmp_path, monkeypatch):
    """fake_tool(name, script_text) -> an executable in a folder put first on PATH."""
    folder = tmp_path / "fake-bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")

    def write(name: str, text: str) -> Path:
        path = folder / name
        path.write_text(text)
        path.chmod(0o755)
        return path

    return write
