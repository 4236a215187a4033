"""`venvy scan` against `find TREE -name pyvenv.cfg` on a synthetic tree (~20,000 folders, 200 venvs).

    python benchmarks/bench_scan.py [--runs 5] [--keep DIR]

Target: scan wall time <= 1.5x find's, measured in the same run. Each venvy scan
starts with an empty $VENVY_HOME, so it registers all 200 venvs and measures their
sizes (the first-scan case); a re-scan of the filled registry is timed too. The tree:
400 projects (200 with a real `python -m venv --without-pip` .venv carrying 8 fake
packages), each with src/, tests/, docs/ and .git/ folders. Runs are interleaved.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from machine import describe  # noqa: E402

ENTRY_POINT = "import sys; from venvy.cli import main; sys.argv[0] = 'venvy'; sys.exit(main())"
GROUPS, PROJECTS_PER_GROUP, PACKAGES_PER_VENV = 20, 20, 8


def build_tree(root: Path) -> tuple[int, int]:
    """Returns (folders, venvs)."""
    template = root.parent / "template-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(template)], check=True)
    venvs = 0
    for g in range(GROUPS):
        for p in range(PROJECTS_PER_GROUP):
            project = root / f"group{g:02d}" / f"project{p:02d}"
            for m in range(10):
                (project / "src" / "pkg" / f"mod{m}").mkdir(parents=True)
                (project / "src" / "pkg" / f"mod{m}" / "__init__.py").write_text("")
            (project / "tests").mkdir()
            (project / "tests" / "test_x.py").write_text("")
            for d in ("a", "b"):
                (project / "docs" / d).mkdir(parents=True)
            for o in range(10):
                (project / ".git" / "objects" / f"{o:02d}").mkdir(parents=True)
                (project / ".git" / "objects" / f"{o:02d}" / "obj").write_text("x")
            (project / "README.md").write_text("# project\n")
            if (g * PROJECTS_PER_GROUP + p) % 2 == 0:
                venv = project / ".venv"
                shutil.copytree(template, venv, symlinks=True)
                site = next((venv / "lib").glob("python*/site-packages"))
                for k in range(PACKAGES_PER_VENV):
                    for sub in ("core", "utils"):
                        (site / f"pkg{k}" / sub).mkdir(parents=True)
                        (site / f"pkg{k}" / sub / "__init__.py").write_text("x = 1\n" * 50)
                    (site / f"pkg{k}-1.0.dist-info").mkdir()
                    (site / f"pkg{k}-1.0.dist-info" / "METADATA").write_text(f"Name: pkg{k}\n")
                venvs += 1
    folders = sum(len(dirs) for _, dirs, _ in os.walk(root)) + 1
    return folders, venvs


def timed(args: list[str], env: dict | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    elapsed = (time.perf_counter() - start) * 1000
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {done.stderr}")
    return elapsed, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", help="build the tree here and keep it")
    opts = parser.parse_args()
    print(f"machine: {describe()}")
    with tempfile.TemporaryDirectory(prefix="venvy-bench-scan-") as tmp:
        base = Path(opts.keep) if opts.keep else Path(tmp)
        tree = base / "tree"
        folders, venvs = build_tree(tree)
        print(f"tree: {folders:,} folders, {venvs} venvs, under {tree}")
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src" / "venvy")], check=True)
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        found = subprocess.run(["find", str(tree), "-name", "pyvenv.cfg"], capture_output=True, text=True).stdout
        assert found.count("\n") == venvs, "find sees a different tree"
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        times: dict[str, list[float]] = {"find": [], "scan": [], "rescan": [], "scan --depth 8": []}
        summary = ""
        for run in range(opts.runs + 1):  # run 0 warms the page cache and is not counted
            home = base / f"venvy-home-{run}"
            env["VENVY_HOME"] = str(home)
            scan = [sys.executable, "-c", ENTRY_POINT, "scan", "--path", str(tree)]
            results = {
                "find": timed(["find", str(tree), "-name", "pyvenv.cfg"])[0],
                "scan": timed(scan, env),
                "rescan": timed(scan, env)[0],
            }
            shutil.rmtree(home)
            results["scan --depth 8"] = timed(scan + ["--depth", "8"], env)[0]
            shutil.rmtree(home)
            results["scan"], summary = results["scan"]
            if run:
                for key, value in results.items():
                    times[key].append(value)
        print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print("venvy scan said: " + summary.strip().splitlines()[-1])
        find_median = statistics.median(times["find"])
        for key, values in times.items():
            median = statistics.median(values)
            ratio = "" if key == "find" else f"  ratio to find {median / find_median:.2f}x"
            print(f"{key:<15} ({opts.runs} runs): median {median:.0f} ms, min {min(values):.0f} ms{ratio}")
        ratio = statistics.median(times["scan"]) / find_median
        print(f"first scan / find = {ratio:.2f}x (target <= 1.5x): {'PASS' if ratio <= 1.5 else 'FAIL'}")
    sys.exit(0 if ratio <= 1.5 else 1)


if __name__ == "__main__":
    main()
