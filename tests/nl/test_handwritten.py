"""The hand-written held-out set (tests/data/handwritten.tsv) is well formed.

Fast, no model: every accepted command is a valid contract command already in
canonical form, every contract command is covered, and the share of
no-command rows stays in a realistic band. Accuracy on this set is measured by
the evaluation harness, not here.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from venvy.nl import contract
from venvy.nl.eval.tsv import load_tsv

HANDWRITTEN = Path(__file__).resolve().parents[1] / "data" / "handwritten.tsv"
MIN_ROWS = 150
MIN_PER_COMMAND = 3
NONE_SHARE = (0.08, 0.20)


@pytest.fixture(scope="module")
def rows():
    return load_tsv(HANDWRITTEN)


def test_enough_rows(rows):
    assert len(rows) >= MIN_ROWS


def test_no_duplicate_requests(rows):
    counts = Counter(" ".join(request.lower().split()) for request, _ in rows)
    dupes = [r for r, n in counts.items() if n > 1]
    assert not dupes


def test_no_tabs_or_newlines_in_requests(rows):
    assert all("\t" not in r and "\n" not in r for r, _ in rows)


def test_every_accepted_command_is_valid_and_canonical(rows):
    bad = []
    for request, accepted in rows:
        for cmd in accepted:
            try:
                canon = contract.canonical(cmd)
            except contract.ContractError as exc:
                bad.append((request, cmd, str(exc)))
                continue
            if canon != cmd:
                bad.append((request, cmd, f"canonical form is {canon!r}"))
    assert not bad, "\n".join(map(str, bad))


def test_alternatives_are_distinct(rows):
    for request, accepted in rows:
        assert len(set(accepted)) == len(accepted), request


def test_every_contract_command_is_covered(rows):
    counts = Counter(contract.parse(cmd).command for _, accepted in rows for cmd in accepted[:1])
    missing = {name: counts[name] for name in contract.commands() if counts[name] < MIN_PER_COMMAND}
    assert not missing, f"commands with fewer than {MIN_PER_COMMAND} rows: {missing}"


def test_no_command_share(rows):
    share = sum(1 for _, accepted in rows if not accepted) / len(rows)
    low, high = NONE_SHARE
    assert low <= share <= high, f"no-command share {share:.1%}"


def test_every_option_is_exercised(rows):
    """Each non-default option of the contract appears in some expected command."""
    seen = set()
    for _, accepted in rows:
        for cmd in accepted:
            parsed = contract.parse(cmd)
            spec = contract.commands()[parsed.command]
            for opt in spec.options:
                value = parsed.params.get(opt.name)
                if opt.is_flag and value:
                    seen.add((parsed.command, opt.flag, None))
                elif not opt.is_flag and value is not None and value != opt.default:
                    seen.add((parsed.command, opt.flag, None))
                    if opt.choices:
                        seen.add((parsed.command, opt.flag, value))
    wanted = set()
    for spec in contract.commands().values():
        for opt in spec.options:
            wanted.add((spec.name, opt.flag, None))
            wanted.update((spec.name, opt.flag, c) for c in opt.choices if c != opt.default)
    assert not wanted - seen, sorted(wanted - seen, key=str)
