"""The KV state of the prompt's common prefix, saved to disk so that a fresh process
(`venvy -w "..."` runs one request per process) does not evaluate it again.

The file name is a hash of everything the state depends on: the model files (path,
size, mtime), llama-cpp-python's version, the context size and the prefix tokens.
Any failure (unwritable $VENVY_HOME, a stale or torn file) just means the prefix is
evaluated as usual.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from venvy import paths
from venvy.nl.files import atomic_write


def _identity(path: Path | None) -> str:
    if path is None:
        return "-"
    st = path.stat()
    return f"{path.resolve()}:{st.st_size}:{st.st_mtime_ns}"


def cache_path(loaded, prefix: list[int]) -> Path:
    import llama_cpp

    spec = loaded.spec
    key = "|".join(
        [
            "v1",
            llama_cpp.__version__,
            _identity(spec.model_path),
            _identity(spec.lora_path),
            str(loaded.llm.n_ctx()),
            ",".join(map(str, prefix)),
        ]
    )
    return paths.home() / "cache" / f"prefix-{hashlib.sha256(key.encode()).hexdigest()[:24]}.kv"


def restore(loaded, prefix: list[int]) -> bool:
    """Load the prefix's KV state into sequence 0 of a fresh context; True on success."""
    import ctypes

    import llama_cpp

    llm = loaded.llm
    try:
        path = cache_path(loaded, prefix)
        if not path.is_file():
            return False
        tokens = (llama_cpp.llama_token * len(prefix))()
        count = ctypes.c_size_t(0)
        read = llama_cpp.llama_state_seq_load_file(
            llm.ctx, str(path).encode("utf-8"), 0, tokens, len(prefix), ctypes.byref(count)
        )
        if read == 0 or count.value != len(prefix) or list(tokens) != prefix:
            llm._ctx.kv_cache_clear()
            return False
    except (OSError, ValueError):
        llm._ctx.kv_cache_clear()
        return False
    llm.input_ids[: len(prefix)] = prefix
    llm.n_tokens = len(prefix)
    return True


def save(loaded, prefix: list[int]) -> None:
    """Write the KV state of sequence 0 (holding exactly `prefix`) for the next process."""
    import llama_cpp

    llm = loaded.llm
    if llm.n_tokens != len(prefix):
        return
    tokens = (llama_cpp.llama_token * len(prefix))(*prefix)

    def write(tmp: Path) -> bool:
        return bool(llama_cpp.llama_state_seq_save_file(llm.ctx, str(tmp).encode("utf-8"), 0, tokens, len(prefix)))

    try:
        atomic_write(cache_path(loaded, prefix), write)
    except OSError:
        pass
