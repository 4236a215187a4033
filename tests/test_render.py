"""Rendering details: human sizes and times, progress on a terminal, colours, JSON layout."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone

import pytest

from venvy import render
from venvy.registry import VenvRecord


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("size, text", [(None, "-"), (512, "512 B"), (2048, "2.0 KB"), (5 * 1024**3, "5.0 GB")])
def test_human_size(size, text):
    assert render.human_size(size) == text


def test_ago():
    now = datetime(2026, 1, 31, tzinfo=timezone.utc)
    assert render.ago(None, now) == "never"
    assert render.ago("2026-01-30T23:59:30Z", now) == "just now"
    assert render.ago("2026-01-30T22:00:00Z", now) == "2 hours ago"
    assert render.ago("2025-01-01T00:00:00Z", now) == "1 year ago"


def test_short_path(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert render.short_path(str(tmp_path / "x")) == "~/x"
    assert render.short_path("/elsewhere") == "/elsewhere"
    assert render.short_path(None) == "-"


def test_table_colours_follow_no_color_and_force_color(monkeypatch):
    rows = [("a", "ok"), ("b", "broken")]
    coloured = render.aligned(("Name", "Health"), rows, styles={1: render.HEALTH_STYLE}, color=True)
    assert "\x1b[32mok" in coloured and "\x1b[31mbroken" in coloured
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert render.color_enabled(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not render.color_enabled(FakeTerminal())
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.delenv("FORCE_COLOR")
    monkeypatch.setenv("TERM", "xterm")
    assert render.color_enabled(FakeTerminal()) and not render.color_enabled(io.StringIO())


def test_json_lines_layout(capsys):
    render.venvs([VenvRecord(name="a", path="/a"), VenvRecord(name="b", path="/b")], "json")
    out = capsys.readouterr().out
    assert len(out.splitlines()) == 7  # {, schema_version, "venvs": [, a, b, ], }}
    assert [v["name"] for v in json.loads(out)["venvs"]] == ["a", "b"]


def test_status_and_scan_progress_draw_only_on_a_terminal(monkeypatch):
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stderr", terminal)
    with render.status("Creating") as update:
        update("pip install: Collecting alpha")
    with render.scan_progress(delay=0) as on_progress:
        on_progress(1024, 3)
    assert "Scanning: 1,024 folders, 3 venvs found" in terminal.getvalue()
    plain = io.StringIO()
    monkeypatch.setattr("sys.stderr", plain)
    with render.status("Creating") as update:
        update("x")
    with render.scan_progress(delay=0) as on_progress:
        on_progress(1024, 3)
    assert plain.getvalue() == ""
