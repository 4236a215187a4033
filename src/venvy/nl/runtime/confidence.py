"""Raw model scores -> calibrated confidence, with the block that calibration fitting
(venvy.nl.pipeline.calibrate) stores in the model's manifest.json.

The features all come from one parse: the product ("prod") and minimum ("min") of the
chosen tokens' unconstrained probabilities, the same over the tokens where there was a
choice ("dprod", "dmin"), how many value-like spans of the request the command
ignores ("ignored"), and whether the answer is no command at all ("abstains"). The block
names one probability feature, Platt's a and b, and optionally a coefficient for the
ignored spans and one for an answer with no command, and optionally a floor under the feature:

    P(right) = sigmoid(a * logit(max(feature, floor)) + b + c_ignored * ignored + c_none * abstains)

The floor is there because right answers are not rare far down: an answer whose least likely
token had p = 0.1 is about as often right as one at 0.6 (a value the model copies can be unlikely
under its own distribution), while above that the share of right answers climbs steeply. One
straight line in logit(feature) cannot follow both; a floor lets it fit the climb.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EPS = 1e-6
PROB_FEATURES = ("prod", "min", "dprod", "dmin")


@dataclass(frozen=True)
class Features:
    prod: float = 0.0
    min: float = 0.0
    dprod: float = 0.0
    dmin: float = 0.0
    ignored: int = 0
    abstains: bool = False  # the answer is no command


def logit(p: float) -> float:
    p = min(max(p, EPS), 1 - EPS)
    return math.log(p / (1 - p))


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1 / (1 + math.exp(-z))
    e = math.exp(z)
    return e / (1 + e)


def apply(calibration: dict | None, features: Features) -> float:
    """Calibrated confidence; the raw product when there is no calibration."""
    if not calibration or calibration.get("method") != "platt":
        return float(features.prod)
    name = calibration.get("feature", "prod")
    x = getattr(features, name) if name in PROB_FEATURES else features.prod
    x = max(x, calibration.get("floor", 0.0))
    z = (calibration["a"] * logit(x) + calibration["b"] + calibration.get("c_ignored", 0.0) * features.ignored
         + calibration.get("c_none", 0.0) * features.abstains)
    return sigmoid(z)
