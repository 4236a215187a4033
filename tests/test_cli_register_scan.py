"""venvy register and venvy scan."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from venvy.ops.scan import find_venvs


def venvs(cli):
    return {v["name"]: v for v in json.loads(cli("ls", "--format", "json").stdout)["venvs"]}


@pytest.mark.parametrize("folder", [".venv", "venv", "env"])
def test_register_default_path(cli, work, make_venv, folder):
    make_venv(work / folder)
    result = cli("register")
    assert result.exit_code == 0, result.output
    assert "Registered work" in result.stdout
    entry = venvs(cli)["work"]
    assert entry["path"] == str(work / folder) and entry["project"] == str(work)
    assert entry["size_bytes"] > 0 and entry["size_measured_at"]


def test_register_with_name_and_project(cli, work, make_venv, tmp_path):
    path = make_venv(tmp_path / "envs" / "x")
    result = cli("register", str(path), "--name", "tools", "--project", str(work))
    assert result.exit_code == 0, result.output
    assert venvs(cli)["tools"]["project"] == str(work)


def test_register_again_updates_and_keeps_last_use(cli, work, make_venv, registry):
    path = make_venv(work / ".venv")
    cli("register")
    registry.touch(path, "2025-01-02T03:04:05Z")
    again = cli("register", ".venv")
    assert again.exit_code == 0 and "Updated work" in again.stdout
    renamed = cli("register", ".venv", "--name", "renamed")
    assert renamed.exit_code == 0
    entry = venvs(cli)["renamed"]
    assert entry["last_used_at"] == "2025-01-02T03:04:05Z"
    assert list(venvs(cli)) == ["renamed"]


def test_register_name_taken(cli, work, make_venv, tmp_path):
    make_venv(tmp_path / "a" / ".venv")
    make_venv(tmp_path / "b" / ".venv")
    assert cli("register", str(tmp_path / "a" / ".venv"), "--name", "x").exit_code == 0
    result = cli("register", str(tmp_path / "b" / ".venv"), "--name", "x")
    assert result.exit_code == 1 and "already taken" in result.stderr
    assert cli("register", str(tmp_path / "b" / ".venv")).exit_code == 0
    result = cli("register", str(tmp_path / "b" / ".venv"), "--name", "x")
    assert result.exit_code == 1 and "already taken" in result.stderr


def test_register_refuses_what_is_not_a_venv(cli, work):
    (work / "plain").mkdir()
    result = cli("register", "plain")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1  # one line, no traceback
    assert result.stderr.strip().endswith("plain is not a venv: it has neither pyvenv.cfg nor conda-meta/.")
    missing = cli("register", "nowhere")
    assert missing.exit_code == 1 and "nowhere does not exist" in missing.stderr
    none_here = cli("register")
    assert none_here.exit_code == 1 and "No .venv, venv or env" in none_here.stderr


def test_register_missing_project(cli, work, make_venv):
    make_venv(work / ".venv")
    result = cli("register", "--project", "no-such-dir")
    assert result.exit_code == 1 and "project folder" in result.stderr


def test_register_invalid_name(cli, work, make_venv):
    make_venv(work / ".venv")
    result = cli("register", "--name", "../x")
    assert result.exit_code == 2 and "not a valid venv name" in result.output


def build_tree(root: Path, make_venv) -> None:
    make_venv(root / "api" / ".venv")
    make_venv(root / "clients" / "api" / ".venv")  # same folder names: de-duplicated
    make_venv(root / "a" / "b" / "c" / "deep")  # level 4: beyond --depth 3
    make_venv(root / ".hidden" / "tool")
    make_venv(root / ".git" / "x" / ".venv")
    make_venv(root / "node_modules" / "pkg" / ".venv")
    outer = make_venv(root / "outer")
    make_venv(outer / "inner")  # inside a venv: not entered
    (root / "linked").symlink_to(root / "a", target_is_directory=True)
    (root / "plain" / "src").mkdir(parents=True)


def test_scan_finds_registers_and_summarises(cli, work, make_venv):
    build_tree(work, make_venv)
    result = cli("scan")
    assert result.exit_code == 0, result.output
    assert "4 found, 4 new, 0 updated" in result.stdout
    found = venvs(cli)
    assert set(found) == {"api", "clients-api", "tool", "outer"}
    assert found["api"]["path"] == str(work / "api" / ".venv")
    assert found["clients-api"]["project"] == str(work / "clients" / "api")
    again = cli("scan")
    assert "4 found, 0 new, 4 updated" in again.stdout


def test_scan_depth_and_path(cli, work, make_venv, tmp_path):
    build_tree(tmp_path / "tree", make_venv)
    assert "5 found" in cli("scan", "--path", str(tmp_path / "tree"), "--depth", "4").stdout
    assert "deep" in venvs(cli)
    shallow = cli("scan", "--path", str(tmp_path / "tree"), "--depth", "0")
    assert "0 found" in shallow.stdout
    missing = cli("scan", "--path", "nowhere")
    assert missing.exit_code == 1 and "not a folder" in missing.stderr


def test_scan_never_follows_symlinked_folders(make_venv, tmp_path):
    make_venv(tmp_path / "elsewhere" / "v")
    root = tmp_path / "root"
    root.mkdir()
    (root / "link").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    assert find_venvs(root, 5, [0, 0]) == []


def test_scan_home_looks_in_well_known_folders_beyond_depth(cli, work, make_venv, tmp_path):
    home = Path(os.environ["HOME"])
    make_venv(home / ".local" / "share" / "virtualenvs" / "web-AbCd1234", cfg_extra="virtualenv = 20\n")
    make_venv(home / ".cache" / "pypoetry" / "virtualenvs" / "app-XyZ-py3.11", cfg_extra="virtualenv = 20\n")
    make_venv(home / ".virtualenvs" / "wrapper")
    conda = home / "miniconda3" / "envs" / "ds"
    (conda / "conda-meta").mkdir(parents=True)
    (conda / "conda-meta" / "history").write_text("==> 2024-01-01 <==\n")
    make_venv(home / "code" / "proj" / ".venv")
    result = cli("scan", "--home", "--depth", "1")
    assert result.exit_code == 0, result.output
    found = venvs(cli)
    kinds = {v["kind"] for v in found.values()}
    assert {"pipenv", "poetry", "conda", "venv"} <= kinds
    assert "wrapper" in found and "proj" not in found  # proj is 3 deep, outside well-known folders
    assert "5 found" not in result.stdout and "4 found" in result.stdout


def test_scan_reports_progress_to_callback(make_venv, tmp_path, monkeypatch):
    import venvy.ops.scan as scan_mod

    monkeypatch.setattr(scan_mod, "PROGRESS_EVERY", 1)
    make_venv(tmp_path / "t" / "v")
    calls = []
    scan_mod.scan(path=str(tmp_path / "t"), on_progress=lambda folders, found: calls.append((folders, found)))
    assert calls and calls[-1][1] == 1
