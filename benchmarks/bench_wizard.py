"""Speed of the natural-language mode.

    PYTHONPATH=src python benchmarks/bench_wizard.py [--model DIR_OR_GGUF] [--runs 5] [--json]

Measures, on this machine (the line printed first):
  - import llama_cpp, and model load (VenvyNLAgent construction: resolve + load)   target load <= 0.5 s
  - parse latency over a fixed list of requests, after one warm-up parse            target p50 <= 150 ms, p95 <= 300 ms
  - `venvy -w --print "list my venvs"` as a whole process (median of --runs)       target <= 1.5 s
  - peak RSS of that process                                                        target <= 500 MB
  - the same process with the resident parser running (venvy.nl.runtime.resident)  target <= 0.4 s
The load average is printed too: on a shared machine wall times move with it, so CPU
times (user+sys) are printed beside them (with one llama.cpp thread they approximate the
wall time on an idle machine).

    PYTHONPATH=src python benchmarks/bench_wizard.py --breakdown [--limit 15] [--merged FILE] [--json]

The latency breakdown (issue 11): requests from the test split and tests/data/handwritten.tsv
(--limit per set, spread evenly), as the machine is found ("as found") and with one spinning process
per core but one ("+1 spinner"), each with the thread setting before issue 11 (cores minus the
1-minute load average, OMP_WAIT_POLICY=PASSIVE, base + adapter) and after (threads from
venvy.nl.runtime.threads at load time; with base + adapter, and with the adapter merged as
venvy -w loads it; merged without and with draft tokens checked in batches), one worker
process each (the wait policy is read when libgomp loads), in one run. Per variant: p50/p95
per request, prompt-batch time, model steps per request, time per step (a batch counts as
one), answer tokens taken without a step, and the p50/p95 ratio after/before.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

REQUESTS = [
    "list my venvs",
    "create a python 3.11 venv named backend",
    "list all venvs sorted by size in json",
    "remove venvs older than 90 days",
    "preview deleting envs unused for two weeks",
    "stop tracking legacy but keep its files",
    "show me details about the api env",
    "which venv is active right now",
    "how much disk do my environments use",
    "find all virtualenvs in my home folder",
    "register the venv in ./env as web",
    "print the zsh hook",
    "make a venv at ~/work/x/.venv with requests and rich",
    "delete the env called old",
    "stats as json please",
    "list only python 3.12 environments, most recent first",
    "what's the weather in Paris",
    "git push origin main",
    "scan ~/projects 5 levels deep",
    "create an env from requirements.txt named ml with python 3.10",
]

TARGETS = {"load_s": 0.5, "parse_p50_ms": 150, "parse_p95_ms": 300, "process_s": 1.5, "peak_rss_mb": 500,
           "resident_s": 0.4}


def percentile(values, q):
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def bench_in_process(model):
    from venvy.nl.runtime import loading
    from venvy.nl.runtime.agent import VenvyNLAgent

    t0 = time.perf_counter()
    loading.import_llama_cpp()  # with the thread choice's wait policy, as venvy -w does

    import_s = time.perf_counter() - t0

    t1 = time.perf_counter()
    agent = VenvyNLAgent(model)
    construct_s = time.perf_counter() - t1
    first = agent.parse(REQUESTS[0])
    latencies = []
    cpu = []
    answers = []
    for request in REQUESTS:
        c0 = time.process_time()
        result = agent.parse(request)
        cpu.append(time.process_time() - c0)
        latencies.append(result.latency_s)
        answers.append((request, result.command, result.confidence))
    return {
        "model": agent.spec.describe(),
        "threads": agent.loaded.threads.describe(),
        "import_llama_cpp_s": import_s,
        "load_s": agent.load_s,
        "construct_s": construct_s,
        "first_parse_ms": first.latency_s * 1000,
        "parse_p50_ms": percentile(latencies, 0.5) * 1000,
        "parse_p95_ms": percentile(latencies, 0.95) * 1000,
        "parse_max_ms": max(latencies) * 1000,
        "parse_cpu_p50_ms": percentile(cpu, 0.5) * 1000,
        "parse_cpu_p95_ms": percentile(cpu, 0.95) * 1000,
        "requests": len(latencies),
        "answers": answers,
    }


def breakdown_worker(spec: dict) -> dict:
    """In a worker process: parse every request once (after one warm-up); per-request rows."""
    from venvy.nl.runtime.agent import VenvyNLAgent

    agent = VenvyNLAgent(spec["model"], draft=spec.get("draft", True))
    agent.parse("list my venvs")
    rows = []
    for set_name, request in spec["requests"]:
        result = agent.parse(request)
        t = result.timing
        rows.append({"set": set_name, "latency_ms": result.latency_s * 1000, "prompt_ms": t.prompt_s * 1000,
                     "prompt_tokens": t.prompt_tokens, "steps": t.steps, "steps_ms": t.steps_s * 1000,
                     "answer_tokens": t.answer_tokens, "skipped": t.skipped, "replayed": t.replayed,
                     "command": result.command})
    return {"threads": agent.loaded.threads.describe(), "policy": os.environ.get("OMP_WAIT_POLICY", ""), "rows": rows}


def old_thread_count() -> int:
    """The rule before issue 11 (loading.choose_threads): physical cores minus the load average."""
    from venvy.nl.runtime.threads import physical_cores

    return max(1, physical_cores() - int(os.getloadavg()[0]))


def summarize(rows: list[dict]) -> dict:
    lat = [r["latency_ms"] for r in rows]
    steps = sum(r["steps"] for r in rows)
    return {
        "n": len(rows), "p50_ms": percentile(lat, 0.5), "p95_ms": percentile(lat, 0.95),
        "prompt_ms": statistics.median(r["prompt_ms"] for r in rows),
        "steps": steps / len(rows), "step_ms": sum(r["steps_ms"] for r in rows) / max(1, steps),
        "skipped": sum(r["skipped"] for r in rows) / len(rows),
        "replayed": sum(r.get("replayed", 0) for r in rows) / len(rows),
        "answer_tokens": sum(r["answer_tokens"] for r in rows) / len(rows),
    }


WORKER_TIMEOUT_S = 90  # a variant slower than this for all its requests has collapsed


def variants(model, merged) -> dict:
    """name -> (VENVY_THREADS or None for venvy's own choice, model, merge the adapter?, drafts?)."""
    out = {
        "before": (str(old_thread_count()), model, False, False),  # the old rule, evaluated now; base + adapter
        "old idle pick": ("2:passive", model, False, False),  # what the old rule picks on an idle 2-core machine
        "2 spinning": ("2:active", model, False, False),  # what the new rule picks on an idle machine
        "after, threads only": (None, model, False, False),
        "after, no drafts": (None, model, True, False),  # new threads, merged, one model step per token
        "after": (None, model, True, True),  # what venvy -w does now: new threads, merged, drafts checked in batches
    }
    for path in merged or ():
        out[f"after, merged {Path(path).name.split('.')[-2].upper()}"] = (None, path, True, True)
    return out


def breakdown(model, limit, merged=None, only=None) -> dict:
    from venvy.nl.eval import rows as eval_rows
    from venvy.nl.runtime import threads

    requests = []
    for set_name, path in (("test", ROOT / "data" / "test.jsonl"), ("handwritten", ROOT / "tests" / "data" / "handwritten.tsv")):
        requests += [(set_name, row.request) for row in eval_rows.select(eval_rows.load_rows(path), limit)]
    out = {"conditions": {}}
    for condition in ("as found", "+1 spinner"):
        spinners = threads.start_spinners(threads.physical_cores() - 1) if condition != "as found" else []
        try:
            time.sleep(0.5 if spinners else 0)
            out["conditions"][condition] = {"busy_cores_seen": threads.busy_cores(0.2), "loadavg_1m": os.getloadavg()[0]}
            for variant, (threads_setting, variant_model, merge, draft) in variants(model, merged).items():
                if only and variant not in only.split(";"):
                    continue
                env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "VENVY_THREADS")}
                env["PYTHONPATH"] = str(ROOT / "src")
                env["VENVY_MERGE"] = "1" if merge else "0"
                if threads_setting:
                    env["VENVY_THREADS"] = threads_setting
                    env["OMP_WAIT_POLICY"] = threads_setting.split(":")[1].upper() if ":" in threads_setting else "PASSIVE"
                    if env["OMP_WAIT_POLICY"] == "ACTIVE":
                        env["GOMP_SPINCOUNT"] = threads.SPINCOUNT
                spec = {"model": variant_model, "requests": requests, "draft": draft}
                try:
                    proc = subprocess.run([sys.executable, __file__, "--worker", json.dumps(spec)], env=env,
                                          capture_output=True, text=True, check=False, timeout=WORKER_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    out["conditions"][condition][variant] = {"threads": threads_setting, "collapsed": True}
                    continue
                if proc.returncode != 0:
                    raise SystemExit(f"worker failed: {proc.stderr.strip()[-2000:]}")
                result = json.loads(proc.stdout.strip().splitlines()[-1])
                result["sets"] = {s: summarize([r for r in result["rows"] if r["set"] == s]) for s in ("test", "handwritten")}
                result["all"] = summarize(result["rows"])
                out["conditions"][condition][variant] = result
        finally:
            threads.stop_spinners(spinners)
    return out


def print_breakdown(data: dict) -> None:
    print("| condition | setting | threads | set | p50 ms | p95 ms | prompt batch ms | steps/request | answer tokens | ms/step | skipped/request | replayed/request |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for condition, per in data["conditions"].items():
        for variant, result in per.items():
            if not isinstance(result, dict):
                continue
            if result.get("collapsed"):
                print(f"| {condition} | {variant} | {result['threads']} | all | > {WORKER_TIMEOUT_S} s for all requests: collapsed | | | | | | | |")
                continue
            for set_name, s in [*result["sets"].items(), ("both", result["all"])]:
                print(f"| {condition} | {variant} | {result['threads']} | {set_name} ({s['n']}) | {s['p50_ms']:.0f} | {s['p95_ms']:.0f} | "
                      f"{s['prompt_ms']:.0f} | {s['steps']:.1f} | {s['answer_tokens']:.1f} | {s['step_ms']:.1f} | {s['skipped']:.1f} | {s['replayed']:.1f} |")
    if not all(isinstance(per.get("before"), dict) for per in data["conditions"].values()):
        return  # --only without "before": no ratios to print
    print()
    print("| condition | other cores busy (seen) | load avg | variant | p50 ratio to before | p95 ratio | same answers as before |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for condition, per in data["conditions"].items():
        b = per["before"]
        for variant, result in per.items():
            if not isinstance(result, dict) or variant == "before" or result.get("collapsed"):
                continue
            a = result["all"]
            same = sum(x["command"] == y["command"] for x, y in zip(b["rows"], result["rows"]))
            print(f"| {condition} | {per['busy_cores_seen']:.2f} | {per['loadavg_1m']:.2f} | {variant} | "
                  f"{a['p50_ms'] / b['all']['p50_ms']:.2f} | {a['p95_ms'] / b['all']['p95_ms']:.2f} | {same}/{len(b['rows'])} |")


def bench_process(model, runs, resident=False):
    """`venvy -w --print "list my venvs"` as whole processes: each loading the model
    (VENVY_RESIDENT=0), or, with `resident`, answered by the resident parser that a first,
    untimed call starts (venvy.nl.runtime.resident), stopped afterwards."""
    from venvy.nl.runtime import resident as resident_parser

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "VENVY_RESIDENT": "1" if resident else "0"}
    if model:
        env["VENVY_MODEL"] = str(_gguf(Path(model)))
    if resident:
        subprocess.run([sys.executable, "-m", "venvy", "-w", "--print", "list my venvs"],
                       capture_output=True, env=env, check=False)
        deadline = time.monotonic() + 120
        while resident_parser.parse("list my venvs") is None and time.monotonic() < deadline:
            time.sleep(0.2)
    walls = []
    cpus = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "venvy", "-w", "--print", "list my venvs"],
            capture_output=True, text=True, env=env,
        )
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"venvy -w --print failed: {proc.stderr.strip()}")
    if resident:
        resident_parser.stop()
        return {"resident_s": statistics.median(walls), "resident_min_s": min(walls),
                "resident_cpu_s": statistics.median(cpus)}
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    return {
        "process_s": statistics.median(walls),
        "process_min_s": min(walls),
        "process_cpu_s": statistics.median(cpus),
        "process_runs": runs,
        "process_stdout": proc.stdout.strip(),
        "peak_rss_mb": peak_kb / 1024,
    }


def _gguf(model: Path) -> Path:
    if model.is_dir():
        return model / json.loads((model / "manifest.json").read_text())["file"]
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="model folder or GGUF (default: what venvy -w resolves)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--breakdown", action="store_true", help="the latency breakdown (issue 11) only")
    parser.add_argument("--limit", type=int, default=15, help="requests per set in --breakdown")
    parser.add_argument("--merged", action="append", help="a merged GGUF to add as a variant in --breakdown (repeatable)")
    parser.add_argument("--only", help="semicolon-separated variant names to run in --breakdown (default: all)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(breakdown_worker(json.loads(args.worker))))
        return 0
    if args.breakdown:
        from machine import describe

        data = {"machine": describe(), "started": time.strftime("%Y-%m-%d %H:%M:%S"), **breakdown(args.model, args.limit, args.merged, args.only)}
        print(data["machine"], "|", data["started"])
        print_breakdown(data)
        if args.json:
            print(json.dumps(data, indent=1))
        return 0

    from machine import describe

    load1, load5, _ = os.getloadavg()
    # The whole-process runs first, while this process has no model loaded (its RSS would not count
    # anyway: RUSAGE_CHILDREN only sees the children).
    process = bench_process(args.model, args.runs)
    resident = bench_process(args.model, args.runs, resident=True)
    inproc = bench_in_process(args.model)
    result = {"machine": describe(), "loadavg_1m": load1, "loadavg_5m": load5, **inproc, **process, **resident}
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(result["machine"])
    print(f"load average {load1:.2f} (1 min), {load5:.2f} (5 min); llama.cpp threads: {result['threads']}")
    print(f"model: {result['model']}")
    rows = [
        ("import llama_cpp", f"{result['import_llama_cpp_s']:.3f} s", ""),
        ("model load", f"{result['load_s']:.3f} s", f"<= {TARGETS['load_s']} s"),
        ("VenvyNLAgent() total", f"{result['construct_s']:.3f} s", ""),
        ("first parse (cold prompt)", f"{result['first_parse_ms']:.0f} ms", ""),
        (f"parse p50 ({result['requests']} requests)", f"{result['parse_p50_ms']:.0f} ms", f"<= {TARGETS['parse_p50_ms']} ms"),
        ("parse p95", f"{result['parse_p95_ms']:.0f} ms", f"<= {TARGETS['parse_p95_ms']} ms"),
        ("parse max", f"{result['parse_max_ms']:.0f} ms", ""),
        ("parse CPU time p50 / p95", f"{result['parse_cpu_p50_ms']:.0f} / {result['parse_cpu_p95_ms']:.0f} ms", ""),
        (f"venvy -w --print (median of {args.runs})", f"{result['process_s']:.2f} s", f"<= {TARGETS['process_s']} s"),
        ("  fastest run", f"{result['process_min_s']:.2f} s", ""),
        ("  CPU time (user+sys, median)", f"{result['process_cpu_s']:.2f} s", ""),
        ("peak RSS of that process", f"{result['peak_rss_mb']:.0f} MB", f"<= {TARGETS['peak_rss_mb']} MB"),
        ("  ... resident parser running", f"{result['resident_s']:.2f} s", f"<= {TARGETS['resident_s']} s"),
        ("  fastest run", f"{result['resident_min_s']:.2f} s", ""),
        ("  CPU time (user+sys, median)", f"{result['resident_cpu_s']:.2f} s", ""),
    ]
    for name, value, target in rows:
        print(f"  {name:<36} {value:>10}   {target}")
    print(f"  process printed: {result['process_stdout'] or '(nothing: no command)'}")
    print("answers:")
    for request, command, confidence in result["answers"]:
        print(f"  {confidence:5.0%}  {request!r:60} -> {command}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
