"""Raw model score -> calibrated confidence, with the block that calibration fitting
(venvy.nl.pipeline.calibrate) stores in the model's manifest.json."""

from __future__ import annotations

import math

EPS = 1e-6


def logit(p: float) -> float:
    p = min(max(p, EPS), 1 - EPS)
    return math.log(p / (1 - p))


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1 / (1 + math.exp(-z))
    e = math.exp(z)
    return e / (1 + e)


def apply(calibration: dict | None, raw_score: float, min_prob: float | None = None) -> float:
    """Calibrated confidence; the raw score itself when there is no calibration."""
    if not calibration or calibration.get("method") != "platt":
        return float(raw_score)
    x = min_prob if calibration.get("feature") == "min" and min_prob is not None else raw_score
    return sigmoid(calibration["a"] * logit(x) + calibration["b"])
