"""Reading a llama.cpp LoRA adapter GGUF back into PEFT's adapter state, so that a training
stage can start from the shipped adapter (`train --init-adapter src/venvy/nl/model/venvy-lora.gguf`)
on a checkout that has no `runs/` folder.

The inverse of venvy.nl.pipeline.export.lora_tensors: `blk.N.attn_q.weight.lora_a` ->
`base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight`, the rows of q/k lora_b
un-permuted (venvy.nl.pipeline.gguf_write explains the permutation). The weights come back
as stored (f16 for the shipped adapter), which is what the shipped model runs with.
"""

from __future__ import annotations

import re
from pathlib import Path

from venvy.nl.pipeline.gguf_write import LAYER_MAP, ExportError, qk_heads

_HF_NAME = {gguf: hf for hf, gguf in LAYER_MAP.items()}
_TENSOR = re.compile(r"blk\.(\d+)\.(\w+)\.weight\.lora_([ab])")


def unpermute_qk(w, n_head: int):
    """The inverse of gguf_write.permute_qk (interleaved pairs -> rotary halves)."""
    return w.reshape(n_head, w.shape[0] // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def peft_name(tensor: str) -> str:
    """'blk.3.attn_q.weight.lora_b' -> 'base_model.model.model.layers.3.self_attn.q_proj.lora_B.weight'."""
    m = _TENSOR.fullmatch(tensor)
    if not m or m.group(2) not in _HF_NAME:
        raise ExportError(f"not a LoRA tensor venvy writes: {tensor}")
    return f"base_model.model.model.layers.{m.group(1)}.{_HF_NAME[m.group(2)]}.lora_{m.group(3).upper()}.weight"


def read_lora_gguf(path: Path, n_head: int, n_head_kv: int) -> tuple[dict, float]:
    """(PEFT adapter state of float32 torch tensors, lora alpha) from an adapter GGUF."""
    import gguf
    import numpy as np
    import torch

    reader = gguf.GGUFReader(str(path))
    if reader.fields.get("adapter.type") is None or reader.fields["adapter.type"].contents() != "lora":
        raise ExportError(f"{path} is not a LoRA adapter GGUF")
    alpha = float(reader.fields["adapter.lora.alpha"].contents())
    state = {}
    for tensor in reader.tensors:
        array = np.array(tensor.data, dtype=np.float32)  # a writable copy (the reader maps the file)
        heads = qk_heads(tensor.name, n_head, n_head_kv)
        if tensor.name.endswith(".lora_b") and heads:
            array = unpermute_qk(array, heads)
        state[peft_name(tensor.name)] = torch.from_numpy(np.ascontiguousarray(array))
    return state, alpha
