"""Latency of the natural-language agent: cold start in a fresh process, then warm
requests, for a few thread counts. Prints the machine line first.

    PYTHONPATH=src python benchmarks/bench_nl.py [--model DIR] [--threads 1,2] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe  # noqa: E402

REQUESTS = [
    "list my venvs",
    "create a python 3.11 venv named backend",
    "preview deleting envs unused for two weeks",
    "make a venv in ~/work/site/.venv with fastapi, uvicorn==0.30.1 and rich from requirements/dev.txt",
    "git push origin main",
]

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
from venvy.nl.runtime.agent import VenvyNLAgent
agent = VenvyNLAgent(sys.argv[1] or None, n_threads=int(sys.argv[2]))
t1 = time.perf_counter()
agent.parse(sys.argv[3])
t2 = time.perf_counter()
print(json.dumps({"load_s": t1 - t0, "first_s": t2 - t1}))
"""


def cold(model: str, threads: int) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, model, str(threads), REQUESTS[1]], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def warm(model: str, threads: int, repeat: int) -> dict:
    from venvy.nl.runtime.agent import VenvyNLAgent

    agent = VenvyNLAgent(model or None, n_threads=threads)
    agent.parse(REQUESTS[0])
    times = {}
    for request in REQUESTS:
        samples = []
        for _ in range(repeat):
            start = time.perf_counter()
            agent.parse(request)
            samples.append(time.perf_counter() - start)
        times[request] = min(samples)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="", help="model directory or GGUF (default: the agent's resolution)")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(describe())
    for threads in [int(t) for t in args.threads.split(",")]:
        c = cold(args.model, threads)
        print(f"threads={threads}: cold load {c['load_s']:.2f} s, first request {c['first_s']:.2f} s")
        for request, seconds in warm(args.model, threads, args.repeat).items():
            print(f"  {1000 * seconds:7.0f} ms  {request}")


if __name__ == "__main__":
    main()
