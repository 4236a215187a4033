"""Fine-tune a small chat model into venvy's request -> command translator (LoRA).

    python -m venvy.nl.pipeline.train --out runs/smollm2                 # CPU: the embedded SmolLM2-135M GGUF
    python -m venvy.nl.pipeline.train --base TinyLlama/TinyLlama-1.1B-Chat-v1.0 --out runs/tinyllama   # a GPU
    python -m venvy.nl.pipeline.train --out runs/smollm2 --resume        # go on from runs/smollm2/last

Every run directory holds settings.json, log.jsonl (one JSON line per logged step and
per evaluation), best/ (the adapter with the lowest val loss) and last/ (adapter +
optimizer state and step, for --resume). Export with `python -m venvy.nl.pipeline.export`.

The model is venvy.nl.pipeline.modeling's, the batches .batches', the loss and the
validation figures .loss'. This module holds the settings and the loop.
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

from venvy.nl.files import atomic_write
from venvy.nl.pipeline.batches import collate, encode_rows, length_batches, load_pair_rows, load_rows
from venvy.nl.pipeline.loss import batch_loss, evaluate
from venvy.nl.pipeline.modeling import build_model, resolve_base

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
    # second stage: start from a trained adapter (a run's best/; same LoRA settings) and add hand-written
    # request/command pairs (TSV files in venvy.nl.eval.tsv's format, comma-separated) to the train rows,
    # each `people_repeat` times
    init_adapter: str = ""
    people: str = ""
    people_repeat: int = 1
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


# --------------------------------------------------------------------------
# Checkpoints and schedule
# --------------------------------------------------------------------------


def people_files(s: Settings) -> list[Path]:
    """The second stage's hand-written pair files (`--people a.tsv,b.tsv`), in order."""
    return [Path(part.strip()) for part in s.people.split(",") if part.strip()]


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


def trainer_state(optimizer, step: int, best: dict, train_s: float) -> dict:
    """What last/ needs to resume: optimizer state, step, best metrics, training time, RNG."""
    import torch

    return {"optimizer": optimizer.state_dict(), "step": step, "best": best, "train_s": train_s,
            "torch_rng": torch.get_rng_state()}


def log_event(log, entry: dict) -> None:
    log.write(json.dumps(entry) + "\n")
    log.flush()


def lr_factor(s: Settings, step: int, progress: float) -> float:
    """lr multiplier: linear warmup over warmup_steps, then cosine from 1 to min_lr_ratio
    as progress (0..1, the share of the budget spent) goes from the warmup's end to 1."""
    if step < s.warmup_steps:
        return (step + 1) / (s.warmup_steps + 1)
    return s.min_lr_ratio + (1 - s.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def budget_spent(s: Settings, step: int, total_steps: int, train_s: float) -> float:
    """Share of the budget spent: steps, or wall-clock time when a budget is set."""
    done = (step - s.warmup_steps) / max(1, total_steps - s.warmup_steps)
    if s.time_budget_min:
        done = max(done, train_s / (s.time_budget_min * 60))
    return done


def pick_device(s: Settings) -> str:
    import torch

    if s.device != "auto":
        return s.device
    return "cuda" if torch.cuda.is_available() else "cpu"


def evaluate_and_checkpoint(model, tok, val_ex, s: Settings, device: str, out: Path, log, *, step: int,
                            epoch: float, best: dict, optimizer, train_s: float, progress: bool) -> dict:
    """Val metrics into the log; best/ when the val loss improved, last/ always. Returns the best so far."""
    t = time.time()
    metrics = evaluate(model, tok, val_ex, s, device)
    entry = {"event": "eval", "step": step, "epoch": round(epoch, 3), **metrics,
             "eval_s": round(time.time() - t, 1), "train_s": round(train_s + time.time() - t, 1)}
    log_event(log, entry)
    if progress:
        from tqdm.auto import tqdm

        tqdm.write(json.dumps(entry))
    if metrics["val_loss"] < best["val_loss"]:
        best = {k: v for k, v in entry.items() if k != "event"}
        save_checkpoint(out / "best", model, s, best)
    save_checkpoint(out / "last", model, s, entry, trainer_state(optimizer, step, best, train_s))
    return best


# --------------------------------------------------------------------------
# Training loop
# --------------------------------------------------------------------------


def train(s: Settings, resume: bool = False, progress: bool = True) -> dict:
    """Run training; returns the summary also written to <out>/summary.json."""
    import torch
    from tqdm.auto import tqdm

    # settings: the run's identity (data, base, LoRA, lr...) comes from the checkpoint on --resume;
    # the budget and runtime knobs may be changed on the command line (values other than the defaults)
    out = Path(s.out)
    if resume:
        saved = Settings.from_json(json.loads((out / "last" / SETTINGS_FILE).read_text()))
        defaults = Settings()
        changed = {k: getattr(s, k) for k in RESUME_OVERRIDES if getattr(s, k) != getattr(defaults, k)}
        s = dataclasses.replace(saved, out=s.out, **changed)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / SETTINGS_FILE, json.dumps(s.to_json(), indent=2) + "\n")

    # runtime: threads, seeds, device. The shared-prefix KV cache is a CPU saving; on a GPU
    # (and Unsloth's patched forward) the plain forward is used.
    torch.set_num_threads(s.threads)
    random.seed(s.seed)
    torch.manual_seed(s.seed)
    device = pick_device(s)
    s = dataclasses.replace(s, share_prefix=s.share_prefix and device == "cpu")

    # model
    base = resolve_base(s.base)
    t_load = time.time()
    model, tok = build_model(s, base, device)
    if s.init_adapter and not resume:
        from venvy.nl.pipeline.modeling import load_adapter_weights

        load_adapter_weights(model, Path(s.init_adapter))
    load_s = time.time() - t_load

    # data
    data = Path(s.data)
    rows = load_rows(data / "train.jsonl", s.max_train_rows)
    for path in people_files(s):
        rows += load_pair_rows(path) * s.people_repeat
    train_ex, dropped_train = encode_rows(tok, rows, s.max_len)
    val_ex, _ = encode_rows(tok, load_rows(data / "val.jsonl", s.max_val_rows), s.max_len)
    steps_per_epoch = math.ceil(len(train_ex) / s.batch_size)
    total_steps = steps_per_epoch * s.epochs
    if s.max_steps:
        total_steps = min(total_steps, s.max_steps)

    # optimizer, and where a resumed run left off
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=s.lr, weight_decay=s.weight_decay, betas=(0.9, 0.99))
    step, best, elapsed_before = 0, {"val_loss": float("inf")}, 0.0
    if resume:
        from venvy.nl.pipeline.modeling import load_adapter_weights

        load_adapter_weights(model, out / "last")
        trainer = torch.load(out / "last" / TRAINER_FILE, weights_only=False)
        optimizer.load_state_dict(trainer["optimizer"])
        step, best, elapsed_before = trainer["step"], trainer["best"], trainer.get("train_s", 0.0)
        torch.set_rng_state(trainer["torch_rng"])

    log = open(out / LOG_FILE, "a", encoding="utf-8")
    log_event(log, {"event": "start", "resume": resume, "step": step, "train_rows": len(train_ex),
                    "val_rows": len(val_ex), "dropped_train_rows": dropped_train, "steps_per_epoch": steps_per_epoch,
                    "total_steps": total_steps, "device": device, "base": dataclasses.asdict(base),
                    "load_s": round(load_s, 1), "trainable_params": sum(p.numel() for p in params)})

    model.train()
    bar = tqdm(total=total_steps, initial=step, disable=not progress, desc="train", unit="step", file=sys.stderr)
    running, since = 0.0, 0
    t0 = t_log = time.time()
    while step < total_steps:
        epoch, done_in_epoch = divmod(step, steps_per_epoch)
        batches = length_batches(train_ex, s.batch_size, seed=s.seed + epoch)
        for batch in batches[done_in_epoch:]:
            # learning rate: warmup, then cosine over the budget spent
            lr = s.lr * lr_factor(s, step, budget_spent(s, step, total_steps, elapsed_before + time.time() - t0))
            for group in optimizer.param_groups:
                group["lr"] = lr
            # forward
            ids, labels, mask = collate([train_ex[i] for i in batch], tok.pad_token_id, device)
            loss = batch_loss(model, ids, labels, mask, s.share_prefix)
            # backward
            loss.backward()
            if s.grad_clip:
                torch.nn.utils.clip_grad_norm_(params, s.grad_clip)
            # step
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            running += loss.item()
            since += 1
            bar.update(1)
            bar.set_postfix(loss=f"{loss.item():.3f}", epoch=epoch + 1)
            train_s = elapsed_before + time.time() - t0
            # log
            if step % s.log_every == 0 or step == total_steps:
                now = time.time()
                log_event(log, {"event": "train", "step": step, "epoch": round(step / steps_per_epoch, 3),
                                "loss": running / since, "lr": lr, "s_per_step": (now - t_log) / since,
                                "train_s": round(train_s, 1)})
                running, since, t_log = 0.0, 0, now
            # budget: out of time ends the run here
            if s.time_budget_min and train_s >= s.time_budget_min * 60:
                total_steps = step
            # evaluate (end of epoch, end of run, every eval_every steps) and checkpoint
            if step % steps_per_epoch == 0 or step == total_steps or (s.eval_every and step % s.eval_every == 0):
                best = evaluate_and_checkpoint(model, tok, val_ex, s, device, out, log, step=step,
                                               epoch=step / steps_per_epoch, best=best, optimizer=optimizer,
                                               train_s=train_s, progress=progress)
            elif s.save_every and step % s.save_every == 0:
                save_checkpoint(out / "last", model, s, {"step": step}, trainer_state(optimizer, step, best, train_s))
            if step >= total_steps:
                break
    bar.close()

    # summary
    summary = {"event": "done", "steps": step, "train_s": round(elapsed_before + time.time() - t0, 1), "best": best,
               "train_rows": len(train_ex), "val_rows": len(val_ex), "device": device}
    log_event(log, summary)
    log.close()
    atomic_write(out / "summary.json", json.dumps(summary, indent=2) + "\n")
    return summary


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m venvy.nl.pipeline.train", description=__doc__.split("\n\n")[0])
    defaults = Settings()
    for f in dataclasses.fields(Settings):
        flag = "--" + f.name.replace("_", "-")
        value = getattr(defaults, f.name)
        if isinstance(value, bool):
            p.add_argument(flag, action=argparse.BooleanOptionalAction, default=value)
        elif isinstance(value, tuple):
            p.add_argument(flag, type=lambda t: tuple(x for x in t.split(",") if x), default=value,
                           help="comma-separated")
        else:  # the declared type: a float field may have an int default (time_budget_min = 0)
            p.add_argument(flag, type={"int": int, "float": float}.get(f.type, type(value)), default=value)
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
