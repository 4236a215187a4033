"""A loaded model's vocabulary as the decoding loop uses it: a token's text, whether it
ends the answer, and which of a set of tokens the grammar allows next."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from venvy.nl.runtime.loading import LoadedModel


def is_eog(vocab, token: int) -> bool:
    import llama_cpp

    return bool(llama_cpp.llama_vocab_is_eog(vocab, token))


def piece(loaded: "LoadedModel", token: int) -> str:
    """A token's text (cached per model); end-of-generation tokens have none."""
    text = loaded.pieces.get(token)
    if text is None:
        text = "" if is_eog(loaded.llm._model.vocab, token) else loaded.llm.detokenize([token]).decode("utf-8", "replace")
        loaded.pieces[token] = text
    return text


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
        """(ids, logits) of the candidates `ids` (None: all) that the grammar allows;
        `logits` None: every candidate's logit is 0."""
        import ctypes

        import llama_cpp
        import numpy as np

        ids = self.all_ids if ids is None else ids.astype(np.intc)
        n = len(ids)
        view = self.data[:n]
        view["id"] = ids
        view["logit"] = 0.0 if logits is None else logits[ids]
        view["p"] = 0.0
        array = llama_cpp.llama_token_data_array(
            data=view.ctypes.data_as(llama_cpp.llama_token_data_p), size=n, selected=-1, sorted=False
        )
        llama_cpp.llama_sampler_apply(sampler, ctypes.byref(array))
        size = int(array.size)  # the grammar sampler only masks (logit = -inf); size stays n
        kept = view[:size]
        ok = np.isfinite(kept["logit"])
        return kept["id"][ok], kept["logit"][ok]
