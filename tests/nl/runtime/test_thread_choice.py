"""venvy.nl.runtime.threads: the override, the per-machine cache, the load-time rule, the
busy check, and (marked model, slow) a real measurement in subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from venvy.errors import ModelError
from venvy.nl.runtime import threads


def _row(cond, nt, nb, policy, prompt, step, collapsed=None):
    row = {"condition": cond, "n_threads": nt, "n_threads_batch": nb, "wait_policy": policy,
           "prompt_ms": prompt, "step_ms": step}
    if collapsed:
        row["collapsed"] = collapsed
    return row


# Shaped like the measurements on the 2-core machine: 2 spinning threads win idle and
# collapse busy; 2 sleeping threads are slow in both.
MEASURED = [
    _row("idle", 1, 1, "PASSIVE", 110, 15),
    _row("idle", 2, 2, "ACTIVE", 60, 10),
    _row("idle", 2, 2, "PASSIVE", 140, 64),
    _row("busy", 1, 1, "PASSIVE", 230, 24),
    _row("busy", 2, 2, "ACTIVE", 0, 0, collapsed="slower than 4 s"),
    _row("busy", 2, 2, "PASSIVE", 270, 46),
]


@pytest.fixture(autouse=True)
def two_cores(monkeypatch):
    monkeypatch.delenv("VENVY_THREADS", raising=False)
    monkeypatch.setattr(threads, "physical_cores", lambda: 2)


def _entry(results):
    return {"measured_at": "2026-01-01T00:00:00Z", "measure_s": 1.0, "results": results,
            "best": threads.best(results)}


# -- the override -------------------------------------------------------------


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


def test_override_wins_over_the_cache_and_the_rule(monkeypatch):
    threads.write_cache(threads.machine_key(), _entry(MEASURED))
    monkeypatch.setenv("VENVY_THREADS", "1/2:active")
    assert threads.choose(busy=0.0) == threads.Choice(1, 2, "ACTIVE", "override")
    assert threads.choose(busy=1.0) == threads.Choice(1, 2, "ACTIVE", "override")


# -- the rule -----------------------------------------------------------------


def test_rule_idle_machine_spins_on_every_core():
    assert threads.choose(busy=0.1) == threads.Choice(2, 2, "ACTIVE", "rule")


def test_rule_busy_machine_takes_one_sleeping_thread():
    assert threads.choose(busy=1.0) == threads.Choice(1, 1, "PASSIVE", "rule")
    assert threads.choose(busy=2.0) == threads.Choice(1, 1, "PASSIVE", "rule")


def test_rule_on_a_bigger_machine_uses_the_free_cores():
    assert threads.rule(0.0, 8) == threads.Choice(8, 8, "ACTIVE", "rule")
    assert threads.rule(3.0, 8) == threads.Choice(5, 5, "PASSIVE", "rule")


def test_one_core_needs_no_check(monkeypatch):
    monkeypatch.setattr(threads, "physical_cores", lambda: 1)
    monkeypatch.setattr(threads, "busy_cores", lambda *a: pytest.fail("no busy check on one core"))
    assert threads.choose() == threads.Choice(1, 1, "PASSIVE", "single core")


# -- the cache ----------------------------------------------------------------


def test_cache_gives_the_best_setting_of_the_current_condition():
    threads.write_cache(threads.machine_key(), _entry(MEASURED))
    assert threads.choose(busy=0.0) == threads.Choice(2, 2, "ACTIVE", "cached")
    assert threads.choose(busy=1.0) == threads.Choice(1, 1, "PASSIVE", "cached")


def test_cache_is_keyed_by_machine_and_read_from_venvy_home_at_call_time(tmp_path, monkeypatch):
    fast_busy = [_row("busy", 2, 2, "PASSIVE", 50, 5), _row("idle", 1, 1, "PASSIVE", 50, 5)]
    threads.write_cache(threads.machine_key(), _entry(fast_busy))
    threads.write_cache("another cpu|cores=64/128", _entry([]))
    data = json.loads(threads.cache_path().read_text())
    assert data["format_version"] == threads.FORMAT_VERSION
    assert set(data["machines"]) == {threads.machine_key(), "another cpu|cores=64/128"}
    assert threads.choose(busy=1.0) == threads.Choice(2, 2, "PASSIVE", "cached")
    monkeypatch.setenv("VENVY_HOME", str(tmp_path / "elsewhere"))  # read again at call time
    assert threads.choose(busy=1.0).source == "rule"


def test_machine_key_names_cpu_and_cores():
    assert f"cores={threads.physical_cores()}/{threads.usable_cores()}" in threads.machine_key()


def test_torn_or_foreign_cache_reads_as_empty():
    path = threads.cache_path()
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert threads.read_cache() == {}
    assert threads.choose(busy=0.0).source == "rule"
    path.write_text(json.dumps({"format_version": 999, "machines": {threads.machine_key(): {}}}))
    assert threads.read_cache() == {}


def test_best_skips_collapsed_settings():
    assert threads.best(MEASURED) == {
        "idle": {"n_threads": 2, "n_threads_batch": 2, "wait_policy": "ACTIVE"},
        "busy": {"n_threads": 1, "n_threads_batch": 1, "wait_policy": "PASSIVE"},
    }
    assert threads.request_cost(MEASURED[4]) == float("inf")


def test_choosing_never_measures(monkeypatch):
    monkeypatch.setattr(threads, "measure", lambda *a, **k: pytest.fail("measured at load time"))
    started = time.perf_counter()
    threads.choose()
    assert time.perf_counter() - started < 1.0
    assert not threads.cache_path().exists()


# -- the busy check -------------------------------------------------------------


@pytest.mark.skipif(not os.path.exists("/proc/stat"), reason="needs /proc/stat")
def test_busy_check_sees_a_spinning_process():
    before = threads.busy_cores(0.2)
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)
        during = threads.busy_cores(0.2)
    finally:
        spinner.kill()
        spinner.wait()
    assert during >= 0.7
    assert during >= before + 0.5 or before >= 0.7  # another run may already keep a core busy


def test_busy_check_does_not_count_this_process():
    # the check subtracts its own CPU time; a sleeping caller adds nothing either way
    assert threads.busy_cores(0.05) >= 0.0


# -- the wait policy ----------------------------------------------------------


def test_wait_policy_is_set_before_llama_cpp_loads_and_a_user_value_stays(monkeypatch):
    monkeypatch.delitem(sys.modules, "llama_cpp", raising=False)
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    monkeypatch.delenv("GOMP_SPINCOUNT", raising=False)
    threads.apply_wait_policy(threads.Choice(2, 2, "ACTIVE", "rule"))
    assert os.environ["OMP_WAIT_POLICY"] == "ACTIVE"
    assert os.environ["GOMP_SPINCOUNT"] == threads.SPINCOUNT  # bounded: no minutes of spinning
    monkeypatch.setenv("OMP_WAIT_POLICY", "PASSIVE")
    threads.apply_wait_policy(threads.Choice(2, 2, "ACTIVE", "rule"))
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"


def test_a_loaded_passive_policy_turns_spinning_threads_into_one(monkeypatch):
    monkeypatch.setitem(sys.modules, "llama_cpp", object())
    monkeypatch.setenv("OMP_WAIT_POLICY", "PASSIVE")
    assert threads.effective(threads.Choice(2, 2, "ACTIVE", "rule")).n_threads == 1
    assert threads.effective(threads.Choice(2, 2, "ACTIVE", "override")).n_threads == 2


def test_load_path_uses_the_choice(monkeypatch):
    from venvy.nl.runtime import loading

    monkeypatch.setattr(loading, "_CHOICE", [])
    monkeypatch.setenv("VENVY_THREADS", "1/2")
    assert (loading.thread_choice().n_threads, loading.thread_choice().n_threads_batch) == (1, 2)
    assert loading.thread_choice(3) == threads.Choice(3, 3, "PASSIVE", "caller")


def test_settings_measured():
    assert threads.settings(1) == [(1, 1, "PASSIVE")]
    assert threads.settings(2) == [(1, 1, "PASSIVE"), (2, 2, "ACTIVE"), (2, 2, "PASSIVE")]


@pytest.mark.model
@pytest.mark.slow
def test_real_measurement_in_subprocesses():
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed")
    from venvy.nl.runtime import base_model

    try:
        base = base_model.base_gguf_path()
    except ModelError as exc:
        pytest.skip(str(exc))
    started = time.perf_counter()
    entry = threads.measure(base, None, repeats=1, progress=lambda text: None)
    assert time.perf_counter() - started < threads.MEASURE_BUDGET_S + 2 * threads.PROBE_TIMEOUT_S + 5
    assert {(r["condition"], r["n_threads"], r["wait_policy"]) for r in entry["results"]} == {
        (c, nt, p) for c in threads.CONDITIONS for nt, _, p in threads.settings(2)}
    assert "idle" in entry["best"] or "busy" in entry["best"]
