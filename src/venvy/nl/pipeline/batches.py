"""Training data: dataset rows -> token ids with the prompt masked -> padded batches.

The prompt is venvy.nl.prompt rendered with the base model's chat template, exactly as
at inference; the labels cover only the answer tokens and the end-of-turn token.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from venvy.nl.files import read_jsonl

IGNORE = -100  # label of a position the loss skips (prompt, padding)


def load_rows(path: Path, limit: int = 0) -> list[dict]:
    rows = read_jsonl(path)
    return rows[:limit] if limit else rows


def load_pair_rows(path: Path) -> list[dict]:
    """Hand-written request/command pairs (a TSV in venvy.nl.eval.tsv's format) as train rows: the
    first accepted command, in canonical form; no command = an empty output."""
    from venvy.nl import contract
    from venvy.nl.eval.tsv import load_tsv

    return [{"input": request, "output": contract.canonical(accepted[0]) if accepted else ""}
            for request, accepted in load_tsv(path)]


def request_of(row: dict) -> str:
    """The user's request: the row's input (instruction is the fixed task text)."""
    return (row.get("input") or row.get("instruction") or "").strip()


_END_MARK = "\x00venvy-answer\x00"


def end_of_turn_id(tok) -> int:
    """The token that ends the assistant's turn, as the chat template writes it: the first token
    after an assistant message (SmolLM2: <|im_end|>, id 2, the GGUF's tokenizer.ggml.eos_token_id
    that llama.cpp stops on; TinyLlama-Chat: </s>). Not tok.eos_token_id: transformers 5.17 reads
    SmolLM2's GGUF eos as <|im_start|> (id 1), and a model trained to end with that never ends an
    answer in llama.cpp (found on the GPU machine). The tokenizer's eos without a chat template."""
    cached = getattr(tok, "_venvy_end_of_turn", None)
    if cached is not None:
        return cached
    found = tok.eos_token_id
    if tok.chat_template:
        chat = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": _END_MARK}]
        text = tok.apply_chat_template(chat, tokenize=False)
        after = text[text.index(_END_MARK) + len(_END_MARK):] if _END_MARK in text else ""
        ids = tok(after, add_special_tokens=False).input_ids if after else []
        found = ids[0] if ids else found
    tok._venvy_end_of_turn = found
    return found


def prompt_ids(tok, request: str) -> list[int]:
    """Token ids of the prompt, as llama.cpp sees them (special tokens parsed;
    BOS prepended only where the tokenizer adds one and the template did not)."""
    from venvy.nl import prompt

    text = prompt.render(request, tok.chat_template, tok.bos_token or "", tok.eos_token or "")
    ids = tok(text, add_special_tokens=False).input_ids
    if _adds_bos(tok) and (not ids or ids[0] != tok.bos_token_id):
        ids = [tok.bos_token_id] + ids
    return ids


def _adds_bos(tok) -> bool:
    probe = tok("a", add_special_tokens=True).input_ids
    return tok.bos_token_id is not None and bool(probe) and probe[0] == tok.bos_token_id


def encode(tok, request: str, output: str) -> tuple[list[int], list[int]]:
    """(input_ids, labels): labels are -100 on the prompt, the answer ids + end-of-turn after it."""
    from venvy.nl import prompt

    p = prompt_ids(tok, request)
    answer = tok(prompt.response(output or None), add_special_tokens=False).input_ids + [end_of_turn_id(tok)]
    return p + answer, [IGNORE] * len(p) + answer


@dataclass
class Example:
    ids: list[int]
    labels: list[int]
    request: str
    output: str


def encode_rows(tok, rows: list[dict], max_len: int) -> tuple[list[Example], int]:
    out, dropped = [], 0
    for row in rows:
        ids, labels = encode(tok, request_of(row), row.get("output") or "")
        if len(ids) > max_len:
            dropped += 1
            continue
        out.append(Example(ids, labels, request_of(row), row.get("output") or ""))
    return out, dropped


def length_batches(examples: list[Example], batch_size: int, seed: int) -> list[list[int]]:
    """Indices in batches of similar length (little padding), batch order shuffled.
    Shuffle, sort within pools of 50 batches, cut, shuffle the batches: random but tight."""
    rng = random.Random(seed)
    order = list(range(len(examples)))
    rng.shuffle(order)
    pool = batch_size * 50
    batches = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start : start + pool], key=lambda i: len(examples[i].ids))
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def collate(examples: list[Example], pad_id: int, device: str):
    import torch

    width = max(len(e.ids) for e in examples)
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    labels = torch.full((len(examples), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(examples), width), dtype=torch.long)
    for row, e in enumerate(examples):
        n = len(e.ids)
        ids[row, :n] = torch.tensor(e.ids)
        labels[row, :n] = torch.tensor(e.labels)
        mask[row, :n] = 1
    return ids.to(device), labels.to(device), mask.to(device)
