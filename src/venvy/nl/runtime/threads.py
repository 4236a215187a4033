"""How many threads llama.cpp uses, and how its idle threads wait: chosen at load time, cheaply.

llama.cpp takes two thread counts: `n_threads` for single-token steps and
`n_threads_batch` for batches (the prompt). Its OpenMP workers wait between graphs by
spinning (OMP_WAIT_POLICY=ACTIVE) or by sleeping (PASSIVE); libgomp reads the policy once,
when llama_cpp is imported. Measured on a 2-core machine (issue 11, docs/wizard.md):

- idle: 2 spinning threads are the fastest (10 ms a token), 1 thread next (15 ms), and
  2 sleeping threads the slowest (64 ms: every token pays a wake-up);
- other cores busy: spinning threads fight the other work for the core and a request
  takes seconds (x100); 1 thread is the fastest and its wait policy does not matter.

So the choice depends on whether the other cores are busy *now*, which a cheap check at
load time answers (busy_cores(): /proc/stat over 30 ms). In order:

1. VENVY_THREADS: "2" (both counts), "1/2" (steps/batches), optionally ":active"/":passive";
2. this machine's cached measurement, written only by an explicit
   `python -m venvy.nl.runtime.threads measure` (about 20 s; keyed by CPU model and core
   count in $VENVY_HOME/cache/threads.json): its best setting for the current condition;
3. the rule: all cores free -> every physical core, spinning (bounded: GOMP_SPINCOUNT, so
   the workers sleep once a parse is over instead of spinning for minutes); any core
   busy -> the free cores, sleeping, and 1 thread when that leaves one.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from venvy import paths
from venvy.errors import ModelError
from venvy.nl.runtime.cpu_buffers import new_llama

FORMAT_VERSION = 2
POLICIES = ("PASSIVE", "ACTIVE")
CONDITIONS = ("idle", "busy")
# libgomp spins about 100,000 times a millisecond: 10M is ~100 ms, far longer than the gap
# between two tokens (a few ms of Python), far shorter than a person reading a confirmation.
SPINCOUNT = "10000000"
SAMPLE_S = 0.03  # the /proc/stat window of the busy check
BUSY_FRACTION = 0.5  # a core busy at least half of the window counts as busy
# One request as the decoding loop runs it: a batch of the request's tokens, then steps.
PROMPT_TOKENS = 20
REQUEST_SHAPE = {"prompt": 1, "step": 12}
PROBE_TIMEOUT_S = 8.0  # a probe process (import, load, warm-up and 2 rounds) slower than this has collapsed
MEASURE_BUDGET_S = 25.0
OVERRIDE = re.compile(r"^\s*(\d+)\s*(?:/\s*(\d+))?\s*(?::\s*(active|passive))?\s*$", re.IGNORECASE)
PROBE_TEXT = (
    "Translate the request into one venvy command, or none. create a python 3.11 venv named backend "
    "with requests and rich, then list all venvs sorted by size in json and remove those older than "
    "ninety days; show me details about the api env, how much disk my environments use."
)


@dataclass(frozen=True)
class Choice:
    n_threads: int  # single-token steps
    n_threads_batch: int  # batches: the prompt
    wait_policy: str  # "PASSIVE" or "ACTIVE": OMP_WAIT_POLICY
    source: str  # "override", "cached", "rule", "single core", "caller"

    def describe(self) -> str:
        return f"{self.n_threads}/{self.n_threads_batch} threads, {self.wait_policy.lower()} ({self.source})"


# --------------------------------------------------------------------------
# The machine
# --------------------------------------------------------------------------


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def physical_cores() -> int:
    """Physical cores usable by this process (hyperthreads share a core's math units)."""
    usable = usable_cores()
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            blocks = fh.read().split("\n\n")
    except OSError:
        return usable
    cores = set()
    for block in blocks:
        info = {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in block.splitlines())}
        if "core id" in info:
            cores.add((info.get("physical id"), info["core id"]))
    return max(1, min(len(cores) or usable, usable))


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith(("model name", "Hardware", "cpu model")):
                    return " ".join(line.split(":", 1)[1].split())
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine() or "unknown"


def machine_key() -> str:
    return f"{cpu_model()}|cores={physical_cores()}/{usable_cores()}"


def _cpu_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs from /proc/stat."""
    with open("/proc/stat", encoding="ascii") as fh:
        fields = [int(x) for x in fh.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields[:8]) - idle, sum(fields[:8])


def busy_cores(window_s: float = SAMPLE_S) -> float:
    """How many cores other processes keep busy now: /proc/stat over `window_s`, minus this
    process's own CPU time; the 1-minute load average where /proc/stat is missing."""
    try:
        busy0, total0 = _cpu_jiffies()
        own0 = sum(os.times()[:2])
        time.sleep(window_s)
        busy1, total1 = _cpu_jiffies()
        own1 = sum(os.times()[:2])
    except (OSError, ValueError, IndexError):
        try:
            return max(0.0, os.getloadavg()[0])
        except (AttributeError, OSError):
            return 0.0
    others = (busy1 - busy0) - (own1 - own0) * os.sysconf("SC_CLK_TCK")
    return max(0.0, others / max(1, total1 - total0) * (os.cpu_count() or 1))


# --------------------------------------------------------------------------
# The choice
# --------------------------------------------------------------------------


def parse_override(text: str) -> Choice:
    """VENVY_THREADS: "N", "N/M" (steps/batches), optionally ":active" or ":passive"."""
    match = OVERRIDE.match(text)
    if not match or int(match.group(1)) < 1 or (match.group(2) and int(match.group(2)) < 1):
        raise ModelError(
            f"VENVY_THREADS={text!r} is not a thread setting; use e.g. 2, 1/2 (steps/batches) or 2:active."
        )
    steps = int(match.group(1))
    batches = int(match.group(2) or steps)
    policy = (match.group(3) or os.environ.get("OMP_WAIT_POLICY") or "PASSIVE").upper()
    return Choice(steps, batches, policy, "override")


def rule(busy: float, cores: int) -> Choice:
    """The setting without a measurement of this machine (the measurements in the docstring)."""
    if busy < BUSY_FRACTION:
        return Choice(cores, cores, "ACTIVE" if cores > 1 else "PASSIVE", "rule")
    free = max(1, int(cores - busy + 0.5))
    return Choice(free, free, "PASSIVE", "rule")


def choose(busy: float | None = None) -> Choice:
    """VENVY_THREADS, else this machine's cached measurement for the current condition,
    else the rule. Never measures beyond the 30 ms busy check."""
    override = os.environ.get("VENVY_THREADS", "").strip()
    if override:
        return parse_override(override)
    cores = physical_cores()
    if cores == 1:
        return Choice(1, 1, "PASSIVE", "single core")
    busy = busy_cores() if busy is None else busy
    cached = read_cache().get(machine_key(), {}).get("best", {}).get("busy" if busy >= BUSY_FRACTION else "idle")
    if cached:
        try:
            return Choice(int(cached["n_threads"]), int(cached["n_threads_batch"]),
                          str(cached["wait_policy"]).upper(), "cached")
        except (KeyError, TypeError, ValueError):
            pass
    return rule(busy, cores)


def apply_wait_policy(choice: Choice) -> None:
    """Put the wait policy in the environment before llama_cpp loads (libgomp reads it
    then). A value the user set stays; ACTIVE spinning is bounded by GOMP_SPINCOUNT."""
    if "llama_cpp" in sys.modules or choice.wait_policy not in POLICIES:
        return
    os.environ.setdefault("OMP_WAIT_POLICY", choice.wait_policy)
    if os.environ["OMP_WAIT_POLICY"].upper() == "ACTIVE":
        os.environ.setdefault("GOMP_SPINCOUNT", SPINCOUNT)


def effective(choice: Choice) -> Choice:
    """`choice` as this process can have it: libgomp kept the policy it was loaded with, and
    many sleeping threads are the slowest setting of all, so those run on one thread."""
    policy = os.environ.get("OMP_WAIT_POLICY", "").upper()
    if "llama_cpp" not in sys.modules or policy == choice.wait_policy or choice.source == "override":
        return choice
    if policy == "PASSIVE" and choice.wait_policy == "ACTIVE":
        return Choice(1, 1, "PASSIVE", choice.source + ", policy already loaded")
    return choice


# --------------------------------------------------------------------------
# The cache
# --------------------------------------------------------------------------


def cache_path() -> Path:
    return paths.home() / "cache" / "threads.json"


def read_cache() -> dict:
    """{machine key: entry}; an unreadable or foreign file reads as empty."""
    try:
        data = json.loads(cache_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
        return {}
    machines = data.get("machines")
    return machines if isinstance(machines, dict) else {}


def write_cache(key: str, entry: dict) -> None:
    """Add one machine's entry, atomically (temp file renamed into place)."""
    machines = read_cache()
    machines[key] = entry
    text = json.dumps({"format_version": FORMAT_VERSION, "machines": machines}, indent=1)
    path = cache_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".threads.", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


# --------------------------------------------------------------------------
# Measuring (explicit: python -m venvy.nl.runtime.threads measure)
# --------------------------------------------------------------------------


def settings(cores: int) -> list[tuple[int, int, str]]:
    """What `measure` tries: 1 thread, all cores spinning, all cores sleeping."""
    if cores == 1:
        return [(1, 1, "PASSIVE")]
    return [(1, 1, "PASSIVE"), (cores, cores, "ACTIVE"), (cores, cores, "PASSIVE")]


def request_cost(row: dict) -> float:
    """Milliseconds for one request of REQUEST_SHAPE; inf for a collapsed setting."""
    if row.get("collapsed"):
        return float("inf")
    return sum(REQUEST_SHAPE[name] * row[f"{name}_ms"] for name in REQUEST_SHAPE)


def best(results: list[dict]) -> dict:
    """{condition: the fastest setting in it} from measured rows."""
    out = {}
    for cond in CONDITIONS:
        rows = [r for r in results if r["condition"] == cond and request_cost(r) < float("inf")]
        if rows:
            row = min(rows, key=request_cost)
            out[cond] = {k: row[k] for k in ("n_threads", "n_threads_batch", "wait_policy")}
    return out


def measure(model_path, lora_path=None, *, progress=None, repeats: int = 2) -> dict:
    """Each setting of settings() in its own subprocess (the policy is read when libgomp
    loads), idle and with every core but one kept busy by a spinning process; a setting
    slower than PROBE_TIMEOUT_S has collapsed. Returns the cache entry."""
    (progress or (lambda t: print(t, file=sys.stderr, flush=True)))(
        "venvy: measuring llama.cpp thread settings on this machine (about 20 s)...")
    started = time.perf_counter()
    cores = physical_cores()
    results = []
    for cond in CONDITIONS:
        spinners = start_spinners(cores - 1) if cond == "busy" else []
        try:
            for nt, nb, policy in settings(cores):
                row = {"condition": cond, "n_threads": nt, "n_threads_batch": nb, "wait_policy": policy}
                if time.perf_counter() - started > MEASURE_BUDGET_S:
                    row["collapsed"] = "not measured: time budget spent"
                else:
                    row.update(run_probe(model_path, lora_path, nt, nb, policy, repeats))
                results.append(row)
        finally:
            stop_spinners(spinners)
    return {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "measure_s": round(time.perf_counter() - started, 1),
        "model": str(model_path),
        "lora": str(lora_path) if lora_path else None,
        "results": results,
        "best": best(results),
    }


def start_spinners(n: int) -> list[subprocess.Popen]:
    """n processes that each keep one core busy (the "busy machine" condition)."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"], stdin=subprocess.DEVNULL)
            for _ in range(max(0, n))]


def stop_spinners(spinners: list[subprocess.Popen]) -> None:
    for proc in spinners:
        proc.kill(), proc.wait()


def run_probe(model_path, lora_path, nt: int, nb: int, policy: str, repeats: int) -> dict:
    """One subprocess with OMP_WAIT_POLICY=policy: {"prompt_ms", "step_ms"} or {"collapsed"}."""
    env = dict(os.environ, OMP_WAIT_POLICY=policy)
    if policy == "ACTIVE":
        env.setdefault("GOMP_SPINCOUNT", SPINCOUNT)
    source_root = str(Path(__file__).resolve().parents[3])  # the folder holding the venvy package
    env["PYTHONPATH"] = os.pathsep.join(p for p in (source_root, env.get("PYTHONPATH", "")) if p)
    args = [str(model_path), str(lora_path or ""), str(nt), str(nb), str(repeats)]
    try:
        proc = subprocess.run([sys.executable, "-m", "venvy.nl.runtime.threads", "probe", *args], env=env,
                              capture_output=True, text=True, timeout=PROBE_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        return {"collapsed": f"slower than {PROBE_TIMEOUT_S:.0f} s"}
    if proc.returncode != 0:
        tail = [line for line in proc.stderr.splitlines() if line.strip()][-1:] or [f"exit {proc.returncode}"]
        return {"collapsed": f"the probe failed: {tail[0]}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def probe(model: str, lora: str, nt: int, nb: int, repeats: int) -> dict:
    """In its own process: medians of a PROMPT_TOKENS batch and of single-token steps."""
    import ctypes

    import llama_cpp

    llm = new_llama(llama_cpp, model_path=model, n_ctx=256, n_batch=256, n_threads=nt, n_threads_batch=nb,
                    verbose=False)
    if lora:
        adapter = llama_cpp.llama_adapter_lora_init(llm.model, lora.encode("utf-8"))
        adapters = (llama_cpp.llama_adapter_lora_p_ctypes * 1)(adapter)
        llama_cpp.llama_set_adapters_lora(llm.ctx, adapters, 1, (ctypes.c_float * 1)(1.0))
    tokens = llm.tokenize(PROBE_TEXT.encode("utf-8"), add_bos=False)
    prefix, request = tokens[:16], tokens[16 : 16 + PROMPT_TOKENS]
    steps = tokens[16 + PROMPT_TOKENS : 16 + PROMPT_TOKENS + REQUEST_SHAPE["step"]]
    llm.eval(prefix)
    prompt_ms, step_ms = [], []
    for round_ in range(repeats + 1):  # round 0 warms up: pages the weights in
        llm.n_tokens = len(prefix)  # llm.eval drops the KV cache beyond n_tokens
        t0 = time.perf_counter()
        llm.eval(request)
        t1 = time.perf_counter()
        for token in steps:
            llm.eval([token])
        t2 = time.perf_counter()
        if round_:
            prompt_ms.append((t1 - t0) * 1000)
            step_ms.append((t2 - t1) * 1000 / len(steps))
    llm.close()
    return {"prompt_ms": round(statistics.median(prompt_ms), 2), "step_ms": round(statistics.median(step_ms), 2)}


def main(argv: list[str] | None = None) -> int:
    """python -m venvy.nl.runtime.threads [measure [MODEL [LORA]] | show]"""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["probe"]:
        model, lora, nt, nb, repeats = argv[1:6]
        print(json.dumps(probe(model, lora, int(nt), int(nb), int(repeats))))
        return 0
    if argv[:1] == ["measure"]:
        if len(argv) > 1:
            model, lora = argv[1], (argv[2] if len(argv) > 2 else None)
        else:
            from venvy.nl.runtime import resolve

            spec = resolve.resolve(None)
            model, lora = spec.model_path, spec.lora_path
        write_cache(machine_key(), measure(model, lora))
    busy = busy_cores()
    print(f"{machine_key()}: {busy:.1f} other cores busy now; load time picks {choose(busy).describe()}")
    entry = read_cache().get(machine_key())
    if entry is None:
        print("no measurement for this machine: python -m venvy.nl.runtime.threads measure")
        return 0
    print(f"measured {entry['measured_at']} in {entry['measure_s']} s; one request = a {PROMPT_TOKENS}-token "
          f"batch + {REQUEST_SHAPE['step']} steps")
    for r in entry["results"]:
        cost = r.get("collapsed") or f"prompt {r['prompt_ms']:.1f} ms, step {r['step_ms']:.1f} ms, request {request_cost(r):.0f} ms"
        print(f"  {r['condition']:5} {r['n_threads']}/{r['n_threads_batch']} {r['wait_policy'].lower():8} {cost}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
