"""venvy.nl.runtime.cpu_buffers: no extra weight buffers where ggml reports AMX (its repack
crashed the process on the first evaluation), llama.cpp's default elsewhere, an override."""

from __future__ import annotations

import types

import pytest

from venvy.nl.runtime import cpu_buffers


def _fake_llama_cpp(info: str):
    return types.SimpleNamespace(llama_print_system_info=lambda: info.encode())


AMX = "CPU : SSE3 = 1 | AVX2 = 1 | AVX512 = 1 | AMX_INT8 = 1 | LLAMAFILE = 1 | OPENMP = 1 | REPACK = 1 | "
NO_AMX = "CPU : SSE3 = 1 | AVX2 = 1 | AVX512 = 1 | LLAMAFILE = 1 | OPENMP = 1 | REPACK = 1 | "


def test_off_where_ggml_reports_amx_and_on_elsewhere(monkeypatch):
    monkeypatch.delenv(cpu_buffers.ENV, raising=False)
    assert cpu_buffers.extra_buffers(_fake_llama_cpp(AMX)) is False
    assert cpu_buffers.extra_buffers(_fake_llama_cpp(NO_AMX)) is True


@pytest.mark.parametrize(("setting", "expected"), [("1", True), ("0", False)])
def test_the_environment_overrides_the_rule(monkeypatch, setting, expected):
    monkeypatch.setenv(cpu_buffers.ENV, setting)
    assert cpu_buffers.extra_buffers(_fake_llama_cpp(AMX)) is expected
    assert cpu_buffers.extra_buffers(_fake_llama_cpp(NO_AMX)) is expected


def test_the_defaults_are_wrapped_only_while_the_model_loads(monkeypatch):
    llama_cpp = pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed")
    low_level = llama_cpp.llama_cpp
    original = low_level.llama_model_default_params
    seen = {}

    def fake_llama(**kwargs):
        seen["params"] = low_level.llama_model_default_params()
        seen["kwargs"] = kwargs
        return "model"

    monkeypatch.setattr(llama_cpp, "Llama", fake_llama)
    monkeypatch.setenv(cpu_buffers.ENV, "0")
    assert cpu_buffers.new_llama(llama_cpp, model_path="m.gguf", n_ctx=8) == "model"
    assert seen["params"].use_extra_bufts is False
    assert seen["kwargs"] == {"model_path": "m.gguf", "n_ctx": 8}
    assert low_level.llama_model_default_params is original
    assert original().use_extra_bufts is True  # llama.cpp's own default is untouched

    monkeypatch.setenv(cpu_buffers.ENV, "1")
    cpu_buffers.new_llama(llama_cpp, model_path="m.gguf")
    assert seen["params"].use_extra_bufts is True
