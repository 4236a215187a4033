"""Writing llama.cpp GGUF files with the gguf package: a LoRA adapter, or a complete
llama-architecture model, with tensor names and layouts as llama.cpp expects them.

Shapes: llama.cpp wants lora_a with ne=[n_in, r] and lora_b with ne=[r, n_out], which
are PEFT's lora_A (r, n_in) and lora_B (n_out, r) as stored (GGUF lists dims reversed).
Q/K: llama.cpp's converter permutes the rows of attn_q/attn_k for its rotary layout and
transformers un-permutes them when it reads a GGUF, so every q/k output dimension we
write (full weights, or lora_b rows) is permuted the same way again.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from venvy.nl.files import atomic_write

# HF llama module names -> llama.cpp tensor names
LAYER_MAP = {
    "self_attn.q_proj": "attn_q",
    "self_attn.k_proj": "attn_k",
    "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output",
    "mlp.gate_proj": "ffn_gate",
    "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
    "input_layernorm": "attn_norm",
    "post_attention_layernorm": "ffn_norm",
}
TOP_MAP = {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight",
           "lm_head.weight": "output.weight"}
OUTTYPES = ("f32", "f16", "q8_0")


class ExportError(RuntimeError):
    pass


def permute_qk(w, n_head: int):
    """llama.cpp's row permutation of q/k weights (rotary halves -> interleaved pairs).
    Works on any array whose first axis is the output dimension."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def gguf_name(hf_name: str) -> str | None:
    """'model.layers.3.self_attn.q_proj.weight' -> 'blk.3.attn_q.weight' (None if unknown)."""
    if hf_name in TOP_MAP:
        return TOP_MAP[hf_name]
    m = re.fullmatch(r"model\.layers\.(\d+)\.(.+)\.weight", hf_name)
    if m and m.group(2) in LAYER_MAP:
        return f"blk.{m.group(1)}.{LAYER_MAP[m.group(2)]}.weight"
    return None


def qk_heads(name: str, n_head: int, n_head_kv: int) -> int | None:
    """How many heads to permute with, for a llama.cpp tensor name (None = no permutation)."""
    if ".attn_q." in name:
        return n_head
    if ".attn_k." in name:
        return n_head_kv
    return None


def _encode(array, outtype: str):
    """(data, raw_dtype) for GGUFWriter.add_tensor. 1-D tensors stay F32 (llama.cpp norms);
    Q8_0 needs rows that are a multiple of 32 and falls back to F16 otherwise."""
    import gguf
    import numpy as np

    array = np.ascontiguousarray(array, dtype=np.float32)
    if outtype == "f32" or array.ndim == 1:
        return array, None
    if outtype == "q8_0" and array.shape[-1] % 32 == 0:
        qtype = gguf.GGMLQuantizationType.Q8_0
        return gguf.quants.quantize(array, qtype), qtype
    return array.astype(np.float16), None


def _file_type(outtype: str) -> int:
    import gguf

    return {"f32": gguf.LlamaFileType.ALL_F32, "f16": gguf.LlamaFileType.MOSTLY_F16,
            "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0}[outtype]


def _finish(writer) -> None:
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def write_lora_gguf(path: Path, tensors, alpha: float, outtype: str = "f16", name: str = "venvy-lora") -> None:
    import gguf

    def write(tmp: Path) -> None:
        writer = gguf.GGUFWriter(str(tmp), "llama")
        writer.add_type(gguf.GGUFType.ADAPTER)
        writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
        writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(alpha))
        writer.add_name(name)
        writer.add_file_type(_file_type("f16" if outtype == "q8_0" else outtype))
        for tname, array in tensors:
            # adapters stay f16/f32: r=16 rows are too short to quantize usefully
            data, raw = _encode(array, "f16" if outtype == "q8_0" else outtype)
            writer.add_tensor(tname, data, raw_dtype=raw)
        _finish(writer)

    atomic_write(Path(path), write)


def write_full_gguf(path: Path, model, outtype: str = "f16", *, base_gguf: str | None = None,
                    hf_dir: str | None = None, tokenizer_pre: str = "default", name: str = "venvy") -> None:
    """Write a transformers llama model as a llama-architecture GGUF.

    Tokenizer metadata is copied from `base_gguf` when the model came from one, else
    converted from the HF tokenizer files in `hf_dir`."""
    import gguf

    cfg = model.config
    n_head, n_head_kv = model_shape(cfg)
    head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // n_head
    rope = getattr(cfg, "rope_parameters", None) or {}
    rope_theta = rope.get("rope_theta", getattr(cfg, "rope_theta", 10000.0))
    if rope.get("rope_type", "default") != "default":
        raise ExportError(f"rope scaling {rope.get('rope_type')!r} is not supported by this exporter")
    state = model.state_dict()
    tied = bool(getattr(cfg, "tie_word_embeddings", False))

    def write(tmp: Path) -> None:
        writer = gguf.GGUFWriter(str(tmp), "llama")
        writer.add_type(gguf.GGUFType.MODEL)
        writer.add_name(name)
        writer.add_file_type(_file_type(outtype))
        writer.add_context_length(cfg.max_position_embeddings)
        writer.add_embedding_length(cfg.hidden_size)
        writer.add_block_count(cfg.num_hidden_layers)
        writer.add_feed_forward_length(cfg.intermediate_size)
        writer.add_rope_dimension_count(head_dim)
        writer.add_head_count(n_head)
        writer.add_head_count_kv(n_head_kv)
        writer.add_layer_norm_rms_eps(cfg.rms_norm_eps)
        writer.add_rope_freq_base(float(rope_theta))
        writer.add_vocab_size(cfg.vocab_size)
        if base_gguf:
            copy_tokenizer(writer, base_gguf)
        elif hf_dir:
            convert_tokenizer(writer, Path(hf_dir), cfg.vocab_size, tokenizer_pre)
        else:
            raise ExportError("no tokenizer source: pass base_gguf or hf_dir")
        for key in state:
            if tied and key == "lm_head.weight":
                continue
            target = gguf_name(key)
            if target is None:
                if key.endswith("rotary_emb.inv_freq"):
                    continue
                raise ExportError(f"no llama.cpp tensor for {key}")
            array = state[key].float().numpy()
            heads = qk_heads(target, n_head, n_head_kv)
            if heads:
                array = permute_qk(array, heads)
            data, raw = _encode(array, outtype)
            writer.add_tensor(target, data, raw_dtype=raw)
        _finish(writer)

    atomic_write(Path(path), write)


def copy_tokenizer(writer, base_gguf: str) -> None:
    """Every tokenizer.* key of a GGUF, copied with its GGUF type."""
    import gguf

    reader = gguf.GGUFReader(base_gguf)
    for key, field in reader.fields.items():
        if not key.startswith("tokenizer."):
            continue
        vtype = field.types[0]
        if vtype == gguf.GGUFValueType.ARRAY:
            sub = field.types[-1]
            values = field.contents()
            writer.add_key_value(key, values, vtype, sub_type=sub)
        else:
            writer.add_key_value(key, field.contents(), vtype)


def convert_tokenizer(writer, hf_dir: Path, vocab_size: int, pre: str = "default") -> None:
    """HF tokenizer files -> GGUF tokenizer metadata.

    GPT-2 style byte-level BPE (SmolLM2, Llama 3, ...) becomes tokenizer.ggml.model=gpt2
    with tokens, types and merges; SentencePiece-style BPE with byte fallback (TinyLlama,
    Llama 2) goes through gguf.vocab.LlamaHfVocab as model=llama. Special ids and the
    chat template come from gguf.vocab.SpecialVocab."""
    import gguf
    from transformers import AutoTokenizer

    tokenizer_json = json.loads((hf_dir / "tokenizer.json").read_text(encoding="utf-8"))
    model = tokenizer_json["model"]
    byte_level = model["type"] == "BPE" and not model.get("byte_fallback", False)
    if byte_level:
        tok = AutoTokenizer.from_pretrained(str(hf_dir))
        reverse = {i: t for t, i in tok.get_vocab().items()}
        added = tok.added_tokens_decoder
        tokens, types = [], []
        for i in range(vocab_size):
            if i not in reverse:
                tokens.append(f"[PAD{i}]")
                types.append(gguf.TokenType.UNUSED)
            elif i in added:
                tokens.append(reverse[i])
                types.append(gguf.TokenType.CONTROL if added[i].special else gguf.TokenType.USER_DEFINED)
            else:
                tokens.append(reverse[i])
                types.append(gguf.TokenType.NORMAL)
        writer.add_tokenizer_model("gpt2")
        writer.add_tokenizer_pre(pre)
        writer.add_token_list(tokens)
        writer.add_token_types(types)
        special = gguf.SpecialVocab(hf_dir, load_merges=True, n_vocab=vocab_size)
    else:
        vocab = gguf.LlamaHfVocab(hf_dir)
        tokens, scores, types = [], [], []
        for text, score, ttype in vocab.all_tokens():
            tokens.append(text)
            scores.append(score)
            types.append(ttype)
        writer.add_tokenizer_model("llama")
        writer.add_tokenizer_pre("default")
        writer.add_token_list(tokens)
        writer.add_token_scores(scores)
        writer.add_token_types(types)
        special = gguf.SpecialVocab(hf_dir, load_merges=False, n_vocab=len(tokens))
    special.add_to_gguf(writer)


def model_shape(config) -> tuple[int, int]:
    """(n_head, n_head_kv) of a transformers llama config."""
    n_head = config.num_attention_heads
    return n_head, getattr(config, "num_key_value_heads", None) or n_head
