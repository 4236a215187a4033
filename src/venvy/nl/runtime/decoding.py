"""Greedy decoding under the command grammar, on a loaded model.

At each position the highest-logit token the grammar allows is taken. The grammar is
applied to the top candidates first and to the whole vocabulary only when none of
them fits. With a Grounder (venvy.nl.runtime.grounding), a token that would make a
value anything but what the request states is not allowed either (and an answer that
leaves a stated value out may have to go on: completion). The probability of each
chosen token comes from the model's own, unconstrained softmax: that is what the
confidence is built from. A position is a decision when more than one of the top
candidates was allowed; the ones where the grammar (or grounding) left one choice are
marked, so the confidence can leave them out.

Drafts (`draft=True`, venvy.nl.runtime.drafts): after each token, the tokens the grammar
forces next, or the rest of a word being copied from the request, are proposed and
evaluated in one batch with it. Each is then checked with the same decision rule at its
position: kept when it is the token the rule chooses, else the chosen token replaces it
and the rest of the batch is dropped from the KV cache. So every token is still the
grammar-masked, grounded argmax of the model's logits at its position; only fewer model
calls compute them. llama.cpp computes a position's logits in a batch with other kernels
than in a single step (differences well under a logit), and the KV cache entries a batch
writes differ the same way, which moves every later position's logits a little too (up to
~0.3 a logit). So a decision whose margin over the next allowed token is under GUARD_LOGITS
(MERGED_GUARD_LOGITS for the merged Q8_0 model: on val + dev no answer moved with it as low
as 0.25, docs/wizard.md) on batch logits, or under KV_GUARD_LOGITS on single-step logits after a batch wrote part of
the answer's KV cache, is made again on logits computed as the plain loop computes them:
the cache cut back to the first entry a batch wrote, and the tokens from there evaluated
one at a time. tests/nl/runtime/test_drafts.py checks the answers over the whole test
split against draft=False.

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
from venvy.nl.runtime import drafts, prefix_cache
from venvy.nl.runtime.loading import N_CTX, LoadedModel
from venvy.nl.runtime.result import Timing
from venvy.nl.runtime.vocab import Candidates, is_eog, piece

if TYPE_CHECKING:
    from venvy.nl.runtime.grounding import Grounder

TOP_K = 32  # grammar is tried on these candidates before the whole vocabulary
MAX_CHECKS = 4096  # grounding checks per step, best allowed tokens first
GUARD_LOGITS = 2.5  # a decision on batch logits closer than this is made again on single-step logits
MERGED_GUARD_LOGITS = 1.0  # the same for the merged Q8_0 model venvy makes (its batch drift is far smaller)
KV_GUARD_LOGITS = 0.5  # the same after a batch wrote part of the KV cache (drift there: up to ~0.3 a logit)

__all__ = ["Candidates", "Decoded", "decode", "eval_prompt", "grammar_sampler", "is_eog", "masked_argmax", "piece"]


@dataclass(frozen=True)
class Decoded:
    answer: str
    probs: list[float]  # the chosen tokens' unconstrained probabilities, the end included
    decisions: list[bool]  # per token: was there more than one allowed choice
    timing: Timing


def decode(
    loaded: LoadedModel, tokens: list[int], prefix: list[int], *, use_grammar: bool, max_tokens: int,
    grounder: "Grounder | None" = None, draft: bool = True,
) -> Decoded:
    """Greedy decoding (grammar-masked, optionally grounded argmax); `draft`: with draft tokens
    checked in batches (same answers, fewer model calls)."""
    import llama_cpp
    import numpy as np

    llm = loaded.llm
    vocab = llm._model.vocab
    n_vocab = llm.n_vocab()
    # the request's tokens: one batch
    started = time.perf_counter()
    prompt_tokens = eval_prompt(loaded, tokens, prefix)
    prompt_s = time.perf_counter() - started
    steps, steps_s, skipped, replayed = 0, 0.0, 0, 0
    sampler = grammar_sampler(loaded) if use_grammar else None
    drafter = _drafter(loaded) if draft and sampler is not None else None
    source = tokens[len(prefix):]  # where values are copied from
    guard = MERGED_GUARD_LOGITS if loaded.spec.merged else GUARD_LOGITS
    scratch = Candidates(n_vocab)
    out: list[int] = []
    probs: list[float] = []
    decisions: list[bool] = []
    text = ""
    n_answer_start = llm.n_tokens  # KV position of the first answer token
    # the grounding check reads `text` when called: always the answer so far
    check = (lambda t: grounder.allows(text, piece(loaded, t), is_eog(vocab, t))) if grounder is not None else None
    logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(n_vocab,))
    batched = False  # do `logits` come from a batch of more than one token
    batch_kv: int | None = None  # the first answer token whose KV entry a batch computed
    ahead: list[tuple[int, object]] = []  # (draft token, logits after it) for the next positions

    def single_steps():
        """The logits after the answer so far, computed as the plain loop does: the KV cache
        cut back to the first answer token a batch computed (else to before the last token),
        and the tokens from there evaluated one at a time."""
        nonlocal steps, steps_s, batch_kv, replayed
        step_started = time.perf_counter()
        start = len(out) - 1 if batch_kv is None else min(batch_kv, len(out) - 1)
        drafts.truncate(llm, n_answer_start + start)
        for token in out[start:]:
            llm.eval([token])
            steps += 1
        replayed += len(out) - start
        batch_kv = None
        steps_s += time.perf_counter() - step_started
        return np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(n_vocab,))

    def choose(logits, batched):
        """(token, choice, logits): the decision at this position, on logits computed as the
        plain loop computes them when it is too close to call on batch logits or on a KV
        cache that a batch wrote."""
        token, choice, margin = masked_argmax(sampler, logits, scratch, check)
        if out and (margin < guard if batched else batch_kv is not None and margin < KV_GUARD_LOGITS):
            ahead.clear()
            logits = single_steps()
            token, choice, _ = masked_argmax(sampler, logits, scratch, check)
        return token, choice, logits

    for _ in range(max_tokens):
        if sampler is None:
            token, choice = int(logits.argmax()), True
        else:
            token, choice, logits = choose(logits, batched)
            at = grounder.must_go_on(text) if grounder is not None and token >= 0 and is_eog(vocab, token) else None
            if at is not None:  # the end is not allowed now
                ahead.clear()
                if at < len(text):  # go back to where the missing option belongs
                    keep = _token_index(loaded, out, at)
                    if keep is None:
                        grounder.pending = []  # not on a token boundary: leave the answer as it is
                    else:
                        del out[keep:], probs[keep:], decisions[keep:]
                        text = text[:at]
                        logits, batched = _rewind(loaded, sampler, out, n_answer_start), False
                        if batch_kv is not None and batch_kv >= len(out) - 1:
                            batch_kv = None  # what a batch wrote is cut or evaluated again
                        steps += 1
                token, choice, logits = choose(logits, batched)
            if token < 0:
                break  # nothing allowed: cannot happen with a complete grammar
            llama_cpp.llama_sampler_accept(sampler, token)
        probs.append(math.exp(float(logits[token]) - _log_z(logits)))
        decisions.append(choice)
        if is_eog(vocab, token):
            break
        out.append(token)
        if grounder is not None:
            text += piece(loaded, token)
            grounder.advance(text)
        if ahead and ahead[0][0] == token:  # the draft token was right: its logits are computed
            logits = ahead.pop(0)[1]
            skipped += 1
            continue
        ahead.clear()
        # evaluate the token (and the next draft) after the answer so far
        drafts.truncate(llm, n_answer_start + len(out) - 1)
        room = min(max_tokens - len(out) - 1, N_CTX - llm.n_tokens - 1)
        if room < 0:
            break
        proposal = []
        if drafter is not None and room > 0:
            proposal = drafter.propose(sampler, out, source)[:room]
        if batch_kv is not None and batch_kv >= len(out) - 1:
            batch_kv = None  # the entry is evaluated again now
        step_started = time.perf_counter()
        if proposal:
            rows = drafts.eval_batch(llm, [token, *proposal])
            logits, batched = rows[0], True
            ahead = list(zip(proposal, rows[1:]))
            batch_kv = len(out) - 1 if batch_kv is None else batch_kv
        else:
            llm.eval([token])
            logits, batched = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(n_vocab,)), False
        steps += 1
        steps_s += time.perf_counter() - step_started
    drafts.truncate(llm, n_answer_start + len(out))  # no unchecked draft stays in the KV cache
    timing = Timing(prompt_s=prompt_s, prompt_tokens=prompt_tokens, steps=steps, steps_s=steps_s,
                    answer_tokens=len(probs), skipped=skipped, replayed=replayed)
    answer = llm.detokenize(out).decode("utf-8", "replace").strip()
    return Decoded(answer=answer, probs=probs, decisions=decisions, timing=timing)


def _drafter(loaded: LoadedModel) -> "drafts.Drafter":
    if loaded.drafter is None:
        loaded.drafter = drafts.Drafter(loaded)
    return loaded.drafter


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


def masked_argmax(sampler, logits, scratch: Candidates, check=None) -> tuple[int, bool, float]:
    """(the best token the grammar allows, whether that was a choice, its margin): among the
    top TOP_K first, then the whole vocabulary. `check(token)`, when given, must hold too
    (grounding); when no allowed token passes it, the grammar's best is taken anyway. A
    choice: at least two tokens were allowed (among the top TOP_K, or in the whole
    vocabulary). The margin is a lower bound on how far the token's logit is above any other
    token that could have been chosen (0 for the fallback)."""
    import numpy as np

    k = min(TOP_K, len(logits) - 1)
    top = np.argpartition(-logits, k)[:k]
    floor = float(logits[top].min())  # every token outside the top k is at most this
    fallback = -1
    for ids in (top, None):
        allowed_ids, allowed_logits = scratch.apply(sampler, logits, ids)
        if not len(allowed_ids):
            continue
        order = np.argsort(-allowed_logits, kind="stable")
        passing = []
        for i in order[:MAX_CHECKS]:
            if check is None or check(int(allowed_ids[i])):
                passing.append(i)
                if len(passing) == 2:
                    break
        if passing:
            best = float(allowed_logits[passing[0]])
            if len(passing) > 1:
                margin = best - float(allowed_logits[passing[1]])
            else:
                margin = best - floor if ids is not None else math.inf
            return int(allowed_ids[passing[0]]), len(allowed_ids) > 1 if check is None else len(passing) > 1, margin
        if fallback < 0:
            fallback = int(allowed_ids[order[0]])
    return fallback, False, 0.0
