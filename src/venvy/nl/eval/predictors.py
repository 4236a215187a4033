"""The predictors the harness compares, all with one shape:

    p = make("knn"); p.load(); p.predict("list my envs") -> ParseResult

- finetuned            the shipped model (or --model DIR) with the grammar, values grounded in
                       the request (venvy.nl.runtime.grounding), as venvy -w runs it
- finetuned-ungrounded the same with the grammar alone (free-text values not grounded)
- finetuned-nogrammar  the same model decoding freely; unparseable output is an error
- fewshot              the base SmolLM2-135M-Instruct, no fine-tune, with a fixed few-shot
                       prompt drawn from the TRAIN split, and the same grammar
- knn                  no network: TF-IDF nearest neighbours over the training requests (the 5
                       nearest vote for the command name); the nearest neighbour with that name
                       gives the command, re-filled with values taken from the new request
"""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path

from venvy.nl import contract
from venvy.nl.eval.knn import DEFAULT_TRAIN, KnnPredictor
from venvy.nl.eval.rows import pairs
from venvy.nl.runtime.result import ParseResult

BASELINES = ("finetuned", "finetuned-ungrounded", "finetuned-nogrammar", "fewshot", "knn")
FEW_SHOT_SEED = 0
FEW_SHOT_NONE = 2  # no-command examples in the few-shot prompt, besides one per command
WARMUP_REQUEST = "list my venvs"


def few_shot_examples(train: list[tuple[str, str | None]], seed: int = FEW_SHOT_SEED) -> list[tuple[str, str | None]]:
    """A fixed small prompt set from the training split: one example per command plus a
    few no-command ones, picked with a fixed seed, in a shuffled (fixed) order."""
    rng = random.Random(seed)
    by_name = defaultdict(list)
    for request, command in train:
        by_name[command.split()[1] if command else None].append((request, command or None))
    picked = [rng.choice(sorted(by_name[name])) for name in contract.commands() if by_name.get(name)]
    nones = sorted(by_name.get(None, []))
    picked += rng.sample(nones, min(FEW_SHOT_NONE, len(nones)))
    rng.shuffle(picked)
    return picked


# --------------------------------------------------------------------------
# Model-backed predictors (VenvyNLAgent)
# --------------------------------------------------------------------------


def shipped_model_dir() -> Path:
    from venvy.nl.runtime.resolve import SHIPPED_DIR

    return SHIPPED_DIR


def model_files(model_dir) -> dict:
    """Sizes on disk of what the agent loads for `model_dir`: adapter (0 for a complete
    GGUF) + base model, resolved the way the agent resolves them."""
    from venvy.nl.runtime import resolve

    spec = resolve.resolve(model_dir)
    adapter = spec.lora_path.stat().st_size if spec.lora_path else 0
    base = spec.model_path.stat().st_size
    return {
        "model_file": str(spec.lora_path or spec.model_path),
        "base_file": str(spec.model_path),
        "adapter": adapter,
        "base": base,
        "total": adapter + base,
    }


class AgentPredictor:
    def __init__(self, name, model_dir=None, *, grammar=True, grounding=True, few_shot=(), n_threads=None, note=""):
        self.name = name
        self.model_dir = model_dir
        self.grammar = grammar
        self.grounding = grounding
        self.few_shot = list(few_shot)
        self.n_threads = n_threads
        self.note = note
        self.agent = None

    def load(self) -> None:
        """Build the agent: imports llama_cpp and loads the model (once per process)."""
        from venvy.nl.runtime.agent import VenvyNLAgent

        self.agent = VenvyNLAgent(
            self.model_dir, grammar=self.grammar, grounding=self.grounding, few_shot=self.few_shot,
            n_threads=self.n_threads,
        )

    def warmup(self) -> None:
        """One short request, so the first timed row does not pay for cold caches."""
        self.agent.parse(WARMUP_REQUEST)

    def predict(self, request: str) -> ParseResult:
        return self.agent.parse(request)

    def size_bytes(self) -> dict:
        return model_files(self.model_dir)

    def describe(self) -> str:
        where = self.model_dir or "shipped model"
        grammar = ("grammar" + ("" if self.grounding else ", values not grounded")) if self.grammar else "no grammar"
        shots = f", {len(self.few_shot)} few-shot examples from train" if self.few_shot else ""
        return f"{where}, {grammar}{shots}{self.note}"


def make(name: str, *, model_dir=None, train_path=DEFAULT_TRAIN, n_threads=None):
    """A predictor by baseline name (see the module docstring)."""
    if name == "knn":
        return KnnPredictor(train_path)
    if name == "finetuned":
        return AgentPredictor(name, model_dir, grammar=True, n_threads=n_threads)
    if name == "finetuned-ungrounded":
        return AgentPredictor(name, model_dir, grammar=True, grounding=False, n_threads=n_threads)
    if name == "finetuned-nogrammar":
        return AgentPredictor(name, model_dir, grammar=False, n_threads=n_threads)
    if name == "fewshot":
        shots = few_shot_examples(pairs(Path(train_path)))
        from venvy.nl.runtime.base_model import base_gguf_path

        return AgentPredictor(
            name, base_gguf_path(), grammar=True, few_shot=shots, n_threads=n_threads, note=" (base model, no fine-tune)"
        )
    raise ValueError(f"unknown baseline {name!r}; choose from {', '.join(BASELINES)}")
