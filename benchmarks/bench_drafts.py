"""The draft loop against the plain loop over whole data files: answers that differ, model steps, time.

    PYTHONPATH=src python benchmarks/bench_drafts.py --data data/val.jsonl [--data data/people/dev.tsv]
        [--model DIR_OR_GGUF] [--threads 1] [--show]

Each request is decoded twice on one loaded model (as `venvy -w` loads it: adapter merged), with
the same prompt tokens, grammar, grounding and completion: one token per model step
(draft=False), then with drafts checked in batches (draft=True), the KV cache cut back to the
shared prompt prefix before each (what tests/nl/runtime/test_drafts.py does over the test
split). Prints how many answers differ byte for byte, model steps and answer tokens, steps that
made a near tie again after a batch (`replayed`), and the time in steps of both loops. The
differing requests are printed only with --show (leave it off for a held-out set).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

from machine import describe  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", action="append", required=True, help="a .jsonl split or a .tsv file (repeatable)")
    parser.add_argument("--model", help="model folder or GGUF (default: what venvy -w resolves)")
    parser.add_argument("--threads", type=int, default=1, help="llama.cpp threads (default 1)")
    parser.add_argument("--show", action="store_true", help="print the requests whose answers differ")
    args = parser.parse_args(argv)

    from venvy.nl.runtime import loading

    loading.import_llama_cpp()
    from tests.nl.runtime.test_drafts import plain_and_fast
    from venvy.nl.eval.rows import load_rows
    from venvy.nl.runtime.agent import VenvyNLAgent

    agent = VenvyNLAgent(args.model, n_threads=args.threads)
    requests = [row.request for path in args.data for row in load_rows(path)]
    differ = steps = plain_steps = tokens = plain_tokens = replayed = skipped = 0
    fast_s = plain_s = 0.0
    started = time.perf_counter()
    for request in requests:
        plain, fast = plain_and_fast(agent, request)
        steps, plain_steps = steps + fast.timing.steps, plain_steps + plain.timing.steps
        plain_tokens += plain.timing.answer_tokens
        tokens, replayed, skipped = tokens + fast.timing.answer_tokens, replayed + fast.timing.replayed, skipped + fast.timing.skipped
        fast_s, plain_s = fast_s + fast.timing.steps_s, plain_s + plain.timing.steps_s
        if fast.answer.encode("utf-8") != plain.answer.encode("utf-8"):
            differ += 1
            if args.show:
                print(f"differs: {request!r}\n  plain: {plain.answer}\n  draft: {fast.answer}")
    print(describe())
    print(f"model: {agent.spec.describe()}; threads: {agent.loaded.threads.describe()}; "
          f"{', '.join(args.data)}; {time.perf_counter() - started:.0f} s")
    print()
    print("| loop | requests | answers differing | model steps | answer tokens | steps / answer tokens | "
          "tokens without a step | replayed steps | time in steps |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    print(f"| plain | {len(requests)} | | {plain_steps} | {plain_tokens} | {plain_steps / plain_tokens:.0%} | 0 | 0 | {plain_s:.1f} s |")
    print(f"| drafts | {len(requests)} | {differ} | {steps} | {tokens} | {steps / tokens:.0%} | {skipped} | {replayed} | "
          f"{fast_s:.1f} s ({fast_s / plain_s:.2f}x) |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
