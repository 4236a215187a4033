"""Detection from the disk (no interpreter run), health, packages, sizes and names."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from venvy import sizes, venv
from venvy.errors import NotAVenvError, NotFoundError


def test_probe_real_venv(make_venv, tmp_path):
    path = make_venv(tmp_path / "proj" / ".venv", packages=("alpha", "beta"))
    found = venv.probe(path)
    assert found.kind == "venv" and found.health == "ok" and found.packages == 2
    assert found.python and found.python.count(".") == 2
    assert found.created_at and found.created_at.endswith("Z")
    record = found.record(name="x", project="/p")
    assert record.size_bytes > 0 and record.size_measured_at


@pytest.mark.parametrize(
    "extra, kind, version",
    [
        ("virtualenv = 20.25.0\nversion_info = 3.9.18.final.0\n", "virtualenv", "3.9.18"),
        ("uv = 0.4.0\nversion_info = 3.12.1\n", "uv", "3.12.1"),
    ],
)
def test_kind_and_version_from_pyvenv_cfg(tmp_path, extra, kind, version):
    path = tmp_path / "env"
    path.mkdir()
    (path / "pyvenv.cfg").write_text(f"home = {tmp_path}\n{extra}")
    (path / "bin").mkdir()
    (path / "bin" / "python").symlink_to(tmp_path / "gone" / "python3")
    found = venv.probe(path)
    assert (found.kind, found.python) == (kind, version)
    assert found.health == "broken"  # its interpreter link dangles


def test_conda_env(tmp_path):
    path = tmp_path / "miniconda3" / "envs" / "ds"
    (path / "conda-meta").mkdir(parents=True)
    (path / "conda-meta" / "python-3.10.4-h12debd9_0.json").write_text("{}")
    (path / "conda-meta" / "history").write_text("==> 2024-01-01 <==\n")
    found = venv.probe(path)
    assert (found.kind, found.python, found.health) == ("conda", "3.10.4", "ok")
    assert venv.project_of(found) is None


def test_poetry_and_pipenv_by_location(make_venv, tmp_path):
    home = Path(os.environ["HOME"])
    poetry = make_venv(home / ".cache" / "pypoetry" / "virtualenvs" / "app-AbC123-py3.11", cfg_extra="virtualenv = 20\n")
    pipenv = make_venv(home / ".local" / "share" / "virtualenvs" / "web-XyZ789", cfg_extra="virtualenv = 20\n")
    (pipenv / ".project").write_text(str(tmp_path / "web"))
    assert venv.probe(poetry).kind == "poetry"
    found = venv.probe(pipenv)
    assert found.kind == "pipenv" and venv.project_of(found) == str(tmp_path / "web")


def test_broken_when_interpreter_link_dangles(make_venv, tmp_path):
    path = make_venv(tmp_path / "v")
    python = path / "bin" / "python"
    python.unlink()
    python.symlink_to(tmp_path / "gone" / "python3")
    assert venv.health(path) == "broken"


def test_broken_when_home_is_gone(make_venv, tmp_path):
    path = make_venv(tmp_path / "v")
    assert venv.health(path) == "ok"
    lines = (path / "pyvenv.cfg").read_text().splitlines()
    lines = ["home = /no/such/dir" if line.startswith("home") else line for line in lines]
    (path / "pyvenv.cfg").write_text("\n".join(lines) + "\n")
    assert venv.health(path) == "broken"


def test_missing_and_not_a_venv(tmp_path):
    assert venv.health(tmp_path / "nope") == "missing"
    assert venv.health(tmp_path) == "broken"
    with pytest.raises(NotFoundError, match="does not exist"):
        venv.probe(tmp_path / "nope")
    with pytest.raises(NotAVenvError, match="neither pyvenv.cfg nor conda-meta"):
        venv.probe(tmp_path)
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotAVenvError):
        venv.probe(tmp_path / "file")
    assert venv.read_config(tmp_path) == {}
    assert venv.version_from_config({"version": "garbage"}) is None
    assert venv.conda_python_version(tmp_path) is None


def test_symlink_to_a_venv_is_not_a_venv_for_deletion(make_venv, tmp_path):
    real = make_venv(tmp_path / "real")
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    assert venv.is_venv(real) and not venv.is_venv(link)
    assert venv.probe(link).path == real  # registered under its resolved path


def test_refresh_updates_measurements(make_venv, tmp_path):
    path = make_venv(tmp_path / "v")
    record = venv.probe(path).record(name="v")
    record.packages = 99
    assert venv.refresh(record).packages == 0
    (path / "pyvenv.cfg").unlink()
    assert venv.refresh(record).health == "broken"
    import shutil

    shutil.rmtree(path)
    refreshed = venv.refresh(record)
    assert refreshed.health == "missing" and refreshed.size_bytes is not None


def test_tree_size_counts_hard_links_once_and_skips_symlink_targets(tmp_path):
    root = tmp_path / "t"
    root.mkdir()
    big = root / "big"
    big.write_bytes(b"x" * 200_000)
    base = sizes.tree_size(root)
    os.link(big, root / "big-again")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "huge").write_bytes(b"y" * 500_000)
    (root / "link").symlink_to(outside, target_is_directory=True)
    with_links = sizes.tree_size(root)
    assert with_links - base < 10_000  # neither the hard link nor the symlinked folder's content
    assert base >= 200_000
    assert base == sum(
        os.lstat(p).st_blocks * 512 for p in [root, big]
    )
    assert sizes.tree_size(tmp_path / "nothing") == 0


def test_names_are_readable_and_deterministic(tmp_path):
    first = venv.name_candidates(tmp_path / "api" / ".venv")
    assert [next(first) for _ in range(4)] == ["api", f"{tmp_path.name}-api", "api-2", "api-3"]
    named = venv.name_candidates(tmp_path / "envs" / "ml")
    assert [next(named) for _ in range(2)] == ["ml", "envs-ml"]
    assert venv.clean_name("My Project!") == "My-Project"
    assert venv.clean_name("...") == "venv"
