"""What the agent returns for one request: a small frozen record, not a dict.

Every consumer (the wizard, the evaluation harness and its judge, calibration
fitting) and every fake (tests, the kNN baseline) uses this one type.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ErrorKind(enum.Enum):
    """Why a parse gave no command although one may have been meant."""

    EMPTY_REQUEST = "empty request"  # nothing but whitespace and control characters
    INVALID_ANSWER = "invalid answer"  # the model wrote something the CLI's parser rejects
    FAILED = "failed"  # the predictor raised (the evaluation harness records it this way)


@dataclass(frozen=True)
class Timing:
    """Where one parse's model time went (benchmarks/bench_wizard.py prints it)."""

    prompt_s: float = 0.0  # evaluating the request's tokens (one batch)
    prompt_tokens: int = 0  # tokens in that batch (the cached prefix not counted)
    steps: int = 0  # model steps after the prompt batch: one per answer token
    steps_s: float = 0.0  # time in those steps (llama.cpp eval, not the grammar)
    answer_tokens: int = 0  # tokens chosen, the end included
    skipped: int = 0  # answer tokens taken without a step of their own (forced, drafted)
    replayed: int = 0  # of `steps`: single steps that made a near tie again after a batch


@dataclass(frozen=True)
class ParseResult:
    """One request -> one canonical contract command (or None), with a confidence.

    command is None for "no command": then error_kind says whether that was the
    model's answer ("none": error_kind None) or a failure (error_kind and error set)."""

    request: str  # the request as the model read it (cleaned, maybe cut)
    command: str | None = None  # canonical "venvy ...", parsed by the CLI's own parser
    confidence: float = 0.0  # calibrated P(right command); the raw score without calibration
    raw_score: float = 0.0  # product of the chosen tokens' unconstrained probabilities
    min_prob: float = 0.0  # the smallest of those probabilities
    decision_score: float = 0.0  # product over the tokens where there was a choice (not forced)
    decision_min: float = 0.0  # the smallest of those
    ignored: tuple[str, ...] = ()  # value-like spans of the request the command does not use
    answer: str = ""  # the model's text, before parsing
    error_kind: ErrorKind | None = None
    error: str | None = None  # a sentence for a person, when error_kind is set
    warnings: tuple[str, ...] = ()
    latency_s: float = 0.0  # the whole parse
    decode_s: float = 0.0  # of which: prompt evaluation and decoding in llama.cpp
    timing: Timing | None = None  # decode_s in detail

    @property
    def ok(self) -> bool:
        """No failure: a command, or the model's own "no command"."""
        return self.error_kind is None
