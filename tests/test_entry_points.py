"""--version, --help, python -m venvy, and no heavy import for the core commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from venvy import __version__

HEAVY = ("llama_cpp", "torch", "transformers", "venvy.nl.runtime.agent", "venvy.nl.runtime.wizard")


def run_venvy(*args, env_home):
    env = dict(os.environ, VENVY_HOME=str(env_home))
    src = os.path.join(os.path.dirname(__file__), "..", "src")
    env["PYTHONPATH"] = os.path.abspath(src) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, timeout=60)


def test_version_and_help(cli):
    assert cli("--version").stdout.strip() == f"venvy, version {__version__}"
    help_text = cli("--help").stdout
    for command in ("create", "ls", "info", "register", "scan", "current", "stats", "cleanup", "rm", "shell-hook"):
        assert command in help_text
    assert cli().stdout == help_text


def test_python_dash_m_venvy(venvy_home):
    result = run_venvy("-m", "venvy", "ls", "--format", "json", env_home=venvy_home)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"schema_version": 1, "venvs": []}


CORE_COMMANDS = [
    ["--help"],
    ["ls", "--format", "json"],
    ["ls"],
    ["info", "ghost"],
    ["register", "nowhere"],
    ["scan", "--path", "."],
    ["current"],
    ["stats"],
    ["cleanup", "--dry-run"],
    ["rm", "ghost", "--yes"],
    ["shell-hook", "--shell", "bash"],
    ["create", "--name", "x", "--python", "3.4"],
]


@pytest.mark.parametrize("args", CORE_COMMANDS, ids=lambda a: " ".join(a))
def test_core_commands_import_nothing_heavy(venvy_home, args):
    code = (
        "import sys, runpy\n"
        f"sys.argv = ['venvy', *{args!r}]\n"
        "try:\n    runpy.run_module('venvy', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "sys.stderr.write('MODULES ' + ' '.join(sorted(sys.modules)))\n"
    )
    result = run_venvy("-c", code, env_home=venvy_home)
    modules = result.stderr.rsplit("MODULES ", 1)[1].split()
    assert not [m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY]


def test_ls_json_does_not_import_rich(venvy_home):
    code = (
        "import sys, runpy\nsys.argv = ['venvy', 'ls', '--format', 'json']\n"
        "try:\n    runpy.run_module('venvy', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write('RICH ' + str(any(m == 'rich' or m.startswith('rich.') for m in sys.modules)))\n"
    )
    result = run_venvy("-c", code, env_home=venvy_home)
    assert result.stderr.strip().endswith("RICH False")


def test_debug_shows_the_traceback(cli, monkeypatch):
    from venvy.errors import NotFoundError

    with pytest.raises(NotFoundError):
        cli("--debug", "info", "ghost")
    monkeypatch.setenv("VENVY_DEBUG", "1")
    with pytest.raises(NotFoundError):
        cli("info", "ghost")
