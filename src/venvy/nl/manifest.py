"""manifest.json: what a model folder holds, and the one module that reads and writes it.

    {"format_version": 1, "kind": "lora" | "full", "file": "venvy-lora.gguf", "sha256": "...",
     "base": {"distribution": ..., "file": ..., "sha256": ...} | {"path": ..., ...} | null,
     "prompt_version": 1, "dataset_sha256": "...", "training": {...}, "exported_at": "...",
     "calibration": {...}}

Export writes it (pipeline.export), calibration fitting replaces its calibration block
(pipeline.calibrate), model resolution reads it (runtime.resolve). All three go
through here, so the name, the version and the checks exist once.
"""

from __future__ import annotations

import json
from pathlib import Path

from venvy.errors import ModelError
from venvy.nl.files import atomic_write

FILE_NAME = "manifest.json"
FORMAT_VERSION = 1
KINDS = ("lora", "full")


def new(kind: str, file: str, **fields) -> dict:
    """A manifest for a freshly exported model, at the current format version."""
    if kind not in KINDS:
        raise ValueError(f"unknown model kind {kind!r}; expected one of {', '.join(KINDS)}")
    return {"format_version": FORMAT_VERSION, "kind": kind, "file": file, **fields}


def read(path: Path) -> dict:
    """The manifest at `path`, checked: a JSON object of this format version, with a kind
    and a file name. Anything else is a ModelError that says what is wrong."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"cannot read the model manifest {path}: {exc}") from None
    if not isinstance(data, dict):
        raise ModelError(f"the model manifest {path} is not a JSON object.")
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelError(
            f"the model manifest {path} has format_version {version!r}; this venvy reads "
            f"{FORMAT_VERSION}. Upgrade venvy or use a model made for it."
        )
    if data.get("kind") not in KINDS:
        raise ModelError(f"the model manifest {path} has kind {data.get('kind')!r}; expected 'lora' or 'full'.")
    if not isinstance(data.get("file"), str) or not data["file"]:
        raise ModelError(f"the model manifest {path} does not name its GGUF file ('file').")
    return data


def write(folder: Path, data: dict) -> Path:
    """Write `folder`/manifest.json atomically, keeping a calibration block already there
    (export runs again after calibration was fitted)."""
    path = Path(folder) / FILE_NAME
    if path.is_file() and "calibration" not in data:
        old = json.loads(path.read_text(encoding="utf-8"))
        if "calibration" in old:
            data = {**data, "calibration": old["calibration"]}
    return atomic_write(path, _dump(data))


def set_calibration(path: Path, block: dict) -> Path:
    """Replace the calibration block of the manifest at `path`, keeping everything else."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    data["calibration"] = block
    return atomic_write(path, _dump(data))


def _dump(data: dict) -> str:
    return json.dumps(data, indent=2) + "\n"
