"""Greedy decoding under the command grammar, on a loaded model.

At each step the highest-logit token the grammar allows is taken. The grammar is
applied to the top candidates first and to the whole vocabulary only when none of
them fits. With a Grounder (venvy.nl.runtime.grounding), a token that would make a
free-text value (name, path, package, requirements file) anything but a span of the
request is not allowed either. The probability of each chosen token comes from the
model's own, unconstrained softmax: that is what the confidence is built from. A step
is a decision when more than one of the top candidates was allowed; the steps where
the grammar (or grounding) left one choice are marked, so the confidence can leave
them out.

The prompt's common prefix stays in the KV cache between requests; in a fresh
process it comes from a KV state file when one matches (venvy.nl.runtime.prefix_cache).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from venvy.errors import ModelError
from venvy.nl import grammar
from venvy.nl.runtime import prefix_cache
from venvy.nl.runtime.loading import N_CTX, LoadedModel
from venvy.nl.runtime.result import Timing

if TYPE_CHECKING:
    from venvy.nl.runtime.grounding import Grounder

TOP_K = 32  # grammar is tried on these candidates before the whole vocabulary
MAX_CHECKS = 4096  # grounding checks per step, best allowed tokens first


@dataclass(frozen=True)
class Decoded:
    answer: str
    probs: list[float]  # the chosen tokens' unconstrained probabilities, the end included
    decisions: list[bool]  # per token: was there more than one allowed choice
    timing: Timing


def decode(
    loaded: LoadedModel, tokens: list[int], prefix: list[int], *, use_grammar: bool, max_tokens: int,
    grounder: "Grounder | None" = None,
) -> Decoded:
    """Greedy decoding (grammar-masked, optionally grounded argmax)."""
    import llama_cpp
    import numpy as np

    llm = loaded.llm
    vocab = llm._model.vocab
    n_vocab = llm.n_vocab()
    # the request's tokens: one batch
    started = time.perf_counter()
    prompt_tokens = eval_prompt(loaded, tokens, prefix)
    prompt_s = time.perf_counter() - started
    steps_s = 0.0
    sampler = grammar_sampler(loaded) if use_grammar else None
    scratch = Candidates(n_vocab)
    out: list[int] = []
    probs: list[float] = []
    decisions: list[bool] = []
    text = ""
    n_answer_start = llm.n_tokens  # KV position of the first answer token
    rewinds = 0  # steps spent going back for a missing option
    # the grounding check reads `text` when called: always the answer so far
    check = (lambda t: grounder.allows(text, piece(loaded, t), is_eog(vocab, t))) if grounder is not None else None
    for _ in range(max_tokens):
        logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(n_vocab,))
        log_z = _log_z(logits)
        if sampler is None:
            token, choice = int(logits.argmax()), True
        else:
            token, choice = masked_argmax(sampler, logits, scratch, check)
            at = grounder.must_go_on(text) if grounder is not None and token >= 0 and is_eog(vocab, token) else None
            if at is not None:  # the end is not allowed now
                if at < len(text):  # go back to where the missing option belongs
                    keep = _token_index(loaded, out, at)
                    if keep is None:
                        grounder.pending = []  # not on a token boundary: leave the answer as it is
                    else:
                        del out[keep:], probs[keep:], decisions[keep:]
                        text = text[:at]
                        logits = _rewind(loaded, sampler, out, n_answer_start)
                        log_z = _log_z(logits)
                        rewinds += 1
                token, choice = masked_argmax(sampler, logits, scratch, check)
            if token < 0:
                break  # nothing allowed: cannot happen with a complete grammar
            llama_cpp.llama_sampler_accept(sampler, token)
        probs.append(math.exp(float(logits[token]) - log_z))
        decisions.append(choice)
        if is_eog(vocab, token):
            break
        out.append(token)
        if grounder is not None:
            text += piece(loaded, token)
            grounder.advance(text)
        if llm.n_tokens >= N_CTX:
            break
        step_started = time.perf_counter()
        llm.eval([token])
        steps_s += time.perf_counter() - step_started
    timing = Timing(prompt_s=prompt_s, prompt_tokens=prompt_tokens, steps=len(out) + rewinds, steps_s=steps_s,
                    answer_tokens=len(probs))
    answer = llm.detokenize(out).decode("utf-8", "replace").strip()
    return Decoded(answer=answer, probs=probs, decisions=decisions, timing=timing)


def _log_z(logits):
    """log of the softmax's normaliser, computed stably (in the logits' own float type)."""
    import numpy as np

    top = logits.max()
    return top + math.log(float(np.exp(logits - top).sum()))


def _token_index(loaded: LoadedModel, out: list[int], at: int) -> int | None:
    """How many answer tokens make up exactly the first `at` characters (None: no boundary there)."""
    length = 0
    for i, token in enumerate(out):
        if length == at:
            return i
        length += len(piece(loaded, token))
    return len(out) if length == at else None


def _rewind(loaded: LoadedModel, sampler, out: list[int], start: int):
    """Cut the KV cache back to the answer `out` (out[-1] evaluated again, in a single step as
    the loop did, for its logits), replay `out` through the grammar, return the logits."""
    import llama_cpp
    import numpy as np

    llm = loaded.llm
    keep = start + len(out) - 1
    llm._ctx.kv_cache_seq_rm(-1, keep, -1)
    llm.n_tokens = keep
    llm.eval(out[-1:])
    llama_cpp.llama_sampler_reset(sampler)
    for token in out:
        llama_cpp.llama_sampler_accept(sampler, token)
    return np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(llm.n_vocab(),)).copy()


def is_eog(vocab, token: int) -> bool:
    import llama_cpp

    return bool(llama_cpp.llama_vocab_is_eog(vocab, token))


def piece(loaded: LoadedModel, token: int) -> str:
    """A token's text (cached per model); end-of-generation tokens have none."""
    text = loaded.pieces.get(token)
    if text is None:
        import llama_cpp

        if llama_cpp.llama_vocab_is_eog(loaded.llm._model.vocab, token):
            text = ""
        else:
            text = loaded.llm.detokenize([token]).decode("utf-8", "replace")
        loaded.pieces[token] = text
    return text


def eval_prompt(loaded: LoadedModel, tokens: list[int], prefix: list[int]) -> int:
    """Evaluate `tokens`, reusing the KV cache for the part shared with the last call;
    returns how many tokens were evaluated.

    In a fresh process the common prefix comes from a KV state file
    ($VENVY_HOME/cache/prefix-*.kv) when one matches this model and prompt; the prefix
    is always evaluated as its own batch, so cached and uncached runs compute the same."""
    llm = loaded.llm
    if llm.n_tokens == 0 and prefix and tokens[: len(prefix)] == prefix and len(tokens) > len(prefix):
        if not prefix_cache.restore(loaded, prefix):
            llm.eval(prefix)
            prefix_cache.save(loaded, prefix)
    cached = llm.input_ids[: llm.n_tokens].tolist()
    keep = 0
    for a, b in zip(cached, tokens):
        if a != b:
            break
        keep += 1
    keep = min(keep, len(tokens) - 1)  # always evaluate one token for fresh logits
    if not llm._ctx.kv_cache_seq_rm(-1, keep, -1):
        keep = 0
        llm.reset()
        llm._ctx.kv_cache_clear()
    llm.n_tokens = keep
    llm.eval(tokens[keep:])
    return len(tokens) - keep


def grammar_sampler(loaded: LoadedModel):
    """llama.cpp's grammar sampler for the command grammar: built once per model, reset per use."""
    import llama_cpp

    if loaded.grammar_sampler is None:
        sampler = llama_cpp.llama_sampler_init_grammar(
            loaded.llm._model.vocab, grammar.grammar().encode("utf-8"), b"root"
        )
        if not sampler:
            raise ModelError("llama.cpp rejected the command grammar (venvy.nl.grammar.grammar()).")
        loaded.grammar_sampler = sampler
    else:
        llama_cpp.llama_sampler_reset(loaded.grammar_sampler)
    return loaded.grammar_sampler


def masked_argmax(sampler, logits, scratch: "Candidates", check=None) -> tuple[int, bool]:
    """(the best token the grammar allows, whether that was a choice): among the top TOP_K
    first, then the whole vocabulary. `check(token)`, when given, must hold too (grounding);
    when no allowed token passes it, the grammar's best is taken anyway. A choice: at least
    two tokens were allowed (among the top TOP_K, or in the whole vocabulary)."""
    import numpy as np

    k = min(TOP_K, len(logits) - 1)
    top = np.argpartition(-logits, k)[:k]
    fallback = -1
    for ids in (top, None):
        allowed_ids, allowed_logits = scratch.apply(sampler, logits, ids)
        if not len(allowed_ids):
            continue
        order = np.argsort(-allowed_logits, kind="stable")
        if check is None:
            return int(allowed_ids[order[0]]), len(allowed_ids) > 1
        passing = []
        for i in order[:MAX_CHECKS]:
            if check(int(allowed_ids[i])):
                passing.append(int(allowed_ids[i]))
                if len(passing) == 2:
                    break
        if passing:
            return passing[0], len(passing) > 1
        if fallback < 0:
            fallback = int(allowed_ids[order[0]])
    return fallback, False


class Candidates:
    """A reusable llama_token_data array for the grammar sampler."""

    def __init__(self, n_vocab: int):
        import numpy as np

        self.n_vocab = n_vocab
        self.data = np.zeros(
            n_vocab, dtype=np.dtype([("id", np.intc), ("logit", np.single), ("p", np.single)], align=True)
        )
        self.all_ids = np.arange(n_vocab, dtype=np.intc)

    def apply(self, sampler, logits, ids):
        """(ids, logits) of the candidates `ids` (None: all) that the grammar allows."""
        import ctypes

        import llama_cpp
        import numpy as np

        ids = self.all_ids if ids is None else ids.astype(np.intc)
        n = len(ids)
        view = self.data[:n]
        view["id"] = ids
        view["logit"] = logits[ids]
        view["p"] = 0.0
        array = llama_cpp.llama_token_data_array(
            data=view.ctypes.data_as(llama_cpp.llama_token_data_p), size=n, selected=-1, sorted=False
        )
        llama_cpp.llama_sampler_apply(sampler, ctypes.byref(array))
        size = int(array.size)  # the grammar sampler only masks (logit = -inf); size stays n
        kept = view[:size]
        ok = np.isfinite(kept["logit"])
        return kept["id"][ok], kept["logit"][ok]
