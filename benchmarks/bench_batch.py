"""What one llama.cpp call costs for a batch of n answer tokens, against n single steps.

    PYTHONPATH=src python benchmarks/bench_batch.py [--model DIR_OR_GGUF] [--rounds 12] [--threads N]

The model `venvy -w` loads (adapter merged, threads by venvy.nl.runtime.threads unless
--threads), after the real prompt of "list my venvs". Per round and per n (1, 2, 3, 4, 8), the
KV cache is cut back to the end of the prompt and n answer tokens are evaluated: in one batch
with logits for every position (what the draft loop, venvy.nl.runtime.drafts, asks for), and
one token per call. The sizes are interleaved within each round, so machine noise falls on all
of them alike. Prints the median per call, ms per token, and the batch's cost as a ratio of n
single steps: a draft of n - 1 tokens only saves time where that ratio is under 1.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from machine import describe  # noqa: E402

SIZES = (1, 2, 3, 4, 8)
ANSWER = " ls --sort size --format json --python 3.12"  # text to take answer tokens from


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="model folder or GGUF (default: what venvy -w resolves)")
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--threads", type=int, help="llama.cpp threads (default: venvy.nl.runtime.threads chooses)")
    args = parser.parse_args(argv)

    import os

    from venvy.nl.runtime import decoding, drafts, loading

    loading.import_llama_cpp()  # with the thread choice's wait policy, as venvy -w does
    from venvy.nl.runtime.agent import VenvyNLAgent

    agent = VenvyNLAgent(args.model, n_threads=args.threads)
    llm = agent.loaded.llm
    _, tokens = agent._prompt_tokens("list my venvs", [])
    decoding.eval_prompt(agent.loaded, tokens, agent._prefix_tokens())
    end = llm.n_tokens  # the prompt of "list my venvs" stays in the KV cache
    answer = llm.tokenize(ANSWER.encode("utf-8"), add_bos=False, special=False)
    assert len(answer) >= max(SIZES)

    batch_ms: dict[int, list[float]] = {n: [] for n in SIZES}
    single_ms: dict[int, list[float]] = {n: [] for n in SIZES}
    for _ in range(args.rounds):
        for n in SIZES:
            drafts.truncate(llm, end)
            started = time.perf_counter()
            drafts.eval_batch(llm, answer[:n])
            batch_ms[n].append((time.perf_counter() - started) * 1000)
            drafts.truncate(llm, end)
            started = time.perf_counter()
            for token in answer[:n]:
                llm.eval([token])
            single_ms[n].append((time.perf_counter() - started) * 1000)

    print(describe())
    print(f"model: {agent.spec.describe()}; threads: {agent.loaded.threads.describe()}; "
          f"load average {os.getloadavg()[0]:.2f}; {args.rounds} rounds, median per call")
    print()
    print("| answer tokens | one batch ms | ms per token | one by one ms | batch / one by one |")
    print("| --- | --- | --- | --- | --- |")
    for n in SIZES:
        batch, single = statistics.median(batch_ms[n]), statistics.median(single_ms[n])
        print(f"| {n} | {batch:.1f} | {batch / n:.1f} | {single:.1f} | {batch / single:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
