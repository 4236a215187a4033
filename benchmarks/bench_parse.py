"""Where parse time goes, and what the runtime/ speed-ups change (issue 11).

    PYTHONPATH=src python benchmarks/bench_parse.py [--limit 12] [--merged FILE] [--json OUT]

For requests from the test split (data/test.jsonl) and the hand-written set
(tests/data/handwritten.tsv), spread evenly (--limit per set), on an idle machine and with
the other cores busy (spinning processes), for each OpenMP wait policy (one worker
process each: the policy is read when libgomp loads), it runs every variant on every
request, interleaved, in one run:

    model   adapter (base + LoRA at run time, today) | merged (runtime/merge.py)
    loop    plain (one model step per token)        | fast (runtime/fastloop.py)
    threads steps/batches: 1/1, 2/2, 1/2

and prints per variant: p50/p95 per request, prompt-batch time, model steps per request,
time per step, tokens taken without a step of their own (forced + copied), answer tokens,
and the p50 ratio to today's setting (adapter, plain, PASSIVE, 2/2) in the same condition.
"plain" is fastloop.decode with drafting off, which evaluates one token per step like
venvy.nl.runtime.decoding (tests/nl/runtime/test_fastloop.py checks both give the same answers).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

SETS = {"test": ROOT / "data" / "test.jsonl", "handwritten": ROOT / "tests" / "data" / "handwritten.tsv"}
THREADS = [(1, 1), (2, 2), (1, 2)]
LOOPS = ["plain", "fast"]
CAP_S = 2.5  # a variant slower than this on one request is dropped for the rest of the worker
TODAY = ("adapter", "plain", "PASSIVE", "2/2")


def percentile(values, q):
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


# --------------------------------------------------------------------------
# Worker (one process per wait policy and condition)
# --------------------------------------------------------------------------


def worker(args) -> list[dict]:
    import llama_cpp

    from venvy.nl.eval import rows as evaluate
    from venvy.nl.runtime import agent as agent_module
    from venvy.nl.runtime import decoding, loading
    from venvy.nl.runtime.request import clean_request
    from venvy.nl.runtime import fastloop

    os.environ["VENVY_MERGE"] = "0"  # "adapter" is base + adapter at run time; "merged" is given as a file
    agents = {"adapter": agent_module.VenvyNLAgent(args["model"], n_threads=1)}
    if args["merged"]:
        agents["merged"] = agent_module.VenvyNLAgent(args["merged"], n_threads=1)
    requests = []
    for name, path in SETS.items():
        rows = evaluate.select(evaluate.load_rows(path), args["limit"])
        requests += [(name, row.request) for row in rows]
    variants = [(m, loop, t) for m in agents for loop in LOOPS for t in THREADS]
    rng = random.Random(0)
    dropped: set = set()
    records = []
    for name, agent in agents.items():  # warm-up
        agent.parse("list my venvs")
    for set_name, request in requests:
        order = variants[:]
        rng.shuffle(order)
        for model, loop, (nt, nb) in order:
            if (model, loop, nt, nb) in dropped:
                continue
            agent = agents[model]
            llm = agent.loaded.llm
            llama_cpp.llama_set_n_threads(llm.ctx, nt, nb)
            started = time.perf_counter()
            cleaned, warnings = clean_request(request)
            _, tokens = agent._prompt_tokens(cleaned, warnings)
            t0 = time.perf_counter()
            decoding.eval_prompt(agent.loaded, tokens, agent._prefix_tokens())
            t1 = time.perf_counter()
            fast = loop == "fast"
            d = fastloop.decode(
                llm, decoding.grammar_sampler(agent.loaded), tokens, max_tokens=agent.max_tokens, n_ctx=loading.N_CTX,
                lookup_tokens=tokens[len(agent._prefix_tokens()):], forced=fast, lookup=fast,
            )
            t2 = time.perf_counter()
            records.append({
                "set": set_name, "request": request, "model": model, "loop": loop, "threads": f"{nt}/{nb}",
                "total_ms": (t2 - started) * 1000, "prompt_ms": (t1 - t0) * 1000, "decode_ms": (t2 - t1) * 1000,
                "steps": d.steps, "skipped": d.forced + d.drafted, "forced": d.forced, "drafted": d.drafted,
                "answer_tokens": len(d.tokens) + 1, "answer": d.text,
            })
            if t2 - started > CAP_S:
                dropped.add((model, loop, nt, nb))
    return records


# --------------------------------------------------------------------------
# Parent
# --------------------------------------------------------------------------


def run_worker(policy: str, condition: str, args: dict) -> list[dict]:
    from venvy.nl.runtime import threads

    env = dict(os.environ, OMP_WAIT_POLICY=policy, PYTHONPATH=str(ROOT / "src"))
    spinners = threads.start_spinners(threads.usable_cores() - 1) if condition == "busy" else []
    try:
        proc = subprocess.run([sys.executable, __file__, "--worker", json.dumps(args)], env=env,
                              capture_output=True, text=True, check=False)
    finally:
        threads.stop_spinners(spinners)
    if proc.returncode != 0:
        raise SystemExit(f"worker {policy}/{condition} failed:\n{proc.stderr[-2000:]}")
    rows = json.loads(proc.stdout.strip().splitlines()[-1])
    for row in rows:
        row.update(policy=policy, condition=condition)
    return rows


def table(records: list[dict]) -> list[dict]:
    groups: dict[tuple, list[dict]] = {}
    for r in records:
        groups.setdefault((r["condition"], r["model"], r["loop"], r["policy"], r["threads"]), []).append(r)
    n_requests = max(len(g) for g in groups.values())
    out = []
    for key, rows in sorted(groups.items()):
        totals = [r["total_ms"] for r in rows]
        steps = sum(r["steps"] for r in rows)
        out.append({
            "condition": key[0], "model": key[1], "loop": key[2], "policy": key[3], "threads": key[4],
            "n": len(rows), "complete": len(rows) == n_requests,
            "p50_ms": statistics.median(totals), "p95_ms": percentile(totals, 0.95),
            "prompt_ms": statistics.median(r["prompt_ms"] for r in rows),
            "steps": steps / len(rows),
            "ms_per_step": sum(r["decode_ms"] for r in rows) / max(1, steps),
            "skipped": sum(r["skipped"] for r in rows) / len(rows),
            "answer_tokens": sum(r["answer_tokens"] for r in rows) / len(rows),
        })
    for row in out:
        base = next((b for b in out if b["condition"] == row["condition"]
                     and (b["model"], b["loop"], b["policy"], b["threads"]) == TODAY), None)
        row["vs_today"] = row["p50_ms"] / base["p50_ms"] if base else None
    return out


def answer_mismatches(records: list[dict]) -> dict:
    """Per model: requests where the fast loop's answer differs from the plain loop's."""
    answers: dict[tuple, set] = {}
    for r in records:
        answers.setdefault((r["model"], r["request"], r["loop"]), set()).add(r["answer"])
    out = {}
    for model, request, loop in answers:
        if loop == "fast":
            plain = answers.get((model, request, "plain"), set())
            out.setdefault(model, 0)
            out[model] += int(bool(plain) and answers[(model, request, "fast")] != plain)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=12, help="requests per set (spread evenly)")
    parser.add_argument("--model", default=None, help="model folder or GGUF (default: the shipped model)")
    parser.add_argument("--merged", default="auto", help="merged GGUF, 'auto' (runtime/merge.py) or 'none'")
    parser.add_argument("--policies", default="PASSIVE,ACTIVE")
    parser.add_argument("--conditions", default="idle,busy")
    parser.add_argument("--json", type=Path, help="write the raw records here")
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from machine import describe

    merged = None if args.merged == "none" else args.merged
    if merged == "auto":
        from venvy.nl import model_source
        from venvy.nl.runtime import merge

        spec = model_source.resolve(args.model)
        merged = merge.merged_model(spec.model_path, spec.lora_path) if spec.lora_path else None
        merged = str(merged) if merged else None
    worker_args = {"model": args.model, "merged": merged, "limit": args.limit}
    print(describe())
    print(f"merged model: {merged or '-'}; {args.limit} requests per set; variants interleaved per request")
    records = []
    started = time.perf_counter()
    for condition in args.conditions.split(","):
        for policy in args.policies.split(","):
            records += run_worker(policy, condition, worker_args)
    rows = table(records)
    print(f"measured in {time.perf_counter() - started:.0f} s\n")
    head = (f"{'condition':9} {'model':7} {'loop':5} {'policy':7} {'thr':4} {'p50 ms':>7} {'p95 ms':>7} "
            f"{'prompt':>7} {'steps':>6} {'ms/step':>7} {'skip':>5} {'tokens':>6} {'p50 vs today':>12}")
    print(head)
    print("-" * len(head))
    for r in rows:
        ratio = f"{r['vs_today']:.2f}x" if r["vs_today"] else "-"
        flag = "" if r["complete"] else f"  (dropped after {r['n']}: > {CAP_S} s)"
        print(f"{r['condition']:9} {r['model']:7} {r['loop']:5} {r['policy']:7} {r['threads']:4} "
              f"{r['p50_ms']:7.0f} {r['p95_ms']:7.0f} {r['prompt_ms']:7.0f} {r['steps']:6.1f} "
              f"{r['ms_per_step']:7.1f} {r['skipped']:5.1f} {r['answer_tokens']:6.1f} {ratio:>12}{flag}")
    print("\nfast-loop answers differing from the plain loop's:", answer_mismatches(records))
    if args.json:
        args.json.write_text(json.dumps({"records": records, "table": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
