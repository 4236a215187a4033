"""venvy rm and venvy cleanup: asks first (No by default), deletes only what is a venv now."""

from __future__ import annotations

import shutil

import pytest

from venvy.ops import remove
from venvy.registry import VenvRecord

OLD = "2000-01-01T00:00:00Z"


@pytest.fixture
def registered(cli, make_venv, registry, tmp_path):
    """registered(name, last_used=None) -> path of a real venv registered as `name`."""

    def make(name, last_used=None):
        path = make_venv(tmp_path / "projects" / name / ".venv")
        assert cli("register", str(path), "--name", name).exit_code == 0
        if last_used:
            registry.touch(path, last_used)
        return path

    return make


def test_rm_asks_and_defaults_to_no(cli, registered, registry):
    path = registered("api")
    result = cli("rm", "api", input="\n")
    assert result.exit_code == 1
    assert "[y/N]" in result.stderr and "Nothing was changed" in result.stderr
    assert path.exists() and registry.get("api")
    yes = cli("rm", "api", input="y\n")
    assert yes.exit_code == 0 and "Deleted api" in yes.stdout
    assert not path.exists() and registry.get("api") is None


def test_rm_yes_and_keep_files(cli, registered, registry):
    keep = registered("keep")
    result = cli("rm", "keep", "--keep-files", "--yes")
    assert result.exit_code == 0 and "Forgot keep" in result.stdout
    assert keep.exists() and registry.get("keep") is None
    gone = registered("gone")
    assert cli("rm", "gone", "--yes").exit_code == 0
    assert not gone.exists()


def test_rm_unknown_and_invalid(cli):
    assert "No venv named 'ghost'" in cli("rm", "ghost", "--yes").stderr
    assert cli("rm", "../x", "--yes").exit_code == 2


def test_rm_never_deletes_a_folder_that_stopped_being_a_venv(cli, registered, registry):
    path = registered("swapped")
    shutil.rmtree(path)
    path.mkdir()
    (path / "precious.txt").write_text("keep me")
    result = cli("rm", "swapped", "--yes")
    assert result.exit_code == 1 and "no longer a venv" in result.stderr
    assert (path / "precious.txt").read_text() == "keep me"
    assert registry.get("swapped")
    assert cli("rm", "swapped", "--keep-files", "--yes").exit_code == 0
    assert (path / "precious.txt").exists()


def test_rm_never_deletes_the_active_venv(cli, registered, monkeypatch):
    path = registered("active")
    monkeypatch.setenv("VIRTUAL_ENV", str(path))
    result = cli("rm", "active", "--yes")
    assert result.exit_code == 1 and "active venv" in result.stderr
    assert path.exists()


def test_rm_of_a_missing_path_only_forgets(cli, registered, registry):
    path = registered("lost")
    shutil.rmtree(path)
    result = cli("rm", "lost", "--yes")
    assert result.exit_code == 0 and "Forgot lost" in result.stdout
    assert registry.get("lost") is None


def test_cleanup_dry_run_then_yes(cli, registered, registry):
    old = registered("old", OLD)
    new = registered("new")
    registry.add(VenvRecord(name="ghost", path="/no/such/ghost", created_at=OLD))
    dry = cli("cleanup", "--dry-run")
    assert dry.exit_code == 0 and "Dry run" in dry.stdout
    # the plan is the output of a dry run: stdout, so `> file` and `| less` keep it
    assert "old" in dry.stdout and "ghost" in dry.stdout and "files already gone" in dry.stdout
    assert old.exists() and registry.get("ghost")
    done = cli("cleanup", "--yes")
    assert done.exit_code == 0
    assert "Deleted old" in done.stdout and "Forgot ghost" in done.stdout and "Freed" in done.stdout
    assert not old.exists() and new.exists()
    assert [r.name for r in registry.all()] == ["new"]


def test_cleanup_days_and_prompt(cli, registered, registry):
    month = "2020-01-01T00:00:00Z"
    path = registered("a", month)
    assert "Nothing to clean up" in cli("cleanup", "--days", "36500").stdout
    declined = cli("cleanup", "--days", "10", input="n\n")
    assert declined.exit_code == 1 and path.exists()
    accepted = cli("cleanup", "--days", "10", input="y\n")
    assert accepted.exit_code == 0 and not path.exists()


def test_cleanup_skips_active_and_swapped(cli, registered, registry, monkeypatch):
    active = registered("active", OLD)
    swapped = registered("swapped", OLD)
    shutil.rmtree(swapped)
    swapped.mkdir()
    monkeypatch.setenv("CONDA_PREFIX", str(active))
    result = cli("cleanup", "--yes")
    assert result.exit_code == 0 and "Nothing venvy may remove" in result.stdout
    assert "active venv" in result.stderr and "no longer a venv" in result.stderr
    assert active.exists() and swapped.exists()


def test_cleanup_keeps_going_after_a_failure(cli, registered, registry, monkeypatch):
    first = registered("first", OLD)
    second = registered("second", "2001-01-01T00:00:00Z")
    import os

    real_unlink = os.unlink

    def failing_unlink(path, *args, **kwargs):  # one file of `first` cannot be removed
        if str(path) == "pyvenv.cfg" and kwargs.get("dir_fd") is not None and os.readlink(
            f"/proc/self/fd/{kwargs['dir_fd']}"
        ) == str(first):
            raise PermissionError(13, "Permission denied")
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", failing_unlink)
    result = cli("cleanup", "--yes")
    assert result.exit_code == 1
    assert "Failed: first" in result.stderr and "Permission denied" in result.stderr
    assert "Deleted second" in result.stdout
    assert first.exists() and not second.exists()
    assert registry.get("first").health == "partial" and registry.get("second") is None


def test_deletion_rechecks_right_before_deleting(registered, registry):
    path = registered("late", OLD)
    steps = remove.plan_cleanup(90)
    assert [s.action for s in steps] == ["delete"]
    (path / "pyvenv.cfg").unlink()  # stops being a venv after the plan was made
    outcome = remove.execute(steps)
    assert outcome.done == [] and "no longer a venv" in outcome.failed[0][1]
    assert path.exists() and registry.get("late")


def test_cleanup_never_touches_the_running_environment(registry, monkeypatch, tmp_path):
    import sys

    assert remove.why_not_deletable(VenvRecord(name="t", path=str(tmp_path))) is not None
    assert "running venvy" in remove.why_not_deletable(VenvRecord(name="me", path=sys.prefix))


def test_a_conda_installation_or_a_folder_holding_the_active_venv_is_not_deleted(cli, registry, tmp_path, make_venv,
                                                                                monkeypatch):
    base = tmp_path / "miniconda3"
    (base / "conda-meta").mkdir(parents=True)
    (base / "conda-meta" / "history").write_text("")
    (base / "condabin").mkdir()
    (base / "envs" / "ds" / "conda-meta").mkdir(parents=True)
    assert cli("register", str(base), "--name", "base").exit_code == 0
    result = cli("rm", "base", "--yes")
    assert result.exit_code == 1 and "conda installation" in result.stderr
    assert (base / "envs" / "ds").is_dir()
    outer = make_venv(tmp_path / "outer")
    inner = make_venv(outer / "inner")
    assert cli("register", str(outer), "--name", "outer").exit_code == 0
    monkeypatch.setenv("VIRTUAL_ENV", str(inner))
    held = cli("rm", "outer", "--yes")
    assert held.exit_code == 1 and "is inside it" in held.stderr and inner.is_dir()
