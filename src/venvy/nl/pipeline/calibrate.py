"""Confidence calibration: raw model score -> P(the command is right).

The agent's raw score comes from the model's own token probabilities (the product
over the answer's tokens, "prod", and their minimum, "min"). Neither is a
probability of being right. This module fits a monotone map on the validation
split (Platt scaling: a logistic regression on logit(feature)), picks the feature
with the lower log-loss, and stores it in the model's manifest.json:

    "calibration": {"method": "platt", "feature": "prod", "a": ..., "b": ...,
                    "n": 239, "data": "data/val.jsonl", "data_sha256": "...",
                    "accuracy": ..., "ece_raw": ..., "ece": ..., "log_loss": ..., "fitted_at": "..."}

    python -m venvy.nl.calibrate --data data/val.jsonl [--model DIR] [--check data/test.jsonl]

prints a reliability table (predicted vs observed accuracy per bin) and writes the
block (--dry-run: only prints). apply() is what the agent calls at run time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

EPS = 1e-6
FEATURES = ("prod", "min")
BINS = 10


def _logit(p: float) -> float:
    p = min(max(p, EPS), 1 - EPS)
    return math.log(p / (1 - p))


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1 / (1 + math.exp(-z))
    e = math.exp(z)
    return e / (1 + e)


def apply(calibration: dict | None, raw_score: float, min_prob: float | None = None) -> float:
    """Calibrated confidence; the raw score itself when there is no calibration."""
    if not calibration or calibration.get("method") != "platt":
        return float(raw_score)
    x = min_prob if calibration.get("feature") == "min" and min_prob is not None else raw_score
    return _sigmoid(calibration["a"] * _logit(x) + calibration["b"])


# --------------------------------------------------------------------------
# Fitting
# --------------------------------------------------------------------------


def fit_platt(scores: list[float], labels: list[int], iterations: int = 100) -> tuple[float, float]:
    """Logistic regression of labels on logit(score) by Newton's method (2 parameters).

    Uses Platt's smoothed targets so that a perfectly separable set does not send
    the slope to infinity."""
    n_pos = sum(labels)
    n_neg = len(labels) - n_pos
    hi, lo = (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2)
    targets = [hi if y else lo for y in labels]
    xs = [_logit(s) for s in scores]
    a, b = 1.0, 0.0
    for _ in range(iterations):
        g_a = g_b = h_aa = h_ab = h_bb = 0.0
        for x, t in zip(xs, targets):
            p = _sigmoid(a * x + b)
            d = p - t
            w = max(p * (1 - p), 1e-12)
            g_a += d * x
            g_b += d
            h_aa += w * x * x
            h_ab += w * x
            h_bb += w
        h_aa += 1e-9
        h_bb += 1e-9
        det = h_aa * h_bb - h_ab * h_ab
        if abs(det) < 1e-18:
            break
        step_a = (h_bb * g_a - h_ab * g_b) / det
        step_b = (h_aa * g_b - h_ab * g_a) / det
        a, b = a - step_a, b - step_b
        if abs(step_a) < 1e-10 and abs(step_b) < 1e-10:
            break
    return a, b


def log_loss(probs: list[float], labels: list[int]) -> float:
    total = 0.0
    for p, y in zip(probs, labels):
        p = min(max(p, EPS), 1 - EPS)
        total -= math.log(p if y else 1 - p)
    return total / max(1, len(labels))


def reliability(probs: list[float], labels: list[int], bins: int = BINS) -> list[dict]:
    """Rows of (bin range, count, mean predicted confidence, observed accuracy)."""
    rows = []
    for i in range(bins):
        lo, hi = i / bins, (i + 1) / bins
        idx = [j for j, p in enumerate(probs) if lo <= p < hi or (i == bins - 1 and p == 1.0)]
        if not idx:
            rows.append({"lo": lo, "hi": hi, "n": 0, "confidence": None, "accuracy": None})
            continue
        rows.append(
            {
                "lo": lo,
                "hi": hi,
                "n": len(idx),
                "confidence": sum(probs[j] for j in idx) / len(idx),
                "accuracy": sum(labels[j] for j in idx) / len(idx),
            }
        )
    return rows


def ece(probs: list[float], labels: list[int], bins: int = BINS) -> float:
    """Expected calibration error: the count-weighted |confidence - accuracy| over bins."""
    n = max(1, len(probs))
    return sum(r["n"] / n * abs(r["confidence"] - r["accuracy"]) for r in reliability(probs, labels, bins) if r["n"])


def fit(samples: list[dict]) -> dict:
    """samples: {"prod", "min", "correct"} -> the calibration block (best feature by log-loss)."""
    labels = [1 if s["correct"] else 0 for s in samples]
    best = None
    for feature in FEATURES:
        scores = [s[feature] for s in samples]
        a, b = fit_platt(scores, labels)
        probs = [_sigmoid(a * _logit(x) + b) for x in scores]
        loss = log_loss(probs, labels)
        if best is None or loss < best["log_loss"]:
            best = {
                "method": "platt",
                "feature": feature,
                "a": a,
                "b": b,
                "log_loss": loss,
                "ece_raw": ece([s["prod"] for s in samples], labels),
                "ece": ece(probs, labels),
            }
    best["log_loss_raw"] = log_loss([s["prod"] for s in samples], labels)
    best["n"] = len(samples)
    best["accuracy"] = sum(labels) / max(1, len(labels))
    return best


# --------------------------------------------------------------------------
# Data and the model
# --------------------------------------------------------------------------


def load_rows(path: Path) -> list[tuple[str, str | None]]:
    """(request, expected command or None) from a dataset JSONL file."""
    rows = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            request = row.get("input") or row.get("request")
            if not request:
                raise SystemExit(f"{path}:{number}: no 'input' field")
            rows.append((request, row.get("output") or None))
    return rows


def collect(agent, rows, progress=None) -> list[dict]:
    """Run the agent on every row; each sample records both raw features and correctness."""
    from venvy.nl import contract

    samples = []
    for i, (request, expected) in enumerate(rows, 1):
        result = agent.parse(request)
        samples.append(
            {
                "request": request,
                "expected": expected,
                "command": result["command"],
                "prod": result["raw_score"],
                "min": result["min_prob"],
                "correct": result["error"] is None and contract.same(result["command"], expected),
            }
        )
        if progress:
            progress(i, len(rows))
    return samples


def write_calibration(manifest_path: Path, block: dict) -> None:
    """Replace the manifest's calibration block atomically (temp file + rename)."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["calibration"] = block
    fd, tmp = tempfile.mkstemp(dir=manifest_path.parent, prefix=".manifest.", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=2)
        fh.write("\n")
    os.replace(tmp, manifest_path)


def format_table(raw: list[float], calibrated: list[float], labels: list[int], bins: int = BINS) -> str:
    lines = [f"{'confidence':>12} {'n':>5} {'raw mean':>9} {'calibrated':>11} {'accuracy':>9}"]
    for i in range(bins):
        lo, hi = i / bins, (i + 1) / bins
        idx = [j for j, p in enumerate(calibrated) if lo <= p < hi or (i == bins - 1 and p == 1.0)]
        if not idx:
            lines.append(f"{lo:>5.0%}-{hi:<5.0%} {0:>5}")
            continue
        raw_mean = sum(raw[j] for j in idx) / len(idx)
        cal_mean = sum(calibrated[j] for j in idx) / len(idx)
        acc = sum(labels[j] for j in idx) / len(idx)
        lines.append(f"{lo:>5.0%}-{hi:<5.0%} {len(idx):>5} {raw_mean:>9.3f} {cal_mean:>11.3f} {acc:>9.3f}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m venvy.nl.calibrate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, type=Path, help="validation JSONL (data/val.jsonl)")
    parser.add_argument("--model", help="model folder with manifest.json (default: the one venvy -w uses)")
    parser.add_argument("--check", type=Path, help="held-out JSONL to report the calibrated reliability on")
    parser.add_argument("--dry-run", action="store_true", help="print the table; do not write the manifest")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)

    from venvy.errors import VenvyError
    from venvy.nl.agent import VenvyNLAgent

    try:
        agent = VenvyNLAgent(args.model, n_threads=args.threads)
    except VenvyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    spec = agent.spec
    if spec.manifest_path is None and not args.dry_run:
        print("error: this model has no manifest.json to write the calibration into (use --dry-run).", file=sys.stderr)
        return 1

    def progress(i, n):
        if sys.stderr.isatty() and (i % 20 == 0 or i == n):
            print(f"\r{i}/{n}", end="" if i < n else "\n", file=sys.stderr, flush=True)

    from venvy.nl.base_model import sha256

    trained_on = spec.manifest.get("dataset_sha256")
    dataset_file = args.data.parent / "venvy_nl_dataset.json"
    data_matches = None
    if trained_on and dataset_file.is_file():
        belongs_to = sha256(dataset_file)
        data_matches = belongs_to == trained_on
        if not data_matches:
            print(
                f"warning: the model was trained on dataset {trained_on[:12]}…, but {args.data} belongs to "
                f"{belongs_to[:12]}…: its rows may overlap what the model was trained on. "
                "Calibrate on the val split of the model's own dataset version.",
                file=sys.stderr,
            )
    rows = load_rows(args.data)
    samples = collect(agent, rows, progress)
    block = fit(samples)
    block["data"] = str(args.data)
    block["data_sha256"] = sha256(args.data)
    block["data_matches_training_dataset"] = data_matches
    block["fitted_at"] = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    labels = [1 if s["correct"] else 0 for s in samples]
    calibrated = [apply(block, s["prod"], s["min"]) for s in samples]
    print(f"model: {spec.describe()}")
    print(
        f"{args.data}: {len(samples)} rows, semantic accuracy {block['accuracy']:.1%}; "
        f"Platt on logit({block['feature']}): a={block['a']:.3f} b={block['b']:.3f}"
    )
    print(
        f"ECE raw {block['ece_raw']:.3f} -> calibrated {block['ece']:.3f}; "
        f"log-loss raw {block['log_loss_raw']:.3f} -> calibrated {block['log_loss']:.3f}"
    )
    print(format_table([s["prod"] for s in samples], calibrated, labels))
    if args.check:
        held = collect(agent, load_rows(args.check), progress)
        h_labels = [1 if s["correct"] else 0 for s in held]
        h_cal = [apply(block, s["prod"], s["min"]) for s in held]
        print(f"\nheld-out {args.check}: {len(held)} rows, accuracy {sum(h_labels) / max(1, len(held)):.1%}, "
              f"ECE {ece(h_cal, h_labels):.3f}")
        print(format_table([s["prod"] for s in held], h_cal, h_labels))
        block["check"] = {"data": str(args.check), "n": len(held), "ece": ece(h_cal, h_labels)}
    if args.dry_run:
        print("\n(dry run: manifest not written)")
    else:
        write_calibration(spec.manifest_path, block)
        print(f"\nwrote the calibration block into {spec.manifest_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
