"""Loading the model into llama.cpp: once per process and model.

llama_cpp is imported here, and only when a model loads. Its C code prints to fd 2,
so loading runs with fd 2 redirected (VENVY_DEBUG=1 shows it). Threads and the OpenMP
wait policy come from venvy.nl.runtime.threads, decided before llama_cpp is imported.
A LoRA adapter is merged into its base once (venvy.nl.runtime.merge) and the merged file
loads; when that cannot be done the adapter is attached through llama.cpp's C API, so the
base stays memory-mapped.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field

from venvy.errors import ModelError
from venvy.nl.runtime import base_model, cpu_buffers, threads
from venvy.nl.runtime.resolve import ModelSpec
from venvy.nl.runtime.threads import physical_cores  # noqa: F401  (re-exported)

N_CTX = 512
INSTALL_LINE = f"venvy -w needs the natural-language extra: {base_model.INSTALL_HINT}"


@dataclass
class LoadedModel:
    llm: object  # llama_cpp.Llama
    spec: ModelSpec
    chat_template: str
    bos: str
    eos: str
    load_s: float
    threads: threads.Choice
    grammar_sampler: object = None  # llama_sampler_p, built lazily by venvy.nl.runtime.decoding
    pieces: dict = field(default_factory=dict)  # token id -> its text, filled by decoding as needed
    drafter: object = None  # venvy.nl.runtime.drafts.Drafter, built lazily by decoding

    def close(self) -> None:
        import llama_cpp

        if self.grammar_sampler is not None:
            llama_cpp.llama_sampler_free(self.grammar_sampler)
            self.grammar_sampler = None
        self.llm.close()


_LOADED: dict[tuple, LoadedModel] = {}


def import_llama_cpp(n_threads: int | None = None):
    """import llama_cpp, with the wait policy of this process's thread choice in the
    environment first (libgomp reads OMP_WAIT_POLICY once, when it loads)."""
    if "llama_cpp" not in sys.modules:
        threads.apply_wait_policy(thread_choice(n_threads))
    try:
        import llama_cpp
    except ImportError:
        raise ModelError(INSTALL_LINE) from None
    return llama_cpp


# --------------------------------------------------------------------------
# How many threads (venvy.nl.runtime.threads decides; once per process)
# --------------------------------------------------------------------------

_CHOICE: list[threads.Choice] = []


def thread_choice(n_threads: int | None = None) -> threads.Choice:
    """The caller's thread count (sleeping workers), else threads.choose(), made once per
    process and kept to the wait policy llama_cpp was loaded with."""
    if n_threads:
        return threads.Choice(n_threads, n_threads, "PASSIVE", "caller")
    if not _CHOICE:
        _CHOICE.append(threads.choose())
    return threads.effective(_CHOICE[0])


# --------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------


@contextlib.contextmanager
def quiet_stderr():
    """Silence C-level writes to fd 2 (llama.cpp/ggml print there directly); yields a
    function that returns what was written, for error messages."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield lambda: (sink.seek(0), sink.read().decode("utf-8", "replace"))[1]
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def merged(spec: ModelSpec) -> ModelSpec:
    """`spec` with its adapter merged into the base (venvy.nl.runtime.merge: made once, on
    first use, with a progress line), or `spec` itself when the merge cannot be written or
    VENVY_MERGE=0."""
    if spec.lora_path is None:
        return spec
    from venvy.nl.runtime import merge

    base_sha256 = (spec.manifest.get("base") or {}).get("sha256")  # checked by resolve
    path = merge.merged_model(spec.model_path, spec.lora_path, merge.DEFAULT_FORMAT, base_sha256=base_sha256)
    if path is None:
        return spec
    return dataclasses.replace(spec, model_path=path, lora_path=None, merged=True,
                               source=f"{spec.source}, adapter merged ({merge.DEFAULT_FORMAT})")


def load(spec: ModelSpec, n_threads: int | None = None) -> LoadedModel:
    """Load (once per process) the model of `spec`: the merged model when an adapter can be
    merged, else base + adapter."""
    merged_spec = merged(spec)
    if merged_spec is not spec:
        try:
            return _load(merged_spec, n_threads)
        except ModelError:  # a merged file llama.cpp cannot read: the adapter still works
            pass
    return _load(spec, n_threads)


def _load(spec: ModelSpec, n_threads: int | None) -> LoadedModel:
    llama_cpp = import_llama_cpp(n_threads)
    choice = thread_choice(n_threads)
    key = (str(spec.model_path), str(spec.lora_path), choice.n_threads, choice.n_threads_batch)
    if key in _LOADED:
        return _LOADED[key]
    from llama_cpp import _logger

    debug = os.environ.get("VENVY_DEBUG", "") not in ("", "0")
    _logger.logger.setLevel("DEBUG" if debug else "CRITICAL")
    started = time.perf_counter()
    stderr_guard = contextlib.nullcontext(lambda: "") if debug else quiet_stderr()
    with stderr_guard as captured:
        try:
            llm = cpu_buffers.new_llama(
                llama_cpp,
                model_path=str(spec.model_path),
                n_ctx=N_CTX,
                n_batch=N_CTX,
                n_threads=choice.n_threads,
                n_threads_batch=choice.n_threads_batch,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            detail = _last_line(captured()) or str(exc)
            raise ModelError(f"cannot load the model {spec.model_path}: {detail}") from None
        if spec.lora_path is not None:
            _apply_lora(llama_cpp, llm, spec, captured)
    template = llm.metadata.get("tokenizer.chat_template")
    if not template:
        raise ModelError(f"{spec.model_path} has no chat template (tokenizer.chat_template); venvy needs one.")
    model = llm._model
    bos_id, eos_id = llm.token_bos(), llm.token_eos()
    loaded = LoadedModel(
        llm=llm,
        spec=spec,
        chat_template=template,
        bos=model.token_get_text(bos_id) if bos_id >= 0 else "",
        eos=model.token_get_text(eos_id) if eos_id >= 0 else "",
        load_s=time.perf_counter() - started,
        threads=choice,
    )
    _LOADED[key] = loaded
    return loaded


def unload_all() -> None:
    """Close every loaded model (the next load() loads afresh; the report times each load)."""
    while _LOADED:
        _LOADED.popitem()[1].close()


def _apply_lora(llama_cpp, llm, spec, captured) -> None:
    """Attach the adapter ourselves so the base stays memory-mapped (Llama(lora_path=...)
    turns mmap off and reads the whole base file)."""
    import ctypes

    adapter = llama_cpp.llama_adapter_lora_init(llm.model, str(spec.lora_path).encode("utf-8"))
    if not adapter:
        detail = _last_line(captured()) or "not a LoRA adapter for this base model"
        llm.close()
        raise ModelError(f"cannot load the adapter {spec.lora_path}: {detail}")
    llm._stack.callback(llama_cpp.llama_adapter_lora_free, adapter)
    adapters = (llama_cpp.llama_adapter_lora_p_ctypes * 1)(adapter)
    scales = (ctypes.c_float * 1)(1.0)
    if llama_cpp.llama_set_adapters_lora(llm.ctx, adapters, 1, scales):
        llm.close()
        raise ModelError(f"cannot apply the adapter {spec.lora_path} to {spec.model_path}.")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""
