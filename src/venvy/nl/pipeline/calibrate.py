"""Confidence calibration: fit raw model score -> P(the command is right) on the val split.

The agent's raw scores come from the model's own token probabilities (the product
over the answer's tokens, "prod", and their minimum, "min"; the same over the tokens
where there was a choice, "dprod" and "dmin") and from the request's value-like spans
the command ignores ("ignored", venvy.nl.runtime.grounding), and whether the answer is
no command at all. None is a probability of being right. This module fits a map on the
validation split (Platt scaling: a logistic regression on logit(feature), the feature
optionally floored (logit(max(feature, floor)), FLOORS), optionally plus c_ignored * ignored and
c_none * [no command]), picks the model with the lowest log-loss (one row's loss per extra
parameter), and stores it in manifest.json:

    "calibration": {"method": "platt", "feature": "prod", "a": ..., "b": ..., ["floor": ...,]
                    ["c_ignored": ..., "c_none": ...,]
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
from venvy.nl.runtime.confidence import EPS, PROB_FEATURES, Features, apply, logit, sigmoid


# --------------------------------------------------------------------------
# Fitting
# --------------------------------------------------------------------------


MAX_STEP = 4.0  # the largest change of one weight in one Newton step
# floors tried under the probability feature (venvy.nl.runtime.confidence): 0 is plain Platt
FLOORS = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def fit_logistic(columns: list[list[float]], labels: list[int], iterations: int = 200) -> list[float]:
    """Logistic regression of labels on the columns plus an intercept, by Newton's method;
    returns [w_1, ..., w_k, intercept].

    Uses Platt's smoothed targets so that a perfectly separable set does not send the
    weights to infinity."""
    n_pos = sum(labels)
    n_neg = len(labels) - n_pos
    hi, lo = (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2)
    targets = [hi if y else lo for y in labels]
    rows = [[*(col[i] for col in columns), 1.0] for i in range(len(labels))]
    k = len(columns) + 1
    w = [1.0] * (k - 1) + [0.0]

    def loss(weights: list[float]) -> float:
        total = 0.0
        for x, t in zip(rows, targets):
            z = sum(wi * xi for wi, xi in zip(weights, x))
            # -(t log p + (1 - t) log(1 - p)), stable for large |z|
            total += max(z, 0.0) - t * z + math.log1p(math.exp(-abs(z)))
        return total

    current = loss(w)
    for _ in range(iterations):
        grad = [0.0] * k
        hess = [[0.0] * k for _ in range(k)]
        for x, t in zip(rows, targets):
            p = sigmoid(sum(wi * xi for wi, xi in zip(w, x)))
            d, v = p - t, max(p * (1 - p), 1e-12)
            for i in range(k):
                grad[i] += d * x[i]
                for j in range(k):
                    hess[i][j] += v * x[i] * x[j]
        for i in range(k):
            hess[i][i] += 1e-9
        step = _solve(hess, grad)
        if step is None:
            break
        # damped: at most MAX_STEP per weight, halved until the loss does not rise (a near-singular
        # Hessian, e.g. a column that separates a few rows, otherwise throws the weights to +-1e8)
        scale = min(1.0, MAX_STEP / max(abs(si) for si in step)) if any(step) else 1.0
        while scale > 1e-6:
            trial = [wi - scale * si for wi, si in zip(w, step)]
            trial_loss = loss(trial)
            if trial_loss <= current + 1e-12:
                break
            scale /= 2
        else:
            break
        w, current = trial, trial_loss
        if max(abs(scale * si) for si in step) < 1e-10:
            break
    return w


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float] | None:
    """matrix^-1 @ vector by Gaussian elimination with partial pivoting (None: singular)."""
    n = len(vector)
    m = [row[:] + [v] for row, v in zip(matrix, vector)]
    for c in range(n):
        pivot = max(range(c, n), key=lambda r: abs(m[r][c]))
        if abs(m[pivot][c]) < 1e-18:
            return None
        m[c], m[pivot] = m[pivot], m[c]
        for r in range(n):
            if r != c:
                f = m[r][c] / m[c][c]
                m[r] = [a - f * b for a, b in zip(m[r], m[c])]
    return [m[i][n] / m[i][i] for i in range(n)]


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
    """samples: {"prod", "min", ["dprod", "dmin", "ignored"], "correct"} -> the calibration block.

    Each probability feature the samples have is tried alone (Platt), with the number of
    ignored request spans, with whether the answer is no command ("command" None), and with
    both as further inputs, each under every floor of FLOORS; the model with the lowest
    log-loss plus one row's worth of loss per extra parameter (a floor above 0 counts as one)
    wins, so an input that does not help is not kept, and an ignored-span coefficient is kept
    only when it lowers the confidence."""
    labels = [1 if s["correct"] else 0 for s in samples]
    n = max(1, len(labels))
    extras = {}
    if all("ignored" in s for s in samples) and any(s["ignored"] for s in samples):
        extras["c_ignored"] = [float(s["ignored"]) for s in samples]
    abstains = [float(_features(s).abstains) for s in samples]
    if 0 < sum(abstains) < len(samples):
        extras["c_none"] = abstains
    subsets = [[]] + [[name] for name in extras] + ([list(extras)] if len(extras) == 2 else [])
    best = None
    for feature, floor in [(f, floor) for f in PROB_FEATURES if all(f in s for s in samples) for floor in FLOORS]:
        xs = [logit(max(s[feature], floor)) for s in samples]
        if floor and len(set(xs)) < 3:
            continue  # (almost) every row under the floor: nothing left to fit
        for names in subsets:
            w = fit_logistic([xs, *(extras[name] for name in names)], labels)
            block = {"method": "platt", "feature": feature, "a": w[0], "b": w[-1]}
            if floor:
                block["floor"] = floor
            block.update(zip(names, w[1:-1]))
            if block.get("c_ignored", -1.0) >= 0:
                continue
            probs = [apply(block, _features(s)) for s in samples]
            loss = log_loss(probs, labels)
            block["log_loss"] = loss
            block["ece"] = ece(probs, labels)
            penalised = loss + (len(names) + (floor > 0)) / n
            if best is None or penalised < best[0]:
                best = (penalised, block)
    block = best[1]
    block["ece_raw"] = ece([s["prod"] for s in samples], labels)
    block["log_loss_raw"] = log_loss([s["prod"] for s in samples], labels)
    block["n"] = len(samples)
    block["accuracy"] = sum(labels) / n
    return block


def _features(sample: dict) -> Features:
    return Features(**{k: sample[k] for k in ("prod", "min", "dprod", "dmin", "ignored") if k in sample},
                    abstains="command" in sample and sample["command"] is None)


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
                "dprod": result.decision_score,
                "dmin": result.decision_min,
                "ignored": len(result.ignored),
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
    calibrated = [apply(block, _features(s)) for s in samples]
    print(f"model: {spec.describe()}")
    print(
        f"{args.data}: {len(samples)} rows, semantic accuracy {block['accuracy']:.1%}; "
        f"Platt on logit({block['feature']}"
        + (f" floored at {block['floor']:g}" if block.get("floor") else "")
        + f"): a={block['a']:.3f} b={block['b']:.3f}"
        + (f", ignored spans c={block['c_ignored']:.3f}" if "c_ignored" in block else "")
        + (f", no command c={block['c_none']:.3f}" if "c_none" in block else "")
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
        h_cal = [apply(block, _features(s)) for s in held]
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
