"""The evaluation harness: loaders, metrics on hand-made predictions, the CLI's JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from venvy.nl.eval import harness, metrics
from venvy.nl.eval import rows as evrows
from venvy.nl.runtime.result import ErrorKind, ParseResult

ROOT = Path(__file__).resolve().parents[2]


def row(request, *accepted):
    return evrows.Row(request, tuple(accepted))


def pred(command, confidence=0.9, error=None):
    kind = ErrorKind.INVALID_ANSWER if error else None
    return ParseResult("r", command=command, confidence=confidence, error_kind=kind, error=error, latency_s=0.01)


def reliability_of(judged):
    return metrics.reliability([j["confidence"] for j in judged], [j["semantic"] for j in judged])


# -- judging ----------------------------------------------------------------


def test_list_order_is_semantic_but_not_exact():
    j = metrics.judge(row("r", "venvy create --name api --packages fastapi,uvicorn"), pred("venvy create --packages uvicorn,fastapi --name api"))
    assert j["semantic"] and not j["exact"]
    assert j["predicted"] == "venvy create --name api --packages uvicorn,fastapi"


def test_defaults_and_option_order_are_exact_after_canonicalisation():
    j = metrics.judge(row("r", "venvy cleanup --dry-run"), pred("venvy cleanup --dry-run --days 90"))
    assert j["semantic"] and j["exact"]
    j = metrics.judge(row("r", "venvy ls --sort size --format json"), pred("venvy ls --format json --sort size"))
    assert j["semantic"] and j["exact"]


def test_wrong_value_is_wrong_and_named_in_the_confusion():
    j = metrics.judge(row("r", "venvy create --name api --python 3.11"), pred("venvy create --name api --python 3.12"))
    assert not j["semantic"] and not j["exact"]
    assert j["confusion"] == "create -> create (wrong --python)"
    j = metrics.judge(row("r", "venvy rm old --keep-files"), pred("venvy rm old"))
    assert j["confusion"] == "rm -> rm (wrong --keep-files)"


def test_other_command_confusion():
    j = metrics.judge(row("r", "venvy stats"), pred("venvy ls"))
    assert j["confusion"] == "stats -> ls"
    j = metrics.judge(row("r", "venvy stats"), pred(None))
    assert j["confusion"] == "stats -> none" and j["predicted_name"] == "none"


def test_no_command_rows():
    assert metrics.judge(row("git push"), pred(None))["semantic"]
    assert metrics.judge(row("git push"), pred(None))["exact"]
    wrong = metrics.judge(row("git push"), pred("venvy ls"))
    assert not wrong["semantic"] and not wrong["exact"] and wrong["confusion"] == "none -> ls"


def test_invalid_output_is_wrong_even_on_no_command_rows():
    invalid = pred(None, confidence=0.0, error="output is not a venvy command")
    j = metrics.judge(row("git push"), invalid)
    assert not j["semantic"] and j["predicted_name"] == "invalid"
    j = metrics.judge(row("r", "venvy ls"), pred("venvy ls --frobnicate"))
    assert not j["semantic"] and j["predicted_name"] == "invalid" and j["error"]


def test_any_accepted_command_counts():
    r = row("list my envs", "venvy ls", "venvy ls --format simple")
    assert metrics.judge(r, pred("venvy ls --format simple"))["exact"]
    assert not metrics.judge(r, pred("venvy ls --format json"))["semantic"]


# -- aggregates ---------------------------------------------------------------


def judged_sample():
    cases = [
        (row("a", "venvy ls"), pred("venvy ls", 0.95)),
        (row("b", "venvy create --name x --packages a,b"), pred("venvy create --name x --packages b,a", 0.85)),
        (row("c", "venvy stats"), pred("venvy ls", 0.55)),
        (row("d"), pred(None, 0.65)),
        (row("e"), pred("venvy current", 0.92)),
        (row("f", "venvy current"), pred(None, 0.3)),
    ]
    return [metrics.judge(r, p) for r, p in cases]


def test_score_counts():
    s = metrics.score(judged_sample())
    assert s["n"] == 6 and s["n_no_command"] == 2
    assert s["semantic_accuracy"] == pytest.approx(3 / 6)
    assert s["exact_accuracy"] == pytest.approx(2 / 6)
    assert s["abstain_accuracy"] == pytest.approx(1 / 2)
    assert s["false_abstain_rate"] == pytest.approx(1 / 4)
    assert s["per_command"]["create"] == {"n": 1, "semantic": 1.0, "exact": 0.0}
    assert s["per_command"]["none"]["semantic"] == 0.5
    assert dict(s["confusions"]) == {"stats -> ls": 1, "none -> current": 1, "current -> none": 1}


def test_wrong_destructive_answers_are_counted_by_confidence():
    judged = [
        metrics.judge(row("r", "venvy cleanup --dry-run"), pred("venvy cleanup", confidence=0.85)),  # deletes: wrong
        metrics.judge(row("r", "venvy rm old --keep-files"), pred("venvy rm old", confidence=0.6)),  # wrong
        metrics.judge(row("r", "venvy rm old"), pred("venvy rm old", confidence=0.95)),  # right: not counted
        metrics.judge(row("r", "venvy ls"), pred("venvy cleanup --dry-run", confidence=0.9)),  # wrong, deletes nothing
        metrics.judge(row("r"), pred("venvy rm x", confidence=0.3)),  # no command expected
    ]
    assert [j["destructive"] for j in judged] == [True, True, True, False, True]
    assert metrics.score(judged)["wrong_destructive"] == {"0": 3, "0.5": 2, "0.8": 1}


def test_threshold_table():
    table = {t["threshold"]: t for t in metrics.threshold_table(judged_sample())}
    assert table[0.0]["coverage"] == 1.0 and table[0.0]["precision"] == pytest.approx(0.5)
    # >= 0.9 keeps 0.95 (right) and 0.92 (wrong)
    assert table[0.9]["kept"] == 2 and table[0.9]["precision"] == pytest.approx(0.5)
    assert table[0.8]["kept"] == 3 and table[0.8]["precision"] == pytest.approx(2 / 3)
    assert table[0.95]["kept"] == 1 and table[0.95]["precision"] == 1.0
    assert [t["threshold"] for t in metrics.threshold_table([])] == list(metrics.THRESHOLDS)
    assert metrics.threshold_table([])[0]["precision"] is None


def test_reliability_bins_and_ece():
    rel = reliability_of(judged_sample())
    assert sum(b["n"] for b in rel["bins"]) == 6
    nine = rel["bins"][9]  # 0.95 (right), 0.92 (wrong)
    assert nine["n"] == 2 and nine["accuracy"] == 0.5 and nine["confidence"] == pytest.approx(0.935)
    assert 0 < rel["ece"] < 1
    perfect = [metrics.judge(row("a", "venvy ls"), pred("venvy ls", 1.0))]
    assert reliability_of(perfect)["ece"] == pytest.approx(0.0)


def test_percentile_and_latency():
    assert metrics.percentile([1, 2, 3, 4], 50) == pytest.approx(2.5)
    assert metrics.percentile([5], 95) == 5
    assert metrics.percentile([], 50) is None
    stats = metrics.latency_stats([0.1] * 19 + [1.0])
    assert stats["latency_p50_s"] == pytest.approx(0.1) and stats["latency_p95_s"] == pytest.approx(0.145)


def test_select_spreads_rows():
    assert evrows.select(list(range(10)), 5) == [0, 2, 4, 6, 8]
    assert evrows.select(list(range(3)), 10) == [0, 1, 2]
    assert evrows.select(list(range(3)), None) == [0, 1, 2]


# -- loading ------------------------------------------------------------------


def test_load_jsonl(tmp_path):
    path = tmp_path / "t.jsonl"
    lines = [
        {"instruction": "x", "input": "make env api", "output": "venvy create --name api --python 3.11", "split": "test"},
        {"instruction": "x", "input": "git push", "output": "", "split": "test"},
        {"instruction": "x", "input": "old envs", "output": "venvy cleanup --days 90", "split": "test"},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    rows = evrows.load_rows(path)
    assert rows == [
        row("make env api", "venvy create --name api --python 3.11"),
        row("git push"),
        row("old envs", "venvy cleanup"),
    ]
    assert [r.expected_name for r in rows] == ["create", "none", "cleanup"]


def test_load_tsv(tmp_path):
    path = tmp_path / "h.tsv"
    path.write_text(
        "# comment\n"
        "list my envs\tvenvy ls | venvy ls --format simple\n"
        "\n"
        "git push\t\n"
        "make it\tvenvy create --packages a,b -n x\n"
    )
    assert evrows.load_rows(path) == [
        row("list my envs", "venvy ls", "venvy ls --format simple"),
        row("git push"),
        row("make it", "venvy create --name x --packages a,b"),
    ]


def test_load_errors(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("list\tvenvy frobnicate\n")
    with pytest.raises(evrows.DataError, match="not a contract command"):
        evrows.load_rows(bad)
    with pytest.raises(evrows.DataError, match="no such file"):
        evrows.load_rows(tmp_path / "missing.jsonl")
    broken = tmp_path / "b.jsonl"
    broken.write_text('{"input": "x"}\n')
    with pytest.raises(evrows.DataError, match="input/output"):
        evrows.load_rows(broken)


# -- the harness and its CLI --------------------------------------------------


class FakeAgentLike:
    """Answers from a table; stands in for a predictor to test the harness alone."""

    name = "fake"

    def __init__(self, answers):
        self.answers = answers
        self.loaded = False

    def load(self):
        self.loaded = True

    def predict(self, request):
        if request == "boom":
            raise RuntimeError("model crashed")
        return ParseResult(request, command=self.answers.get(request), confidence=0.8)

    def size_bytes(self):
        return {"total": 0}

    def describe(self):
        return "table lookup"


def test_evaluate_harness_with_a_fake_predictor():
    rows = [row("list", "venvy ls"), row("boom", "venvy stats"), row("git push")]
    fake = FakeAgentLike({"list": "venvy ls"})
    result = harness.evaluate(fake, rows, progress=False)
    assert fake.loaded
    assert result["semantic_accuracy"] == pytest.approx(2 / 3)
    assert result["invalid_rate"] == pytest.approx(1 / 3)  # the crash is an error, counted wrong
    assert "RuntimeError" in result["rows"][1]["error"]
    assert result["latency_p50_s"] >= 0 and result["load_s"] >= 0 and result["peak_rss_bytes"] > 0


def write_split(path, pairs):
    path.write_text("\n".join(json.dumps({"instruction": "", "input": i, "output": o, "split": "x"}) for i, o in pairs) + "\n")


TRAIN = [
    ("create a python 3.11 venv named backend", "venvy create --name backend --python 3.11"),
    ("list all my venvs sorted by size", "venvy ls --sort size"),
    ("show statistics about my environments", "venvy stats"),
    ("delete the venv called legacy", "venvy rm legacy"),
    ("preview removing envs unused for two weeks", "venvy cleanup --days 14 --dry-run"),
    ("what is the weather today", ""),
]


def run_cli(*args):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-m", "venvy.nl.eval.harness", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_cli_json_keys_with_the_knn_baseline(tmp_path):
    train, test = tmp_path / "train.jsonl", tmp_path / "test.jsonl"
    write_split(train, TRAIN)
    write_split(test, [("create a python 3.12 venv named api", "venvy create --name api --python 3.12"), ("tell me a joke", "")])
    done = run_cli("--data", str(test), "--baseline", "knn", "--train", str(train), "--json", "--out", str(tmp_path / "o"))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    for key in ("semantic_accuracy", "exact_accuracy", "abstain_accuracy", "latency_p50_s", "latency_p95_s",
                "false_abstain_rate", "per_command", "confusions", "thresholds", "reliability", "load_s",
                "peak_rss_bytes", "size_bytes"):
        assert key in result
    assert "rows" not in result
    saved = json.loads((tmp_path / "o" / "results.json").read_text())
    assert saved["semantic_accuracy"] == result["semantic_accuracy"]
    assert len(saved["rows"]) == 2
    assert (tmp_path / "o" / "reliability.png").read_bytes()[:4] == b"\x89PNG"


def test_cli_text_output_and_errors(tmp_path):
    train, test = tmp_path / "train.jsonl", tmp_path / "t.tsv"
    write_split(train, TRAIN)
    test.write_text("show me statistics about my environments\tvenvy stats\n")
    done = run_cli("--data", str(test), "--baseline", "knn", "--train", str(train), "--no-progress")
    assert done.returncode == 0, done.stderr
    assert "semantic accuracy  100.0%" in done.stdout
    missing = run_cli("--data", str(tmp_path / "nope.tsv"), "--baseline", "knn", "--train", str(train))
    assert missing.returncode == 1 and "no such file" in missing.stderr
    assert run_cli("--baseline", "knn").returncode != 0


@pytest.mark.model
def test_end_to_end_with_the_real_agent():
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed")
    from venvy.nl.eval import predictors as baselines

    if not (baselines.shipped_model_dir() / "manifest.json").is_file():
        pytest.skip("the shipped model (src/venvy/nl/model/manifest.json) is not there yet")
    rows = [row("create a python 3.11 venv named backend", "venvy create --name backend --python 3.11"),
            row("list my venvs sorted by size", "venvy ls --sort size"),
            row("git push origin main")]
    result = harness.evaluate(baselines.make("finetuned", model_dir=baselines.shipped_model_dir()), rows, progress=False)
    assert result["n"] == 3
    assert all(j["predicted_name"] != "invalid" for j in result["rows"])
    assert result["latency_p50_s"] > 0 and result["size_bytes"]["total"] > result["size_bytes"]["adapter"] > 0
    assert result["semantic_accuracy"] >= 2 / 3


# -- the report ---------------------------------------------------------------


def fake_run(cases, **extra):
    judged = [metrics.judge(r, p) for r, p in cases]
    result = metrics.score(judged)
    result.update({"rows": judged, "load_s": 0.5, "first_request_s": 0.1, "peak_rss_bytes": 2**27,
                   "size_bytes": {"adapter": 2**20, "base": 2**26, "total": 2**20 + 2**26}, **extra})
    return result


def report_data():
    from venvy.nl.eval import report

    rows = [row("a", "venvy ls"), row("b", "venvy stats"), row("c", "venvy current"), row("d")]
    finetuned = fake_run(list(zip(rows, [pred("venvy ls"), pred("venvy stats"), pred("venvy ls"), pred(None)])))
    knn = fake_run(list(zip(rows, [pred("venvy ls"), pred("venvy ls"), pred("venvy current"), pred(None)])))
    subset = evrows.select(rows, 2)  # rows a and c
    fewshot = fake_run(list(zip(subset, [pred(None), pred("venvy current")])))
    runs = {"finetuned": finetuned, "knn": knn, "fewshot": fewshot, "finetuned-nogrammar": {"error": "boom"}}
    return {
        "generated": "now", "commit": "abc", "machine": "test machine", "model": {"describe": "m"},
        "sets": {"test": "t.jsonl"}, "limits": {"test": {"fewshot": 2}}, "wall_s": 1.0,
        "runs": {"test": runs},
        "same_rows": {"test": {"limit": 2, "scores": {"finetuned": report.rescore(finetuned, fewshot["rows"]),
                                                      "knn": report.rescore(knn, fewshot["rows"]),
                                                      "fewshot": fewshot}}},
    }


def test_compare_uses_the_same_rows_for_the_limited_baseline():
    from venvy.nl.eval import render

    verdict = render.compare(report_data(), "test")
    knn = verdict["knn"]
    assert [e[0] for e in knn["wins"]] == ["stats"] and [e[0] for e in knn["losses"]] == ["current"]
    assert knn["overall"] == [0.75, 0.75]
    few = verdict["fewshot"]  # on rows a (ls) and c (current) only
    assert few["overall"] == [0.5, 0.5]
    assert [e[0] for e in few["wins"]] == ["ls"] and [e[0] for e in few["losses"]] == ["current"]
    assert "finetuned-nogrammar" not in verdict  # failed runs are reported, not compared


def test_markdown_and_readme_block_come_from_the_data(tmp_path):
    from venvy.nl.eval import render, report

    data = report_data()
    md = render.render_markdown(data, "PYTHONPATH=src python -m venvy.nl.eval.report")
    assert "| fine-tuned + grammar | 4 | 75.0% | 75.0% | 100.0% |" in md
    assert "| base + few-shot + grammar | 2 of 4 (--limit) | 50.0%" in md
    assert "not run: boom" in md
    assert "wins on stats (100.0% vs 0.0%, n=1)" in md
    assert "1 × current -> ls" in md
    block = render.readme_block(data)
    assert block.startswith(render.MARK_START) and block.endswith(render.MARK_END)
    assert "| kNN (TF-IDF) + value filling | 75.0% | 75.0% | – | – |" in block

    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{render.MARK_START}\nold\n{render.MARK_END}\n\nrest\n")
    written = report.write_report(data, tmp_path / "docs", readme, "cmd")
    text = readme.read_text()
    assert "old" not in text and text.startswith("# x") and text.endswith("rest\n") and "75.0%" in text
    saved = json.loads((tmp_path / "docs" / "results.json").read_text())
    assert saved["runs"]["test"]["finetuned"]["semantic_accuracy"] == 0.75 and "rows" not in saved["runs"]["test"]["knn"]
    assert (tmp_path / "docs" / "reliability.png").is_file() and (tmp_path / "docs" / "results.md") in written


def test_readme_without_markers_gets_a_side_file(tmp_path):
    from venvy.nl.eval import render, report

    assert render.replace_block("no markers here", "B") is None
    assert render.replace_block(f"a{render.MARK_START}x{render.MARK_END}b", "B") == "aBb"
    readme = tmp_path / "README.md"
    readme.write_text("plain\n")
    report.write_report(report_data(), tmp_path / "docs", readme, "cmd")
    assert readme.read_text() == "plain\n"
    assert (tmp_path / "docs" / "results_readme_block.md").read_text().startswith(render.MARK_START)


def test_the_report_runs_its_predictors_in_this_process(tmp_path, monkeypatch):
    """One entry point, no subprocess of itself: every run is a function call here (git and
    uname may be asked about the commit and the CPU, never Python), and the machine line
    comes from the package."""
    import subprocess as sp

    from venvy.nl.eval import machine, report

    launched = []
    real_popen = sp.Popen

    def popen(args, *a, **kw):
        launched.append(list(args))
        return real_popen(args, *a, **kw)

    monkeypatch.setattr(sp, "Popen", popen)
    monkeypatch.chdir(tmp_path)  # no benchmarks/ here: the machine line cannot come from there
    train, test = tmp_path / "train.jsonl", tmp_path / "test.jsonl"
    write_split(train, TRAIN)
    write_split(test, [("show statistics about my environments", "venvy stats"), ("tell me a joke", "")])
    data = report.collect(train_path=str(train), progress=False, sets={"test": (str(test), ("knn",))})
    assert data["runs"]["test"]["knn"]["n"] == 2 and "error" not in data["runs"]["test"]["knn"]
    assert data["machine"] == machine.describe()
    assert not [args for args in launched if args[0] == sys.executable or "venvy" in " ".join(map(str, args))]


def test_the_report_says_how_an_adapter_model_was_loaded(monkeypatch):
    from venvy.nl.eval.report import _model_info
    from venvy.nl.runtime import resolve

    if not (resolve.SHIPPED_DIR / "manifest.json").is_file():
        pytest.skip("needs the shipped model (src/venvy/nl/model/)")
    monkeypatch.setenv("VENVY_MERGE", "0")
    assert _model_info(None)["describe"].endswith("; loaded as base + adapter (VENVY_MERGE=0)")
    monkeypatch.delenv("VENVY_MERGE")
    assert _model_info(None)["describe"].endswith("; loaded merged into one Q8_0 model, as venvy -w loads it")
