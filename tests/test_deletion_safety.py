"""Fault injection for `rm` and `cleanup`: real folders, real venvs, real processes.

Every test builds a layout in a temp folder, lets venvy try to delete, and then asserts
the exact files that survive (not only the exit code). Cases that need privileges
(bind mounts, immutable files) skip with the reason when this machine can't make them.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from venvy import deletion
from venvy.ops import remove
from venvy.registry import VenvRecord


def snapshot(root: Path) -> dict[str, str]:
    """Every path under `root` (symlinks not followed) -> file content, link target or 'dir'."""
    found = {}
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in dirs + files:
            path = Path(folder, name)
            rel = str(path.relative_to(root))
            if path.is_symlink():
                found[rel] = "-> " + os.readlink(path)
            elif path.is_dir():
                found[rel] = "dir"
            else:
                found[rel] = path.read_bytes().decode("utf-8", "replace")
    return found


def project(root: Path) -> Path:
    """A project folder with source code, git data and packaging files."""
    (root / "src" / "app").mkdir(parents=True)
    (root / "src" / "app" / "__init__.py").write_text("print('precious')\n")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (root / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    return root


def venv_in_place(folder: Path) -> Path:
    """`python -m venv --without-pip folder` on a folder that may already hold files."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    subprocess.run([base, "-m", "venv", "--without-pip", str(folder)], check=True)
    return folder


# --------------------------------------------------------------------------
# Data loss found on the old main: each is impossible now
# --------------------------------------------------------------------------


def test_a_project_that_is_its_own_venv_is_refused_whole(cli, tmp_path, registry):
    proj = venv_in_place(project(tmp_path / "proj"))
    assert cli("register", proj, "--name", "proj").exit_code == 0
    before = snapshot(proj)
    result = cli("rm", "proj", "--yes")
    assert result.exit_code == 1
    assert "holds files no venv tool writes (.git, pyproject.toml, src)" in result.stderr
    assert f"cd {proj} && rm -r bin include lib" in result.stderr  # the exact command instead
    assert snapshot(proj) == before and registry.get("proj")
    cleanup = cli("cleanup", "--days", "0", "--yes")
    assert "Nothing venvy may remove" in cleanup.stdout and snapshot(proj) == before


def test_a_stray_pyvenv_cfg_is_not_a_venv(cli, tmp_path, registry):
    fixtures = tmp_path / "tests" / "fixtures"
    fixtures.mkdir(parents=True)
    (fixtures / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.4\n")
    (fixtures / "data.csv").write_text("a,b\n1,2\n")
    before = snapshot(tmp_path / "tests")
    scan = cli("scan", "--path", tmp_path / "tests")
    assert scan.exit_code == 0 and "0 found" in scan.stdout and registry.all() == []
    refused = cli("register", fixtures)
    assert refused.exit_code == 1
    assert "has a pyvenv.cfg but no interpreter (bin/python) and no lib/pythonX.Y/site-packages" in refused.stderr
    # a record made by an older venvy, before this check existed, still cannot delete it
    registry.add(VenvRecord(name="fixtures", path=str(fixtures), created_at="2000-01-01T00:00:00Z"))
    result = cli("cleanup", "--yes")
    assert "no longer a venv" in result.stderr and snapshot(tmp_path / "tests") == before


def test_home_is_never_deleted(cli, tmp_path, registry):
    home = Path(os.environ["HOME"])
    (home / "notes.txt").write_text("my notes")
    venv_in_place(home)
    assert cli("scan", "--home", "--depth", "0").exit_code == 0
    assert registry.get_by_path(str(home)) is not None
    registry.touch(home, "2000-01-01T00:00:00Z")
    before = snapshot(home)
    result = cli("cleanup", "--yes")
    assert "it is your home folder" in result.stderr
    assert snapshot(home) == before


@pytest.mark.parametrize("what", ["VENVY_HOME", "HOME"])
def test_a_venv_holding_home_or_venvy_home_is_never_deleted(cli, tmp_path, make_venv, monkeypatch, what):
    outer = make_venv(tmp_path / "outer")
    assert cli("register", outer, "--name", "outer").exit_code == 0
    inside = outer / "lib" / "inner-home"
    inside.mkdir()
    (inside / "keep.txt").write_text("keep")
    if what == "VENVY_HOME":  # move the registry into the venv's folder
        shutil.copytree(os.environ["VENVY_HOME"], inside / "venvy")
        monkeypatch.setenv("VENVY_HOME", str(inside / "venvy"))
    else:
        monkeypatch.setenv("HOME", str(inside))
    before = snapshot(outer)
    result = cli("rm", "outer", "--yes")
    assert result.exit_code == 1 and "is inside it" in result.stderr
    assert snapshot(outer) == before


def test_root_is_never_deleted():
    assert "root folder" in remove.why_not_deletable(VenvRecord(name="root", path="/"))


@pytest.mark.parametrize("level", [0, 1, 2])
def test_a_symlink_anywhere_on_the_path_is_refused(cli, tmp_path, make_venv, registry, level):
    """Register s/b/c/.venv, then replace one component (.venv, c or b) by a symlink to a copy
    of it that holds another venv: nothing of the copy (never registered) may go."""
    venv_path = make_venv(tmp_path / "s" / "b" / "c" / ".venv")
    assert cli("register", venv_path, "--name", "bb").exit_code == 0
    component = [venv_path, venv_path.parent, venv_path.parent.parent][level]
    other = tmp_path / "other" / component.name
    shutil.copytree(component, other, symlinks=True)
    shutil.rmtree(component)
    component.symlink_to(other, target_is_directory=True)
    before = snapshot(tmp_path / "other")
    result = cli("rm", "bb", "--yes")
    assert result.exit_code == 1 and "is now a symlink" in result.stderr
    assert snapshot(tmp_path / "other") == before and registry.get("bb")


def test_the_symlinked_parent_case_from_the_report(cli, tmp_path, make_venv, registry):
    registered = make_venv(tmp_path / "s" / "b" / ".venv")
    assert cli("register", registered, "--name", "bb").exit_code == 0
    other = make_venv(tmp_path / "s" / "c" / ".venv")
    shutil.rmtree(tmp_path / "s" / "b")
    (tmp_path / "s" / "b").symlink_to(tmp_path / "s" / "c", target_is_directory=True)
    before = snapshot(other)
    assert cli("rm", "bb", "--yes").exit_code == 1
    assert snapshot(other) == before


def test_a_venv_replaced_at_the_same_path_is_refused_until_registered_again(cli, tmp_path, make_venv, registry):
    path = make_venv(tmp_path / "p" / ".venv")
    assert cli("register", path, "--name", "p").exit_code == 0
    # another venv moved into its place (the old one kept aside, so its inode is not reused)
    path.rename(tmp_path / "aside")
    make_venv(tmp_path / "newer", packages=("other",)).rename(path)
    before = snapshot(path)
    result = cli("rm", "p", "--yes")
    assert result.exit_code == 1 and "not the one that was registered" in result.stderr
    assert f"venvy register {path}" in result.stderr and snapshot(path) == before
    assert cli("scan", "--path", tmp_path).exit_code == 0  # a rescan does not vouch for it
    assert cli("rm", "p", "--yes").exit_code == 1 and snapshot(path) == before
    assert cli("register", path).exit_code == 0  # the user does
    assert cli("rm", "p", "--yes").exit_code == 0 and not path.exists()


def test_links_inside_a_venv_are_removed_not_followed(cli, tmp_path, make_venv):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "data.txt").write_text("outside data")
    hard = tmp_path / "hard.txt"
    hard.write_text("hard-linked data")
    path = make_venv(tmp_path / "v" / ".venv")
    site = next((path / "lib").glob("python*/site-packages"))
    (site / "linked-dir").symlink_to(outside, target_is_directory=True)
    (site / "linked-file").symlink_to(outside / "data.txt")
    os.link(hard, site / "hard.txt")
    assert cli("register", path, "--name", "v").exit_code == 0
    assert cli("rm", "v", "--yes").exit_code == 0
    assert not path.exists() and (tmp_path / "v").is_dir()
    assert snapshot(outside) == {"data.txt": "outside data"} and hard.read_text() == "hard-linked data"


def test_a_conda_env_with_foreign_files_is_refused(cli, tmp_path, registry):
    env = tmp_path / "envs" / "ds"
    (env / "conda-meta").mkdir(parents=True)
    (env / "conda-meta" / "history").write_text("")
    (env / "bin").mkdir()
    (env / "notebook.ipynb").write_text("{}")
    assert cli("register", env, "--name", "ds").exit_code == 0
    before = snapshot(env)
    result = cli("rm", "ds", "--yes")
    assert result.exit_code == 1 and "notebook.ipynb" in result.stderr and snapshot(env) == before


def test_a_venv_tools_gitignore_is_the_venvs_but_a_projects_is_not(cli, tmp_path, make_venv):
    tool = make_venv(tmp_path / "a" / ".venv")
    (tool / ".gitignore").write_text("# Created by venv; see https://docs.python.org/3/library/venv.html\n*\n")
    assert cli("register", tool, "--name", "a").exit_code == 0
    assert cli("rm", "a", "--yes").exit_code == 0 and not tool.exists()
    proj = make_venv(tmp_path / "b" / ".venv")
    (proj / ".gitignore").write_text("*.pyc\nbuild/\n")
    assert cli("register", proj, "--name", "b").exit_code == 0
    before = snapshot(proj)
    assert cli("rm", "b", "--yes").exit_code == 1 and snapshot(proj) == before


# --------------------------------------------------------------------------
# Mounts
# --------------------------------------------------------------------------


def _bind_mount(source: Path, target: Path) -> None:
    if not shutil.which("mount"):
        pytest.skip("no mount command")
    done = subprocess.run(["mount", "--bind", str(source), str(target)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {done.stderr.strip() or done.returncode}")


def test_rm_never_descends_into_a_mount_point(cli, tmp_path, make_venv, registry):
    data = tmp_path / "data"
    data.mkdir()
    (data / "dataset.bin").write_text("irreplaceable")
    path = make_venv(tmp_path / "v" / ".venv")
    mount_at = path / "lib" / "mnt"
    mount_at.mkdir()
    assert cli("register", path, "--name", "v").exit_code == 0
    _bind_mount(data, mount_at)
    try:
        before = snapshot(path)
        result = cli("rm", "v", "--yes")
        assert result.exit_code == 1 and "is a mount point" in result.stderr
        assert snapshot(path) == before and snapshot(data) == {"dataset.bin": "irreplaceable"}
    finally:
        subprocess.run(["umount", str(mount_at)], check=False)
    assert snapshot(data) == {"dataset.bin": "irreplaceable"}


def test_mountinfo_escapes_are_decoded(tmp_path, monkeypatch):
    info = tmp_path / "mountinfo"
    info.write_bytes(b"36 35 98:0 /mnt1 /mnt/with\\040space rw - ext3 /dev/root rw\n")
    monkeypatch.setattr(deletion, "MOUNTINFO", str(info))
    assert deletion.mount_points() == ["/mnt/with space"]
    assert deletion.mounts_at_or_under("/mnt") == ["/mnt/with space"]
    assert deletion.mounts_at_or_under("/mnt/with") == []


# --------------------------------------------------------------------------
# A deletion that fails halfway is `partial`, and the same command finishes it
# --------------------------------------------------------------------------


def _make_undeletable(file: Path) -> callable:
    """Make `file` impossible to remove for this user; returns the undo."""
    if os.geteuid() != 0:
        file.parent.chmod(0o555)
        return lambda: file.parent.chmod(0o755)
    if not shutil.which("chattr"):
        pytest.skip("root, and no chattr to make a file immutable")
    done = subprocess.run(["chattr", "+i", str(file)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot make a file immutable here: {done.stderr.strip()}")
    return lambda: subprocess.run(["chattr", "-i", str(file)], check=True)


def test_a_half_deleted_venv_is_partial_and_a_retry_finishes_it(cli, tmp_path, make_venv, registry):
    path = make_venv(tmp_path / "v" / ".venv", packages=("alpha",))
    stuck = next((path / "lib").glob("python*/site-packages")) / "alpha" / "__init__.py"
    assert cli("register", path, "--name", "v").exit_code == 0
    undo = _make_undeletable(stuck)
    try:
        failed = cli("rm", "v", "--yes")
        assert failed.exit_code == 1 and "it is `partial` now" in failed.stderr
        left = snapshot(path)
        assert "pyvenv.cfg" in left and "bin" not in left  # the marker stays; the rest went
        rel = str(stuck.relative_to(path))
        assert set(left) == {"pyvenv.cfg", "lib", *[str(p) for p in Path(rel).parents if str(p) != "."], rel}
        listed = cli("ls", "--format", "json").stdout
        assert '"health": "partial"' in listed and registry.get("v").size_bytes > 0
        assert "partial" in cli("ls").stdout
    finally:
        undo()
    again = cli("rm", "v", "--yes")
    assert again.exit_code == 0 and "Deleted v" in again.stdout
    assert not path.exists() and registry.get("v") is None


def test_fault_at_every_entry_leaves_a_resumable_venv(cli, tmp_path, make_venv, registry, monkeypatch):
    """Inject an unlink failure at each file in turn: the marker always survives a failure,
    nothing outside the venv is touched, and the retry always finishes."""
    path = make_venv(tmp_path / "v" / ".venv", packages=("alpha", "beta"))
    neighbour = tmp_path / "v" / "README.md"
    neighbour.write_text("neighbour")
    files = sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file() or p.is_symlink())
    real_unlink = os.unlink
    for victim in files[:: max(1, len(files) // 6)] + ["pyvenv.cfg"]:
        if not path.exists():
            make_venv(path, packages=("alpha", "beta"))
        registry.remove("v")
        assert cli("register", path, "--name", "v").exit_code == 0
        state = {"failed": False}

        def failing(name, *args, dir_fd=None, **kwargs):
            if not state["failed"] and dir_fd is not None and os.path.join(
                os.readlink(f"/proc/self/fd/{dir_fd}"), name
            ) == str(path / victim):
                state["failed"] = True
                raise OSError(5, "Input/output error")
            return real_unlink(name, *args, dir_fd=dir_fd, **kwargs)

        monkeypatch.setattr(os, "unlink", failing)
        first = cli("rm", "v", "--yes")
        monkeypatch.setattr(os, "unlink", real_unlink)
        assert first.exit_code == 1 and "Input/output error" in first.stderr, victim
        assert (path / "pyvenv.cfg").exists() and registry.get("v").health == "partial"
        assert cli("rm", "v", "--yes").exit_code == 0, victim
        assert not path.exists() and neighbour.read_text() == "neighbour"


# --------------------------------------------------------------------------
# Two processes, signals
# --------------------------------------------------------------------------


def _venvy(*args, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "venvy", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def test_two_processes_removing_the_same_venv(cli, tmp_path, make_venv, registry):
    for round_ in range(3):
        path = make_venv(tmp_path / f"r{round_}" / ".venv", packages=tuple(f"p{i}" for i in range(30)))
        sibling = make_venv(tmp_path / f"r{round_}" / "sibling")
        assert cli("register", path, "--name", f"r{round_}").exit_code == 0
        procs = [_venvy("rm", f"r{round_}", "--yes") for _ in range(2)]
        results = [(p.wait(timeout=60), *p.communicate()) for p in procs]
        assert not path.exists() and sibling.is_dir() and (sibling / "pyvenv.cfg").exists()
        assert all(code in (0, 1) for code, _, _ in results) and any(code == 0 for code, _, _ in results)
        assert not any("Traceback" in err for _, _, err in results)
        assert registry.get(f"r{round_}") is None


def _create_env() -> dict:
    return dict(os.environ, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_create_killed_by_a_signal_rolls_back(cli, registry, local_wheel, signum):
    wheel = local_wheel("tinypkg")
    envs = Path(os.environ["VENVY_HOME"]) / "envs"
    for delay in (0.3, 1.0, 2.5):
        proc = _venvy("create", "--name", "sig", "--packages", wheel, env=_create_env())
        time.sleep(delay)
        proc.send_signal(signum)
        code = proc.wait(timeout=120)
        proc.communicate()
        if code == 0:  # it finished before the signal: a whole, registered venv
            assert registry.get("sig") and (envs / "sig" / "pyvenv.cfg").exists()
            assert cli("rm", "sig", "--yes").exit_code == 0
        assert not (envs / "sig").exists() and registry.get("sig") is None, (signum, delay, code)
        assert list((Path(os.environ["VENVY_HOME"]) / "creating").glob("*.json")) == []


@pytest.mark.slow
def test_create_killed_outright_is_recognised_and_cleaned_by_the_next_create(cli, registry, tmp_path):
    envs = Path(os.environ["VENVY_HOME"]) / "envs"
    proc = _venvy("create", "--name", "k", env=_create_env())
    deadline = time.monotonic() + 60
    while not (envs / "k" / "pyvenv.cfg").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.kill()
    proc.wait()
    proc.communicate()
    if registry.get("k"):
        pytest.skip("the create finished before it could be killed")
    assert (envs / "k").exists()  # SIGKILL cannot be caught: the folder is left
    scan = cli("scan", "--path", envs)
    assert registry.get_by_path(str(envs / "k")) is None
    assert "interrupted `venvy create`" in scan.stderr
    again = cli("create", "--name", "k")
    assert again.exit_code == 0, again.output
    assert registry.get("k") and (envs / "k" / "pyvenv.cfg").exists()


def test_nested_venvs_and_read_only_files(cli, tmp_path, make_venv, registry):
    """A project that is a venv and holds its own .venv: the inner one can go, the outer is
    refused; read-only files inside a venv are no obstacle."""
    outer = venv_in_place(project(tmp_path / "outer"))
    inner = make_venv(outer / ".venv", packages=("alpha",))
    site = next((inner / "lib").glob("python*/site-packages"))
    (site / "alpha" / "__init__.py").chmod(0o444)
    assert cli("register", outer, "--name", "outer").exit_code == 0
    assert cli("register", inner, "--name", "inner").exit_code == 0
    refused = cli("rm", "outer", "--yes")
    assert refused.exit_code == 1 and ".venv" in refused.stderr  # the inner venv is not the outer's
    before = {k: v for k, v in snapshot(outer).items() if not k.startswith(".venv")}
    assert cli("rm", "inner", "--yes").exit_code == 0
    assert snapshot(outer) == before and not inner.exists() and registry.get("outer")
