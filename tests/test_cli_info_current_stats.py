"""venvy info, current, stats and the hidden _record-use."""

from __future__ import annotations

import json
import shutil

import pytest

from venvy.registry import VenvRecord


def test_info_refreshes_and_stores(cli, work, make_venv, registry):
    path = make_venv(work / ".venv")
    cli("register")
    site = next((path / "lib").glob("python*/site-packages"))
    (site / "new-2.0.dist-info").mkdir()
    (site / "old.egg-info").mkdir()
    data = json.loads(cli("info", "work", "--format", "json").stdout)
    assert data["schema_version"] == 1
    assert data["venv"]["packages"] == 2
    assert registry.get("work").packages == 2
    table = cli("info", "work")
    assert table.exit_code == 0 and "Packages" in table.stdout and "never" in table.stdout
    shutil.rmtree(path)
    gone = json.loads(cli("info", "work", "--format", "json").stdout)["venv"]
    assert gone["health"] == "missing" and gone["size_bytes"] is not None


def test_info_unknown_and_invalid_names(cli):
    unknown = cli("info", "ghost")
    assert unknown.exit_code == 1 and "No venv named 'ghost'" in unknown.stderr
    invalid = cli("info", "../x")
    assert invalid.exit_code == 2


def test_current_none(cli):
    result = cli("current")
    assert result.exit_code == 0 and "No active venv" in result.stdout


def test_current_registered_and_not(cli, work, make_venv, monkeypatch):
    path = make_venv(work / ".venv")
    monkeypatch.setenv("VIRTUAL_ENV", str(path))
    assert "not registered" in cli("current").stdout
    cli("register")
    assert cli("current").stdout.split() == ["work", str(path)]


def test_current_conda(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("CONDA_PREFIX", str(tmp_path / "conda"))
    assert "CONDA_PREFIX" in cli("current").stdout


def test_stats(cli, registry, work, make_venv):
    registry.add(VenvRecord(name="old", path="/gone/old", size_bytes=1000, packages=3, created_at="2000-01-01T00:00:00Z"))
    registry.add(VenvRecord(name="mid", path="/gone/mid", size_bytes=500, packages=2, python="3.9.1",
                            last_used_at="2001-01-01T00:00:00Z", kind="conda"))
    make_venv(work / ".venv")
    cli("register")
    data = json.loads(cli("stats", "--format", "json").stdout)
    assert data["count"] == 3 and data["packages"] == 5
    assert data["size_bytes"] > 1500
    assert data["unused_30_days"] == 2 and data["unused_90_days"] == 2
    assert (data["ok"], data["broken"], data["missing"]) == (1, 0, 2)
    assert data["by_kind"] == {"conda": 1, "venv": 2}
    assert registry.get("old").health == "missing"  # stored
    table = cli("stats")
    assert table.exit_code == 0 and "Unused 90+ days" in table.stdout and "Missing" in table.stdout


def test_stats_empty(cli):
    data = json.loads(cli("stats", "--format", "json").stdout)
    assert data["count"] == 0 and data["size_bytes"] == 0


def test_record_use_touches_or_registers(cli, work, make_venv, registry):
    path = make_venv(work / ".venv")
    assert cli("_record-use", str(path)).exit_code == 0
    record = registry.get("work")
    assert record.last_used_at is not None and record.size_bytes > 0
    registry.touch(path, "2020-01-01T00:00:00Z")
    cli("_record-use", str(path))
    assert registry.get("work").last_used_at > "2020-01-01T00:00:00Z"
    assert cli("_record-use", str(work / "nothing")).exit_code == 0
    assert len(registry.all()) == 1


def test_record_use_is_silent_on_errors(cli, venvy_home, make_venv, work):
    venvy_home.mkdir()
    (venvy_home / "registry.db").write_bytes(b"garbage" * 100)
    result = cli("_record-use", str(make_venv(work / ".venv")))
    assert result.exit_code == 1 and result.output == ""


def test_hidden_command_is_not_in_help(cli):
    assert "_record-use" not in cli("--help").stdout
