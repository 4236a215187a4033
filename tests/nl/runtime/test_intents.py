"""venvy.nl.runtime.intents: the words a request uses for --dry-run, --keep-files and --yes."""

from __future__ import annotations

import pytest

from venvy.nl.runtime.intents import CONSENT, KEEP, PREVIEW, removal, spans, states


@pytest.mark.parametrize(
    "request_text, table, found",
    [
        ("clean up old envs, dry run first", PREVIEW, ["dry run"]),
        ("cleanup --dry-run please", PREVIEW, ["--dry-run"]),
        ("just show me what would be removed", PREVIEW, ["just show", "what would"]),
        ("Previewing is fine", PREVIEW, ["Previewing"]),
        ("prune stale envs but don't actually delete", PREVIEW, ["don't actually"]),
        ("clean up old envs", PREVIEW, []),
        ("stop tracking legacy", KEEP, ["stop tracking"]),
        ("forgget about data", KEEP, ["forgget"]),  # a doubled letter
        ("drop it but dont touch the flies", KEEP, ["dont touch the"]),
        ("remove ml from venvy's registry", KEEP, ["venvy's registry"]),
        ("delete ml", KEEP, []),
        ("delete ml -y", CONSENT, ["-y"]),
        ("delete ml, don't ask", CONSENT, ["ask"]),
        ("delete ml SKIP CONIFRMATION", CONSENT, ["CONIFRMATION"]),  # two letters swapped
        ("drop it without asikng", CONSENT, ["asikng"]),
        ("Dump env blog, focre", CONSENT, ["focre"]),
        ("delete the MyApp venv only forget it", CONSENT, []),  # "forget" is not "force"
        ("delete ml", CONSENT, []),
    ],
)
def test_phrases_are_found_with_one_typo_at_most(request_text, table, found):
    assert [request_text[a:b] for a, b in spans(request_text, table)] == found


def test_short_words_need_the_exact_spelling():
    assert not states("delete ml, dont aks", CONSENT)  # "ask" is too short for a typo
    assert states("delete ml, dont ask", CONSENT)


@pytest.mark.parametrize(
    "request_text, says",
    [
        ("delete the api venv", True),
        ("dleete old environments", True),  # a typo in a long word
        ("prnue envs unused for a month", True),
        ("stop tracking legacy", True),  # forgetting (--keep-files)
        ("which old envs would go? just show me", True),  # a preview (--dry-run)
        ("tmp can go", True),
        ('please dump "bot" real quick', True),
        ("dump all venvs to json", False),  # "dump" as in print out
        ("crete a env called notebooks", False),  # a misspelt create is not a removal
        ("how many envs haven't been used in 90 days?", False),
        ("list my venvs", False),
    ],
)
def test_removal_is_said_in_words(request_text, says):
    assert removal(request_text) is says


def test_one_edit_is_damerau_distance_one_and_substitution_is_optional():
    from venvy.nl.runtime.intents import one_edit

    for word in ("envs", "evns", "enns", "env", "envvs", "enxs"):
        assert one_edit(word, "envs")
    assert not one_edit("enxs", "envs", substitute=False)  # a changed letter is no slip of the hand
    assert one_edit("evns", "envs", substitute=False) and one_edit("enn", "en", substitute=False)
    for word in ("vens", "es", "envsss", "nvse"):
        assert not one_edit(word, "envs")
