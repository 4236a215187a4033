"""Render evaluation results (terminal summary, docs/results.md, README block, reliability
plot) and run the full report: every baseline on every set, each in its own process so
load time and peak memory are measured per predictor.

    python -m venvy.nl.report [--fewshot-limit N] [--limit N]

Every figure written here comes out of venvy.nl.evaluate; nothing is typed by hand.
"""

from __future__ import annotations

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
DEFAULT_FEWSHOT_LIMIT = 150
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
