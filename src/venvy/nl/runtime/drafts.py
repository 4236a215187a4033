"""Draft tokens: answer tokens proposed before the model has decided them, so that the
decoding loop (venvy.nl.runtime.decoding) can evaluate several in one batch and then check
each one with its own decision rule. A proposal is only a guess; nothing here decides.

- Forced text: where the grammar allows exactly one next character (the rest of an option
  name, `-files` after `--keep`), the characters up to the next choice, found by probing a
  copy of the grammar with one-character tokens, then tokenized.
- Prompt lookup: when the answer's last tokens also occur in the request (a value being
  copied: a path, a package, a name), the request's tokens that follow, up to the end of
  that word.

A batch of n tokens costs far less than n single steps (llama.cpp runs it with
n_threads_batch), which is where the time goes down.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from venvy.nl.runtime.vocab import Candidates, is_eog, piece

if TYPE_CHECKING:
    from venvy.nl.runtime.loading import LoadedModel

MAX_DRAFT = 8  # draft tokens per batch
MAX_FORCED_CHARS = 24
MAX_LOOKUP_NGRAM = 3
PROBE_CHARS = "".join(chr(c) for c in range(0x20, 0x7F))


class Drafter:
    """Per model: the one-character tokens that probe the grammar."""

    def __init__(self, loaded: "LoadedModel"):
        import numpy as np

        llm = loaded.llm
        self.loaded = loaded
        chars, ids = [], []
        for ch in PROBE_CHARS:
            tok = llm.tokenize(ch.encode("utf-8"), add_bos=False, special=False)
            if len(tok) == 1:
                chars.append(ch)
                ids.append(tok[0])
        # the end: one end-of-generation token stands for all (scanning the vocabulary for
        # every one took 0.1 s per process)
        import llama_cpp

        vocab = llm._model.vocab
        eog = sorted({t for t in (llama_cpp.llama_vocab_eos(vocab), llama_cpp.llama_vocab_eot(vocab))
                      if t >= 0 and is_eog(vocab, t)})
        self.probe_chars = chars
        self.probe_ids = np.array(ids + eog, dtype=np.intc)
        self.scratch = Candidates(llm.n_vocab())

    def forced_text(self, sampler) -> str:
        """The characters the grammar allows as the only continuation from its current state
        (probed on a copy): stops where two characters, or a character and the end, are possible."""
        import llama_cpp
        import numpy as np

        clone = llama_cpp.llama_sampler_clone(sampler)
        text: list[str] = []
        try:
            n_chars = len(self.probe_chars)
            while len(text) < MAX_FORCED_CHARS:
                allowed, _ = self.scratch.apply(clone, None, self.probe_ids)
                if len(allowed) != 1:
                    break
                index = int(np.flatnonzero(self.probe_ids == allowed[0])[0])
                if index >= n_chars:  # only the end is allowed
                    break
                text.append(self.probe_chars[index])
                llama_cpp.llama_sampler_accept(clone, int(allowed[0]))
        finally:
            llama_cpp.llama_sampler_free(clone)
        return "".join(text)

    def forced(self, sampler) -> list[int]:
        """Tokens for the forced text. A trailing space is left out: the tokenizer joins it to
        the word that follows (" json"), which is a choice, not forced."""
        text = self.forced_text(sampler).rstrip(" ")
        if not text:
            return []
        return self.loaded.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)[:MAX_DRAFT]

    def propose(self, sampler, out: list[int], source: list[int]) -> list[int]:
        """The draft after the answer `out`: forced text, else a word copied from the request."""
        return self.forced(sampler) or self.lookup(out, source)

    def lookup(self, out: list[int], source: list[int]) -> list[int]:
        return lookup(lambda token: piece(self.loaded, token), out, source)


def lookup(text_of, out: list[int], source: list[int]) -> list[int]:
    """Prompt lookup: the `source` (request) tokens after the latest occurrence of the answer's
    last n tokens (n = 3, 2, 1), up to the end of that word (a token starting with a space).
    `text_of(token)` is a token's text."""
    for n in range(min(MAX_LOOKUP_NGRAM, len(out)), 0, -1):
        tail = out[-n:]
        for start in range(len(source) - n - 1, -1, -1):
            if source[start : start + n] == tail:
                draft = []
                for token in source[start + n : start + n + MAX_DRAFT]:
                    if text_of(token)[:1].isspace():
                        break
                    draft.append(token)
                if draft:
                    return draft
    return []


def eval_batch(llm, batch: list[int]) -> list:
    """Evaluate `batch` after the KV cache's n_tokens with logits for every position (what
    llm.eval does keeps only the last one's); the rows are views, valid until the next eval."""
    import llama_cpp
    import numpy as np

    n_past, n_vocab = llm.n_tokens, llm.n_vocab()
    llm._ctx.kv_cache_seq_rm(-1, n_past, -1)
    llm._batch.set_batch(batch=batch, n_past=n_past, logits_all=True)
    llm._ctx.decode(llm._batch)
    llm.input_ids[n_past : n_past + len(batch)] = batch
    llm.n_tokens += len(batch)
    return [np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, i), shape=(n_vocab,)) for i in range(len(batch))]


def truncate(llm, keep: int) -> None:
    """Drop the KV cache after its first `keep` tokens."""
    if llm.n_tokens > keep:
        llm._ctx.kv_cache_seq_rm(-1, keep, -1)
        llm.n_tokens = keep
