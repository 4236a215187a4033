"""Export a training checkpoint to GGUF files that llama.cpp loads.

    python -m venvy.nl.export --run runs/smollm2 --out src/venvy/nl/model            # LoRA adapter (shipped form)
    python -m venvy.nl.export --run runs/tiny --kind full --outtype q8_0 --out out/   # merged full model

kind=lora writes a llama.cpp LoRA adapter GGUF (general.type=adapter, adapter.type=lora,
adapter.lora.alpha; tensors blk.N.<proj>.weight.lora_a / .lora_b), applied to the base
GGUF at load time: Llama(model_path=<base>, lora_path=<adapter>).
kind=full merges the adapter into the base and writes a complete llama-architecture GGUF.
Both write manifest.json beside the file (see NLIFACE.md).

Shapes: llama.cpp wants lora_a with ne=[n_in, r] and lora_b with ne=[r, n_out], which
are PEFT's lora_A (r, n_in) and lora_B (n_out, r) as stored (GGUF lists dims reversed).
Q/K: llama.cpp's converter permutes the rows of attn_q/attn_k for its rotary layout and
transformers un-permutes them when it reads a GGUF, so every q/k output dimension we
write (full weights, or lora_b rows) is permuted the same way again.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
import time
from pathlib import Path

FORMAT_VERSION = 1
ADAPTER_FILE = "venvy-lora.gguf"
FULL_FILE = "venvy-full.gguf"
MANIFEST = "manifest.json"
DATASET_FILE = "venvy_nl_dataset.json"

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


# --------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------


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


def _write_atomically(writer_fn, path: Path) -> None:
    """writer_fn(tmp_path) writes the file; it is renamed into place when complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    os.close(fd)
    try:
        writer_fn(Path(tmp))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it 0600; a model file is for everyone to read
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _finish(writer) -> None:
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


# --------------------------------------------------------------------------
# Checkpoint reading
# --------------------------------------------------------------------------


def read_checkpoint(folder: Path):
    """(Settings, adapter state dict of torch tensors, adapter_config dict)."""
    from safetensors.torch import load_file

    from venvy.nl.train import SETTINGS_FILE, Settings

    folder = Path(folder)
    if not (folder / "adapter_model.safetensors").is_file():
        raise ExportError(f"{folder} holds no adapter_model.safetensors (is it a checkpoint from venvy.nl.train?)")
    settings = Settings.from_json(json.loads((folder / SETTINGS_FILE).read_text()))
    config = json.loads((folder / "adapter_config.json").read_text())
    return settings, load_file(str(folder / "adapter_model.safetensors")), config


def model_shape(config) -> tuple[int, int]:
    """(n_head, n_head_kv) of a transformers llama config."""
    n_head = config.num_attention_heads
    return n_head, getattr(config, "num_key_value_heads", None) or n_head


# --------------------------------------------------------------------------
# (a) LoRA adapter GGUF
# --------------------------------------------------------------------------


def lora_tensors(state: dict, n_head: int, n_head_kv: int):
    """PEFT adapter state -> [(llama.cpp name, numpy array)], lora_b of q/k permuted."""
    out = []
    pattern = re.compile(r"base_model\.model\.(.+)\.lora_([AB])(?:\.default)?\.weight")
    for key in sorted(state):
        m = pattern.fullmatch(key)
        if not m:
            raise ExportError(f"unexpected tensor in the adapter: {key}")
        target = gguf_name(m.group(1) + ".weight")
        if target is None:
            raise ExportError(f"no llama.cpp tensor for {m.group(1)}")
        array = state[key].float().numpy()
        heads = qk_heads(target, n_head, n_head_kv)
        if m.group(2) == "B" and heads:
            array = permute_qk(array, heads)
        out.append((f"{target}.lora_{m.group(2).lower()}", array))
    return out


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

    _write_atomically(write, Path(path))


def export_lora(checkpoint: Path, path: Path, outtype: str = "f16") -> dict:
    """Checkpoint -> adapter GGUF; returns facts for the manifest."""
    import gguf

    from venvy.nl.train import resolve_base

    settings, state, config = read_checkpoint(checkpoint)
    base = resolve_base(settings.base)
    if base.kind != "gguf":
        raise ExportError("a LoRA adapter GGUF needs a GGUF base; export a HF base with --kind full")
    reader = gguf.GGUFReader(base.path)
    arch = reader.fields["general.architecture"].contents()
    if arch != "llama":
        raise ExportError(f"only llama-architecture bases are supported, not {arch}")
    n_head = int(reader.fields["llama.attention.head_count"].contents())
    n_head_kv = int(reader.fields["llama.attention.head_count_kv"].contents())
    tensors = lora_tensors(state, n_head, n_head_kv)
    write_lora_gguf(path, tensors, alpha=config["lora_alpha"], outtype=outtype)
    return {"settings": settings, "base": base, "tensors": len(tensors)}


# --------------------------------------------------------------------------
# (b) Full merged GGUF
# --------------------------------------------------------------------------


def merged_model(checkpoint: Path):
    """(merged transformers model in float32, tokenizer, Settings, Base)."""
    from peft import get_peft_model

    # always the float32 base on the CPU (not build_model's CUDA/4-bit paths): merging needs full weights
    from venvy.nl.train import lora_config, load_adapter_weights, load_base_model, load_tokenizer, resolve_base

    settings, _, _ = read_checkpoint(checkpoint)
    base = resolve_base(settings.base)
    model = get_peft_model(load_base_model(base), lora_config(settings))
    load_adapter_weights(model, Path(checkpoint))
    return model.merge_and_unload().eval(), load_tokenizer(base), settings, base


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

    _write_atomically(write, Path(path))


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


def export_full(checkpoint: Path, path: Path, outtype: str = "f16", tokenizer_pre: str = "default") -> dict:
    model, _, settings, base = merged_model(checkpoint)
    if base.kind == "gguf":
        write_full_gguf(path, model, outtype, base_gguf=base.path)
    else:
        hf_dir = base.path if Path(base.path).is_dir() else _hf_snapshot(base.path)
        write_full_gguf(path, model, outtype, hf_dir=hf_dir, tokenizer_pre=tokenizer_pre)
    return {"settings": settings, "base": base}


def _hf_snapshot(name: str) -> str:
    from huggingface_hub import snapshot_download

    return snapshot_download(name, allow_patterns=["tokenizer*", "special_tokens_map.json", "*.model"])


# --------------------------------------------------------------------------
# Manifest
# --------------------------------------------------------------------------


def manifest(kind: str, file: str, settings, base, run_dir: Path | None, data_dir: Path | None,
             file_sha256: str | None = None) -> dict:
    from venvy.nl import prompt
    from venvy.nl.base_model import DISTRIBUTION, FILENAME, sha256

    base_entry = None
    if kind == "lora":
        base_path = Path(base.path)
        if base_path.name == FILENAME:
            base_entry = {"distribution": DISTRIBUTION, "file": FILENAME, "sha256": sha256(base_path)}
        else:  # a GGUF base of the user's: named by path (see venvy.nl.model_source.base_path)
            base_entry = {"path": str(base_path.resolve()), "file": base_path.name, "sha256": sha256(base_path)}
    training = {"settings": settings.to_json()}
    if run_dir is not None and (run_dir / "summary.json").is_file():
        summary = json.loads((run_dir / "summary.json").read_text())
        training.update({"train_s": summary.get("train_s"), "steps": summary.get("steps"),
                         "best": summary.get("best"), "device": summary.get("device"),
                         "train_rows": summary.get("train_rows"), "val_rows": summary.get("val_rows")})
    dataset = (data_dir / DATASET_FILE) if data_dir else None
    return {
        "format_version": FORMAT_VERSION,
        "kind": kind,
        "file": file,
        "sha256": file_sha256,
        "base": base_entry,
        "prompt_version": prompt.PROMPT_VERSION,
        "dataset_sha256": sha256(dataset) if dataset and dataset.is_file() else None,
        "training": training,
        "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def write_manifest(folder: Path, data: dict) -> Path:
    """Write manifest.json, keeping a calibration block already there (added by calibration)."""
    path = Path(folder) / MANIFEST
    if path.is_file():
        old = json.loads(path.read_text())
        if "calibration" in old and "calibration" not in data:
            data = {**data, "calibration": old["calibration"]}
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    os.replace(tmp, path)
    return path


def export(run_or_checkpoint: Path, out: Path, kind: str = "lora", outtype: str = "f16",
           data_dir: Path | None = Path("data"), file: str | None = None, tokenizer_pre: str = "default") -> Path:
    """A run directory (uses best/) or a checkpoint folder -> <out>/<file> + manifest.json."""
    src = Path(run_or_checkpoint)
    checkpoint = src / "best" if (src / "best").is_dir() else src
    run_dir = checkpoint.parent if checkpoint.name in ("best", "last") else None
    file = file or (ADAPTER_FILE if kind == "lora" else FULL_FILE)
    target = Path(out) / file
    if kind == "lora":
        info = export_lora(checkpoint, target, outtype)
    elif kind == "full":
        info = export_full(checkpoint, target, outtype, tokenizer_pre)
    else:
        raise ExportError(f"unknown kind {kind!r} (lora or full)")
    from venvy.nl.base_model import sha256

    write_manifest(Path(out), manifest(kind, file, info["settings"], info["base"], run_dir, data_dir, sha256(target)))
    return target


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m venvy.nl.export", description=__doc__.split("\n\n")[0])
    p.add_argument("--run", required=True, help="run directory (its best/ is exported) or a checkpoint folder")
    p.add_argument("--out", default="src/venvy/nl/model", help="output directory (GGUF + manifest.json)")
    p.add_argument("--kind", choices=("lora", "full"), default="lora")
    p.add_argument("--outtype", choices=OUTTYPES, default="f16")
    p.add_argument("--file", default=None, help=f"file name (default {ADAPTER_FILE} / {FULL_FILE})")
    p.add_argument("--data", default="data", help="dataset folder, for the manifest's dataset_sha256")
    p.add_argument("--tokenizer-pre", default="default",
                   help="llama.cpp pre-tokenizer name for a converted GPT-2 style HF tokenizer (e.g. smollm)")
    args = p.parse_args(argv)
    path = export(Path(args.run), Path(args.out), args.kind, args.outtype, Path(args.data), args.file,
                  args.tokenizer_pre)
    print(f"{path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
