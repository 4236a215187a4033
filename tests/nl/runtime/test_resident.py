"""venvy.nl.runtime.resident: the background parser that keeps the model loaded between
`venvy -w` calls. Real processes, a real socket and the real shipped model; every test
stops what it started."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from venvy.nl.runtime import resident
from venvy.nl.runtime.result import ErrorKind, ParseResult, Timing


def test_a_parse_result_survives_the_wire():
    full = ParseResult(
        request="rm x", command="venvy rm x", confidence=0.5, ignored=("a b",), warnings=("w",),
        error_kind=ErrorKind.INVALID_ANSWER, error="e", timing=Timing(prompt_s=0.1, steps=3),
    )
    assert resident.decode(resident.encode(full)) == full
    assert resident.decode(resident.encode(ParseResult(request="hi"))) == ParseResult(request="hi")


def test_off_by_setting(monkeypatch):
    monkeypatch.setenv("VENVY_RESIDENT", "0")
    assert not resident.enabled()
    monkeypatch.setenv("VENVY_RESIDENT", "1")
    assert resident.enabled()


def test_one_busy_sample_is_not_enough_to_exit():
    from venvy.nl.runtime import threads

    class Samples:  # busy_cores() readings, in order; BUSY_FRACTION as venvy.nl.runtime.threads has it
        BUSY_FRACTION = threads.BUSY_FRACTION

        def __init__(self, *readings):
            self.readings = list(readings)

        def busy_cores(self):
            return self.readings.pop(0)

    server = resident.Resident.__new__(resident.Resident)  # the check alone: no model loaded
    for readings, exits, left in [((0.9, 0.1), False, 0), ((0.9, 0.8), True, 0), ((0.1, 0.9), False, 1)]:
        server.busy_check = Samples(*readings)
        assert server.other_work() is exits
        assert len(server.busy_check.readings) == left  # an idle first sample takes no second one
    server.busy_check = None  # one sleeping thread: nothing to check
    assert server.other_work() is False


def test_nothing_running_means_no_answer():
    assert resident.parse("list my venvs") is None
    assert resident.stop() is False


# --------------------------------------------------------------------------
# With the shipped model, in real processes
# --------------------------------------------------------------------------


@pytest.fixture
def short_home(monkeypatch):
    """A $VENVY_HOME short enough for a Unix socket path (pytest's tmp paths can be too long)."""
    home = Path(tempfile.mkdtemp(prefix="vr-", dir="/tmp"))
    monkeypatch.setenv("VENVY_HOME", str(home))
    monkeypatch.setenv("VENVY_RESIDENT", "1")
    yield home
    resident.stop()
    deadline = time.monotonic() + 10
    pid = resident.pid()
    while pid and _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if pid and _alive(pid):
        os.kill(pid, signal.SIGKILL)
    shutil.rmtree(home, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:  # a zombie of this process counts as gone
        return os.waitpid(pid, os.WNOHANG) == (0, 0)
    except ChildProcessError:
        return True


def _serve(**env) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "venvy.nl.runtime.resident", "serve"],
                            env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not os.path.exists(resident.socket_path()):
        if proc.poll() is not None:
            pytest.fail(f"the resident parser exited: {proc.stderr.read().decode()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("the resident parser did not start in 120 s")
        time.sleep(0.05)
    return proc


@pytest.fixture(scope="module")
def local_agent():
    pytest.importorskip("llama_cpp", reason="needs llama-cpp-python: pip install -e '.[nl]'")
    from venvy.errors import VenvyError
    from venvy.nl.eval.predictors import shipped_model_dir
    from venvy.nl.runtime.agent import VenvyNLAgent

    if not (shipped_model_dir() / "manifest.json").is_file():
        pytest.skip("the shipped model is not in this checkout")
    try:
        return VenvyNLAgent()
    except VenvyError as exc:
        pytest.skip(f"the model cannot be loaded here: {exc}")


@pytest.mark.model
@pytest.mark.slow
def test_the_resident_parser_answers_as_the_model_does_in_process(short_home, local_agent, monkeypatch):
    # one sleeping thread: a resident with spinning threads declines (and exits) when its busy check
    # sees other work, which machine noise can trigger; that policy has tests of its own
    monkeypatch.setenv("VENVY_THREADS", "1")
    proc = _serve()
    for text in ("list my venvs", "delete the venv called backend", "what's the weather in Paris"):
        remote, here = resident.parse(text), local_agent.parse(text)
        assert remote is not None
        assert (remote.command, remote.ignored, remote.warnings) == (here.command, here.ignored, here.warnings)
        assert remote.confidence == pytest.approx(here.confidence, abs=1e-3)
    # a second one cannot start while it runs (the lock), and exits at once
    second = subprocess.run([sys.executable, "-m", "venvy.nl.runtime.resident", "serve"], timeout=60)
    assert second.returncode == 0 and proc.poll() is None
    assert resident.stop() and proc.wait(timeout=10) == 0
    assert not os.path.exists(resident.socket_path())
    assert resident.parse("list my venvs") is None


@pytest.mark.model
@pytest.mark.slow
def test_it_declines_and_exits_on_other_settings_or_a_changed_model(short_home, local_agent, monkeypatch):
    proc = _serve()
    monkeypatch.setenv("VENVY_THREADS", "1")  # the caller now wants other settings
    assert resident.parse("list my venvs") is None
    assert proc.wait(timeout=10) == 0
    monkeypatch.delenv("VENVY_THREADS")

    from venvy.nl.runtime.base_model import base_gguf_path

    model = short_home / "base.gguf"  # a model file of its own, to change under it
    shutil.copyfile(base_gguf_path(), model)
    monkeypatch.setenv("VENVY_MODEL", str(model))
    proc = _serve()
    assert resident.parse("list my venvs") is not None
    os.utime(model, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert resident.parse("list my venvs") is None
    assert proc.wait(timeout=10) == 0


@pytest.mark.model
@pytest.mark.slow
def test_it_exits_when_idle(short_home, local_agent):
    proc = _serve(VENVY_RESIDENT_IDLE="1")
    assert proc.wait(timeout=30) == 0
    assert not os.path.exists(resident.socket_path())


@pytest.mark.model
@pytest.mark.slow
def test_venvy_w_starts_one_and_the_next_call_uses_it(short_home, local_agent):
    env = {**os.environ, "VENVY_DEBUG": "1"}
    cmd = [sys.executable, "-m", "venvy", "-w", "--print", "list my venvs"]
    first = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0 and first.stdout.strip() == "venvy ls"
    assert "resident parser" not in first.stderr  # nothing was running: parsed in-process
    deadline = time.monotonic() + 120
    while not os.path.exists(resident.socket_path()) and time.monotonic() < deadline:
        time.sleep(0.1)
    second = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0 and second.stdout.strip() == "venvy ls"
    assert "parsed by the resident parser" in second.stderr
