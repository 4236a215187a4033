"""Render evaluation results (terminal summary, docs/results.md, README block, reliability
plot) and run the full report: every baseline on every set, each in its own process so
load time and peak memory are measured per predictor.

    python -m venvy.nl.report [--fewshot-limit N] [--limit N]

Every figure written here comes out of venvy.nl.evaluate; nothing is typed by hand.
"""

from __future__ import annotations

import collections
import datetime as _dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import click

from venvy.nl import evaluate as ev

SETS = {  # name -> (path, baselines run on it); val is for the calibration view
    "test": ("data/test.jsonl", ("finetuned", "finetuned-nogrammar", "fewshot", "knn")),
    "handwritten": ("tests/data/handwritten.tsv", ("finetuned", "finetuned-nogrammar", "fewshot", "knn")),
    "val": ("data/val.jsonl", ("finetuned", "knn")),
}
LIMITED = ("fewshot",)  # the slow baseline that --fewshot-limit applies to
DEFAULT_FEWSHOT_LIMIT = 80
MARK_START, MARK_END = "<!-- results:start -->", "<!-- results:end -->"
LABELS = {
    "finetuned": "fine-tuned + grammar",
    "finetuned-nogrammar": "fine-tuned, no grammar",
    "fewshot": "base + few-shot + grammar",
    "knn": "kNN (TF-IDF) + value filling",
}


# --------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------


def pct(x) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def secs(x) -> str:
    if x is None:
        return "–"
    return f"{1000 * x:.0f} ms" if x < 1 else f"{x:.2f} s"


def mib(x) -> str:
    return "–" if x is None else f"{x / 2**20:.1f} MiB"


def table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render_summary(result: dict) -> str:
    """A plain-text summary of one evaluation, for the terminal."""
    size = result.get("size_bytes") or {}
    lines = [
        f"{result['predictor']}: {result.get('description', '')}",
        f"rows {result['n']} ({result['n_no_command']} without a command)",
        f"semantic accuracy  {pct(result['semantic_accuracy'])}",
        f"exact accuracy     {pct(result['exact_accuracy'])}",
        f"no-command (abstain) accuracy {pct(result['abstain_accuracy'])}, "
        f"false abstain {pct(result['false_abstain_rate'])}, invalid {pct(result['invalid_rate'])}",
        f"latency p50 {secs(result['latency_p50_s'])}, p95 {secs(result['latency_p95_s'])}; "
        f"load {secs(result['load_s'])}; peak RSS {mib(result['peak_rss_bytes'])}; "
        f"size on disk {mib(size.get('total'))}",
        "",
        "per command (semantic / exact):",
    ]
    for name, m in result["per_command"].items():
        lines.append(f"  {name:<12} {m['n']:>5}  {pct(m['semantic']):>7}  {pct(m['exact']):>7}")
    lines += ["", "top confusions:"]
    lines += [f"  {count:>4}  {label}" for label, count in result["confusions"]] or ["  (none)"]
    lines += ["", "confidence >= t: coverage / precision"]
    for t in result["thresholds"]:
        lines.append(f"  {t['threshold']:.2f}  {pct(t['coverage']):>7}  {pct(t['precision']):>7}")
    lines.append(f"expected calibration error {result['reliability']['ece']:.3f}" if result["n"] else "")
    return "\n".join(lines)


def reliability_plot(results: dict, path: Path) -> Path:
    """Reliability diagram (mean confidence vs observed accuracy per bin) over counts per bin,
    one series per labelled result."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(6.4, 7.2), height_ratios=(3, 1.3), sharex=True)
    top.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfect calibration")
    width = 0.8 / max(1, len(results)) / ev.RELIABILITY_BINS
    for k, (label, result) in enumerate(results.items()):
        bins = [b for b in result["reliability"]["bins"] if b["n"]]
        xs = [b["confidence"] for b in bins]
        ys = [b["accuracy"] for b in bins]
        ece = result["reliability"]["ece"]
        line = top.plot(xs, ys, marker="o", label=f"{label} (n={result['n']}, ECE {ece:.3f})")[0]
        for b in bins:
            top.annotate(str(b["n"]), (b["confidence"], b["accuracy"]), fontsize=7, xytext=(3, -9),
                         textcoords="offset points", color=line.get_color())
        all_bins = result["reliability"]["bins"]
        centers = [b["lo"] + 0.1 * (b["hi"] - b["lo"]) + k * width for b in all_bins]
        bottom.bar(centers, [b["n"] for b in all_bins], width=width, align="edge", color=line.get_color())
    top.set(xlim=(0, 1), ylim=(0, 1.02), ylabel="observed accuracy (semantic)", title="Reliability: confidence vs accuracy")
    top.legend(fontsize=7, loc="upper left")
    top.grid(alpha=0.3)
    bottom.set(xlabel="confidence (bins of 0.1)", ylabel="rows per bin")
    bottom.grid(alpha=0.3)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# --------------------------------------------------------------------------
# The full report: runs
# --------------------------------------------------------------------------


def _run_one(set_name, path, baseline, out_dir: Path, *, model_dir, train_path, threads, limit, progress) -> dict:
    """One baseline on one set, in its own process (clean load time and peak RSS)."""
    run_dir = out_dir / f"{set_name}-{baseline}"
    args = [sys.executable, "-m", "venvy.nl.evaluate", "--data", str(path), "--baseline", baseline,
            "--train", str(train_path), "--out", str(run_dir)]
    args += ["--limit", str(limit)] if limit else []
    args += ["--model", str(model_dir)] if model_dir and baseline.startswith("finetuned") else []
    args += ["--threads", str(threads)] if threads else []
    args += [] if progress else ["--no-progress"]
    click.echo(f"[report] {baseline} on {set_name} ({path}{f', limit {limit}' if limit else ''})", err=True)
    started = time.perf_counter()
    # stderr is streamed through (the progress bar) and its tail kept for a failure's reason
    tail = collections.deque(maxlen=5)
    with subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) as proc:
        for line in proc.stderr:
            tail.append(line.rstrip())
            if progress:
                sys.stderr.write(line)
    wall = time.perf_counter() - started
    if proc.returncode != 0 or not (run_dir / "results.json").is_file():
        reason = next((line for line in reversed(tail) if line.strip()), f"exit status {proc.returncode}")
        click.echo(f"[report]   failed: {reason}", err=True)
        return {"error": reason, "wall_s": wall}
    result = json.loads((run_dir / "results.json").read_text(encoding="utf-8"))
    result["wall_s"] = wall
    return result


def _git_commit() -> str | None:
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True)
        return sha.stdout.strip() + ("+local changes" if dirty.stdout.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def machine_line() -> str:
    """benchmarks/machine.py's line when run from the repository, else a short fallback."""
    import importlib.util
    import platform

    script = Path("benchmarks/machine.py")
    if script.is_file():
        spec = importlib.util.spec_from_file_location("venvy_bench_machine", script)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.describe()
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def _model_info(model_dir) -> dict:
    try:
        from venvy.nl import model_source

        spec = model_source.resolve(model_dir)
    except Exception as exc:  # noqa: BLE001 - the report says what is missing instead of failing
        return {"error": str(exc)}
    manifest = spec.manifest or {}
    return {
        "describe": spec.describe(),
        "kind": manifest.get("kind"),
        "prompt_version": manifest.get("prompt_version"),
        "dataset_sha256": manifest.get("dataset_sha256"),
        "training": manifest.get("training"),
        "calibrated": bool(manifest.get("calibration")),
        "calibration_method": (manifest.get("calibration") or {}).get("method"),
        "calibration_data": (manifest.get("calibration") or {}).get("data"),
        "calibration_data_sha256": (manifest.get("calibration") or {}).get("data_sha256"),
        "manifest": manifest,
        "data_sha256": _dataset_sha256(),
    }


def _dataset_sha256(path: Path = Path("data/venvy_nl_dataset.json")) -> str | None:
    from venvy.nl.base_model import sha256

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
    return ev.score(picked)


def _summary(result: dict) -> dict:
    return {k: v for k, v in result.items() if k != "rows"}


def collect(*, model_dir=None, train_path="data/train.jsonl", threads=None, progress=True,
            fewshot_limit=DEFAULT_FEWSHOT_LIMIT, limit=None, sets=SETS, work_dir: Path) -> dict:
    """Run every baseline on every set; returns the report data (JSON-able, with rows)."""
    started = time.perf_counter()
    model_before = _model_info(model_dir)
    runs, limits, sizes = {}, {}, {}
    for set_name, (path, names) in sets.items():
        if not Path(path).is_file():
            click.echo(f"[report] skipping {set_name}: {path} is missing", err=True)
            continue
        runs[set_name], limits[set_name] = {}, {}
        sizes[set_name] = len(ev.load_rows(path))
        for baseline in names:
            lim = min(fewshot_limit, limit or fewshot_limit) if baseline in LIMITED else limit
            limits[set_name][baseline] = lim
            runs[set_name][baseline] = _run_one(
                set_name, path, baseline, work_dir, model_dir=model_dir, train_path=train_path,
                threads=threads, limit=lim, progress=progress,
            )
    same_rows = {}
    for set_name, by_name in runs.items():
        for limited in LIMITED:
            lim = limits[set_name].get(limited)
            if limited in by_name and lim and "rows" in by_name[limited] and by_name[limited]["n"] < _full_n(by_name):
                same_rows[set_name] = {
                    "limit": lim,
                    "scores": {name: (rescore(r, by_name[limited]["rows"]) if name not in LIMITED else _summary(r))
                               for name, r in by_name.items() if "rows" in r},
                }
    return {
        "generated": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _git_commit(),
        "machine": machine_line(),
        "model": model_before,
        "model_changed": _model_info(model_dir) != model_before,
        "set_sha256": {name: _dataset_sha256(Path(sets[name][0])) for name in runs},
        "sets": {name: sets[name][0] for name in runs},
        "sizes": sizes,
        "limits": limits,
        "threads": threads,
        "runs": runs,
        "same_rows": same_rows,
        "wall_s": time.perf_counter() - started,
    }


def _full_n(by_name: dict) -> int:
    return max((r["n"] for r in by_name.values() if "n" in r), default=0)


# --------------------------------------------------------------------------
# The full report: comparisons and rendering
# --------------------------------------------------------------------------

REFERENCE = "finetuned"


def _ok(result) -> bool:
    return bool(result) and "error" not in result


def compare(data: dict, set_name: str) -> dict:
    """Per command, the fine-tuned model against each other predictor on the same rows:
    {other: {"rows": n or "all", "wins": [...], "losses": [...], "ties": [...]}}."""
    runs = data["runs"].get(set_name, {})
    if not _ok(runs.get(REFERENCE)):
        return {}
    out = {}
    for other, result in runs.items():
        if other == REFERENCE or not _ok(result):
            continue
        same = data["same_rows"].get(set_name)
        if other in LIMITED and same:
            ref = same["scores"][REFERENCE]
            rows = f"{result['n']} rows (same subset)"
        else:
            ref = runs[REFERENCE]
            rows = "all rows"
        verdict = {"rows": rows, "wins": [], "losses": [], "ties": [],
                   "overall": [ref["semantic_accuracy"], result["semantic_accuracy"]]}
        for cmd, theirs in result["per_command"].items():
            mine = ref["per_command"].get(cmd)
            if not mine:
                continue
            entry = [cmd, theirs["n"], mine["semantic"], theirs["semantic"]]
            key = "wins" if mine["semantic"] > theirs["semantic"] else "losses" if mine["semantic"] < theirs["semantic"] else "ties"
            verdict[key].append(entry)
        out[other] = verdict
    return out


def _fmt_entries(entries) -> str:
    if not entries:
        return "nothing"
    return ", ".join(f"{cmd} ({pct(a)} vs {pct(b)}, n={n})" for cmd, n, a, b in entries)


def _rows_cell(result: dict, full_n: int) -> str:
    return str(result["n"]) if result["n"] >= full_n else f"{result['n']} of {full_n} (--limit)"


def _set_size(data: dict, set_name: str) -> int:
    return data.get("sizes", {}).get(set_name) or _full_n(data["runs"][set_name])


def accuracy_table(data: dict, set_name: str) -> str:
    runs = data["runs"][set_name]
    full_n = _set_size(data, set_name)
    rows = []
    for name, r in runs.items():
        if not _ok(r):
            rows.append([LABELS.get(name, name), "not run: " + r.get("error", "?"), *["–"] * 7])
            continue
        rows.append([LABELS.get(name, name), _rows_cell(r, full_n), pct(r["semantic_accuracy"]), pct(r["exact_accuracy"]),
                     pct(r["abstain_accuracy"]), pct(r["false_abstain_rate"]), pct(r["invalid_rate"]),
                     secs(r["latency_p50_s"]), secs(r["latency_p95_s"])])
    return table(["predictor", "rows", "semantic", "exact", "no-command right", "false abstain", "invalid",
                  "p50", "p95"], rows)


def per_command_table(data: dict, set_name: str) -> str:
    runs = {n: r for n, r in data["runs"][set_name].items() if _ok(r)}
    names = list(runs)
    commands = []
    for r in runs.values():
        commands += [c for c in r["per_command"] if c not in commands]
    order = [*[c for c in (runs.get(REFERENCE) or next(iter(runs.values())))["per_command"]],
             *[c for c in commands]]
    order = list(dict.fromkeys(order))
    header = ["expected", "n", *[LABELS.get(n, n) + (" (subset)" if n in LIMITED and data["same_rows"].get(set_name) else "")
                                 for n in names]]
    rows = []
    for cmd in order:
        n = max((r["per_command"][cmd]["n"] for r in runs.values() if cmd in r["per_command"]), default=0)
        rows.append([cmd, n, *[pct(r["per_command"].get(cmd, {}).get("semantic")) for r in runs.values()]])
    return table(header, rows)


def threshold_rows(data: dict, sets=("val", "test", "handwritten")) -> tuple[list, list]:
    present = [s for s in sets if _ok(data["runs"].get(s, {}).get(REFERENCE))]
    header = ["confidence ≥", *[f"{s}: coverage / precision" for s in present]]
    rows = []
    for i, t in enumerate(ev.THRESHOLDS):
        cells = []
        for s in present:
            entry = data["runs"][s][REFERENCE]["thresholds"][i]
            cells.append(f"{pct(entry['coverage'])} / {pct(entry['precision'])}")
        rows.append([f"{t:.2f}", *cells])
    eces = ["ECE", *[f"{data['runs'][s][REFERENCE]['reliability']['ece']:.3f}" for s in present]]
    return header, rows + [eces]


def _size_cell(size: dict) -> str:
    if size.get("adapter"):
        return f"{mib(size['adapter'])} + {mib(size['base'])} = {mib(size['total'])}"
    return mib(size.get("total"))


def cost_table(data: dict, set_name: str = "test") -> str:
    rows = []
    for name, r in data["runs"].get(set_name, {}).items():
        if not _ok(r):
            continue
        size = r.get("size_bytes") or {}
        rows.append([LABELS.get(name, name), secs(r["load_s"]), secs(r.get("first_request_s")), secs(r["latency_p50_s"]),
                     secs(r["latency_p95_s"]), secs(r["latency_mean_s"]), mib(r["peak_rss_bytes"]),
                     _size_cell(size)])
    return table(["predictor", "load", "first request", "p50", "p95", "mean", "peak RSS (process)",
                  "size on disk (adapter + base)"], rows)


def wins_losses(data: dict, set_name: str) -> list[str]:
    lines = []
    for other, v in compare(data, set_name).items():
        mine, theirs = v["overall"]
        lines.append(
            f"- vs **{LABELS.get(other, other)}** ({v['rows']}; overall {pct(mine)} vs {pct(theirs)}): "
            f"wins on {_fmt_entries(v['wins'])}; loses on {_fmt_entries(v['losses'])}; "
            f"ties on {', '.join(e[0] for e in v['ties']) or 'nothing'}."
        )
    return lines


def _dataset_line(model: dict) -> list[str]:
    trained, here = model.get("dataset_sha256"), model.get("data_sha256")
    if not trained or not here:
        return []
    if trained == here:
        return [f"- Training data: the model was trained on this dataset (sha256 `{here[:12]}`)."]
    return [f"- Training data: the model was trained on dataset sha256 `{trained[:12]}`, but `data/venvy_nl_dataset.json` "
            f"is `{here[:12]}`: a different version, so its test/val splits are not the model's own held-out splits "
            "(the baselines use the current train split)."]


def render_markdown(data: dict, command: str) -> str:
    model = data["model"]
    calibrated = "calibrated (manifest calibration block)" if model.get("calibrated") else "the raw model score (no calibration in the manifest)"
    out = [
        "# venvy natural-language mode: evaluation results",
        "",
        f"Generated {data['generated']} by `venvy.nl.report` at commit `{data['commit']}`; every figure below comes",
        "from the harness (`venvy.nl.evaluate`), none is typed by hand. Regenerate with:",
        "",
        "```sh",
        command,
        "```",
        "",
        f"- Machine: {data['machine']}",
        f"- Model: {model.get('describe') or model.get('error')}",
        *_dataset_line(model),
        *(["- **Warning: the model's manifest changed while the report ran; rerun it.**"] if data.get("model_changed") else []),
        "- Sets: " + ", ".join(f"{name} = `{path}` ({_set_size(data, name)} rows)" for name, path in data["sets"].items()),
        f"- llama.cpp threads: {data.get('threads') or 'the agent default (physical cores)'}",
        f"- Whole report run: {secs(data['wall_s'])}",
        "",
        "Semantic = same command and values as an accepted answer once defaults are filled in (LIST order free);",
        "exact = identical canonical string. No-command rows are right only when the predictor answers no command;",
        "unparseable output (\"invalid\") is always wrong. Confidence is " + calibrated + " for the fine-tuned model,",
        "the best cosine similarity for kNN.",
        "",
    ]
    for set_name in data["runs"]:
        out += [f"## {set_name}", "", accuracy_table(data, set_name), ""]
        same = data["same_rows"].get(set_name)
        if same:
            rows = [[LABELS.get(n, n), s["n"], pct(s["semantic_accuracy"]), pct(s["exact_accuracy"]),
                     pct(s["abstain_accuracy"])] for n, s in same["scores"].items()]
            out += [f"On the {same['limit']} rows the few-shot baseline saw (spread evenly over the file):", "",
                    table(["predictor", "rows", "semantic", "exact", "no-command right"], rows), ""]
        if set_name == "val":
            continue
        out += [f"### {set_name}: semantic accuracy per expected command", "", per_command_table(data, set_name), ""]
        lines = wins_losses(data, set_name)
        if lines:
            out += [f"### {set_name}: where the fine-tuned model (grammar) wins and loses", "", *lines, ""]
        ref = data["runs"][set_name].get(REFERENCE)
        if _ok(ref):
            out += [f"### {set_name}: top confusions of the fine-tuned model (expected -> predicted)", ""]
            out += [f"- {count} × {label}" for label, count in ref["confusions"]] or ["- none"]
            out.append("")
    header, rows = threshold_rows(data)
    if len(header) > 1:
        fitted = model.get("calibration_data")
        in_sample = [n for n, sha in data.get("set_sha256", {}).items()
                     if sha and sha == model.get("calibration_data_sha256")]
        if not fitted:
            where = "The model has no calibration block: confidence is the raw score."
        elif in_sample:
            where = f"The calibration was fitted on {fitted}: the {', '.join(in_sample)} rows are in-sample, the others held out."
        else:
            where = f"The calibration was fitted on {fitted}, which is none of the sets here: all of them are held out."
        out += ["## Calibration (fine-tuned + grammar)", "",
                "Rows with confidence ≥ t are kept: coverage = kept / all rows, precision = semantic accuracy of the kept ones.",
                where, "", table(header, rows), "", "![reliability diagram](reliability.png)", ""]
    out += ["## Cost", "", "Measured on the test-set runs, each predictor in its own process.", "", cost_table(data), ""]
    return "\n".join(out)


def readme_block(data: dict) -> str:
    rows = []
    for name in (REFERENCE, "finetuned-nogrammar", "fewshot", "knn"):
        cells = [LABELS[name]]
        for set_name in ("test", "handwritten"):
            r = data["runs"].get(set_name, {}).get(name)
            if _ok(r):
                size = _set_size(data, set_name)
                limited = f" ({r['n']} of {size} rows)" if r["n"] < size else ""
                cells += [pct(r["semantic_accuracy"]) + limited, pct(r["exact_accuracy"])]
            else:
                cells += ["–", "–"]
        test = data["runs"].get("test", {}).get(name)
        cells.append(secs(test["latency_p50_s"]) if _ok(test) else "–")
        rows.append(cells)
    return "\n".join([
        MARK_START,
        table(["predictor", "test semantic", "test exact", "hand-written semantic", "hand-written exact", "p50 latency"], rows),
        "",
        f"{data['machine']}. Generated by `python -m venvy.nl.report` ({data['generated']}); "
        "details, per-command comparison and calibration in [docs/results.md](docs/results.md).",
        MARK_END,
    ])


def replace_block(text: str, block: str) -> str | None:
    """`text` with the marked block replaced, or None when the markers are not there."""
    start, end = text.find(MARK_START), text.find(MARK_END)
    if start < 0 or end < start:
        return None
    return text[:start] + block + text[end + len(MARK_END):]


def write_report(data: dict, out_dir: Path, readme: Path, command: str) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    summary = {**{k: v for k, v in data.items() if k != "runs"},
               "runs": {s: {n: _summary(r) for n, r in by.items()} for s, by in data["runs"].items()},
               "command": command}
    (out_dir / "results.json").write_text(json.dumps(summary, indent=1, default=str) + "\n", encoding="utf-8")
    written.append(out_dir / "results.json")
    series = {}
    for set_name, name in (("val", REFERENCE), ("test", REFERENCE), ("handwritten", REFERENCE), ("test", "knn")):
        r = data["runs"].get(set_name, {}).get(name)
        if _ok(r):
            series[f"{LABELS[name]} · {set_name}"] = r
    if series:
        written.append(reliability_plot(series, out_dir / "reliability.png"))
    (out_dir / "results.md").write_text(render_markdown(data, command), encoding="utf-8")
    written.append(out_dir / "results.md")
    block = readme_block(data)
    replaced = replace_block(readme.read_text(encoding="utf-8"), block) if readme.is_file() else None
    if replaced is None:
        target = out_dir / "results_readme_block.md"
        target.write_text(block + "\n", encoding="utf-8")
        click.echo(f"[report] {readme} has no {MARK_START} … {MARK_END} block; wrote {target} instead", err=True)
    else:
        target = readme
        tmp = readme.with_suffix(".md.tmp")
        tmp.write_text(replaced, encoding="utf-8")
        tmp.replace(readme)
    written.append(target)
    return written


def run_report(*, model_dir=None, train_path="data/train.jsonl", threads=None, progress=True,
               fewshot_limit=DEFAULT_FEWSHOT_LIMIT, limit=None, out_dir="docs", readme="README.md") -> list[Path]:
    import tempfile

    parts = ["PYTHONPATH=src python -m venvy.nl.report", f"--fewshot-limit {fewshot_limit}"]
    parts += [f"--limit {limit}"] if limit else []
    parts += [f"--model {model_dir}"] if model_dir else []
    parts += [f"--threads {threads}"] if threads else []
    with tempfile.TemporaryDirectory(prefix="venvy-report-") as work:
        data = collect(model_dir=model_dir, train_path=train_path, threads=threads, progress=progress,
                       fewshot_limit=fewshot_limit, limit=limit, work_dir=Path(work))
    written = write_report(data, Path(out_dir), Path(readme), " ".join(parts))
    for path in written:
        click.echo(f"wrote {path}", err=True)
    return written


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--model", "model_dir", type=click.Path(exists=True), help="Model directory (default: the shipped one).")
@click.option("--train", "train_path", default="data/train.jsonl", show_default=True, type=click.Path(dir_okay=False))
@click.option("--fewshot-limit", type=click.IntRange(1), default=DEFAULT_FEWSHOT_LIMIT, show_default=True,
              help="Rows per set for the slow few-shot baseline (spread evenly).")
@click.option("--limit", type=click.IntRange(1), help="Rows per set for every other predictor (default: all).")
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
    cli(prog_name="python -m venvy.nl.report")
