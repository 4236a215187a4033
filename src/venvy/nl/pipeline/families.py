"""Template families and their split: every frame, option phrasing and negative
template belongs to exactly one of train/val/test (about 80/10/10), so val and test
measure phrasings the model never saw. Deterministic for a seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from venvy.nl.pipeline import templates
from venvy.nl.pipeline.negatives import NEGATIVES
from venvy.nl.pipeline.composed import COMPOSED
from venvy.nl.pipeline.values import SLOT_RE

SPLITS = ("train", "val", "test")

OPTS = "{opts}"


@dataclass(frozen=True)
class Template:
    family: str  # e.g. "frame:create#7", "comp:ls:list/many", "opt:ls.sort=size#2", "none:shell#4"
    text: str  # for a compositional frame: its first expansion (same slots as every other one)
    fixed: tuple = ()  # ((param, value), ...) fixed by a frame
    parts: tuple = ()  # compositional frame: a tuple of alternatives per part, one drawn from each

    @property
    def slots(self) -> list[str]:
        return [m.group(1) for m in SLOT_RE.finditer(self.text) if m.group(1) != "opts"]

    def draw(self, rng: random.Random) -> str:
        return "".join(rng.choice(p) for p in self.parts) if self.parts else self.text


def split_families(key: str, items: list, seed: int, stratify=None) -> dict[str, list]:
    """Assign each item of a template list to one split (about 80/10/10).

    Lists shorter than 5 (per stratum) stay in train. Deterministic for (seed, key).
    """
    strata: dict[object, list[int]] = {}
    for i, item in enumerate(items):
        strata.setdefault(stratify(item) if stratify else None, []).append(i)
    out = {s: [] for s in SPLITS}
    rng = random.Random(f"{seed}|families|{key}")
    for _, indexes in sorted(strata.items(), key=lambda kv: str(kv[0])):
        indexes = list(indexes)
        rng.shuffle(indexes)
        k = 0 if len(indexes) < 5 else max(1, round(len(indexes) * 0.1))
        parts = {"test": indexes[:k], "val": indexes[k:2 * k], "train": indexes[2 * k:]}
        for split, idx in parts.items():
            out[split].extend(sorted(idx))
    return out


def _as_frame(item) -> tuple[str, tuple]:
    if isinstance(item, tuple):
        text, fixed = item
        return text, tuple(sorted(fixed.items()))
    return item, ()


@dataclass
class Tables:
    frames: dict  # command -> split -> [Template]
    composed: dict  # command -> split -> [Template] (compositional frames)
    options: dict  # (command, param) or (command, param, choice) -> split -> [Template]
    negatives: dict  # category -> split -> [Template]


def build_tables(seed: int) -> Tables:
    frames = {}
    for cmd, items in templates.FRAMES.items():
        parsed = [_as_frame(item) for item in items]
        assign = split_families(f"frame:{cmd}", parsed, seed, stratify=lambda f: OPTS in f[0])
        frames[cmd] = {
            s: [Template(f"frame:{cmd}#{i}", parsed[i][0], parsed[i][1]) for i in idx] for s, idx in assign.items()
        }
    composed = {}
    for cmd, items in COMPOSED.items():
        assign = split_families(f"comp:{cmd}", items, seed, stratify=lambda f: any(OPTS in p for p in f[1]))
        composed[cmd] = {
            s: [Template(f"comp:{cmd}:{items[i][0]}", "".join(p[0] for p in items[i][1]),
                         tuple(sorted(items[i][2].items())), tuple(tuple(p) for p in items[i][1])) for i in idx]
            for s, idx in assign.items()
        }
    options = {}
    for (cmd, param), table in templates.OPTIONS.items():
        lists = table.items() if isinstance(table, dict) else [(None, table)]
        for choice, texts in lists:
            key = (cmd, param) if choice is None else (cmd, param, choice)
            label = f"{cmd}.{param}" + ("" if choice is None else f"={choice}")
            assign = split_families(f"opt:{label}", texts, seed)
            options[key] = {s: [Template(f"opt:{label}#{i}", texts[i]) for i in idx] for s, idx in assign.items()}
    negatives = {}
    for cat, texts in NEGATIVES.items():
        assign = split_families(f"none:{cat}", texts, seed)
        negatives[cat] = {s: [Template(f"none:{cat}#{i}", texts[i]) for i in idx] for s, idx in assign.items()}
    return Tables(frames, composed, options, negatives)
