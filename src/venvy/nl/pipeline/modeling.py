"""The model being fine-tuned: the base (the embedded GGUF, a Hugging Face name or a local
folder), its tokenizer, and the LoRA adapter on top. Used by training and export.

On CPU (and for GGUF bases) the base is loaded in float32 (GGUF bases are dequantized
by transformers: LoRA on a dequantized 4-bit base is the CPU form of QLoRA). On CUDA
with a Hugging Face base: Unsloth when installed, else 4-bit QLoRA via bitsandbytes,
else bf16 LoRA (not exercised on the CPU machine this was developed on).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class Base:
    """Where the base model came from; export needs it."""

    kind: str  # "gguf" or "hf"
    path: str  # the .gguf file, or the HF name / directory


def resolve_base(spec: str) -> Base:
    if not spec:
        from venvy.nl.runtime.base_model import base_gguf_path

        return Base("gguf", str(base_gguf_path()))
    if spec.endswith(".gguf"):
        return Base("gguf", str(Path(spec).resolve()))
    return Base("hf", spec)


def _drop_gguf_quantization(model) -> None:
    """transformers marks a GGUF-loaded model as quantized although its weights are
    already float32; it then refuses save_pretrained and PEFT helpers treat it as k-bit."""
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config


def load_tokenizer(base: Base):
    from transformers import AutoTokenizer

    if base.kind == "gguf":
        path = Path(base.path)
        tok = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
    else:
        tok = AutoTokenizer.from_pretrained(base.path)
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    return tok


def load_base_model(base: Base, dtype=None):
    """The base model in float32 (GGUF bases are dequantized on load)."""
    import torch
    from transformers import AutoModelForCausalLM

    dtype = dtype or torch.float32
    if base.kind == "gguf":
        path = Path(base.path)
        model = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name, dtype=dtype)
        _drop_gguf_quantization(model)
    else:
        model = AutoModelForCausalLM.from_pretrained(base.path, dtype=dtype)
    return model


def lora_config(s):
    """peft's LoraConfig from the run's settings (lora_r, lora_alpha, lora_dropout, lora_targets)."""
    from peft import LoraConfig

    return LoraConfig(
        r=s.lora_r,
        lora_alpha=s.lora_alpha,
        lora_dropout=s.lora_dropout,
        target_modules=list(s.lora_targets),
        bias="none",
        task_type="CAUSAL_LM",
    )


def build_model(s, base: Base, device: str):
    """(peft model, tokenizer) ready to train on `device`."""
    if device == "cuda" and base.kind == "hf":
        return _build_model_cuda(s, base)
    from peft import get_peft_model

    tok = load_tokenizer(base)
    model = load_base_model(base)
    model = get_peft_model(model, lora_config(s))
    return model.to(device), tok


def _build_model_cuda(s, base: Base):
    """Unsloth when installed (the original recipe), else 4-bit QLoRA via bitsandbytes,
    else plain bf16 LoRA."""
    import importlib.util

    import torch

    if s.unsloth and importlib.util.find_spec("unsloth") is not None:
        from unsloth import FastLanguageModel

        model, tok = FastLanguageModel.from_pretrained(
            base.path, max_seq_length=s.max_len, load_in_4bit=s.load_in_4bit, dtype=None
        )
        model = FastLanguageModel.get_peft_model(
            model,
            r=s.lora_r,
            lora_alpha=s.lora_alpha,
            lora_dropout=s.lora_dropout,
            target_modules=list(s.lora_targets),
            bias="none",
            random_state=s.seed,
            use_gradient_checkpointing="unsloth",
        )
    else:
        from peft import get_peft_model, prepare_model_for_kbit_training
        from transformers import AutoModelForCausalLM, BitsAndBytesConfig

        tok = load_tokenizer(base)
        if s.load_in_4bit and importlib.util.find_spec("bitsandbytes") is not None:
            quant = BitsAndBytesConfig(
                load_in_4bit=True,
                bnb_4bit_quant_type="nf4",
                bnb_4bit_use_double_quant=True,
                bnb_4bit_compute_dtype=torch.bfloat16,
            )
            model = AutoModelForCausalLM.from_pretrained(base.path, quantization_config=quant, device_map={"": 0})
            model = prepare_model_for_kbit_training(model)
        else:
            model = AutoModelForCausalLM.from_pretrained(base.path, dtype=torch.bfloat16).to("cuda")
        model = get_peft_model(model, lora_config(s))
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    return model, tok


def load_adapter_weights(model, source: Path) -> None:
    """Start from an adapter: a checkpoint folder of a run, or an adapter GGUF such as the
    shipped `src/venvy/nl/model/venvy-lora.gguf` (venvy.nl.pipeline.gguf_read), whose alpha
    and rank must be the run's."""
    from peft import set_peft_model_state_dict

    if source.suffix == ".gguf":
        from venvy.nl.pipeline.gguf_read import read_lora_gguf

        config = model.config
        state, alpha = read_lora_gguf(source, config.num_attention_heads, config.num_key_value_heads)
        lora = model.peft_config["default"]
        rank = next(t.shape[0] for name, t in state.items() if name.endswith("lora_A.weight"))
        if (rank, alpha) != (lora.r, lora.lora_alpha):
            raise RuntimeError(f"{source} has r={rank}, alpha={alpha:g}; the run has r={lora.r}, alpha={lora.lora_alpha}")
    else:
        from safetensors.torch import load_file

        state = load_file(str(source / "adapter_model.safetensors"))
    result = set_peft_model_state_dict(model, state)
    if getattr(result, "unexpected_keys", None):
        raise RuntimeError(f"unexpected adapter keys in {source}: {result.unexpected_keys[:3]}")
