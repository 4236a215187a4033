"""Faults found trying venvy as a new user would: each one fixed, each one kept fixed here."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize(
    "args, message",
    [
        (("cleanup", "--days", "1000000000", "--dry-run"), "0<=x<=36500"),
        (("scan", "--depth", "99999999999999999999"), "0<=x<=1000"),
        (("cleanup", "--days", "-1"), "0<=x<=36500"),
    ],
)
def test_numbers_out_of_range_are_one_line_errors(cli, args, message):
    result = cli(*args)
    assert result.exit_code == 2 and message in result.stderr
    assert "Traceback" not in result.output and "OverflowError" not in result.output


def test_a_name_too_long_says_so(cli):
    result = cli("create", "--name", "a" * 101)
    assert result.exit_code == 2 and "at most 100 characters; this one has 101" in result.stderr


def test_requirements_given_a_folder(cli, work):
    (work / "reqs").mkdir()
    result = cli("create", "--name", "x", "--requirements", "reqs")
    assert result.exit_code == 1 and "reqs is a folder; --requirements takes a file" in result.stderr


def test_ls_filter_that_matches_nothing(cli, make_venv, tmp_path):
    assert cli("register", make_venv(tmp_path / "a")).exit_code == 0
    result = cli("ls", "--python", "3.7")
    assert result.exit_code == 0
    assert "No venv matches --python 3.7 (1 registered" in result.stderr
    assert "No venvs registered" not in result.stderr


def test_cleanup_with_nothing_old_does_not_claim_every_venv_was_used(cli, make_venv, tmp_path):
    assert cli("register", make_venv(tmp_path / "never-used")).exit_code == 0
    result = cli("cleanup", "--dry-run")
    assert "no venv has gone 90+ days unused" in result.stdout
    assert "was used in the last" not in result.stdout


def test_current_with_a_stale_virtual_env(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("VIRTUAL_ENV", str(tmp_path / "gone"))
    result = cli("current")
    assert "does not exist: the variable is stale" in result.stdout
    assert "venvy register" not in result.stdout


def test_control_characters_in_folder_names_are_escaped_for_people(cli, make_venv, tmp_path):
    escape = make_venv(tmp_path / "evil\x1b[31mred" / "tool")
    registered = cli("register", escape, "--name", "evil")
    assert registered.exit_code == 0
    newline = make_venv(tmp_path / "scan" / "two\nlines")  # a newline can only arrive by scan
    assert cli("scan", "--path", tmp_path / "scan").exit_code == 0
    table = cli("ls").stdout
    for output in (registered.stdout, table, cli("info", "evil").stdout):
        assert "\x1b" not in output and "evil\\x1b[31mred" in "".join(output.split())  # rich may wrap it
    assert "two\\x0alines" in table and table.count("\n") == 3  # header and two rows
    simple = cli("ls", "--format", "simple").stdout
    assert simple.count("\n") == 2 and "two\\x0alines" in simple  # still one path per line
    exact = {v["path"] for v in json.loads(cli("ls", "--format", "json").stdout)["venvs"]}
    assert exact == {str(escape), str(newline)}  # JSON keeps the exact text


def test_shell_hook_follows_the_shell_that_evaluates_it(tmp_path):
    """bash with SHELL=zsh used to get the zsh hook, which does nothing in bash."""
    if not shutil.which("bash"):
        pytest.skip("bash is not installed")
    script = (
        f'eval "$({sys.executable} -m venvy shell-hook)"; '
        'case "$PROMPT_COMMAND" in *__venvy_hook*) echo HOOKED;; *) echo MISSING;; esac'
    )
    env = dict(os.environ, SHELL="/bin/zsh")
    done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "HOOKED", done.stderr


def test_shell_hook_in_an_unknown_posix_shell_warns(tmp_path):
    sh = shutil.which("dash") or shutil.which("sh")
    if not sh or os.path.basename(os.path.realpath(sh)) in ("bash", "zsh"):
        pytest.skip("no plain POSIX shell here")
    script = f'eval "$({sys.executable} -m venvy shell-hook --shell bash)" 2>/dev/null; true'
    assert subprocess.run([sh, "-c", script], timeout=60).returncode == 0
    from venvy.shell_hook import POSIX

    done = subprocess.run([sh, "-c", POSIX], capture_output=True, text=True, timeout=60)
    assert "this shell hook is for bash or zsh" in done.stderr


def _read_only(folder: Path):
    """Make `folder` read-only for this process; returns the undo (skips where impossible)."""
    if os.geteuid() != 0:
        for p in [folder, *folder.iterdir()]:
            p.chmod(0o555 if p.is_dir() else 0o444)
        return lambda: [p.chmod(0o755) for p in [folder, *folder.iterdir()]]
    done = subprocess.run(["mount", "--bind", "-o", "ro", str(folder), str(folder)], capture_output=True, text=True)
    if done.returncode != 0:
        done = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"root, and cannot mount here: {done.stderr.strip()}")
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)
    return lambda: subprocess.run(["umount", str(folder)], check=True)


def test_read_only_commands_work_from_a_read_only_registry(cli, make_venv, tmp_path, venvy_home):
    path = make_venv(tmp_path / "a")
    assert cli("register", path, "--name", "a").exit_code == 0
    undo = _read_only(venvy_home)
    try:
        listed = cli("ls", "--format", "json")
        assert listed.exit_code == 0, listed.stderr
        assert [v["name"] for v in json.loads(listed.stdout)["venvs"]] == ["a"]
        assert cli("info", "a").exit_code == 0
        assert cli("stats").exit_code == 0
        assert cli("cleanup", "--dry-run").exit_code == 0
        write = cli("register", path, "--name", "b")
        assert write.exit_code == 1 and "registry" in write.stderr and "Traceback" not in write.stderr
    finally:
        undo()
