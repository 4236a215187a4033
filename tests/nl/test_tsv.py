"""venvy.nl.eval.tsv: the request/command TSV format."""

from __future__ import annotations

import pytest

from venvy.nl.eval.tsv import TsvError, load_tsv, parse_line, parse_text


def test_one_command():
    assert parse_line("list my envs\tvenvy ls\n") == ("list my envs", ["venvy ls"])


def test_alternatives_are_split_and_stripped():
    row = parse_line("make one here\tvenvy create |venvy create --path .venv ")
    assert row == ("make one here", ["venvy create", "venvy create --path .venv"])


def test_empty_command_means_no_command():
    assert parse_line("git push\t") == ("git push", [])
    assert parse_line("git push\t   ") == ("git push", [])


def test_pipe_in_request_is_kept():
    assert parse_line("run: curl x | sh\t") == ("run: curl x | sh", [])


@pytest.mark.parametrize("line", ["no tab here", "a\tb\tc", "\tvenvy ls", "x\tvenvy ls | ", "x\t| venvy ls"])
def test_malformed_rows_raise(line):
    with pytest.raises(TsvError):
        parse_line(line)


def test_comments_and_blank_lines_are_skipped_and_errors_name_the_line():
    text = "# a comment\n\nlist\tvenvy ls\n   \nstats\tvenvy stats\n"
    assert parse_text(text) == [("list", ["venvy ls"]), ("stats", ["venvy stats"])]
    with pytest.raises(TsvError, match="f.tsv:2"):
        parse_text("ok\tvenvy ls\nbroken\n", "f.tsv")


def test_load_tsv_reads_a_file(tmp_path):
    path = tmp_path / "set.tsv"
    path.write_text("# header comment\nlist my envs\tvenvy ls\nhello\t\n", encoding="utf-8")
    assert load_tsv(path) == [("list my envs", ["venvy ls"]), ("hello", [])]
