"""Judging predictions and the figures computed from the verdicts.

Definitions (the command contract):
- semantic accuracy: the prediction is contract.same() as one of the accepted commands;
- exact accuracy: its canonical string equals the canonical form of an accepted command;
- a row without a command is right (for both) only when the prediction is "no command";
- an invalid prediction (unparseable output, a failure) is wrong everywhere, no-command
  rows included;
- abstain_accuracy: share of no-command rows answered with no command;
  false_abstain_rate: share of rows with a command answered with no command;
- precision/coverage at a threshold t: of all rows, those with confidence >= t are kept;
  coverage = kept / all, precision = semantic accuracy on the kept rows;
- reliability: confidence in BINS equal bins against observed accuracy, and the expected
  calibration error (ECE). This is the one reliability computation: the report and
  calibration fitting (venvy.nl.pipeline.calibrate) both use it.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

from venvy.nl import contract
from venvy.nl.eval.rows import NONE_NAME, Row, command_name
from venvy.nl.runtime.describe import destructive
from venvy.nl.runtime.result import ParseResult

THRESHOLDS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
BINS = 10
TOP_CONFUSIONS = 10
INVALID_NAME = "invalid"


# --------------------------------------------------------------------------
# Judging one prediction
# --------------------------------------------------------------------------


def _flag_label(command: str, param_name: str) -> str:
    spec = contract.commands()[command]
    if spec.positional is not None and spec.positional.name == param_name:
        return spec.positional.kind
    for opt in spec.options:
        if opt.name == param_name:
            return opt.flag
    return param_name


def _wrong_params(predicted: str, accepted: tuple[str, ...]) -> str:
    """'--python, --name': the parameters that differ from the closest accepted command."""
    pred_key = dict(contract.semantic_key(contract.parse(predicted))[1:])
    best = None
    for cmd in accepted:
        parsed = contract.parse(cmd)
        if parsed.command != command_name(predicted):
            continue
        key = dict(contract.semantic_key(parsed)[1:])
        diff = [name for name in key if key[name] != pred_key.get(name)]
        if best is None or len(diff) < len(best):
            best = diff
    name = command_name(predicted)
    return ", ".join(_flag_label(name, p) for p in best or [])


def judge(row: Row, prediction: ParseResult) -> dict:
    """One row's verdict: what was predicted, whether it is right, how it is wrong."""
    command, error = prediction.command, prediction.error
    canonical = None
    if command:
        try:
            canonical = contract.canonical(command)
            status = "command"
        except contract.ContractError as exc:
            status, error = INVALID_NAME, error or str(exc)
    else:
        status = INVALID_NAME if prediction.error_kind is not None else NONE_NAME

    if not row.accepted:
        semantic = exact = status == NONE_NAME
    elif status == "command":
        semantic = any(contract.same(canonical, a) for a in row.accepted)
        exact = canonical in row.accepted
    else:
        semantic = exact = False

    predicted_name = command_name(canonical) if canonical else status
    deletes = bool(canonical) and destructive(contract.parse(canonical))
    confusion = None
    if not semantic:
        confusion = f"{row.expected_name} -> {predicted_name}"
        if predicted_name == row.expected_name:
            confusion += f" (wrong {_wrong_params(canonical, row.accepted) or 'value'})"
    return {
        "request": row.request,
        "accepted": list(row.accepted),
        "expected": row.expected_name,
        "predicted": canonical,
        "predicted_name": predicted_name,
        "answer": prediction.answer,
        "error": error,
        "confidence": float(prediction.confidence),
        "semantic": semantic,
        "exact": exact,
        "confusion": confusion,
        "destructive": deletes,
        "ignored": list(prediction.ignored),
        "latency_s": prediction.latency_s,
    }


# --------------------------------------------------------------------------
# Aggregates
# --------------------------------------------------------------------------


def share(values) -> float | None:
    values = list(values)
    return sum(values) / len(values) if values else None


def percentile(values, q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default)."""
    values = sorted(values)
    if not values:
        return None
    pos = (len(values) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return values[lo] + (values[hi] - values[lo]) * (pos - lo)


def wrong_destructive(judged: list[dict], thresholds=(0.0, 0.5, 0.8)) -> dict:
    """Wrong answers that would delete (rm, cleanup without --dry-run), at or above each
    confidence: {"0.8": n, ...}."""
    wrong = [j for j in judged if j.get("destructive") and not j["semantic"]]
    return {f"{t:g}": sum(1 for j in wrong if j["confidence"] >= t) for t in thresholds}


def threshold_table(judged: list[dict], thresholds=THRESHOLDS) -> list[dict]:
    table = []
    for t in thresholds:
        kept = [j for j in judged if j["confidence"] >= t]
        table.append(
            {
                "threshold": t,
                "kept": len(kept),
                "coverage": len(kept) / len(judged) if judged else None,
                "precision": share(j["semantic"] for j in kept),
            }
        )
    return table


def bin_index(confidence: float, bins: int = BINS) -> int:
    """The reliability bin of a confidence: [0, 0.1) -> 0 ... [0.9, 1.0] -> 9."""
    return min(int(confidence * bins), bins - 1) if confidence > 0 else 0


def reliability(confidences: list[float], correct: list, bins: int = BINS) -> dict:
    """Confidence bins vs observed accuracy, and the expected calibration error (the
    count-weighted |mean confidence - accuracy| over bins; None for no rows)."""
    groups = defaultdict(list)
    for c, ok in zip(confidences, correct):
        groups[bin_index(c, bins)].append((c, ok))
    table = []
    ece = 0.0
    for i in range(bins):
        members = groups.get(i, [])
        mean_conf = share(c for c, _ in members)
        accuracy = share(ok for _, ok in members)
        if members:
            ece += len(members) / len(confidences) * abs(mean_conf - accuracy)
        table.append(
            {"lo": i / bins, "hi": (i + 1) / bins, "n": len(members), "confidence": mean_conf, "accuracy": accuracy}
        )
    return {"bins": table, "ece": ece if confidences else None}


def per_command(judged: list[dict]) -> dict:
    groups = defaultdict(list)
    for j in judged:
        groups[j["expected"]].append(j)
    order = [*contract.commands(), NONE_NAME]
    return {
        name: {
            "n": len(groups[name]),
            "semantic": share(j["semantic"] for j in groups[name]),
            "exact": share(j["exact"] for j in groups[name]),
        }
        for name in order
        if groups.get(name)
    }


def latency_stats(latencies) -> dict:
    latencies = [x for x in latencies if x is not None]
    return {
        "latency_p50_s": percentile(latencies, 50),
        "latency_p95_s": percentile(latencies, 95),
        "latency_mean_s": share(latencies),
        "latency_max_s": max(latencies) if latencies else None,
    }


def score(judged: list[dict]) -> dict:
    """Every metric over judged rows (see the module docstring)."""
    real = [j for j in judged if j["accepted"]]
    empty = [j for j in judged if not j["accepted"]]
    confusions = Counter(j["confusion"] for j in judged if j["confusion"])
    return {
        "n": len(judged),
        "n_command": len(real),
        "n_no_command": len(empty),
        "semantic_accuracy": share(j["semantic"] for j in judged),
        "exact_accuracy": share(j["exact"] for j in judged),
        "command_semantic_accuracy": share(j["semantic"] for j in real),
        "abstain_accuracy": share(j["predicted_name"] == NONE_NAME for j in empty),
        "false_abstain_rate": share(j["predicted_name"] == NONE_NAME for j in real),
        "invalid_rate": share(j["predicted_name"] == INVALID_NAME for j in judged),
        "per_command": per_command(judged),
        "confusions": [[label, count] for label, count in confusions.most_common(TOP_CONFUSIONS)],
        "thresholds": threshold_table(judged),
        "wrong_destructive": wrong_destructive(judged),
        "reliability": reliability([j["confidence"] for j in judged], [j["semantic"] for j in judged]),
        **latency_stats(j["latency_s"] for j in judged),
    }
