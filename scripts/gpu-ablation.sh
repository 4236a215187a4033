#!/usr/bin/env bash
# The training ablations of docs/training.md ("Ablations on a GPU"), all at once on one CUDA card:
# each row is the whole two-stage recipe (stage 1 on data/train.jsonl, stage 2 on the hand-written
# pairs x3 + 3,000 generated rows) with one thing changed: LoRA rank, stage-1 learning rate,
# training noise, or the seed. One more run goes through the CUDA branch with a Hugging Face base
# (pipeline/modeling.py's _build_model_cuda), converted from the same GGUF.
#
#   scripts/gpu-ablation.sh BASE.gguf NONOISE_DATA WORK OUT [STAGE1_MIN STAGE2_MIN DEADLINE_S]
#
#   BASE.gguf     the embedded SmolLM2-135M-Instruct Q4_1 file (venvy.nl.runtime.base_model)
#   NONOISE_DATA  a folder with train.jsonl from `python -m venvy.nl.pipeline.dataset --no-noise`
#                 and data/val.jsonl (val keeps its noise: it is the same measurement for every row)
#   WORK, OUT     run folders go to WORK; OUT gets results.json (every run's log) and the stage-2
#                 adapters in float16 (what the adapter GGUF stores), as adapters.tar in 15 MiB parts
#
# Run it from the repository root with venvy importable (`pip install -e ".[train]"`, or PYTHONPATH=src
# plus torch, transformers, peft and gguf). Every stage runs on a wall-clock budget (--time-budget-min: the lr schedule follows the time spent),
# and every run is cut at DEADLINE_S seconds, so the whole script fits a fixed lease.
# ABLATE_DEVICE=cpu and ABLATE_EXTRA="--max-steps 2 --max-train-rows 32 --max-val-rows 16" make a smoke test.
set -u
BASE=$1 NONOISE=$2 WORK=$3 OUT=$4 S1=${5:-4} S2=${6:-1} DEADLINE_S=${7:-450}
PY=${PYTHON:-python3}
DEVICE=${ABLATE_DEVICE:-cuda}
read -r -a EXTRA <<< "${ABLATE_EXTRA:-}"
PAIRS=data/people/train.tsv,data/people/train2.tsv
END=$(( $(date +%s) + DEADLINE_S ))
mkdir -p "$WORK" "$OUT"

left() { echo $(( END - $(date +%s) > 1 ? END - $(date +%s) : 1 )); }

train() {  # folder, then train.py arguments
  local dir=$1; shift
  timeout "$(left)" "$PY" -m venvy.nl.pipeline.train --base "$BASE" --device "$DEVICE" --threads 2 --no-progress \
    --out "$dir" "$@" "${EXTRA[@]}" > "$dir.out" 2>&1
}

two_stages() {  # name data [arguments of both stages] -- [arguments of stage 1 only]
  local name=$1 data=$2 both=() first=()
  shift 2
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do both+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  first=("$@")
  mkdir -p "$WORK/$name"
  train "$WORK/$name/s1" --data "$data" --epochs 3 --time-budget-min "$S1" "${both[@]}" "${first[@]}" &&
  train "$WORK/$name/s2" --data "$data" --init-adapter "$WORK/$name/s1/best" --people "$PAIRS" --people-repeat 3 \
    --max-train-rows 3000 --epochs 1 --lr 3e-4 --warmup-steps 10 --time-budget-min "$S2" "${both[@]}"
}

hf_branch() {  # the GGUF base saved as a Hugging Face folder, then stage 1 through _build_model_cuda
  mkdir -p "$WORK/hf-cuda"
  timeout "$(left)" "$PY" - "$BASE" "$WORK/hf-base" > "$WORK/hf-cuda/convert.out" 2>&1 <<'EOF' || return 1
import sys
from venvy.nl.pipeline.modeling import Base, load_base_model, load_tokenizer
base = Base("gguf", sys.argv[1])
load_base_model(base).save_pretrained(sys.argv[2])
load_tokenizer(base).save_pretrained(sys.argv[2])
EOF
  BASE="$WORK/hf-base" train "$WORK/hf-cuda/s1" --data data --epochs 1 --time-budget-min "$S1"
}

two_stages r16 data &                                    # the recipe itself (r=16, lr 1e-3 then 3e-4)
two_stages r8 data --lora-r 8 --lora-alpha 8 &
two_stages r32 data --lora-r 32 --lora-alpha 32 &
two_stages lr5e-4 data -- --lr 5e-4 &
two_stages lr2e-3 data -- --lr 2e-3 &
two_stages no-noise "$NONOISE" &
two_stages seed7 data --seed 7 &                         # the same recipe again: how far runs differ by chance
hf_branch &
wait

"$PY" - "$WORK" "$OUT" <<'EOF'
import json, sys, tarfile
from pathlib import Path
from safetensors.torch import load_file, save_file

work, out = Path(sys.argv[1]), Path(sys.argv[2])
results = {}
for run in sorted(p for p in work.iterdir() if p.is_dir() and p.name != "hf-base"):
    results[run.name] = {}
    for stage in ("s1", "s2"):
        log, text = run / stage / "log.jsonl", run / f"{stage}.out"
        entry = {"log": [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []}
        if text.exists() and not (run / stage / "summary.json").exists():
            entry["output_tail"] = text.read_text(errors="replace")[-3000:]
        results[run.name][stage] = entry
(out / "results.json").write_text(json.dumps(results, indent=1) + "\n")

# the stage-2 adapters (not the second seed's), float16, one tar cut in 15 MiB parts
pack = work / "adapters.tar"
with tarfile.open(pack, "w") as tar:
    for run in sorted(work.iterdir()):
        best = run / "s2" / "best"
        if run.name == "seed7" or not (best / "adapter_model.safetensors").exists():
            continue
        half = work / f"{run.name}.safetensors"
        save_file({k: v.half().contiguous() for k, v in load_file(best / "adapter_model.safetensors").items()}, half)
        tar.add(half, f"{run.name}/adapter_model.safetensors")
        for name in ("adapter_config.json", "settings.json", "state.json"):
            tar.add(best / name, f"{run.name}/{name}")
data, part = pack.read_bytes(), 15 * 2**20
for i in range(0, len(data), part):
    (out / f"adapters.tar.{i // part:02d}").write_bytes(data[i:i + part])
print(json.dumps({name: {stage: (v["log"][-1] if v["log"] else v.get("output_tail", "")[-400:])
                         for stage, v in stages.items()} for name, stages in results.items()}, indent=1))
EOF
