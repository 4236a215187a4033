"""How many threads llama.cpp uses, and how its idle threads wait, chosen by measuring.

llama.cpp takes two thread counts: `n_threads` for single-token steps and
`n_threads_batch` for batches (the prompt, and the verification batches of the fast
loop). Its OpenMP workers wait between graphs by spinning (OMP_WAIT_POLICY=ACTIVE) or
by sleeping (PASSIVE). On an idle 2-core machine 2 spinning threads are the fastest
setting and 2 sleeping threads the slowest; when the other core is busy, spinning
threads fight the other work and a request can take seconds. So the choice is measured:

- once per machine (CPU model, usable cores, llama-cpp-python version), each wait
  policy in its own subprocess (the policy is read when libgomp loads, so it cannot be
  changed inside a process), on an idle machine and with the other cores busy (one
  spinning process per core but one);
- the setting whose worse case is closest to the best possible in that case wins
  (min over settings of max over {idle, busy} of cost / best cost): fast when idle,
  never a collapse when busy;
- the result is cached as JSON in $VENVY_HOME/cache/threads.json;
- VENVY_THREADS overrides it: "2" (both counts), "1/2" (steps/batches), with an
  optional policy, "2:active", "1/2:passive".

OMP_WAIT_POLICY must be in the environment before llama_cpp is imported:
apply_wait_policy(choice) sets it (unless the user already set it), and when llama_cpp
is already loaded choose() keeps to the policy the process already has.
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
from dataclasses import asdict, dataclass
from pathlib import Path

from venvy import paths
from venvy.errors import ModelError

FORMAT_VERSION = 1
POLICIES = ("PASSIVE", "ACTIVE")
CONDITIONS = ("idle", "busy")
# One request as the decoding loop runs it: one batch for the request's tokens, this many
# single-token steps and small batches (forced and drafted tokens are verified in batches).
PROMPT_TOKENS = 20
SMALL_BATCH = 4
REQUEST_SHAPE = {"prompt": 1, "step": 8, "small": 2}
REPEATS = {"idle": 5, "busy": 3}
COMBO_CAP_S = 1.5  # a setting this slow for one simulated request is not measured further
PROBE_TIMEOUT_S = 120
OVERRIDE = re.compile(r"^\s*(\d+)\s*(?:/\s*(\d+))?\s*(?::\s*(active|passive))?\s*$", re.IGNORECASE)
PROBE_TEXT = (
    "Translate the request into one venvy command, or none. create a python 3.11 venv named backend "
    "with requests and rich, then list all venvs sorted by size in json and remove those older than "
    "ninety days; show me details about the api env, how much disk my environments use, and scan "
    "my projects folder five levels deep for virtualenvs that are not registered yet."
)


@dataclass(frozen=True)
class Choice:
    n_threads: int  # single-token steps
    n_threads_batch: int  # batches: the prompt, verification batches
    wait_policy: str  # "PASSIVE" or "ACTIVE": OMP_WAIT_POLICY
    source: str  # "override", "measured", "cached", "single core", "fallback"

    def describe(self) -> str:
        return f"{self.n_threads}/{self.n_threads_batch} threads, {self.wait_policy.lower()} ({self.source})"


# --------------------------------------------------------------------------
# The machine and the cache
# --------------------------------------------------------------------------


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


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


def llama_cpp_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("llama-cpp-python")
    except metadata.PackageNotFoundError:
        return "none"


def machine_key() -> str:
    return f"{cpu_model()}|cores={usable_cores()}|llama-cpp-python={llama_cpp_version()}"


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
    """Add one machine's entry, atomically; an unwritable $VENVY_HOME is not an error."""
    machines = read_cache()
    machines[key] = entry
    text = json.dumps({"format_version": FORMAT_VERSION, "machines": machines}, indent=1)
    path = cache_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".threads.", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError:
        pass


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


def loaded_policy() -> str | None:
    """The wait policy this process already has (llama_cpp imported), else None."""
    if "llama_cpp" not in sys.modules:
        return None
    return (os.environ.get("OMP_WAIT_POLICY") or "DEFAULT").upper()


def choose(
    model_path: str | os.PathLike | None = None,
    lora_path: str | os.PathLike | None = None,
    *,
    measure_if_missing: bool = True,
    progress=None,
) -> Choice:
    """The thread setting for this process: VENVY_THREADS, else this machine's cached
    measurement, else a new measurement with `model_path` (+ `lora_path`), else 1 thread."""
    override = os.environ.get("VENVY_THREADS", "").strip()
    if override:
        return parse_override(override)
    if usable_cores() == 1:
        return Choice(1, 1, "PASSIVE", "single core")
    key = machine_key()
    entry = read_cache().get(key)
    source = "cached"
    if entry is None and measure_if_missing and model_path is not None:
        try:
            entry = measure(model_path, lora_path, progress=progress)
        except (OSError, ValueError, subprocess.SubprocessError) as exc:
            _say(progress, f"venvy: could not measure thread settings ({exc}); using 1 thread.")
            entry = None
        if entry is not None:
            write_cache(key, entry)
            source = "measured"
    if entry is None:
        return Choice(1, 1, "PASSIVE", "fallback")
    try:
        return decide(entry["results"], policy=loaded_policy(), source=source)
    except (KeyError, TypeError, ValueError):
        return Choice(1, 1, "PASSIVE", "fallback")


def apply_wait_policy(choice: Choice) -> None:
    """Put the chosen OMP_WAIT_POLICY in the environment before llama_cpp loads; a value the
    user set stays, and so does the policy of a process that has loaded llama_cpp already."""
    if "llama_cpp" in sys.modules or choice.wait_policy not in POLICIES:
        return
    os.environ.setdefault("OMP_WAIT_POLICY", choice.wait_policy)


def request_cost(ops: dict) -> float:
    """Milliseconds for one request of REQUEST_SHAPE from the medians of one setting."""
    return sum(REQUEST_SHAPE[name] * ops[f"{name}_ms"] for name in REQUEST_SHAPE)


def decide(results: list[dict], *, policy: str | None = None, source: str = "measured") -> Choice:
    """The setting with the smallest worst-case ratio to the best setting of each condition.

    results: rows {"policy", "condition", "n_threads", "n_threads_batch", "prompt_ms",
    "step_ms", "small_ms"} (medians). policy: keep to this policy (already loaded)."""
    costs: dict[tuple, dict[str, float]] = {}
    for row in results:
        setting = (row["policy"], int(row["n_threads"]), int(row["n_threads_batch"]))
        costs.setdefault(setting, {})[row["condition"]] = request_cost(row)
    conditions = {c for per in costs.values() for c in per}
    best = {c: min(per[c] for per in costs.values() if c in per) for c in conditions}
    candidates = [s for s, per in costs.items() if set(per) == conditions and (policy is None or s[0] == policy)]
    if not candidates:
        if policy is not None and policy not in POLICIES:  # e.g. a user's own policy: no data for it
            return Choice(1, 1, policy, "fallback")
        raise ValueError("no setting was measured in every condition")

    def regret(setting):
        worst = max(costs[setting][c] / best[c] for c in conditions)
        return (round(worst, 2), costs[setting].get("idle", 0.0))

    chosen = min(candidates, key=regret)
    return Choice(chosen[1], chosen[2], chosen[0], source)


def summary(results: list[dict]) -> list[dict]:
    """One row per setting: request cost per condition and its worst ratio to the best."""
    costs: dict[tuple, dict[str, float]] = {}
    for row in results:
        setting = (row["policy"], int(row["n_threads"]), int(row["n_threads_batch"]))
        costs.setdefault(setting, {})[row["condition"]] = request_cost(row)
    best = {c: min(per[c] for per in costs.values() if c in per) for c in CONDITIONS}
    rows = []
    for (policy, nt, nb), per in sorted(costs.items()):
        rows.append(
            {
                "policy": policy,
                "n_threads": nt,
                "n_threads_batch": nb,
                **{f"{c}_ms": per.get(c) for c in CONDITIONS},
                "worst_ratio": max(per[c] / best[c] for c in per if c in best),
            }
        )
    return rows


# --------------------------------------------------------------------------
# Measuring (the parent side)
# --------------------------------------------------------------------------


def candidate_counts(cores: int) -> list[int]:
    return sorted({1, 2, max(1, cores // 2), cores} & set(range(1, cores + 1)))


def measure(model_path, lora_path=None, *, progress=None, repeats: dict | None = None) -> dict:
    """Run the probe once per wait policy and condition; returns the cache entry."""
    repeats = repeats or REPEATS
    cores = usable_cores()
    counts = candidate_counts(cores)
    _say(progress, "venvy: measuring llama.cpp thread settings on this machine (once; about 20 s)...")
    started = time.perf_counter()
    results = []
    for condition in CONDITIONS:
        for policy in POLICIES:
            spinners = start_spinners(cores - 1) if condition == "busy" else []
            try:
                rows = run_probe(model_path, lora_path, policy, counts, repeats[condition])
            finally:
                stop_spinners(spinners)
            for row in rows:
                results.append({"policy": policy, "condition": condition, **row})
    return {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "measure_s": round(time.perf_counter() - started, 1),
        "model": str(model_path),
        "lora": str(lora_path) if lora_path else None,
        "request_shape": {"prompt_tokens": PROMPT_TOKENS, "small_batch": SMALL_BATCH, **REQUEST_SHAPE},
        "results": results,
    }


def start_spinners(n: int) -> list[subprocess.Popen]:
    """n processes that each keep one core busy (the "busy machine" condition)."""
    return [
        subprocess.Popen([sys.executable, "-c", "while True: pass"], stdin=subprocess.DEVNULL)
        for _ in range(max(0, n))
    ]


def stop_spinners(spinners: list[subprocess.Popen]) -> None:
    for proc in spinners:
        proc.kill()
    for proc in spinners:
        proc.wait()


def run_probe(model_path, lora_path, policy: str, counts: list[int], repeats: int) -> list[dict]:
    """One subprocess with OMP_WAIT_POLICY=policy; rows of medians per (n_threads, n_threads_batch)."""
    env = dict(os.environ, OMP_WAIT_POLICY=policy)
    source_root = str(Path(__file__).resolve().parents[3])  # the folder holding the venvy package
    env["PYTHONPATH"] = os.pathsep.join(p for p in (source_root, env.get("PYTHONPATH", "")) if p)
    args = {"model": str(model_path), "lora": str(lora_path) if lora_path else None, "counts": counts,
            "repeats": repeats}
    proc = subprocess.run(
        [sys.executable, "-m", "venvy.nl.runtime.threads", "probe", json.dumps(args)],
        env=env, capture_output=True, text=True, timeout=PROBE_TIMEOUT_S, check=False,
    )
    if proc.returncode != 0:
        tail = [line for line in proc.stderr.splitlines() if line.strip()][-1:] or [f"exit {proc.returncode}"]
        raise OSError(f"the probe failed: {tail[0]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _say(progress, text: str) -> None:
    if progress is not None:
        progress(text)
    else:
        print(text, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Measuring (the probe, in its own process)
# --------------------------------------------------------------------------


def probe(model: str, lora: str | None, counts: list[int], repeats: int) -> list[dict]:
    """Time simulated requests for every (n_threads, n_threads_batch) in counts x counts,
    interleaved over `repeats` rounds; medians per setting."""
    import ctypes

    import llama_cpp

    llm = llama_cpp.Llama(model_path=model, n_ctx=512, n_batch=512, n_threads=1, n_threads_batch=1,
                          verbose=False)
    if lora:
        adapter = llama_cpp.llama_adapter_lora_init(llm.model, lora.encode("utf-8"))
        if not adapter:
            raise OSError(f"cannot load the adapter {lora}")
        adapters = (llama_cpp.llama_adapter_lora_p_ctypes * 1)(adapter)
        llama_cpp.llama_set_adapters_lora(llm.ctx, adapters, 1, (ctypes.c_float * 1)(1.0))
    tokens = llm.tokenize(PROBE_TEXT.encode("utf-8"), add_bos=False)
    prefix, request = tokens[:24], tokens[24 : 24 + PROMPT_TOKENS]
    steps = tokens[24 + PROMPT_TOKENS : 24 + PROMPT_TOKENS + REQUEST_SHAPE["step"]]
    small = tokens[-SMALL_BATCH:]
    llm.eval(prefix)
    settings = [(nt, nb) for nt in counts for nb in counts]
    times = {s: {"prompt_ms": [], "step_ms": [], "small_ms": []} for s in settings}
    capped: set = set()

    def timed(batch) -> float:
        t0 = time.perf_counter()
        llm.eval(batch)
        return (time.perf_counter() - t0) * 1000

    for setting in settings:  # warm-up: page in the weights, start the thread pools
        llama_cpp.llama_set_n_threads(llm.ctx, *setting)
        llm.n_tokens = len(prefix)
        llm.eval(request)
    for _ in range(repeats):
        for setting in settings:
            if setting in capped:
                continue
            llama_cpp.llama_set_n_threads(llm.ctx, *setting)
            llm.n_tokens = len(prefix)  # llm.eval drops the KV cache beyond n_tokens
            started = time.perf_counter()
            row = times[setting]
            row["prompt_ms"].append(timed(request))
            step_times = [timed([t]) for t in steps[: REQUEST_SHAPE["step"] // 2]]
            row["small_ms"].append(timed(small))
            step_times += [timed([t]) for t in steps[REQUEST_SHAPE["step"] // 2 :]]
            row["step_ms"].append(statistics.median(step_times))
            if time.perf_counter() - started > COMBO_CAP_S:
                capped.add(setting)
    llm.close()
    return [
        {"n_threads": nt, "n_threads_batch": nb, **{k: round(statistics.median(v), 3) for k, v in times[(nt, nb)].items()}}
        for nt, nb in settings
    ]


def main(argv: list[str] | None = None) -> int:
    """python -m venvy.nl.runtime.threads [measure [MODEL [LORA]] | show]"""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["probe"]:
        args = json.loads(argv[1])
        rows = probe(args["model"], args["lora"], args["counts"], args["repeats"])
        print(json.dumps(rows))
        return 0
    if argv[:1] == ["measure"]:
        if len(argv) > 1:
            model, lora = argv[1], (argv[2] if len(argv) > 2 else None)
        else:
            from venvy.nl import model_source

            spec = model_source.resolve(None)
            model, lora = spec.model_path, spec.lora_path
        entry = measure(model, lora)
        write_cache(machine_key(), entry)
    entry = read_cache().get(machine_key())
    if entry is None:
        print("no measurement for this machine yet: python -m venvy.nl.runtime.threads measure")
        return 1
    print(f"{machine_key()}  (measured {entry['measured_at']}, {entry['measure_s']} s)")
    print(f"{'policy':8} {'steps':>5} {'batch':>5} {'idle ms':>8} {'busy ms':>8} {'worst':>6}")
    for row in summary(entry["results"]):
        print(f"{row['policy']:8} {row['n_threads']:5} {row['n_threads_batch']:5} "
              f"{row['idle_ms']:8.1f} {row['busy_ms']:8.1f} {row['worst_ratio']:6.2f}")
    print("chosen:", decide(entry["results"]).describe())
    return 0


if __name__ == "__main__":
    sys.exit(main())
