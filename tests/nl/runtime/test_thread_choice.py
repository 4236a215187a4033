"""venvy.nl.runtime.threads: the override, the per-machine cache, the decision rule, and
(marked model) a real measurement in subprocesses."""

from __future__ import annotations

import json

import pytest

from venvy.errors import ModelError
from venvy.nl.runtime import threads


def _row(policy, condition, nt, nb, step, prompt=40.0, small=20.0):
    return {"policy": policy, "condition": condition, "n_threads": nt, "n_threads_batch": nb,
            "prompt_ms": prompt, "step_ms": step, "small_ms": small}


# The issue's measurements on this 2-core machine, shaped as probe rows: 2 active threads
# win when idle and collapse when the other core is busy; 2 passive threads are slow.
ISSUE_LIKE = [
    _row("ACTIVE", "idle", 2, 2, 10, prompt=30, small=20),
    _row("ACTIVE", "busy", 2, 2, 600, prompt=900, small=800),
    _row("ACTIVE", "idle", 1, 1, 15, prompt=50, small=34),
    _row("ACTIVE", "busy", 1, 1, 16, prompt=55, small=36),
    _row("PASSIVE", "idle", 2, 2, 64, prompt=80, small=100),
    _row("PASSIVE", "busy", 2, 2, 90, prompt=120, small=140),
    _row("PASSIVE", "idle", 1, 1, 15, prompt=50, small=34),
    _row("PASSIVE", "busy", 1, 1, 16, prompt=55, small=36),
]


@pytest.fixture(autouse=True)
def no_override(monkeypatch):
    monkeypatch.delenv("VENVY_THREADS", raising=False)


def _entry(results):
    return {"measured_at": "2026-01-01T00:00:00Z", "measure_s": 1.0, "results": results}


def test_override_forms(monkeypatch):
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    assert threads.parse_override("2") == threads.Choice(2, 2, "PASSIVE", "override")
    assert threads.parse_override("1/2") == threads.Choice(1, 2, "PASSIVE", "override")
    assert threads.parse_override(" 2:active ") == threads.Choice(2, 2, "ACTIVE", "override")
    assert threads.parse_override("1/2:Passive") == threads.Choice(1, 2, "PASSIVE", "override")


@pytest.mark.parametrize("text", ["0", "two", "2/0", "2:spin", "-1", "1/2/3"])
def test_bad_override_is_a_clear_error(text):
    with pytest.raises(ModelError, match="VENVY_THREADS"):
        threads.parse_override(text)


def test_override_wins_over_the_cache(monkeypatch):
    threads.write_cache(threads.machine_key(), _entry(ISSUE_LIKE))
    monkeypatch.setenv("VENVY_THREADS", "2:active")
    assert threads.choose() == threads.Choice(2, 2, "ACTIVE", "override")


def test_decision_is_robust_to_a_busy_machine():
    # 2 active threads are the fastest idle but collapse busy: the worst-case ratio picks 1 thread
    choice = threads.decide(ISSUE_LIKE)
    assert (choice.n_threads, choice.n_threads_batch) == (1, 1)


def test_decision_takes_the_fast_setting_when_it_holds_up_busy():
    rows = [r for r in ISSUE_LIKE if r["policy"] == "PASSIVE"] + [
        _row("ACTIVE", "idle", 2, 2, 10, prompt=30, small=20),
        _row("ACTIVE", "busy", 2, 2, 17, prompt=60, small=38),
        _row("ACTIVE", "idle", 1, 1, 15, prompt=50, small=34),
        _row("ACTIVE", "busy", 1, 1, 16, prompt=55, small=36),
    ]
    assert threads.decide(rows) == threads.Choice(2, 2, "ACTIVE", "measured")


def test_decision_keeps_to_the_policy_already_loaded():
    assert threads.decide(ISSUE_LIKE, policy="PASSIVE").wait_policy == "PASSIVE"
    # a policy nobody measured (the user's own): no data, one thread
    assert threads.decide(ISSUE_LIKE, policy="DEFAULT") == threads.Choice(1, 1, "DEFAULT", "fallback")


def test_steps_and_batches_are_chosen_separately():
    rows = []
    for cond in ("idle", "busy"):
        rows += [
            _row("ACTIVE", cond, 1, 1, 15, prompt=60, small=34),
            _row("ACTIVE", cond, 1, 2, 15, prompt=30, small=20),
            _row("ACTIVE", cond, 2, 1, 25, prompt=60, small=34),
            _row("ACTIVE", cond, 2, 2, 25, prompt=30, small=20),
        ]
    choice = threads.decide(rows)
    assert (choice.n_threads, choice.n_threads_batch) == (1, 2)


def test_cache_is_keyed_by_machine_and_read_from_venvy_home_at_call_time(tmp_path, monkeypatch):
    monkeypatch.setattr(threads, "usable_cores", lambda: 2)
    threads.write_cache(threads.machine_key(), _entry(ISSUE_LIKE))
    threads.write_cache("another cpu|cores=64|llama-cpp-python=0", _entry([]))
    data = json.loads(threads.cache_path().read_text())
    assert data["format_version"] == threads.FORMAT_VERSION
    assert set(data["machines"]) == {threads.machine_key(), "another cpu|cores=64|llama-cpp-python=0"}
    assert threads.choose(measure_if_missing=False).source == "cached"
    monkeypatch.setenv("VENVY_HOME", str(tmp_path / "elsewhere"))  # read again at call time
    assert threads.choose(measure_if_missing=False) == threads.Choice(1, 1, "PASSIVE", "fallback")


def test_machine_key_names_cpu_and_cores():
    key = threads.machine_key()
    assert f"cores={threads.usable_cores()}" in key and "llama-cpp-python=" in key


def test_torn_or_foreign_cache_reads_as_empty():
    path = threads.cache_path()
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert threads.read_cache() == {}
    path.write_text(json.dumps({"format_version": 999, "machines": {"x": {}}}))
    assert threads.read_cache() == {}


def test_a_missing_measurement_measures_once_then_uses_the_cache(monkeypatch):
    calls = []

    def fake_measure(model, lora, progress=None):
        calls.append((model, lora))
        return _entry(ISSUE_LIKE)

    monkeypatch.setattr(threads, "measure", fake_measure)
    monkeypatch.setattr(threads, "usable_cores", lambda: 2)
    first = threads.choose("base.gguf", "lora.gguf")
    second = threads.choose("base.gguf", "lora.gguf")
    assert calls == [("base.gguf", "lora.gguf")]
    assert first.source == "measured" and second.source == "cached"
    assert (first.n_threads, first.wait_policy) == (second.n_threads, second.wait_policy)


def test_a_failed_measurement_falls_back_to_one_thread(monkeypatch):
    def broken(model, lora, progress=None):
        raise OSError("the probe failed")

    said = []
    monkeypatch.setattr(threads, "measure", broken)
    monkeypatch.setattr(threads, "usable_cores", lambda: 2)
    assert threads.choose("base.gguf", progress=said.append) == threads.Choice(1, 1, "PASSIVE", "fallback")
    assert said and "1 thread" in said[0]
    assert not threads.cache_path().exists()


def test_one_core_needs_no_measurement(monkeypatch):
    monkeypatch.setattr(threads, "usable_cores", lambda: 1)
    assert threads.choose("base.gguf").source == "single core"


def test_wait_policy_is_set_before_llama_cpp_loads_and_a_user_value_stays(monkeypatch):
    import sys

    monkeypatch.delitem(sys.modules, "llama_cpp", raising=False)
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    threads.apply_wait_policy(threads.Choice(2, 2, "ACTIVE", "measured"))
    assert threads.loaded_policy() is None
    import os

    assert os.environ["OMP_WAIT_POLICY"] == "ACTIVE"
    monkeypatch.setenv("OMP_WAIT_POLICY", "PASSIVE")
    threads.apply_wait_policy(threads.Choice(2, 2, "ACTIVE", "measured"))
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"


def test_candidate_counts():
    assert threads.candidate_counts(1) == [1]
    assert threads.candidate_counts(2) == [1, 2]
    assert threads.candidate_counts(16) == [1, 2, 8, 16]


def test_summary_rows():
    rows = threads.summary(ISSUE_LIKE)
    assert len(rows) == 4
    assert min(r["worst_ratio"] for r in rows) >= 1.0


@pytest.mark.model
@pytest.mark.slow
def test_real_measurement_in_subprocesses(monkeypatch):
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed")
    from venvy.nl.base_model import base_gguf_path

    try:
        base = base_gguf_path()
    except ModelError as exc:
        pytest.skip(str(exc))
    monkeypatch.setattr(threads, "candidate_counts", lambda cores: [1, 2] if cores > 1 else [1])
    entry = threads.measure(base, None, repeats={"idle": 1, "busy": 1}, progress=lambda text: None)
    conditions = {(r["policy"], r["condition"]) for r in entry["results"]}
    assert conditions == {(p, c) for p in threads.POLICIES for c in threads.CONDITIONS}
    assert all(r["step_ms"] > 0 and r["prompt_ms"] > 0 for r in entry["results"])
    choice = threads.decide(entry["results"])
    assert choice.n_threads >= 1 and choice.wait_policy in threads.POLICIES
