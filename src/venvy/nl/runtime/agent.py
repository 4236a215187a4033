"""VenvyNLAgent: one request in, one contract command (or none) out, with a confidence.

    agent = VenvyNLAgent()                      # resolves and loads the model (once per process)
    result = agent.parse("list my venvs")       # a ParseResult
    result.command, result.confidence           # "venvy ls", 0.94

- The model comes from venvy.nl.runtime.resolve and loads through .loading.
- Decoding (.decoding) is greedy and constrained by the contract's grammar; forced tokens
  and values copied from the request are checked in batches (.drafts), same answers.
- Free-text values are grounded in the request (.grounding): a name, path or package can
  only be a span of it.
- raw_score is the product of the chosen tokens' unconstrained probabilities (min_prob
  their minimum); decision_score / decision_min are the same over the tokens where there
  was a choice (not the ones the grammar forced). The request's value-like spans that the
  command leaves out are `ignored`. The calibration block of the model's manifest maps
  these to P(right command) (.confidence).
- The answer is parsed by the CLI's real parser (contract.parse) and returned in
  canonical form; anything else becomes an error, never a command.
"""

from __future__ import annotations

import math
import os
import time

from venvy.errors import ModelError
from venvy.nl import contract, prompt
from venvy.nl.runtime import confidence, coverage, decoding, grounding, loading, resolve
from venvy.nl.runtime.request import clean_request, value_warnings
from venvy.nl.runtime.result import ErrorKind, ParseResult

MAX_TOKENS = 64  # the longest answer in the dataset is 39 tokens (+ end); garbage stops here


class VenvyNLAgent:
    """Turns a request into a canonical contract command (or None) with a confidence.

    model_dir: a model folder (with manifest.json) or a GGUF file; None resolves
    $VENVY_MODEL, $VENVY_HOME/models, then the shipped model (venvy.nl.runtime.resolve).
    """

    def __init__(
        self,
        model_dir: str | os.PathLike | None = None,
        *,
        grammar: bool = True,
        grounding: bool = True,
        completion: bool = True,
        draft: bool = True,
        few_shot=(),
        n_threads: int | None = None,
        progress=None,
        max_tokens: int = MAX_TOKENS,
    ):
        loading.import_llama_cpp(n_threads)  # the missing extra is the first thing to say
        self.spec = resolve.resolve(model_dir, progress=progress)
        version = self.spec.manifest.get("prompt_version")
        if version is not None and version != prompt.PROMPT_VERSION:
            raise ModelError(
                f"the model {self.spec.describe()} was trained on prompt version {version}; this venvy "
                f"speaks version {prompt.PROMPT_VERSION}. Use a model made for this venvy."
            )
        self.loaded = loading.load(self.spec, n_threads)
        self.spec = self.loaded.spec  # the merged model when the adapter was merged
        self.grammar = grammar
        self.grounding = grounding and grammar
        self.completion = completion and self.grounding
        self.draft = draft
        self.few_shot = tuple(few_shot)
        self.max_tokens = max_tokens
        self.calibration = self.spec.calibration
        self._prefix: list[int] | None = None

    @property
    def load_s(self) -> float:
        return self.loaded.load_s

    def parse(self, text: str) -> ParseResult:
        started = time.perf_counter()
        # clean the request; an empty one never reaches the model
        request, warnings = clean_request(text)
        if not request:
            return ParseResult(
                request=request, error_kind=ErrorKind.EMPTY_REQUEST, error="the request is empty.",
                warnings=tuple(warnings), latency_s=time.perf_counter() - started,
            )
        # prompt and decode
        request, tokens = self._prompt_tokens(request, warnings)
        decode_started = time.perf_counter()
        decoded = decoding.decode(
            self.loaded, tokens, self._prefix_tokens(), use_grammar=self.grammar, max_tokens=self.max_tokens,
            grounder=grounding.Grounder(request, complete=self.completion) if self.grounding else None,
            draft=self.draft,
        )
        answer, probs, timing = decoded.answer, decoded.probs, decoded.timing
        decode_s = time.perf_counter() - decode_started
        chosen = [p for p, choice in zip(probs, decoded.decisions) if choice]
        # parse the answer with the CLI's own parser; anything else is an error, never a command
        command, error_kind, error = None, None, None
        try:
            command = prompt.command(answer)
            if command is not None:
                command = contract.canonical(command)
        except contract.ContractError as exc:
            command, error_kind = None, ErrorKind.INVALID_ANSWER
            error = f"the model's answer {answer!r} is not a venvy command ({exc})."
        ignored: list[str] = []
        if command is not None:
            warnings.extend(value_warnings(command, request))
            ignored = coverage.ignored(command, request)
            if ignored:
                spans = ", ".join(repr(text) for text in ignored)
                warnings.append(f"the command does not use {spans} from your request: check it.")
        # score: products and minimums of the chosen tokens' probabilities, calibrated
        features = confidence.Features(
            prod=_product(probs), min=min(probs, default=0.0),
            dprod=_product(chosen) if probs else 0.0, dmin=min(chosen, default=1.0) if probs else 0.0,
            ignored=len(ignored), abstains=command is None,
        )
        return ParseResult(
            request=request, command=command, confidence=confidence.apply(self.calibration, features),
            raw_score=features.prod, min_prob=features.min, decision_score=features.dprod,
            decision_min=features.dmin, ignored=tuple(ignored),
            answer=answer, error_kind=error_kind, error=error, warnings=tuple(warnings),
            latency_s=time.perf_counter() - started, decode_s=decode_s,
            timing=timing,
        )

    # -- prompt -------------------------------------------------------------

    def render(self, request: str) -> str:
        """The prompt text for `request`, with this model's chat template and few-shot turns."""
        lm = self.loaded
        return prompt.render(request, lm.chat_template, lm.bos, lm.eos, few_shot=self.few_shot)

    def _tokenize(self, text: str) -> list[int]:
        return self.loaded.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    def _prompt_tokens(self, request: str, warnings: list[str]) -> tuple[str, list[int]]:
        """Cut the request to what the model reads (prompt.MAX_REQUEST_CHARS and the
        context window, leaving room for the answer), with a note when cut."""
        original = len(request)
        if len(request) > prompt.MAX_REQUEST_CHARS:
            request = request[: prompt.MAX_REQUEST_CHARS].rstrip()
        tokens = self._tokenize(self.render(request))
        budget = loading.N_CTX - self.max_tokens
        while len(tokens) > budget and len(request) > 1:
            request = request[: max(1, int(len(request) * 0.8))].rstrip()
            tokens = self._tokenize(self.render(request))
        if len(tokens) > budget:
            raise ModelError("the prompt does not fit the model's context; use fewer few-shot examples.")
        if len(request) < original:
            warnings.append(
                f"the request is long ({original:,} characters); the model read only its first "
                f"{len(request):,}."
            )
        return request, tokens

    def _prefix_tokens(self) -> list[int]:
        """The tokens every prompt starts with (system turn, few-shot turns, the user tag)."""
        if self._prefix is None:
            a, b = self._tokenize(self.render("a")), self._tokenize(self.render("b"))
            n = 0
            while n < min(len(a), len(b)) and a[n] == b[n]:
                n += 1
            self._prefix = a[:n]
        return self._prefix


def _product(probs: list[float]) -> float:
    return math.exp(sum(math.log(max(p, 1e-300)) for p in probs))
