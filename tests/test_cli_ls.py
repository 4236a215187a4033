"""venvy ls: registry only, every sort, every format, --python by dotted components."""

from __future__ import annotations

import json
import shutil

import pytest

from venvy.registry import VenvRecord


@pytest.fixture
def three(registry):
    rows = [
        VenvRecord(name="beta", path="/v/beta", python="3.11.4", size_bytes=300, created_at="2024-03-01T00:00:00Z",
                   last_used_at="2024-06-01T00:00:00Z", packages=5),
        VenvRecord(name="Alpha", path="/v/alpha", python="3.1.5", size_bytes=100, created_at="2024-01-01T00:00:00Z",
                   last_used_at=None, packages=1),
        VenvRecord(name="gamma", path="/v/gamma", python="3.9.18", size_bytes=None, created_at="2024-02-01T00:00:00Z",
                   last_used_at="2024-07-01T00:00:00Z", kind="conda", health="missing"),
    ]
    for row in rows:
        registry.add(row)
    return rows


def order(cli, *args):
    result = cli("ls", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return [v["name"] for v in json.loads(result.stdout)["venvs"]]


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("name", ["Alpha", "beta", "gamma"]),
        ("recent", ["gamma", "beta", "Alpha"]),
        ("size", ["beta", "Alpha", "gamma"]),
        ("created", ["beta", "gamma", "Alpha"]),
        ("python", ["Alpha", "gamma", "beta"]),
    ],
)
def test_sorts(cli, three, sort, expected):
    assert order(cli, "--sort", sort) == expected


def test_default_sort_is_name(cli, three):
    assert order(cli) == ["Alpha", "beta", "gamma"]


@pytest.mark.parametrize(
    "python, expected",
    [("3.11", ["beta"]), ("3.1", ["Alpha"]), ("3", ["Alpha", "beta", "gamma"]), ("3.9.18", ["gamma"]), ("py3.11", ["beta"])],
)
def test_python_filter_compares_components(cli, three, python, expected):
    assert order(cli, "--python", python) == expected


def test_json_schema(cli, three):
    document = json.loads(cli("ls", "--format", "json").stdout)
    assert document["schema_version"] == 1
    assert set(document["venvs"][0]) == {
        "name", "path", "project", "python", "kind", "health", "created_at", "last_used_at",
        "registered_at", "size_bytes", "size_measured_at", "packages", "device", "inode", "deleting_since",
    }
    assert document["venvs"][0]["registered_at"].endswith("Z")


def test_simple_is_one_path_per_line(cli, three):
    assert cli("ls", "--format", "simple").stdout == "/v/alpha\n/v/beta\n/v/gamma\n"


def test_table(cli, three):
    result = cli("ls")
    assert result.exit_code == 0
    for text in ("Alpha", "3.11.4", "300 B", "missing", "conda", "never", "/v/gamma"):
        assert text in result.stdout
    assert "\x1b[" not in result.stdout  # NO_COLOR


def test_empty_registry(cli):
    result = cli("ls")
    assert result.exit_code == 0 and result.stdout == ""
    assert "venvy scan --home" in result.stderr
    assert json.loads(cli("ls", "--format", "json").stdout) == {"schema_version": 1, "venvs": []}


def test_ls_does_not_look_at_the_disk(cli, work, make_venv):
    path = make_venv(work / ".venv")
    assert cli("register").exit_code == 0
    shutil.rmtree(path)
    venvs = json.loads(cli("ls", "--format", "json").stdout)["venvs"]
    assert venvs[0]["health"] == "ok"  # still the stored value: ls never walks the disk


def test_bad_choices_are_usage_errors(cli):
    assert cli("ls", "--sort", "color").exit_code == 2
    assert cli("ls", "--format", "xml").exit_code == 2
    assert cli("ls", "--python", "three").exit_code == 2
