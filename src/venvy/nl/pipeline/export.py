"""Export a training checkpoint to GGUF files that llama.cpp loads, with its manifest.json.

    python -m venvy.nl.pipeline.export --run runs/smollm2 --out src/venvy/nl/model            # LoRA adapter (shipped form)
    python -m venvy.nl.pipeline.export --run runs/tiny --kind full --outtype q8_0 --out out/   # merged full model

kind=lora writes a llama.cpp LoRA adapter GGUF (general.type=adapter, adapter.type=lora,
adapter.lora.alpha; tensors blk.N.<proj>.weight.lora_a / .lora_b), applied to the base
GGUF at load time. kind=full merges the adapter into the base and writes a complete
llama-architecture GGUF. Both write manifest.json beside the file (venvy.nl.manifest).
The GGUF writing itself is venvy.nl.pipeline.gguf_write's.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

from venvy.nl import manifest as manifest_file
from venvy.nl.files import sha256
from venvy.nl.pipeline.gguf_write import (
    OUTTYPES, ExportError, gguf_name, permute_qk, qk_heads, write_full_gguf, write_lora_gguf,
)

ADAPTER_FILE = "venvy-lora.gguf"
FULL_FILE = "venvy-full.gguf"
DATASET_FILE = "venvy_nl_dataset.json"


# --------------------------------------------------------------------------
# Checkpoint reading
# --------------------------------------------------------------------------


def read_checkpoint(folder: Path):
    """(Settings, adapter state dict of torch tensors, adapter_config dict)."""
    from safetensors.torch import load_file

    from venvy.nl.pipeline.train import SETTINGS_FILE, Settings, people_files

    folder = Path(folder)
    if not (folder / "adapter_model.safetensors").is_file():
        raise ExportError(f"{folder} holds no adapter_model.safetensors (is it a checkpoint from venvy.nl.pipeline.train?)")
    settings = Settings.from_json(json.loads((folder / SETTINGS_FILE).read_text()))
    config = json.loads((folder / "adapter_config.json").read_text())
    return settings, load_file(str(folder / "adapter_model.safetensors")), config




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




def export_lora(checkpoint: Path, path: Path, outtype: str = "f16") -> dict:
    """Checkpoint -> adapter GGUF; returns facts for the manifest."""
    import gguf

    from venvy.nl.pipeline.modeling import resolve_base

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
    from venvy.nl.pipeline.modeling import (
        load_adapter_weights, load_base_model, load_tokenizer, lora_config, resolve_base,
    )

    settings, _, _ = read_checkpoint(checkpoint)
    base = resolve_base(settings.base)
    model = get_peft_model(load_base_model(base), lora_config(settings))
    load_adapter_weights(model, Path(checkpoint))
    return model.merge_and_unload().eval(), load_tokenizer(base), settings, base








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
    """The manifest of an exported model (venvy.nl.manifest owns the format)."""
    from venvy.nl import prompt
    from venvy.nl.runtime.base_model import DISTRIBUTION, FILENAME

    base_entry = None
    if kind == "lora":
        base_path = Path(base.path)
        if base_path.name == FILENAME:
            base_entry = {"distribution": DISTRIBUTION, "file": FILENAME, "sha256": sha256(base_path)}
        else:  # a GGUF base of the user's: named by path (see venvy.nl.runtime.resolve.base_path)
            base_entry = {"path": str(base_path.resolve()), "file": base_path.name, "sha256": sha256(base_path)}
    training = _training_record(settings, run_dir)
    dataset = (data_dir / DATASET_FILE) if data_dir else None
    return manifest_file.new(
        kind, file,
        sha256=file_sha256,
        base=base_entry,
        prompt_version=prompt.PROMPT_VERSION,
        dataset_sha256=sha256(dataset) if dataset and dataset.is_file() else None,
        training=training,
        exported_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )


def _training_record(settings, run_dir: Path | None) -> dict:
    """The run's settings and summary; for a second stage (--init-adapter), the sha256 of its
    hand-written pairs and, as "first_stage", the record of the run it started from."""
    from venvy.nl.pipeline.train import SETTINGS_FILE, Settings, people_files

    training = {"settings": settings.to_json()}
    if run_dir is not None and (run_dir / "summary.json").is_file():
        summary = json.loads((run_dir / "summary.json").read_text())
        training.update({"train_s": summary.get("train_s"), "steps": summary.get("steps"),
                         "best": summary.get("best"), "device": summary.get("device"),
                         "train_rows": summary.get("train_rows"), "val_rows": summary.get("val_rows")})
    pairs = [path for path in people_files(settings) if path.is_file()]
    if pairs:
        training["people_sha256"] = {str(path): sha256(path) for path in pairs}
    start = Path(settings.init_adapter) if settings.init_adapter else None
    if start is not None and (start / SETTINGS_FILE).is_file():
        first = Settings.from_json(json.loads((start / SETTINGS_FILE).read_text()))
        training["first_stage"] = _training_record(first, start.parent)
    elif start is not None and start.suffix == ".gguf" and start.is_file():
        # an exported adapter (the shipped one): its own manifest holds how it was trained
        record = {"adapter_sha256": sha256(start)}
        if (start.parent / manifest_file.FILE_NAME).is_file():
            record.update(manifest_file.read(start.parent / manifest_file.FILE_NAME).get("training", {}))
        training["first_stage"] = record
    return training


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
    manifest_file.write(Path(out), manifest(kind, file, info["settings"], info["base"], run_dir, data_dir, sha256(target)))
    return target


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m venvy.nl.pipeline.export", description=__doc__.split("\n\n")[0])
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
