"""venvy create: real venvs, real pip from local wheels (offline), the uv path with a fake uv."""

from __future__ import annotations

import json
import sys

import pytest

from conftest import BASE_PYTHON

FAST_PYTHON = f"""#!/bin/sh
# Stands in for python3.7: makes real venvs with the test interpreter, without pip (fast, offline).
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then shift 2; exec {BASE_PYTHON} -m venv --without-pip "$@"; fi
exec {BASE_PYTHON} "$@"
"""

FAKE_UV = f"""#!/bin/sh
# A stand-in for uv: `uv venv --python V PATH` and `uv pip install --python PY ARGS...`.
echo "$@" >> "$(dirname "$0")/uv.log"
if [ "$1" = "venv" ]; then
  {BASE_PYTHON} -m venv --without-pip "$4" || exit 1
  echo "uv = 0.0.0-fake" >> "$4/pyvenv.cfg"
  exit 0
fi
if [ "$1" = "pip" ]; then echo "Resolved 1 package"; exit 0; fi
exit 2
"""


@pytest.fixture
def fast_python(fake_tool):
    return fake_tool("python3.7", FAST_PYTHON)


def names(cli):
    return [v["name"] for v in json.loads(cli("ls", "--format", "json").stdout)["venvs"]]


@pytest.mark.slow
def test_create_default_with_pip_packages_and_requirements(cli, work, local_wheel):
    """No options: ./.venv named after the folder, made by the running Python, with pip installing local wheels."""
    alpha = local_wheel("alpha")
    beta = local_wheel("beta")
    requirements = work / "requirements.txt"
    requirements.write_text(f"{beta}\n")
    result = cli("create", "--packages", str(alpha), "--requirements", "requirements.txt")
    assert result.exit_code == 0, result.output
    assert "Created work" in result.stdout
    site = next((work / ".venv" / "lib").glob("python*/site-packages"))
    assert (site / "alpha-1.0.dist-info").is_dir() and (site / "beta-1.0.dist-info").is_dir()
    info = json.loads(cli("info", "work", "--format", "json").stdout)["venv"]
    assert info["path"] == str(work / ".venv")
    assert info["project"] == str(work)
    assert info["python"] == ".".join(map(str, sys.version_info[:3]))
    assert info["packages"] >= 3  # pip, alpha, beta


def test_create_named_goes_under_venvy_home(cli, work, venvy_home, fast_python):
    result = cli("create", "--name", "api", "--python", "3.7")
    assert result.exit_code == 0, result.output
    assert (venvy_home / "envs" / "api" / "pyvenv.cfg").is_file()
    assert names(cli) == ["api"]
    again = cli("create", "--name", "api", "--python", "3.7")
    assert again.exit_code == 1 and "already exists" in again.stderr


def test_create_name_taken_by_another_path(cli, work, fast_python):
    assert cli("create", "--path", "one/.venv", "--name", "same", "--python", "3.7").exit_code == 0
    result = cli("create", "--path", "two/.venv", "--name", "same", "--python", "3.7")
    assert result.exit_code == 1 and "already taken" in result.stderr
    assert not (work / "two").exists()


def test_create_path_is_named_after_its_project_and_deduplicated(cli, work, fast_python):
    assert cli("create", "--path", "a/shop/.venv", "--python", "3.7").exit_code == 0
    assert cli("create", "--path", "b/shop/.venv", "--python", "3.7").exit_code == 0
    assert names(cli) == ["b-shop", "shop"]


def test_create_refuses_an_existing_folder(cli, work):
    (work / ".venv").mkdir()
    result = cli("create")
    assert result.exit_code == 1
    assert "already exists" in result.stderr and "Traceback" not in result.output


def test_create_missing_python_version_is_clear_and_makes_nothing(cli, work, venvy_home):
    result = cli("create", "--name", "old", "--python", "3.4")
    assert result.exit_code == 1
    assert "Python 3.4 is not installed" in result.stderr and "Found:" in result.stderr
    assert not (venvy_home / "envs").exists()


def test_create_packages_without_pip_fails_cleanly_and_cleans_up(cli, work, venvy_home, fast_python):
    result = cli("create", "--name", "np", "--python", "3.7", "--packages", "requests")
    assert result.exit_code == 1
    assert "no pip" in result.stderr
    assert not (venvy_home / "envs").exists()  # venvy made envs/ for it, so it goes too
    assert names(cli) == []


def test_create_missing_requirements_file(cli, work):
    result = cli("create", "--requirements", "nope.txt")
    assert result.exit_code == 1 and "does not exist" in result.stderr
    assert not (work / ".venv").exists()


def test_create_reports_a_failing_venv_tool(cli, work, fake_tool):
    fake_tool("python3.7", "#!/bin/sh\necho 'Error: boom' >&2\nexit 3\n")
    result = cli("create", "--python", "3.7")
    assert result.exit_code == 1
    assert "python -m venv failed (exit 3): Error: boom" in result.stderr
    assert not (work / ".venv").exists()


def test_create_with_uv(cli, work, fake_tool):
    uv = fake_tool("uv", FAKE_UV)
    result = cli("create", "--name", "fast", "--python", "3.13", "--packages", "requests,rich")
    assert result.exit_code == 0, result.output
    log = (uv.parent / "uv.log").read_text().splitlines()
    assert log[0].startswith("venv --python 3.13 ")
    assert log[1].startswith("pip install --python ") and log[1].endswith("requests rich")
    info = json.loads(cli("info", "fast", "--format", "json").stdout)["venv"]
    assert info["kind"] == "uv"


def test_create_rejects_bad_names(cli, work):
    result = cli("create", "--name", "../x")
    assert result.exit_code == 2 and "not a valid venv name" in result.output
