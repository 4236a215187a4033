"""Confidence calibration: fit raw model score -> P(the command is right) on the val split.

The agent's raw score comes from the model's own token probabilities (the product
over the answer's tokens, "prod", and their minimum, "min"). Neither is a
probability of being right. This module fits a monotone map on the validation
split (Platt scaling: a logistic regression on logit(feature)), picks the feature
with the lower log-loss, and stores it in the model's manifest.json:

    "calibration": {"method": "platt", "feature": "prod", "a": ..., "b": ...,
                    "n": 239, "data": "data/val.jsonl", "data_sha256": "...",
                    "accuracy": ..., "ece_raw": ..., "ece": ..., "log_loss": ..., "fitted_at": "..."}

    python -m venvy.nl.pipeline.calibrate --data data/val.jsonl [--model DIR] [--check data/test.jsonl]

prints a reliability table (predicted vs observed accuracy per bin) and writes the
block (--dry-run: only prints). venvy.nl.runtime.confidence.apply() is what the agent
calls at run time; the reliability bins and ECE are venvy.nl.eval.metrics'.
"""

from __future__ import annotations

import argparse
import math
import sys
from datetime import datetime, timezone
from pathlib import Path

from venvy.nl import contract, manifest
from venvy.nl.eval.metrics import BINS, bin_index, reliability
from venvy.nl.files import read_jsonl, sha256
from venvy.nl.runtime.confidence import EPS, apply, logit, sigmoid

FEATURES = ("prod", "min")


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
    xs = [logit(s) for s in scores]
    a, b = 1.0, 0.0
    for _ in range(iterations):
        g_a = g_b = h_aa = h_ab = h_bb = 0.0
        for x, t in zip(xs, targets):
            p = sigmoid(a * x + b)
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


def ece(probs: list[float], labels: list[int]) -> float:
    """Expected calibration error (venvy.nl.eval.metrics.reliability's, 0 for no rows)."""
    return reliability(probs, labels)["ece"] or 0.0


def fit(samples: list[dict]) -> dict:
    """samples: {"prod", "min", "correct"} -> the calibration block (best feature by log-loss)."""
    labels = [1 if s["correct"] else 0 for s in samples]
    best = None
    for feature in FEATURES:
        scores = [s[feature] for s in samples]
        a, b = fit_platt(scores, labels)
        probs = [sigmoid(a * logit(x) + b) for x in scores]
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
    for number, row in enumerate(read_jsonl(path), 1):
        request = row.get("input") or row.get("request")
        if not request:
            raise SystemExit(f"{path}: row {number}: no 'input' field")
        rows.append((request, row.get("output") or None))
    return rows


def collect(agent, rows, progress=None) -> list[dict]:
    """Run the agent on every row; each sample records both raw features and correctness."""
    samples = []
    for i, (request, expected) in enumerate(rows, 1):
        result = agent.parse(request)
        samples.append(
            {
                "request": request,
                "expected": expected,
                "command": result.command,
                "prod": result.raw_score,
                "min": result.min_prob,
                "correct": result.ok and contract.same(result.command, expected),
            }
        )
        if progress:
            progress(i, len(rows))
    return samples


def format_table(raw: list[float], calibrated: list[float], labels: list[int], bins: int = BINS) -> str:
    """Per bin of calibrated confidence: rows, mean raw score, mean calibrated confidence, accuracy."""
    members = [[] for _ in range(bins)]
    for j, p in enumerate(calibrated):
        members[bin_index(p, bins)].append(j)
    lines = [f"{'confidence':>12} {'n':>5} {'raw mean':>9} {'calibrated':>11} {'accuracy':>9}"]
    for i, idx in enumerate(members):
        lo, hi = i / bins, (i + 1) / bins
        if not idx:
            lines.append(f"{lo:>5.0%}-{hi:<5.0%} {0:>5}")
            continue
        raw_mean = sum(raw[j] for j in idx) / len(idx)
        cal_mean = sum(calibrated[j] for j in idx) / len(idx)
        acc = sum(labels[j] for j in idx) / len(idx)
        lines.append(f"{lo:>5.0%}-{hi:<5.0%} {len(idx):>5} {raw_mean:>9.3f} {cal_mean:>11.3f} {acc:>9.3f}")
    return "\n".join(lines)


def dataset_warning(spec, data: Path) -> bool | None:
    """Whether `data` belongs to the dataset the model was trained on (None: cannot tell);
    a mismatch is said on stderr, since its rows may overlap the model's training rows."""
    trained_on = spec.manifest.get("dataset_sha256")
    dataset_file = data.parent / "venvy_nl_dataset.json"
    if not trained_on or not dataset_file.is_file():
        return None
    belongs_to = sha256(dataset_file)
    if belongs_to != trained_on:
        print(
            f"warning: the model was trained on dataset {trained_on[:12]}…, but {data} belongs to "
            f"{belongs_to[:12]}…: its rows may overlap what the model was trained on. "
            "Calibrate on the val split of the model's own dataset version.",
            file=sys.stderr,
        )
    return belongs_to == trained_on


def _progress(i: int, n: int) -> None:
    if sys.stderr.isatty() and (i % 20 == 0 or i == n):
        print(f"\r{i}/{n}", end="" if i < n else "\n", file=sys.stderr, flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m venvy.nl.pipeline.calibrate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--data", required=True, type=Path, help="validation JSONL (data/val.jsonl)")
    parser.add_argument("--model", help="model folder with manifest.json (default: the one venvy -w uses)")
    parser.add_argument("--check", type=Path, help="held-out JSONL to report the calibrated reliability on")
    parser.add_argument("--dry-run", action="store_true", help="print the table; do not write the manifest")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)

    # load the model
    from venvy.errors import VenvyError
    from venvy.nl.runtime.agent import VenvyNLAgent

    try:
        agent = VenvyNLAgent(args.model, n_threads=args.threads)
    except VenvyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    spec = agent.spec
    if spec.manifest_path is None and not args.dry_run:
        print("error: this model has no manifest.json to write the calibration into (use --dry-run).", file=sys.stderr)
        return 1

    # run the model on the val rows and fit
    data_matches = dataset_warning(spec, args.data)
    samples = collect(agent, load_rows(args.data), _progress)
    block = fit(samples)
    block["data"] = str(args.data)
    block["data_sha256"] = sha256(args.data)
    block["data_matches_training_dataset"] = data_matches
    block["fitted_at"] = datetime.now(timezone.utc).replace(microsecond=0).isoformat()

    # report the fit
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

    # check it on held-out rows
    if args.check:
        held = collect(agent, load_rows(args.check), _progress)
        h_labels = [1 if s["correct"] else 0 for s in held]
        h_cal = [apply(block, s["prod"], s["min"]) for s in held]
        print(f"\nheld-out {args.check}: {len(held)} rows, accuracy {sum(h_labels) / max(1, len(held)):.1%}, "
              f"ECE {ece(h_cal, h_labels):.3f}")
        print(format_table([s["prod"] for s in held], h_cal, h_labels))
        block["check"] = {"data": str(args.check), "n": len(held), "ece": ece(h_cal, h_labels)}

    # write the block into the manifest
    if args.dry_run:
        print("\n(dry run: manifest not written)")
    else:
        manifest.set_calibration(spec.manifest_path, block)
        print(f"\nwrote the calibration block into {spec.manifest_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
