"""Fine-tune a small chat model into venvy's request -> command translator (LoRA).

    python -m venvy.nl.train --out runs/smollm2                 # CPU: the embedded SmolLM2-135M GGUF
    python -m venvy.nl.train --base TinyLlama/TinyLlama-1.1B-Chat-v1.0 --out runs/tinyllama   # a GPU
    python -m venvy.nl.train --out runs/smollm2 --resume        # go on from runs/smollm2/last

Every run directory holds settings.json, log.jsonl (one JSON line per logged step and
per evaluation), best/ (the adapter with the lowest val loss) and last/ (adapter +
optimizer state and step, for --resume). Export with `python -m venvy.nl.export`.

The prompt is venvy.nl.prompt rendered with the base model's chat template, exactly as
at inference; the loss covers only the answer tokens and the end-of-turn token.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

# --------------------------------------------------------------------------
# Settings: one commented block, saved as settings.json beside every checkpoint.
# --------------------------------------------------------------------------

LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass
class Settings:
    # data and output
    data: str = "data"  # folder with train.jsonl and val.jsonl (rows: instruction, input, output, split)
    out: str = "runs/venvy-lora"  # run directory: settings.json, log.jsonl, best/, last/
    base: str = ""  # "" = the embedded SmolLM2-135M-Instruct Q4_1 GGUF; else a HF name, a local dir or a .gguf
    # LoRA on every attention and MLP projection
    lora_r: int = 16
    lora_alpha: int = 16
    lora_dropout: float = 0.05
    lora_targets: tuple[str, ...] = LORA_TARGETS
    # optimisation (AdamW, linear warmup then cosine decay to lr * min_lr_ratio)
    epochs: int = 3
    max_steps: int = 0  # stop after this many optimizer steps in total (0 = all epochs)
    time_budget_min: float = 0  # > 0: wall-clock budget for training; the lr schedule runs on
    #   max(step fraction, time fraction) and training stops (with a final eval) when either is spent.
    #   For a shared CPU whose speed changes under you; 0 = schedule on steps only.
    batch_size: int = 16
    lr: float = 1e-3  # LoRA on a 135M model tolerates (and needs, for a short run) a high rate
    min_lr_ratio: float = 0.1
    warmup_steps: int = 20
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    max_len: int = 256  # tokens; longer rows are dropped (and counted in the log)
    share_prefix: bool = True  # compute the prompt opening all rows share once per batch (~2x on CPU)
    # evaluation (after every epoch, and every eval_every steps when > 0)
    eval_every: int = 0
    eval_generate: int = 0  # also greedy-generate this many val rows and check the command (slow)
    max_train_rows: int = 0  # 0 = all (small values are for smoke tests)
    max_val_rows: int = 0
    log_every: int = 10
    save_every: int = 50  # refresh last/ every N steps so a killed run loses little
    # runtime
    seed: int = 1337
    threads: int = 2  # torch CPU threads (the CPU box is shared)
    device: str = "auto"  # auto | cpu | cuda
    load_in_4bit: bool = True  # CUDA + a HF base only: QLoRA through bitsandbytes
    unsloth: bool = True  # CUDA + a HF base only: use Unsloth when it is installed

    def to_json(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()}

    @classmethod
    def from_json(cls, data: dict) -> "Settings":
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known}
        return cls(**values)


# settings that --resume takes from the command line instead of the checkpoint
RESUME_OVERRIDES = ("epochs", "max_steps", "time_budget_min", "threads", "log_every", "save_every", "eval_every",
                    "eval_generate")
SETTINGS_FILE = "settings.json"
STATE_FILE = "state.json"  # step, epoch, metrics of a checkpoint
TRAINER_FILE = "trainer.pt"  # optimizer state, step, best metrics, RNG; in last/ only
LOG_FILE = "log.jsonl"
IGNORE = -100


# --------------------------------------------------------------------------
# Base model and tokenizer
# --------------------------------------------------------------------------


@dataclass
class Base:
    """Where the base model came from; export needs it."""

    kind: str  # "gguf" or "hf"
    path: str  # the .gguf file, or the HF name / directory


def resolve_base(spec: str) -> Base:
    if not spec:
        from venvy.nl.base_model import base_gguf_path

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


def lora_config(s: Settings):
    from peft import LoraConfig

    return LoraConfig(
        r=s.lora_r,
        lora_alpha=s.lora_alpha,
        lora_dropout=s.lora_dropout,
        target_modules=list(s.lora_targets),
        bias="none",
        task_type="CAUSAL_LM",
    )


def build_model(s: Settings, base: Base, device: str):
    """(peft model, tokenizer) ready to train on `device`."""
    if device == "cuda" and base.kind == "hf":
        return _build_model_cuda(s, base)
    from peft import get_peft_model

    tok = load_tokenizer(base)
    model = load_base_model(base)
    model = get_peft_model(model, lora_config(s))
    return model.to(device), tok


# ---- CUDA only (not exercised on the CPU machine this was developed on) ----


def _build_model_cuda(s: Settings, base: Base):
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


# --------------------------------------------------------------------------
# Data: rows -> (input_ids, labels) with the prompt masked
# --------------------------------------------------------------------------


def load_rows(path: Path, limit: int = 0) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows[:limit] if limit else rows


def request_of(row: dict) -> str:
    """The user's request: the row's input (instruction is the fixed task text)."""
    return (row.get("input") or row.get("instruction") or "").strip()


def end_of_turn_id(tok) -> int:
    """The token that ends the assistant's turn. For SmolLM2 the tokenizer's eos is
    <|im_end|> (id 2), which is also the GGUF's tokenizer.ggml.eos_token_id, so
    llama.cpp stops on it; TinyLlama-Chat's template ends turns with </s> = eos."""
    return tok.eos_token_id


def prompt_ids(tok, request: str) -> list[int]:
    """Token ids of the prompt, as llama.cpp sees them (special tokens parsed;
    BOS prepended only where the tokenizer adds one and the template did not)."""
    from venvy.nl import prompt

    text = prompt.render(request, tok.chat_template, tok.bos_token or "", tok.eos_token or "")
    ids = tok(text, add_special_tokens=False).input_ids
    if _adds_bos(tok) and (not ids or ids[0] != tok.bos_token_id):
        ids = [tok.bos_token_id] + ids
    return ids


def _adds_bos(tok) -> bool:
    probe = tok("a", add_special_tokens=True).input_ids
    return tok.bos_token_id is not None and bool(probe) and probe[0] == tok.bos_token_id


def encode(tok, request: str, output: str) -> tuple[list[int], list[int]]:
    """(input_ids, labels): labels are -100 on the prompt, the answer ids + end-of-turn after it."""
    from venvy.nl import prompt

    p = prompt_ids(tok, request)
    answer = tok(prompt.response(output or None), add_special_tokens=False).input_ids + [end_of_turn_id(tok)]
    return p + answer, [IGNORE] * len(p) + answer


@dataclass
class Example:
    ids: list[int]
    labels: list[int]
    request: str
    output: str


def encode_rows(tok, rows: list[dict], max_len: int) -> tuple[list[Example], int]:
    out, dropped = [], 0
    for row in rows:
        ids, labels = encode(tok, request_of(row), row.get("output") or "")
        if len(ids) > max_len:
            dropped += 1
            continue
        out.append(Example(ids, labels, request_of(row), row.get("output") or ""))
    return out, dropped


def length_batches(examples: list[Example], batch_size: int, seed: int) -> list[list[int]]:
    """Indices in batches of similar length (little padding), batch order shuffled.
    Shuffle, sort within pools of 50 batches, cut, shuffle the batches: random but tight."""
    rng = random.Random(seed)
    order = list(range(len(examples)))
    rng.shuffle(order)
    pool = batch_size * 50
    batches = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start : start + pool], key=lambda i: len(examples[i].ids))
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def collate(examples: list[Example], pad_id: int, device: str):
    import torch

    width = max(len(e.ids) for e in examples)
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    labels = torch.full((len(examples), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(examples), width), dtype=torch.long)
    for row, e in enumerate(examples):
        n = len(e.ids)
        ids[row, :n] = torch.tensor(e.ids)
        labels[row, :n] = torch.tensor(e.labels)
        mask[row, :n] = 1
    return ids.to(device), labels.to(device), mask.to(device)


# --------------------------------------------------------------------------
# Loss and evaluation
# --------------------------------------------------------------------------


def _parts(model):
    """(decoder stack, lm head) of a llama-family causal LM, through a peft wrapper."""
    inner = model.get_base_model() if hasattr(model, "get_base_model") else model
    return inner.model, inner.get_output_embeddings()


def common_prefix(ids, labels) -> int:
    """How many leading tokens every row of the batch shares, stopping at least one
    token before the first answer token of any row (its prediction needs a fresh position)."""
    import torch

    same = (ids == ids[:1]).all(dim=0)
    lcp = int(same.long().cumprod(0).sum())
    first_answer = int((labels != IGNORE).long().argmax(dim=1).min())
    return max(0, min(lcp, first_answer - 1)) if bool(torch.any(labels != IGNORE)) else 0


def answer_logits(model, ids, labels, mask, share_prefix: bool = True):
    """(logits, targets, row index) at the answer positions only.

    Two savings, same numbers: the 49k-wide head runs on the ~12 answer tokens of a row
    instead of all ~55; and the prompt's opening (chat markup + system text, about half of
    every row) is computed once per batch and handed to the rows as a KV cache."""
    import torch

    decoder, head = _parts(model)
    prefix = common_prefix(ids, labels) if share_prefix else 0
    if prefix >= 2:
        shared = decoder(input_ids=ids[:1, :prefix], use_cache=True)
        cache = shared.cache if hasattr(shared, "cache") else shared.past_key_values
        cache.batch_repeat_interleave(ids.shape[0])
        length = ids.shape[1] - prefix
        positions = torch.arange(prefix, prefix + length, device=ids.device)[None]
        hidden = decoder(input_ids=ids[:, prefix:], attention_mask=mask, cache=cache, use_cache=True,
                         position_ids=positions).last_hidden_state
        labels = labels[:, prefix:]
    else:
        hidden = decoder(input_ids=ids, attention_mask=mask).last_hidden_state
    hidden = hidden[:, :-1]
    target = labels[:, 1:]
    keep = target != IGNORE
    logits = head(hidden[keep]).float()
    return logits, target[keep], keep.nonzero()[:, 0]


def batch_loss(model, ids, labels, mask, share_prefix: bool = True):
    """Mean cross-entropy over the answer tokens (prompt and padding are masked)."""
    import torch.nn.functional as F

    logits, target, _ = answer_logits(model, ids, labels, mask, share_prefix)
    return F.cross_entropy(logits, target)


def evaluate(model, tok, examples: list[Example], s: Settings, device: str) -> dict:
    """Val loss per answer token and the teacher-forced exact rate: the share of rows
    whose every answer token (end-of-turn included) is the argmax prediction."""
    import torch
    import torch.nn.functional as F

    model.eval()
    total_loss, total_tokens, exact = 0.0, 0, 0
    with torch.no_grad():
        for batch in length_batches(examples, s.batch_size * 2, seed=0):
            ids, labels, mask = collate([examples[i] for i in batch], tok.pad_token_id, device)
            logits, target, rows = answer_logits(model, ids, labels, mask, s.share_prefix)
            total_loss += F.cross_entropy(logits, target, reduction="sum").item()
            total_tokens += target.numel()
            wrong = torch.zeros(len(batch), device=logits.device)
            wrong.index_add_(0, rows, (logits.argmax(-1) != target).float())
            exact += int((wrong == 0).sum())
    metrics = {"val_loss": total_loss / max(total_tokens, 1), "val_exact": exact / max(len(examples), 1)}
    if s.eval_generate:
        metrics.update(generate_check(model, tok, examples[: s.eval_generate], device))
    model.train()
    return metrics


def generate_check(model, tok, examples: list[Example], device: str, max_new_tokens: int = 48) -> dict:
    """Greedy decoding (no grammar) on a few rows: share whose command matches."""
    import torch

    from venvy.nl import contract, prompt

    hits = 0
    with torch.no_grad():
        for e in examples:
            p = torch.tensor([prompt_ids(tok, e.request)], device=device)
            out = model.generate(
                input_ids=p,
                attention_mask=torch.ones_like(p),
                max_new_tokens=max_new_tokens,
                do_sample=False,
                eos_token_id=end_of_turn_id(tok),
                pad_token_id=tok.pad_token_id,
            )
            answer = tok.decode(out[0, p.shape[1] :], skip_special_tokens=True)
            hits += contract.same(prompt.command(answer), e.output or None)
    return {"val_generate_acc": hits / max(len(examples), 1), "val_generate_n": len(examples)}


# --------------------------------------------------------------------------
# Checkpoints
# --------------------------------------------------------------------------


def save_checkpoint(folder: Path, model, s: Settings, state: dict, trainer: dict | None = None) -> None:
    """Adapter weights + adapter_config.json + settings.json + state.json (+ trainer.pt).
    Written to a temp folder and renamed, so a kill never leaves half a checkpoint."""
    import shutil

    import torch

    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    model.save_pretrained(str(tmp))
    (tmp / SETTINGS_FILE).write_text(json.dumps(s.to_json(), indent=2) + "\n")
    (tmp / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n")
    if trainer is not None:
        torch.save(trainer, tmp / TRAINER_FILE)
    old = folder.with_name(folder.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    tmp.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


def load_adapter_weights(model, folder: Path) -> None:
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    result = set_peft_model_state_dict(model, load_file(str(folder / "adapter_model.safetensors")))
    if getattr(result, "unexpected_keys", None):
        raise RuntimeError(f"unexpected adapter keys in {folder}: {result.unexpected_keys[:3]}")


def lr_factor(s: Settings, step: int, progress: float) -> float:
    """lr multiplier: linear warmup over warmup_steps, then cosine from 1 to min_lr_ratio
    as progress (0..1, the share of the budget spent) goes from the warmup's end to 1."""
    if step < s.warmup_steps:
        return (step + 1) / (s.warmup_steps + 1)
    return s.min_lr_ratio + (1 - s.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def pick_device(s: Settings) -> str:
    import torch

    if s.device != "auto":
        return s.device
    return "cuda" if torch.cuda.is_available() else "cpu"


# --------------------------------------------------------------------------
# Training loop
# --------------------------------------------------------------------------


def train(s: Settings, resume: bool = False, progress: bool = True) -> dict:
    """Run training; returns the summary also written to <out>/summary.json."""
    import torch
    from tqdm.auto import tqdm

    out = Path(s.out)
    if resume:
        saved = Settings.from_json(json.loads((out / "last" / SETTINGS_FILE).read_text()))
        # the run's identity (data, base, LoRA, lr...) comes from the checkpoint; the budget
        # and runtime knobs may be changed on the command line (values other than the defaults)
        defaults = Settings()
        changed = {k: getattr(s, k) for k in RESUME_OVERRIDES if getattr(s, k) != getattr(defaults, k)}
        s = dataclasses.replace(saved, out=s.out, **changed)
    out.mkdir(parents=True, exist_ok=True)
    (out / SETTINGS_FILE).write_text(json.dumps(s.to_json(), indent=2) + "\n")

    torch.set_num_threads(s.threads)
    random.seed(s.seed)
    torch.manual_seed(s.seed)
    device = pick_device(s)
    # The shared-prefix KV cache is a CPU saving; on a GPU (and Unsloth's patched forward)
    # the plain forward is used.
    s = dataclasses.replace(s, share_prefix=s.share_prefix and device == "cpu")
    base = resolve_base(s.base)
    t_load = time.time()
    model, tok = build_model(s, base, device)
    load_s = time.time() - t_load

    data = Path(s.data)
    train_ex, dropped_train = encode_rows(tok, load_rows(data / "train.jsonl", s.max_train_rows), s.max_len)
    val_ex, _ = encode_rows(tok, load_rows(data / "val.jsonl", s.max_val_rows), s.max_len)
    steps_per_epoch = math.ceil(len(train_ex) / s.batch_size)
    total_steps = steps_per_epoch * s.epochs
    if s.max_steps:
        total_steps = min(total_steps, s.max_steps)

    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=s.lr, weight_decay=s.weight_decay, betas=(0.9, 0.99))

    step, best, elapsed_before = 0, {"val_loss": float("inf")}, 0.0
    if resume:
        load_adapter_weights(model, out / "last")
        trainer = torch.load(out / "last" / TRAINER_FILE, weights_only=False)
        optimizer.load_state_dict(trainer["optimizer"])
        step, best, elapsed_before = trainer["step"], trainer["best"], trainer.get("train_s", 0.0)
        torch.set_rng_state(trainer["torch_rng"])

    log = open(out / LOG_FILE, "a", encoding="utf-8")

    def record(entry: dict) -> None:
        log.write(json.dumps(entry) + "\n")
        log.flush()

    record({"event": "start", "resume": resume, "step": step, "train_rows": len(train_ex), "val_rows": len(val_ex),
            "dropped_train_rows": dropped_train, "steps_per_epoch": steps_per_epoch, "total_steps": total_steps,
            "device": device, "base": dataclasses.asdict(base), "load_s": round(load_s, 1),
            "trainable_params": sum(p.numel() for p in params)})

    t0 = time.time()

    def train_s() -> float:
        return elapsed_before + time.time() - t0

    def trainer_state() -> dict:
        return {"optimizer": optimizer.state_dict(), "step": step,
                "best": best, "train_s": train_s(), "torch_rng": torch.get_rng_state()}

    def progress_now() -> float:
        """Share of the budget spent: steps, or wall-clock time when a budget is set."""
        done = (step - s.warmup_steps) / max(1, total_steps - s.warmup_steps)
        if s.time_budget_min:
            done = max(done, train_s() / (s.time_budget_min * 60))
        return done

    def run_eval(epoch: float) -> None:
        nonlocal best
        t = time.time()
        metrics = evaluate(model, tok, val_ex, s, device)
        entry = {"event": "eval", "step": step, "epoch": round(epoch, 3), **metrics,
                 "eval_s": round(time.time() - t, 1), "train_s": round(train_s(), 1)}
        record(entry)
        if progress:
            tqdm.write(json.dumps(entry))
        if metrics["val_loss"] < best["val_loss"]:
            best = {k: v for k, v in entry.items() if k != "event"}
            save_checkpoint(out / "best", model, s, best)
        save_checkpoint(out / "last", model, s, entry, trainer_state())

    model.train()
    bar = tqdm(total=total_steps, initial=step, disable=not progress, desc="train", unit="step", file=sys.stderr)
    running, since = 0.0, 0
    t_log = time.time()
    while step < total_steps:
        epoch, done_in_epoch = divmod(step, steps_per_epoch)
        batches = length_batches(train_ex, s.batch_size, seed=s.seed + epoch)
        for batch in batches[done_in_epoch:]:
            for group in optimizer.param_groups:
                group["lr"] = lr = s.lr * lr_factor(s, step, progress_now())
            ids, labels, mask = collate([train_ex[i] for i in batch], tok.pad_token_id, device)
            loss = batch_loss(model, ids, labels, mask, s.share_prefix)
            loss.backward()
            if s.grad_clip:
                torch.nn.utils.clip_grad_norm_(params, s.grad_clip)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            running += loss.item()
            since += 1
            bar.update(1)
            bar.set_postfix(loss=f"{loss.item():.3f}", epoch=epoch + 1)
            if step % s.log_every == 0 or step == total_steps:
                now = time.time()
                record({"event": "train", "step": step, "epoch": round(step / steps_per_epoch, 3),
                        "loss": running / since, "lr": lr,
                        "s_per_step": (now - t_log) / since, "train_s": round(train_s(), 1)})
                running, since, t_log = 0.0, 0, now
            out_of_time = bool(s.time_budget_min) and train_s() >= s.time_budget_min * 60
            if out_of_time:
                total_steps = step  # the budget is spent: finish here
            end_of_epoch = step % steps_per_epoch == 0
            if end_of_epoch or step == total_steps or (s.eval_every and step % s.eval_every == 0):
                run_eval(step / steps_per_epoch)
            elif s.save_every and step % s.save_every == 0:
                save_checkpoint(out / "last", model, s, {"step": step}, trainer_state())
            if step >= total_steps:
                break
    bar.close()
    summary = {"event": "done", "steps": step, "train_s": round(train_s(), 1), "best": best,
               "train_rows": len(train_ex), "val_rows": len(val_ex), "device": device}
    record(summary)
    log.close()
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m venvy.nl.train", description=__doc__.split("\n\n")[0])
    defaults = Settings()
    for f in dataclasses.fields(Settings):
        flag = "--" + f.name.replace("_", "-")
        value = getattr(defaults, f.name)
        if isinstance(value, bool):
            p.add_argument(flag, action=argparse.BooleanOptionalAction, default=value)
        elif isinstance(value, tuple):
            p.add_argument(flag, type=lambda t: tuple(x for x in t.split(",") if x), default=value,
                           help="comma-separated")
        else:
            p.add_argument(flag, type=type(value), default=value)
    p.add_argument("--resume", action="store_true", help="continue from <out>/last (settings from the checkpoint)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def main(argv: list[str] | None = None) -> int:
    args = vars(parser().parse_args(argv))
    resume = args.pop("resume")
    progress = not args.pop("no_progress")
    summary = train(Settings(**args), resume=resume, progress=progress)
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
