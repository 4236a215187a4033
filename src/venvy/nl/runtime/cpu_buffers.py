"""Which weight buffers llama.cpp may use on this CPU, and the one place venvy makes a Llama.

llama.cpp can repack a model's weights into "extra" buffer types at load time (AMX tiles
on Intel CPUs that have AMX, interleaved blocks elsewhere). With llama-cpp-python 0.3.36
the AMX path kills the process with a general protection fault in libggml-cpu on the first
evaluation, measured on an Intel Xeon with AMX in a virtual machine (2026-11-30): load
succeeds, `eval` of any token crashes, with the base model and with the merged one. So
on a CPU whose ggml build reports AMX, venvy loads without extra buffer types; the same
model then runs on the ordinary AVX-512 kernels. Elsewhere llama.cpp's default stands.

    VENVY_EXTRA_BUFFERS=1   use them anyway (a machine where AMX works)
    VENVY_EXTRA_BUFFERS=0   never use them
"""

from __future__ import annotations

import contextlib
import os

ENV = "VENVY_EXTRA_BUFFERS"


def extra_buffers(llama_cpp) -> bool:
    """Whether llama.cpp may repack weights into extra buffer types here."""
    setting = os.environ.get(ENV, "").strip()
    if setting in ("0", "1"):
        return setting == "1"
    return not has_amx(llama_cpp)


def has_amx(llama_cpp) -> bool:
    """Does the CPU backend use AMX here (built with it, and the CPU has it)?"""
    info = llama_cpp.llama_print_system_info().decode("utf-8", "replace")
    return "AMX_INT8 = 1" in info


def new_llama(llama_cpp, **kwargs):
    """llama_cpp.Llama(**kwargs), with extra buffer types only where extra_buffers() allows.

    Llama() takes no argument for them: it starts from llama_model_default_params(), so
    that function is wrapped while the model loads."""
    if extra_buffers(llama_cpp):
        return llama_cpp.Llama(**kwargs)
    with _default_params(use_extra_bufts=False):
        return llama_cpp.Llama(**kwargs)


@contextlib.contextmanager
def _default_params(**fields):
    from llama_cpp import llama_cpp as low_level

    original = low_level.llama_model_default_params

    def defaults():
        params = original()
        for name, value in fields.items():
            setattr(params, name, value)
        return params

    low_level.llama_model_default_params = defaults
    try:
        yield
    finally:
        low_level.llama_model_default_params = original
