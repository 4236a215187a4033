"""Greedy grammar-constrained decoding with fewer model steps, same answers.

The plain loop (VenvyNLAgent._decode) runs one model step per answer token: decide the
token (the highest-logit token the grammar allows), evaluate it, read the next logits.
This loop decides exactly the same tokens but evaluates several at once:

- forced text: where the grammar allows exactly one next character (the rest of an
  option name, `-files` after `--keep`), the characters up to the next choice are
  found by probing a copy of the grammar with one-character tokens, tokenized, and
  sent as draft tokens;
- prompt lookup: when the last answer tokens also occur in the request (a value being
  copied: a path, a package, a name), the request's tokens that follow, up to the end
  of that word, are sent as draft tokens;
- the token just decided and its draft tokens are evaluated in one batch with logits
  for every position; the draft is checked position by position with the same
  decision rule as the plain loop: a draft token is kept only if it is the token the
  plain loop would have chosen there, the first one that differs is replaced by the
  chosen token, and what follows it is dropped from the KV cache.

So every token is still chosen by the grammar-masked argmax of the model's logits at
its position, and the per-token probabilities come from the same logits. A batch of n
tokens costs much less than n steps (llama.cpp uses n_threads_batch for it), which is
where the time goes down. The only difference from the plain loop is numeric: llama.cpp
may compute a position's logits in a batch with a different summation order than in a
single step; tests/nl/runtime/test_fastloop.py checks over the whole test split that the
answers are byte-identical.

decode(llm, grammar, prompt_tokens) expects the prompt already evaluated (the logits
of its last position ready), like the plain loop after _eval_prompt().
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, field

TOP_K = 32  # as the plain loop: the grammar is tried on these candidates first
MAX_DRAFT = 8  # draft tokens per batch
MAX_FORCED_CHARS = 24
MIN_LOOKUP_NGRAM = 1
MAX_LOOKUP_NGRAM = 3
# llama.cpp computes a position's logits in a batch with other kernels than in a single
# step: up to ~1.3 logits apart here (Q4_1 base + adapter, F16 KV cache). A decision made
# on batch logits whose margin over the next allowed token is below this is recomputed in
# a single step, as the plain loop would compute it.
GUARD_LOGITS = 2.5
PROBE_CHARS = "".join(chr(c) for c in range(0x20, 0x7F))


@dataclass
class Decoded:
    text: str
    probs: list[float]  # the plain loop's per-token probabilities (end of answer included)
    tokens: list[int] = field(default_factory=list)
    steps: int = 0  # model calls after the prompt (a batch counts once)
    evaluated: int = 0  # tokens evaluated in those calls
    forced: int = 0  # tokens taken from forced text (no step of their own)
    forced_proposed: int = 0
    drafted: int = 0  # tokens taken from the request (prompt lookup)
    draft_proposed: int = 0
    decisions: int = 0  # tokens decided, the end included
    rechecked: int = 0  # close decisions on batch logits recomputed in a single step


class _Tables:
    """Per-model lookups: one-character tokens for probing the grammar, end-of-generation ids,
    and a reusable candidate array."""

    def __init__(self, llm):
        import numpy as np
        import llama_cpp

        vocab = llm._model.vocab
        self.n_vocab = llm.n_vocab()
        chars, ids = [], []
        for ch in PROBE_CHARS:
            tok = llm.tokenize(ch.encode("utf-8"), add_bos=False, special=False)
            if len(tok) == 1:
                chars.append(ch)
                ids.append(tok[0])
        self.eog = [t for t in range(self.n_vocab) if llama_cpp.llama_vocab_is_eog(vocab, t)]
        self.probe_chars = chars
        self.probe_ids = np.array(ids + self.eog, dtype=np.intc)
        self.data = np.zeros(
            self.n_vocab, dtype=np.dtype([("id", np.intc), ("logit", np.single), ("p", np.single)], align=True)
        )
        self.all_ids = np.arange(self.n_vocab, dtype=np.intc)
        self.pieces: dict[int, bytes] = {}

    def piece(self, llm, token: int) -> bytes:
        if token not in self.pieces:
            self.pieces[token] = llm.detokenize([token])
        return self.pieces[token]


_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def tables(llm) -> _Tables:
    if llm not in _TABLES:
        _TABLES[llm] = _Tables(llm)
    return _TABLES[llm]


# --------------------------------------------------------------------------
# The decision rule (identical to the plain loop's)
# --------------------------------------------------------------------------


def _apply(llama_cpp, np, grammar, t: _Tables, logits, ids):
    """Run the grammar sampler on candidates `ids` (None: the whole vocabulary); returns
    the allowed ids and their logits (the sampler only masks: logit = -inf)."""
    import ctypes

    ids = t.all_ids if ids is None else ids.astype(np.intc)
    n = len(ids)
    view = t.data[:n]
    view["id"] = ids
    view["logit"] = 0.0 if logits is None else logits[ids]
    view["p"] = 0.0
    array = llama_cpp.llama_token_data_array(
        data=view.ctypes.data_as(llama_cpp.llama_token_data_p), size=n, selected=-1, sorted=False
    )
    llama_cpp.llama_sampler_apply(grammar, ctypes.byref(array))
    kept = view[: int(array.size)]
    ok = np.isfinite(kept["logit"])
    return kept["id"][ok], kept["logit"][ok]


def _masked_argmax(llama_cpp, np, grammar, t: _Tables, logits) -> int:
    k = min(TOP_K, len(logits) - 1)
    top = np.argpartition(-logits, k)[:k]
    for ids in (top, None):
        allowed_ids, allowed_logits = _apply(llama_cpp, np, grammar, t, logits, ids)
        if len(allowed_ids):
            return int(allowed_ids[int(np.argmax(allowed_logits))])
    return -1


def _margin(np, grammar, llama_cpp, t: _Tables, logits, token: int) -> float:
    """A lower bound on how far the chosen token's logit is above any other allowed token's."""
    k = min(TOP_K, len(logits) - 1)
    top = np.argpartition(-logits, k)[:k]
    if grammar is None:
        others = logits[top[top != token]]
        return float(logits[token] - others.max()) if len(others) else math.inf
    ids, values = _apply(llama_cpp, np, grammar, t, logits, top)
    others = values[ids != token]
    floor = float(logits[top].min())  # every token outside the top k is at most this
    best_other = max(float(others.max()) if len(others) else -math.inf, floor)
    return float(logits[token]) - best_other


def _decide(llama_cpp, np, grammar, t: _Tables, logits, probs: list[float], guard: float = 0.0) -> int:
    """One decision of the plain loop: masked argmax, grammar accept, probability.
    -1: none allowed; -2: the choice is closer than `guard` logits to another allowed
    token (nothing accepted: the caller recomputes these logits in a single step)."""
    if grammar is None:
        token = int(logits.argmax())
    else:
        token = _masked_argmax(llama_cpp, np, grammar, t, logits)
        if token < 0:
            return -1
    if guard > 0 and _margin(np, grammar, llama_cpp, t, logits, token) < guard:
        return -2
    if grammar is not None:
        llama_cpp.llama_sampler_accept(grammar, token)
    top = logits.max()
    log_z = top + math.log(float(np.exp(logits - top).sum()))
    probs.append(math.exp(float(logits[token]) - log_z))
    return token


# --------------------------------------------------------------------------
# Draft proposals
# --------------------------------------------------------------------------


def forced_text(llama_cpp, np, grammar, t: _Tables) -> str:
    """The characters the grammar allows as the only continuation, from its current state
    (on a copy): stops where two characters, or a character and the end, are possible."""
    if grammar is None:
        return ""
    clone = llama_cpp.llama_sampler_clone(grammar)
    text = []
    try:
        n_chars = len(t.probe_chars)
        while len(text) < MAX_FORCED_CHARS:
            allowed, _ = _apply(llama_cpp, np, clone, t, None, t.probe_ids)
            if len(allowed) != 1:
                break
            index = int(np.flatnonzero(t.probe_ids == allowed[0])[0])
            if index >= n_chars:  # only the end is allowed
                break
            text.append(t.probe_chars[index])
            llama_cpp.llama_sampler_accept(clone, int(allowed[0]))
    finally:
        llama_cpp.llama_sampler_free(clone)
    return "".join(text)


def forced_draft(llm, text: str) -> list[int]:
    """Tokens for forced text. A trailing space is left out: the tokenizer joins it to the
    word that follows (" json"), which is a choice, not forced."""
    text = text.rstrip(" ")
    if not text:
        return []
    return llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)


def lookup_draft(llm, t: _Tables, out: list[int], source: list[int]) -> list[int]:
    """Prompt lookup: the request tokens after the latest occurrence of the answer's last
    n tokens (n = 3, 2, 1), up to the end of that word (a token starting with a space)."""
    for n in range(min(MAX_LOOKUP_NGRAM, len(out)), MIN_LOOKUP_NGRAM - 1, -1):
        tail = out[-n:]
        for start in range(len(source) - n - 1, -1, -1):
            if source[start : start + n] == tail:
                draft = []
                for token in source[start + n : start + n + MAX_DRAFT]:
                    if t.piece(llm, token)[:1].isspace():
                        break
                    draft.append(token)
                if draft:
                    return draft
    return []


# --------------------------------------------------------------------------
# The loop
# --------------------------------------------------------------------------


def _eval_batch(llama_cpp, np, llm, batch: list[int], n_vocab: int) -> list:
    """Evaluate `batch` after the KV cache's n_tokens with logits for every position
    (what llm.eval does, which keeps only the last position's)."""
    n_past = llm.n_tokens
    llm._ctx.kv_cache_seq_rm(-1, n_past, -1)
    llm._batch.set_batch(batch=batch, n_past=n_past, logits_all=True)
    llm._ctx.decode(llm._batch)
    llm.input_ids[n_past : n_past + len(batch)] = batch
    llm.n_tokens += len(batch)
    return [
        np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, i), shape=(n_vocab,))
        for i in range(len(batch))
    ]


def _truncate(llm, keep: int) -> None:
    if llm.n_tokens > keep:
        llm._ctx.kv_cache_seq_rm(-1, keep, -1)
        llm.n_tokens = keep


def decode(
    llm,
    grammar,
    prompt_tokens: list[int],
    *,
    max_tokens: int,
    n_ctx: int,
    lookup_tokens: list[int] | None = None,
    forced: bool = True,
    lookup: bool = True,
) -> Decoded:
    """Greedy grammar-masked decoding after an evaluated prompt; the plain loop's answer.

    llm: llama_cpp.Llama whose KV cache holds prompt_tokens (llm.n_tokens == len) and whose
    last logits are the prompt's; grammar: the grammar sampler, reset (None: no grammar);
    lookup_tokens: where values are copied from (default: the prompt's tokens)."""
    import llama_cpp
    import numpy as np

    t = tables(llm)
    vocab = llm._model.vocab
    n_vocab = t.n_vocab
    source = list(prompt_tokens if lookup_tokens is None else lookup_tokens)
    # The plain loop makes decision i only while i < max_tokens and the i tokens before it
    # fit the context; drafts never go past that.
    limit = min(max_tokens, n_ctx - llm.n_tokens + 1)
    result = Decoded(text="", probs=[])
    out, probs = result.tokens, result.probs

    def decide(logits, guard: float = 0.0) -> int | None:
        """A decision; None when the answer ends (the end token, or nothing allowed); -2 when
        too close to call on batch logits."""
        token = _decide(llama_cpp, np, grammar, t, logits, probs, guard)
        if token == -2:
            return -2
        result.decisions += 1
        if token < 0 or llama_cpp.llama_vocab_is_eog(vocab, token):
            return None
        return token

    logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(n_vocab,))
    token = decide(logits) if limit > 0 else None
    while token is not None:
        out.append(token)
        room = limit - len(out)  # decisions still allowed after this token
        if room <= 0:
            break
        # draft
        draft, kind = [], None
        if forced:
            draft = forced_draft(llm, forced_text(llama_cpp, np, grammar, t))[: min(MAX_DRAFT, room - 1)]
            kind = "forced"
        if not draft and lookup:
            draft = lookup_draft(llm, t, out, source)[: min(MAX_DRAFT, room - 1)]
            kind = "lookup"
        if kind == "forced":
            result.forced_proposed += len(draft)
        else:
            result.draft_proposed += len(draft)
        # evaluate the token and its draft in one batch
        base = llm.n_tokens
        batch = [token, *draft]
        rows = _eval_batch(llama_cpp, np, llm, batch, n_vocab)
        result.steps += 1
        result.evaluated += len(rows)
        # verify: each draft token must be the one the plain loop chooses at its position
        token = None
        for k, row in enumerate(rows):
            chosen = decide(row, GUARD_LOGITS if len(batch) > 1 else 0.0)
            if chosen == -2:  # too close on batch logits: this position again, as a single step
                _truncate(llm, base + k)
                row = _eval_batch(llama_cpp, np, llm, [batch[k]], n_vocab)[0]
                result.steps += 1
                result.evaluated += 1
                result.rechecked += 1
                chosen = decide(row)
                if chosen is not None:
                    token = chosen
                break
            if chosen is None:
                _truncate(llm, base + 1 + k)
                break
            if k < len(draft) and chosen == draft[k]:
                out.append(chosen)
                if kind == "forced":
                    result.forced += 1
                else:
                    result.drafted += 1
                continue
            _truncate(llm, base + 1 + k)  # drop the rejected draft tokens from the KV cache
            token = chosen
            break
    result.text = llm.detokenize(out).decode("utf-8", "replace").strip()
    return result
