"""The full report: every predictor on every set, written to docs/results.md,
docs/results.json, docs/reliability.png and the README's results block.

    python -m venvy.nl.eval.report [--fewshot-limit N] [--limit N] [--threads N]

--limit caps the rows of every set for every predictor, --fewshot-limit those of the
slow few-shot baseline (both spread evenly over the file). Predictors run one after
another in this process. llama_cpp is imported once before the runs and the model cache
is emptied before each, so every load time is that of the model alone; peak memory is
the process's peak while that predictor ran (libraries loaded by earlier runs included).
Every figure comes out of venvy.nl.eval.harness; the text is venvy.nl.eval.render's.
"""

from __future__ import annotations

import collections
import datetime as _dt
import gc
import json
import subprocess
import time
from pathlib import Path

import click

from venvy.errors import VenvyError
from venvy.nl.eval import harness, machine, metrics, predictors
from venvy.nl.eval.render import (
    LABELS, LIMITED, MARK_END, MARK_START, REFERENCE, readme_block, reliability_plot, render_markdown,
    replace_block,
)
from venvy.nl.eval.rows import DataError, load_rows, select
from venvy.nl.files import atomic_write, sha256

SETS = {  # name -> (path, baselines run on it); val is for the calibration view
    "test": ("data/test.jsonl", ("finetuned", "finetuned-ungrounded", "finetuned-nogrammar", "fewshot", "knn")),
    "handwritten": ("tests/data/handwritten.tsv",
                    ("finetuned", "finetuned-ungrounded", "finetuned-nogrammar", "fewshot", "knn")),
    "blind": ("tests/data/blind.tsv", ("finetuned", "finetuned-ungrounded", "knn")),  # the second blind set (issue 10)
    "val": ("data/val.jsonl", ("finetuned", "knn")),
    # written by people, used to choose between models: not held out (docs/dataset.md)
    "dev": ("data/people/dev.tsv", ("finetuned", "knn")),
}
DEFAULT_FEWSHOT_LIMIT = 80


# --------------------------------------------------------------------------
# Runs
# --------------------------------------------------------------------------


def run_one(set_name, path, baseline, *, model_dir, train_path, threads, limit, progress) -> dict:
    """One baseline on one set, with the model cache emptied first (its own load time and memory)."""
    from venvy.nl.runtime.loading import unload_all

    click.echo(f"[report] {baseline} on {set_name} ({path}{f', limit {limit}' if limit else ''})", err=True)
    started = time.perf_counter()
    unload_all()
    gc.collect()
    try:
        rows = select(load_rows(path), limit)
        predictor = predictors.make(baseline, model_dir=model_dir, train_path=train_path, n_threads=threads)
        result = harness.evaluate(predictor, rows, progress=progress, label=f"{baseline} {Path(path).name}")
    except (DataError, OSError, VenvyError) as exc:
        click.echo(f"[report]   failed: {exc}", err=True)
        return {"error": str(exc), "wall_s": time.perf_counter() - started}
    result.update({"data": str(path), "limit": limit, "threads": threads, "wall_s": time.perf_counter() - started})
    return result


def _import_llama_cpp() -> None:
    """Import llama_cpp now, so that no predictor's load time includes it (a missing
    extra shows up as those predictors' error instead)."""
    from venvy.nl.runtime.loading import import_llama_cpp

    try:
        import_llama_cpp()
    except VenvyError:
        pass


def _git_commit() -> str | None:
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True)
        return sha.stdout.strip() + ("+local changes" if dirty.stdout.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def _model_info(model_dir) -> dict:
    try:
        from venvy.nl.runtime import resolve

        spec = resolve.resolve(model_dir)
    except Exception as exc:  # noqa: BLE001 - the report says what is missing instead of failing
        return {"error": str(exc)}
    manifest = spec.manifest or {}
    calibration = manifest.get("calibration") or {}
    describe = spec.describe()
    if spec.lora_path is not None:
        from venvy.nl.runtime import merge

        describe += (f"; loaded merged into one {merge.DEFAULT_FORMAT} model, as venvy -w loads it" if merge.enabled()
                     else "; loaded as base + adapter (VENVY_MERGE=0)")
    return {
        "describe": describe,
        "kind": manifest.get("kind"),
        "prompt_version": manifest.get("prompt_version"),
        "dataset_sha256": manifest.get("dataset_sha256"),
        "training": manifest.get("training"),
        "calibrated": bool(calibration),
        "calibration_method": calibration.get("method"),
        "calibration_data": calibration.get("data"),
        "calibration_data_sha256": calibration.get("data_sha256"),
        "manifest": manifest,
        "data_sha256": _file_sha256(Path("data/venvy_nl_dataset.json")),
    }


def _file_sha256(path: Path) -> str | None:
    return sha256(path) if path.is_file() else None


def rescore(result: dict, subset: list[dict]) -> dict | None:
    """A run's metrics on the rows another (limited) run saw, matched by request and
    accepted commands."""
    if not result or "rows" not in result:
        return None
    wanted = collections.Counter((j["request"], tuple(j["accepted"])) for j in subset)
    picked = []
    for j in result["rows"]:
        key = (j["request"], tuple(j["accepted"]))
        if wanted[key] > 0:
            wanted[key] -= 1
            picked.append(j)
    return metrics.score(picked)


def _full_n(by_name: dict) -> int:
    return max((r["n"] for r in by_name.values() if "n" in r), default=0)


def collect(*, model_dir=None, train_path="data/train.jsonl", threads=None, progress=True,
            fewshot_limit=DEFAULT_FEWSHOT_LIMIT, limit=None, sets=SETS) -> dict:
    """Run every baseline on every set; returns the report data (JSON-able, with rows)."""
    started = time.perf_counter()
    model_before = _model_info(model_dir)
    _import_llama_cpp()
    # every baseline on every set
    runs, limits, sizes = {}, {}, {}
    for set_name, (path, names) in sets.items():
        if not Path(path).is_file():
            click.echo(f"[report] skipping {set_name}: {path} is missing", err=True)
            continue
        runs[set_name], limits[set_name] = {}, {}
        sizes[set_name] = len(load_rows(path))
        for baseline in names:
            lim = min(fewshot_limit, limit or fewshot_limit) if baseline in LIMITED else limit
            limits[set_name][baseline] = lim
            runs[set_name][baseline] = run_one(
                set_name, path, baseline, model_dir=model_dir, train_path=train_path,
                threads=threads, limit=lim, progress=progress,
            )
    # the others rescored on the rows the limited baseline saw
    same_rows = {}
    for set_name, by_name in runs.items():
        for limited in LIMITED:
            lim = limits[set_name].get(limited)
            if limited in by_name and lim and "rows" in by_name[limited] and by_name[limited]["n"] < _full_n(by_name):
                same_rows[set_name] = {
                    "limit": lim,
                    "scores": {name: (rescore(r, by_name[limited]["rows"]) if name not in LIMITED
                                      else harness.summary(r))
                               for name, r in by_name.items() if "rows" in r},
                }
    return {
        "generated": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _git_commit(),
        "machine": machine.describe(),
        "model": model_before,
        "model_changed": _model_info(model_dir) != model_before,
        "set_sha256": {name: _file_sha256(Path(sets[name][0])) for name in runs},
        "sets": {name: sets[name][0] for name in runs},
        "sizes": sizes,
        "limits": limits,
        "threads": threads,
        "runs": runs,
        "same_rows": same_rows,
        "wall_s": time.perf_counter() - started,
    }


# --------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------


def write_report(data: dict, out_dir: Path, readme: Path, command: str) -> list[Path]:
    """results.json (without per-row verdicts), reliability.png, results.md, and the
    README's results block (or a side file when the README has no markers)."""
    written = []
    # results.json
    summary = {**{k: v for k, v in data.items() if k != "runs"},
               "runs": {s: {n: harness.summary(r) for n, r in by.items()} for s, by in data["runs"].items()},
               "command": command}
    written.append(atomic_write(out_dir / "results.json", json.dumps(summary, indent=1, default=str) + "\n"))
    # reliability.png
    series = {}
    for set_name, name in (("val", REFERENCE), ("test", REFERENCE), ("handwritten", REFERENCE), ("test", "knn")):
        r = data["runs"].get(set_name, {}).get(name)
        if r and "error" not in r:
            series[f"{LABELS[name]} · {set_name}"] = r
    if series:
        written.append(reliability_plot(series, out_dir / "reliability.png"))
    # results.md
    written.append(atomic_write(out_dir / "results.md", render_markdown(data, command)))
    # the README block
    block = readme_block(data)
    replaced = replace_block(readme.read_text(encoding="utf-8"), block) if readme.is_file() else None
    if replaced is None:
        target = atomic_write(out_dir / "results_readme_block.md", block + "\n")
        click.echo(f"[report] {readme} has no {MARK_START} … {MARK_END} block; wrote {target} instead", err=True)
    else:
        target = atomic_write(readme, replaced)
    written.append(target)
    return written


def run_report(*, model_dir=None, train_path="data/train.jsonl", threads=None, progress=True,
               fewshot_limit=DEFAULT_FEWSHOT_LIMIT, limit=None, out_dir="docs", readme="README.md") -> list[Path]:
    parts = ["PYTHONPATH=src python -m venvy.nl.eval.report", f"--fewshot-limit {fewshot_limit}"]
    parts += [f"--limit {limit}"] if limit else []
    parts += [f"--model {model_dir}"] if model_dir else []
    parts += [f"--threads {threads}"] if threads else []
    data = collect(model_dir=model_dir, train_path=train_path, threads=threads, progress=progress,
                   fewshot_limit=fewshot_limit, limit=limit)
    written = write_report(data, Path(out_dir), Path(readme), " ".join(parts))
    for path in written:
        click.echo(f"wrote {path}", err=True)
    return written


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--model", "model_dir", type=click.Path(exists=True), help="Model directory (default: the shipped one).")
@click.option("--train", "train_path", default="data/train.jsonl", show_default=True, type=click.Path(dir_okay=False))
@click.option("--fewshot-limit", type=click.IntRange(1), default=DEFAULT_FEWSHOT_LIMIT, show_default=True,
              help="Rows per set for the slow few-shot baseline (spread evenly).")
@click.option("--limit", type=click.IntRange(1), help="Rows per set for every predictor (default: all).")
@click.option("--threads", type=click.IntRange(1), help="llama.cpp threads.")
@click.option("--out", "out_dir", default="docs", show_default=True, type=click.Path(file_okay=False))
@click.option("--readme", default="README.md", show_default=True, type=click.Path(dir_okay=False))
@click.option("--no-progress", is_flag=True)
def cli(model_dir, train_path, fewshot_limit, limit, threads, out_dir, readme, no_progress):
    """Run every baseline on the test, hand-written and val sets; write docs/results.md,
    docs/results.json, docs/reliability.png and the README results block."""
    run_report(model_dir=model_dir, train_path=train_path, threads=threads, progress=not no_progress,
               fewshot_limit=fewshot_limit, limit=limit, out_dir=out_dir, readme=readme)


if __name__ == "__main__":
    cli(prog_name="python -m venvy.nl.eval.report")
