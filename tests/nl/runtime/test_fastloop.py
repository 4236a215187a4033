"""venvy.nl.runtime.fastloop: the same answers as the plain loop in fewer model steps.

The model tests run the agent's own plain loop (venvy.nl.runtime.decoding) and the fast loop
on the same loaded model, grammar and prompt tokens; the answers must be byte-identical.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from venvy.nl.runtime import fastloop

ROOT = Path(__file__).resolve().parents[3]
TEST_SPLIT = ROOT / "data" / "test.jsonl"
HANDWRITTEN = ROOT / "tests" / "data" / "handwritten.tsv"


class _Pieces:
    """Stands in for a Llama in lookup_draft: token id -> its text."""

    def __init__(self, pieces: dict[int, bytes]):
        self.pieces = pieces

    def detokenize(self, tokens):
        return b"".join(self.pieces[t] for t in tokens)


class _Table:
    def __init__(self):
        self.pieces = {}

    piece = fastloop._Tables.piece


PIECES = {1: b" make", 2: b" a", 3: b" venv", 4: b" at", 5: b" ~/", 6: b"work", 7: b"/x", 8: b"/.", 9: b"venv",
          10: b" with", 11: b" --", 12: b"path", 13: b" req"}


def test_lookup_copies_the_rest_of_the_word_from_the_request():
    request = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]  # "make a venv at ~/work/x/.venv with"
    answer = [11, 12, 5]  # "--path ~/"
    assert fastloop.lookup_draft(_Pieces(PIECES), _Table(), answer, request) == [6, 7, 8, 9]


def test_lookup_stops_at_the_next_word_and_needs_a_match():
    request = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert fastloop.lookup_draft(_Pieces(PIECES), _Table(), [11, 12, 9], request) == []  # " with" starts a word
    assert fastloop.lookup_draft(_Pieces(PIECES), _Table(), [11, 13], request) == []  # " req" is not there


def test_lookup_prefers_the_longest_match():
    request = [6, 7, 8, 6, 9, 7]  # "work" occurs twice: after "work/x" only the first continues right
    assert fastloop.lookup_draft(_Pieces(PIECES), _Table(), [6, 7], request) == [8, 6, 9, 7]


# --------------------------------------------------------------------------
# With the shipped model
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def agent(tmp_path_factory):
    """The shipped model as venvy -w loads it: the adapter merged into the base."""
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (pip install -e '.[nl]')")
    from venvy.nl.runtime import resolve as model_source
    from venvy.nl.runtime.agent import VenvyNLAgent

    if not (model_source.SHIPPED_DIR / "manifest.json").is_file():
        pytest.skip("needs the shipped model (src/venvy/nl/model/)")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("VENVY_MERGE", raising=False)  # tests/conftest.py turns merging off
        patch.setenv("VENVY_HOME", str(tmp_path_factory.mktemp("venvy-home")))
        patch.setenv("VENVY_THREADS", "1")  # the setting MEASURED_DIFFERENT was measured with
        return VenvyNLAgent(model_source.SHIPPED_DIR)


def _keep_only(agent, prefix) -> None:
    """Drop the KV cache after the shared prompt prefix (what a new request keeps)."""
    llm = agent.loaded.llm
    if llm.n_tokens > len(prefix):
        llm._ctx.kv_cache_seq_rm(-1, len(prefix), -1)
        llm.n_tokens = len(prefix)


def plain_and_fast(agent, request: str):
    """(plain answer, plain probs, fast Decoded) for one request, same model and grammar."""
    from venvy.nl.runtime import decoding, loading
    from venvy.nl.runtime.request import clean_request

    cleaned, warnings = clean_request(request)
    _, tokens = agent._prompt_tokens(cleaned, warnings)
    prefix = agent._prefix_tokens()
    _keep_only(agent, prefix)
    plain = decoding.decode(agent.loaded, tokens, prefix, use_grammar=True, max_tokens=agent.max_tokens)
    _keep_only(agent, prefix)  # so the request is evaluated as one batch again, as in the plain run
    decoding.eval_prompt(agent.loaded, tokens, prefix)
    grammar = decoding.grammar_sampler(agent.loaded)
    fast = fastloop.decode(
        agent.loaded.llm, grammar, tokens, max_tokens=agent.max_tokens, n_ctx=loading.N_CTX,
        lookup_tokens=tokens[len(prefix):],
    )
    return plain.answer, plain.probs, fast


REQUESTS = [
    "list all venvs sorted by size in json",
    "make a venv at ~/work/x/.venv with requests and rich",
    "stop tracking legacy but keep its files",
    "scan ~/projects 5 levels deep",
    "what's the weather in Paris",
    "remove venvs older than 90 days",
]


# llama.cpp computes a position's logits a little differently in a batch than in a single
# step (other matmul kernels: up to ~1 logit here with the Q4_1 base + adapter, ~0.05 with
# an F16 merged model), so answers are compared byte for byte and probabilities closely.
PROB_TOLERANCE = 0.15


@pytest.mark.model
@pytest.mark.parametrize("request_text", REQUESTS)
def test_same_answer_in_fewer_steps(agent, request_text):
    answer, probs, fast = plain_and_fast(agent, request_text)
    assert fast.text.encode("utf-8") == answer.encode("utf-8")
    assert fast.probs == pytest.approx(probs, abs=PROB_TOLERANCE)
    assert fast.decisions == len(probs)
    assert fast.steps <= len(fast.tokens)  # never more model calls than the plain loop


@pytest.mark.model
def test_the_kv_cache_stays_usable_for_the_next_request(agent):
    first = plain_and_fast(agent, "create a python 3.11 venv named backend")
    again = plain_and_fast(agent, "create a python 3.11 venv named backend")
    assert first[2].text == again[2].text == first[0]
    assert first[2].probs == pytest.approx(again[2].probs, abs=1e-6)


def _rows():
    with open(TEST_SPLIT, encoding="utf-8") as fh:
        return [json.loads(line)["input"] for line in fh if line.strip()]


# Measured 2026-11-30 over the whole test split with the shipped model as venvy -w loads it
# (adapter merged, Q8_0), one thread, llama-cpp-python 0.3.36 on the 2-core dev machine
# (docs/wizard.md, "Fewer model steps"): v2 model on dataset v2's 299 rows, 3 answers differ;
# v3 model (55-minute run) on dataset v3's 409 rows, 4 differ, because llama.cpp's batch logits
# differ slightly from single-step ones; the shipped v3 model (100-minute run), 0 of 409. The
# test pins the measurement, so a change in either loop, the model or llama.cpp that moves it
# shows up. (The fast loop is still not wired: it has no grounding or completion yet.)
MEASURED_DIFFERENT = 0


@pytest.mark.model
@pytest.mark.slow
def test_fast_loop_over_the_whole_test_split_differs_as_measured(agent):
    requests = _rows()
    assert len(requests) >= 299
    differ, steps, tokens = [], 0, 0
    for request in requests:
        answer, probs, fast = plain_and_fast(agent, request)
        if fast.text.encode("utf-8") != answer.encode("utf-8"):
            differ.append((request, answer, fast.text))
        steps += fast.steps
        tokens += len(fast.tokens) + 1
    assert len(differ) == MEASURED_DIFFERENT, "\n".join(map(str, differ[:10]))
    assert steps < tokens
