"""venvy shell-hook: code per shell; bash really runs it (a fake venvy records the calls)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from venvy import shell_hook
from venvy.shell_hook import SHELLS


@pytest.fixture(autouse=True)
def no_parent_shell(monkeypatch):
    """These tests are about $SHELL: the shell that started the test run (bash under .ci/run)
    must not count as the one evaluating the hook. tests/test_cli_faults.py runs real shells."""
    monkeypatch.setattr(shell_hook, "parent_shell", lambda: None)


@pytest.mark.parametrize("shell", SHELLS)
def test_each_shell_has_guarded_code(cli, shell):
    result = cli("shell-hook", "--shell", shell)
    assert result.exit_code == 0
    assert "_record-use" in result.stdout and "__VENVY_HOOK" in result.stdout
    assert "VIRTUAL_ENV" in result.stdout and "CONDA_PREFIX" in result.stdout


@pytest.mark.parametrize(
    "shell_var, expected", [("/bin/bash", "PROMPT_COMMAND"), ("/usr/bin/zsh", "precmd_functions"),
                            ("/usr/local/bin/fish", "fish_prompt"), ("/usr/bin/pwsh", "function global:prompt")]
)
def test_default_shell_comes_from_SHELL(cli, monkeypatch, shell_var, expected):
    monkeypatch.setenv("SHELL", shell_var)
    assert expected in cli("shell-hook").stdout


def test_unknown_or_unset_shell(cli, monkeypatch):
    monkeypatch.setenv("SHELL", "/bin/tcsh")
    result = cli("shell-hook")
    assert result.exit_code == 1 and "--shell" in result.stderr
    monkeypatch.delenv("SHELL")
    assert cli("shell-hook").exit_code == 1
    assert cli("shell-hook", "--shell", "cmd").exit_code == 2


def test_help_documents_eval(cli):
    assert 'eval "$(venvy shell-hook)"' in cli("shell-hook", "--help").stdout


@pytest.mark.skipif(not shutil.which("bash"), reason="needs bash")
def test_bash_hook_calls_venvy_only_when_the_venv_changes(cli, fake_tool, tmp_path):
    log = tmp_path / "calls.log"
    fake_tool("venvy", f'#!/bin/sh\necho "$@" >> {log}\n')
    hook = tmp_path / "hook.sh"
    hook.write_text(cli("shell-hook", "--shell", "bash").stdout)
    script = f"""
    source {hook}
    source {hook}   # idempotent: a second source changes nothing
    echo "PC=$PROMPT_COMMAND"
    __venvy_hook; __venvy_hook
    export VIRTUAL_ENV=/envs/a
    __venvy_hook; __venvy_hook; __venvy_hook
    export VIRTUAL_ENV=/envs/b
    __venvy_hook
    unset VIRTUAL_ENV
    __venvy_hook
    export VIRTUAL_ENV=/envs/a
    __venvy_hook
    wait; sleep 0.3
    """
    out = subprocess.run(["bash", "--norc", "-c", script], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("__venvy_hook") == 1  # PROMPT_COMMAND holds the hook once
    calls = sorted(log.read_text().splitlines())
    assert calls == ["_record-use /envs/a", "_record-use /envs/a", "_record-use /envs/b"]
