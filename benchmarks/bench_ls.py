"""Whole-process wall time of `venvy ls` with 1,000 registered venvs.

    python benchmarks/bench_ls.py [--venvs 1000] [--runs 21]

Targets: `ls --format json` <= 150 ms, the table <= 300 ms. Each run is a new
process started the way pip's `venvy` console script starts it (bytecode compiled
first, as pip does). The registry is filled through venvy's own registry API in a
temporary $VENVY_HOME; `ls` reads only the registry, so the paths need not exist.
The formats are interleaved round by round so that load from other processes hits
them alike; the load average and the child CPU time are printed beside the wall time.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from machine import describe  # noqa: E402

from venvy.registry import VenvRecord, open_registry  # noqa: E402

TARGETS_MS = {"json": 150, "table": 300, "simple": None}
# What the `venvy` console script that pip writes does.
ENTRY_POINT = "import sys; from venvy.cli import main; sys.argv[0] = 'venvy'; sys.exit(main())"


def fill(home: Path, count: int) -> None:
    os.environ["VENVY_HOME"] = str(home)
    pythons = ["3.8.18", "3.9.18", "3.10.13", "3.11.7", "3.12.1", "3.13.0"]
    kinds = ["venv", "virtualenv", "uv", "conda", "poetry", "pipenv"]
    items = []
    for i in range(count):
        record = VenvRecord(
            name="",
            path=f"/home/dev/projects/project-{i:04d}/.venv",
            project=f"/home/dev/projects/project-{i:04d}",
            python=pythons[i % len(pythons)],
            kind=kinds[i % len(kinds)],
            health="ok" if i % 17 else "broken",
            created_at=f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00Z",
            last_used_at=None if i % 5 == 0 else f"2026-{1 + i % 10:02d}-{1 + i % 28:02d}T09:30:00Z",
            size_bytes=20_000_000 + i * 7919,
            size_measured_at="2026-11-01T00:00:00Z",
            packages=10 + i % 90,
        )
        items.append((record, [f"project-{i:04d}"]))
    with open_registry() as reg:
        reg.save_found(items)


def run_once(args: list[str], env: dict) -> tuple[float, float]:
    """(wall ms, child CPU ms) of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {done.stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venvs", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=21)
    opts = parser.parse_args()
    print(f"machine: {describe()}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="venvy-bench-ls-") as tmp:
        home = Path(tmp) / "venvy-home"
        fill(home, opts.venvs)
        env = dict(os.environ, VENVY_HOME=str(home), PYTHONPATH=str(ROOT / "src"), COLUMNS="200")
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src" / "venvy")], check=True)
        cases = {"python -c pass": [sys.executable, "-c", "pass"]}
        for fmt in TARGETS_MS:
            cases[f"venvy ls --format {fmt}"] = [sys.executable, "-c", ENTRY_POINT, "ls", "--format", fmt]
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        for name, args in cases.items():  # warm-up
            run_once(args, env)
        for _ in range(opts.runs):
            for name, args in cases.items():
                results[name].append(run_once(args, env))
    print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    failed = False
    for name, samples in results.items():
        walls = [w for w, _ in samples]
        cpus = [c for _, c in samples]
        median = statistics.median(walls)
        target = TARGETS_MS.get(name.rsplit(" ", 1)[-1]) if name.startswith("venvy") else None
        verdict = "" if target is None else f"  target <= {target} ms: {'PASS' if median <= target else 'FAIL'}"
        failed |= target is not None and median > target
        print(
            f"{name:<26} ({opts.venvs} venvs, {opts.runs} runs): wall median {median:.0f} ms, "
            f"min {min(walls):.0f} ms, max {max(walls):.0f} ms; CPU median {statistics.median(cpus):.0f} ms{verdict}"
        )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
