"""VenvyNLAgent: one request in, one contract command (or none) out, with a confidence.

- The model (venvy.nl.model_source) loads once per process: a module-level cache
  keyed by its paths. llama_cpp is imported only here, only when a model loads.
- Decoding is greedy and constrained by the contract's GBNF grammar: at each step
  the highest-logit token the grammar allows is taken. The grammar is applied to
  the top candidates first and to the whole vocabulary only when none of them fits.
- raw_score comes from the model's own, unconstrained softmax at each step: the
  probability it gives the chosen tokens (their product, and their minimum). The
  calibration block of the model's manifest maps it to P(right command).
- The answer is parsed by the CLI's real parser (contract.parse) and returned in
  canonical form; anything else becomes an error, never a command.
- The prompt's common prefix stays in the KV cache between requests.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass

from venvy.errors import ModelError
from venvy.nl import base_model, calibrate, contract, model_source, prefix_cache, prompt

N_CTX = 512
MAX_TOKENS = 64  # the longest answer in the dataset is 39 tokens (+ end); garbage stops here
TOP_K = 32  # grammar is tried on these candidates before the whole vocabulary
SPECIAL_TEXT = re.compile(r"<\|[A-Za-z0-9_]{1,40}\|>")
INSTALL_LINE = f"venvy -w needs the natural-language extra: {base_model.INSTALL_HINT}"


def physical_cores() -> int:
    """Physical cores usable by this process (hyperthreads share a core's math units)."""
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = os.cpu_count() or 1
    cores = set()
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            physical = core = None
            for line in fh:
                if line.startswith("physical id"):
                    physical = line.split(":", 1)[1].strip()
                elif line.startswith("core id"):
                    core = line.split(":", 1)[1].strip()
                elif not line.strip():
                    if core is not None:
                        cores.add((physical, core))
                    physical = core = None
            if core is not None:
                cores.add((physical, core))
    except OSError:
        pass
    n = len(cores) or usable
    return max(1, min(n, usable))


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


# --------------------------------------------------------------------------
# The loaded model (one per process and model)
# --------------------------------------------------------------------------


@dataclass
class LoadedModel:
    llm: object  # llama_cpp.Llama
    spec: model_source.ModelSpec
    chat_template: str
    bos: str
    eos: str
    load_s: float
    grammar_sampler: object = None  # llama_sampler_p, built lazily

    def close(self) -> None:
        import llama_cpp

        if self.grammar_sampler is not None:
            llama_cpp.llama_sampler_free(self.grammar_sampler)
            self.grammar_sampler = None
        self.llm.close()


_LOADED: dict[tuple, LoadedModel] = {}


def import_llama_cpp():
    # llama.cpp's OpenMP workers spin between tokens by default; on busy cores that spinning
    # starves the main thread (measured: 0.5-2 s per token with 2 threads instead of 45 ms).
    # Sleeping instead costs one wake-up per token. Must be set before libgomp loads.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        import llama_cpp
    except ImportError:
        raise ModelError(INSTALL_LINE) from None
    return llama_cpp


def default_threads() -> int:
    """Physical cores, minus those already busy (1-minute load average).

    llama.cpp's worker threads spin while they wait for each other: on a machine
    whose cores are taken by other work, two threads can be 10x slower than one
    (measured: 11.5 s vs 1.2 s for one request on 2 busy cores)."""
    cores = physical_cores()
    try:
        busy = int(os.getloadavg()[0])
    except (AttributeError, OSError):
        busy = 0
    return max(1, cores - busy)


def load(spec: model_source.ModelSpec, n_threads: int | None = None) -> LoadedModel:
    """Load (once per process) the model of `spec`."""
    n_threads = n_threads or default_threads()
    key = (str(spec.model_path), str(spec.lora_path), n_threads)
    if key in _LOADED:
        return _LOADED[key]
    llama_cpp = import_llama_cpp()
    from llama_cpp import _logger

    debug = os.environ.get("VENVY_DEBUG", "") not in ("", "0")
    _logger.logger.setLevel("DEBUG" if debug else "CRITICAL")
    started = time.perf_counter()
    stderr_guard = contextlib.nullcontext(lambda: "") if debug else quiet_stderr()
    with stderr_guard as captured:
        try:
            llm = llama_cpp.Llama(
                model_path=str(spec.model_path),
                n_ctx=N_CTX,
                n_batch=N_CTX,
                n_threads=n_threads,
                n_threads_batch=n_threads,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            detail = _last_line(captured()) or str(exc)
            raise ModelError(f"cannot load the model {spec.model_path}: {detail}") from None
        if spec.lora_path is not None:
            _apply_lora(llama_cpp, llm, spec, captured)
    metadata = llm.metadata
    template = metadata.get("tokenizer.chat_template")
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
    )
    _LOADED[key] = loaded
    return loaded


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


# --------------------------------------------------------------------------
# Request hygiene
# --------------------------------------------------------------------------


def clean_request(text: str) -> tuple[str, list[str]]:
    """Make arbitrary input safe to put in the prompt: valid UTF-8, no control
    characters, no chat-template markers, single spaces. Returns (text, warnings)."""
    warnings = []
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if any("\udc80" <= ch <= "\udcff" for ch in text):  # bytes that were not UTF-8 (surrogateescape)
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        warnings.append("the request had bytes that are not UTF-8; they were replaced by \ufffd.")
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates of other origins
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r ")
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)
    if controls:
        warnings.append(f"{controls} control character(s) in the request were replaced by spaces.")
    if SPECIAL_TEXT.search(text):
        text = SPECIAL_TEXT.sub(" ", text)
        warnings.append("chat-template markers like <|im_end|> were removed from the request.")
    return " ".join(text.split()), warnings


# --------------------------------------------------------------------------
# The agent
# --------------------------------------------------------------------------


class VenvyNLAgent:
    """Turns a request into a canonical contract command (or None) with a confidence.

    model_dir: a model folder (with manifest.json) or a GGUF file; None resolves
    $VENVY_MODEL, $VENVY_HOME/models, then the shipped model (model_source).
    """

    def __init__(
        self,
        model_dir: str | os.PathLike | None = None,
        *,
        grammar: bool = True,
        few_shot=(),
        n_threads: int | None = None,
        progress=None,
        max_tokens: int = MAX_TOKENS,
    ):
        import_llama_cpp()  # the missing extra is the first thing to say
        self.spec = model_source.resolve(model_dir, progress=progress)
        version = self.spec.manifest.get("prompt_version")
        if version is not None and version != prompt.PROMPT_VERSION:
            raise ModelError(
                f"the model {self.spec.describe()} was trained on prompt version {version}; this venvy "
                f"speaks version {prompt.PROMPT_VERSION}. Use a model made for this venvy."
            )
        self.loaded = load(self.spec, n_threads)
        self.grammar = grammar
        self.few_shot = tuple(few_shot)
        self.max_tokens = max_tokens
        self.calibration = self.spec.calibration
        self._prefix: list[int] | None = None

    @property
    def load_s(self) -> float:
        return self.loaded.load_s

    # -- public -------------------------------------------------------------

    def parse(self, text: str) -> dict:
        started = time.perf_counter()
        request, warnings = clean_request(text)
        result = {
            "request": request,
            "command": None,
            "confidence": 0.0,
            "raw_score": 0.0,
            "min_prob": 0.0,
            "answer": "",
            "error": None,
            "warnings": warnings,
            "latency_s": 0.0,
        }
        if not request:
            result["error"] = "the request is empty."
            result["latency_s"] = time.perf_counter() - started
            return result
        request, tokens = self._prompt_tokens(request, warnings)
        result["request"] = request
        answer, probs = self._decode(tokens)
        result["answer"] = answer
        result["raw_score"] = math.exp(sum(math.log(max(p, 1e-300)) for p in probs)) if probs else 0.0
        result["min_prob"] = min(probs) if probs else 0.0
        result["confidence"] = calibrate.apply(self.calibration, result["raw_score"], result["min_prob"])
        try:
            command = prompt.command(answer)
            if command is not None:
                command = contract.canonical(command)
        except contract.ContractError as exc:
            result["error"] = f"the model's answer {answer!r} is not a venvy command ({exc})."
            command = None
        result["command"] = command
        if command is not None:
            warnings.extend(value_warnings(command, request))
        result["latency_s"] = time.perf_counter() - started
        return result

    # -- prompt -------------------------------------------------------------

    def _render(self, request: str) -> str:
        lm = self.loaded
        return prompt.render(request, lm.chat_template, lm.bos, lm.eos, few_shot=self.few_shot)

    def _tokenize(self, text: str) -> list[int]:
        return self.loaded.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    def _prompt_tokens(self, request: str, warnings: list[str]) -> tuple[str, list[int]]:
        """Cut the request to what the model reads (prompt.MAX_REQUEST_CHARS and the
        context window, leaving room for the answer), with a note when cut."""
        original = len(request)
        if len(request) > prompt.MAX_REQUEST_CHARS:
            request = request[: prompt.MAX_REQUEST_CHARS].rstrip()
        tokens = self._tokenize(self._render(request))
        budget = N_CTX - self.max_tokens
        while len(tokens) > budget and len(request) > 1:
            request = request[: max(1, int(len(request) * 0.8))].rstrip()
            tokens = self._tokenize(self._render(request))
        if len(tokens) > budget:
            raise ModelError("the prompt does not fit the model's context; use fewer few-shot examples.")
        if len(request) < original:
            warnings.append(
                f"the request is long ({original:,} characters); the model read only its first "
                f"{len(request):,}."
            )
        return request, tokens

    # -- decoding -----------------------------------------------------------

    def _prefix_tokens(self) -> list[int]:
        """The tokens every prompt starts with (system turn, few-shot turns, the user tag)."""
        if self._prefix is None:
            a, b = self._tokenize(self._render("a")), self._tokenize(self._render("b"))
            n = 0
            while n < min(len(a), len(b)) and a[n] == b[n]:
                n += 1
            self._prefix = a[:n]
        return self._prefix

    def _eval_prompt(self, tokens: list[int]) -> None:
        """Evaluate `tokens`, reusing the KV cache for the prefix shared with the last call.

        In a fresh process the common prefix comes from a KV state file
        ($VENVY_HOME/cache/prefix-*.kv) when one matches this model and prompt; the prefix
        is always evaluated as its own batch, so cached and uncached runs compute the same."""
        llm = self.loaded.llm
        prefix = self._prefix_tokens()
        if llm.n_tokens == 0 and prefix and tokens[: len(prefix)] == prefix and len(tokens) > len(prefix):
            if not prefix_cache.restore(self.loaded, prefix):
                llm.eval(prefix)
                prefix_cache.save(self.loaded, prefix)
        cached = llm.input_ids[: llm.n_tokens].tolist()
        keep = 0
        for a, b in zip(cached, tokens):
            if a != b:
                break
            keep += 1
        keep = min(keep, len(tokens) - 1)  # always evaluate one token for fresh logits
        if not llm._ctx.kv_cache_seq_rm(-1, keep, -1):
            keep = 0
            llm.reset()
            llm._ctx.kv_cache_clear()
        llm.n_tokens = keep
        llm.eval(tokens[keep:])

    def _grammar_sampler(self):
        import llama_cpp

        lm = self.loaded
        if lm.grammar_sampler is None:
            sampler = llama_cpp.llama_sampler_init_grammar(
                lm.llm._model.vocab, contract.grammar().encode("utf-8"), b"root"
            )
            if not sampler:
                raise ModelError("llama.cpp rejected the command grammar (venvy.nl.contract.grammar()).")
            lm.grammar_sampler = sampler
        else:
            llama_cpp.llama_sampler_reset(lm.grammar_sampler)
        return lm.grammar_sampler

    def _decode(self, tokens: list[int]) -> tuple[str, list[float]]:
        """Greedy decoding (grammar-masked argmax); returns (answer, chosen tokens' probabilities)."""
        import llama_cpp
        import numpy as np

        llm = self.loaded.llm
        vocab = llm._model.vocab
        n_vocab = llm.n_vocab()
        self._eval_prompt(tokens)
        grammar = self._grammar_sampler() if self.grammar else None
        scratch = _Candidates(n_vocab)
        out: list[int] = []
        probs: list[float] = []
        for _ in range(self.max_tokens):
            logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(n_vocab,))
            top = logits.max()
            log_z = top + math.log(float(np.exp(logits - top).sum()))
            if grammar is None:
                token = int(logits.argmax())
            else:
                token = self._masked_argmax(llama_cpp, np, grammar, logits, scratch)
                if token < 0:
                    break  # nothing allowed: cannot happen with a complete grammar
                llama_cpp.llama_sampler_accept(grammar, token)
            probs.append(math.exp(float(logits[token]) - log_z))
            if llama_cpp.llama_vocab_is_eog(vocab, token):
                break
            out.append(token)
            if llm.n_tokens >= N_CTX:
                break
            llm.eval([token])
        return llm.detokenize(out).decode("utf-8", "replace").strip(), probs

    @staticmethod
    def _masked_argmax(llama_cpp, np, grammar, logits, scratch) -> int:
        k = min(TOP_K, len(logits) - 1)
        top = np.argpartition(-logits, k)[:k]
        for ids in (top, None):
            allowed_ids, allowed_logits = scratch.apply(llama_cpp, grammar, logits, ids)
            if len(allowed_ids):
                return int(allowed_ids[int(np.argmax(allowed_logits))])
        return -1


class _Candidates:
    """A reusable llama_token_data array for the grammar sampler."""

    def __init__(self, n_vocab: int):
        import numpy as np

        self.n_vocab = n_vocab
        self.data = np.zeros(
            n_vocab, dtype=np.dtype([("id", np.intc), ("logit", np.single), ("p", np.single)], align=True)
        )
        self.all_ids = np.arange(n_vocab, dtype=np.intc)

    def apply(self, llama_cpp, grammar, logits, ids):
        import ctypes

        import numpy as np

        ids = self.all_ids if ids is None else ids.astype(np.intc)
        n = len(ids)
        view = self.data[:n]
        view["id"] = ids
        view["logit"] = logits[ids]
        view["p"] = 0.0
        array = llama_cpp.llama_token_data_array(
            data=view.ctypes.data_as(llama_cpp.llama_token_data_p), size=n, selected=-1, sorted=False
        )
        llama_cpp.llama_sampler_apply(grammar, ctypes.byref(array))
        size = int(array.size)  # the grammar sampler only masks (logit = -inf); size stays n
        kept = view[:size]
        ok = np.isfinite(kept["logit"])
        return kept["id"][ok], kept["logit"][ok]


# --------------------------------------------------------------------------
# Value sanity checks
# --------------------------------------------------------------------------


def registered_names() -> set[str] | None:
    """Names in the registry, or None when there is no registry to read (never creates one)."""
    from venvy import paths

    if not paths.registry_db().is_file():
        return set()
    try:
        from venvy.registry import open_registry

        with open_registry() as registry:
            return {record.name for record in registry.all()}
    except Exception:  # noqa: BLE001 - a warning helper must never break parsing
        return None


def value_warnings(command: str, request: str) -> list[str]:
    """Warnings for values the request does not support: a venv name that is neither in
    the request nor registered, a path or package the request never mentions."""
    parsed = contract.parse(command)
    spec = contract.commands()[parsed.command]
    lowered = request.lower()
    warnings = []
    names = None
    params = ([spec.positional] if spec.positional else []) + list(spec.options)
    for p in params:
        value = parsed.params.get(p.name)
        if value is None or p.is_flag or value == p.default:
            continue
        text = str(value)
        if p.kind == "NAME":
            if text.lower() in lowered:
                continue
            if names is None:
                names = registered_names()
            if names and text in names:
                continue
            where = " and no venv is registered under it" if names is not None else ""
            warnings.append(f"the name {text!r} is not in your request{where}: check it.")
        elif p.kind in ("DIR", "FILE", "PATH") and text.lower() not in lowered:
            warnings.append(f"the path {text!r} is not in your request: check it.")
        elif p.kind == "LIST":
            missing = [pkg for pkg in text.split(",") if re.split(r"[=<>!~\[]", pkg)[0].lower() not in lowered]
            if missing:
                warnings.append(f"package(s) {', '.join(missing)} are not in your request: check them.")
    return warnings

