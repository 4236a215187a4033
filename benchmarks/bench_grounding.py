"""What grounding and completion (venvy.nl.runtime.grounding) cost per request.

    PYTHONPATH=src python benchmarks/bench_grounding.py [--model DIR_OR_GGUF] [--rounds 3] [--threads 1]

One process, one loaded model; the requests of bench_wizard.py are parsed with the grammar
alone and with grounding + completion: one mode over all requests, then the other, the
order swapped each round (--rounds), so consecutive parses never share more than the
prompt's cached prefix. Prints p50/p95 per mode, their ratio, the model
steps per request, and the requests whose answer differs between the modes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_wizard import REQUESTS, percentile  # noqa: E402
from machine import describe  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="model folder or GGUF (default: what venvy -w resolves)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="llama.cpp threads (default: venvy's choice)")
    args = parser.parse_args(argv)

    from venvy.nl.runtime.agent import VenvyNLAgent

    print(describe())
    agent = VenvyNLAgent(args.model, n_threads=args.threads)
    print(f"model: {agent.spec.describe()}; threads: {agent.loaded.threads.describe()}")
    agent.parse(REQUESTS[0])  # warm-up
    modes = {"grammar only": False, "grounding + completion": True}
    times = {m: [] for m in modes}
    steps = {m: [] for m in modes}
    answers = {m: {} for m in modes}
    for round_ in range(args.rounds):
        order = list(modes.items()) if round_ % 2 == 0 else list(modes.items())[::-1]
        for mode, on in order:  # one mode over all requests, then the other: consecutive parses
            agent.grounding = agent.completion = on  # never share more than the prompt's prefix
            for request in REQUESTS:
                result = agent.parse(request)
                times[mode].append(result.latency_s * 1000)
                steps[mode].append(result.timing.steps if result.timing else 0)
                answers[mode][request] = result.command
    base = statistics.median(times["grammar only"])
    for mode in modes:
        p50, p95 = statistics.median(times[mode]), percentile(times[mode], 0.95)
        print(f"  {mode:<24} p50 {p50:6.0f} ms  p95 {p95:6.0f} ms  ratio {p50 / base:4.2f}  "
              f"steps/request {statistics.mean(steps[mode]):.1f}")
    changed = [r for r in REQUESTS if answers["grammar only"][r] != answers["grounding + completion"][r]]
    print(f"answers that differ: {len(changed)} of {len(REQUESTS)}")
    for request in changed:
        print(f"  {request!r}: {answers['grammar only'][request]} -> {answers['grounding + completion'][request]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
