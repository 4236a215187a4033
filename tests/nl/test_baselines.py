"""The baselines: kNN retrieval and value filling, few-shot selection, model sizes."""

from __future__ import annotations

import json

import pytest

from venvy.nl.eval import knn as knn_baseline
from venvy.nl.eval import predictors as bl
from venvy.nl import contract

TRAIN = [
    ("create a python 3.11 venv named backend", "venvy create --name backend --python 3.11"),
    ("make an env called api with fastapi and uvicorn", "venvy create --name api --packages fastapi,uvicorn"),
    ("new venv in ~/work/site/.venv from requirements.txt", "venvy create --path ~/work/site/.venv --requirements requirements.txt"),
    ("list all my venvs sorted by size", "venvy ls --sort size"),
    ("list envs using python 3.10", "venvy ls --python 3.10"),
    ("show details about the venv data-tools", "venvy info data-tools"),
    ("delete the venv called legacy", "venvy rm legacy"),
    ("preview removing envs unused for two weeks", "venvy cleanup --days 14 --dry-run"),
    ("remove venvs i have not touched in ages", "venvy cleanup"),
    ("scan ~/projects 5 levels deep for venvs", "venvy scan --path ~/projects --depth 5"),
    ("show statistics about my environments", "venvy stats"),
    ("what is the weather today", ""),
    ("push my branch to github", ""),
]


@pytest.fixture(scope="module")
def knn(tmp_path_factory):
    path = tmp_path_factory.mktemp("d") / "train.jsonl"
    path.write_text("\n".join(json.dumps({"input": i, "output": o}) for i, o in TRAIN) + "\n")
    predictor = knn_baseline.KnnPredictor(path)
    predictor.load()
    return predictor


@pytest.mark.parametrize(
    "request_text, expected",
    [
        ("create a python 3.12 venv named frontend", "venvy create --name frontend --python 3.12"),
        ("create a py3.9 venv named ml-stuff", "venvy create --name ml-stuff --python 3.9"),
        ("make an env called web with django, celery and redis==5.0.1", "venvy create --name web --packages django,celery,redis==5.0.1"),
        ("new venv in ~/code/blog/.venv/ from reqs/dev.txt", "venvy create --path ~/code/blog/.venv --requirements reqs/dev.txt"),
        ("list envs using python 3.12", "venvy ls --python 3.12"),
        ("show details about the venv scraper", "venvy info scraper"),
        ("delete the venv called old_api", "venvy rm old_api"),
        ("preview removing envs unused for 3 months", "venvy cleanup --dry-run"),  # 90 = the default
        ("preview removing envs unused for 10 days", "venvy cleanup --days 10 --dry-run"),
        ("preview removing envs unused for six weeks", "venvy cleanup --days 42 --dry-run"),
        ("remove venvs i have not touched in a year", "venvy cleanup --days 365"),
        ("scan ~/src 2 levels deep for venvs", "venvy scan --path ~/src --depth 2"),
        ("what is the weather in paris", None),
    ],
)
def test_knn_refills_values_from_the_request(knn, request_text, expected):
    assert knn.predict(request_text).command == expected


def test_knn_confidence_is_the_similarity(knn):
    exact = knn.predict("list all my venvs sorted by size")
    assert exact.command == "venvy ls --sort size" and exact.confidence == pytest.approx(1.0)
    far = knn.predict("zzz qqq")
    assert far.confidence < 0.5


def test_knn_keeps_the_neighbour_value_when_nothing_is_found(knn):
    # no name in the request: the neighbour's name stays (the baseline is wrong, as it would be)
    out = knn.predict("delete the venv").command
    assert contract.is_valid(out) and out.startswith("venvy rm ")


def test_knn_output_is_always_canonical(knn):
    for request in ("create a python 3.11 venv named backend/", "list venvs sorted by size in json please", "hello"):
        command = knn.predict(request).command
        assert command is None or contract.canonical(command) == command


@pytest.mark.parametrize(
    "text, days",
    [("unused for 2 weeks", 14), ("older than a month", 30), ("not used in six months", 180),
     ("older than a year", 365), ("30 days", 30), ("half a year", 182), ("nothing here", None)],
)
def test_duration_days(text, days):
    assert knn_baseline.duration_days(text) == days


def test_tfidf_prefers_the_same_shape():
    index = knn_baseline.TfIdfIndex(["create a venv named x with python 3.11", "list my venvs", "delete env old"])
    assert index.nearest("create a venv named foo with python 3.12")[0] == 0
    assert index.nearest("please list venvs")[0] == 1
    assert index.nearest("") is None


def test_few_shot_examples_are_fixed_and_cover_each_command():
    shots = bl.few_shot_examples(TRAIN)
    assert shots == bl.few_shot_examples(list(reversed(TRAIN)))  # independent of file order
    assert set(shots) <= set((i, o or None) for i, o in TRAIN)
    names = {c.split()[1] if c else None for _, c in shots}
    assert {"create", "ls", "info", "rm", "cleanup", "scan", "stats", None} <= names
    assert sum(1 for _, c in shots if c is None) == bl.FEW_SHOT_NONE


def test_model_sizes_from_a_manifest(tmp_path, monkeypatch):
    base = tmp_path / "base.gguf"
    base.write_bytes(b"b" * 1000)
    monkeypatch.setattr("venvy.nl.runtime.base_model.base_gguf_path", lambda: base)
    model = tmp_path / "m"
    model.mkdir()
    (model / "venvy-lora.gguf").write_bytes(b"a" * 100)
    (model / "manifest.json").write_text(json.dumps({"format_version": 1, "kind": "lora", "file": "venvy-lora.gguf", "base": None}))
    sizes = bl.model_files(model)
    assert (sizes["adapter"], sizes["base"], sizes["total"]) == (100, 1000, 1100)


def test_make_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown baseline"):
        bl.make("gpt-9")
