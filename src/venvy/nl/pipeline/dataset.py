"""Seeded generator of the NL dataset: request -> one canonical venvy command (or none).

    python -m venvy.nl.pipeline.dataset --out data [--seed 0]

writes venvy_nl_dataset.json (Alpaca rows: instruction, input, output, split),
train.jsonl, val.jsonl, test.jsonl and stats.json. Same seed, same bytes.

The command side comes from the click tree (venvy.nl.contract.commands()); every
output is built as a Parsed command and rendered by the contract's canonical form.
The request side comes from the templates in venvy.nl.pipeline.templates, .composed
and .negatives, filled with venvy.nl.pipeline.values. Splits are made by
template family: every frame, option phrasing and negative template belongs to
exactly one of train/val/test, and some values (names, paths, packages, versions,
durations) are held out of train. See docs/dataset.md.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from venvy.nl import contract
from venvy.nl.files import atomic_write
from venvy.nl.pipeline import negatives, templates
from venvy.nl.pipeline.families import OPTS, SPLITS, Tables, Template, build_tables
from venvy.nl.pipeline.values import (
    CONTEXT_SHARE, POOL_FOR, POOL_FOR_KIND, Value, add_noise, fill, sample_value, wrap,
)
from venvy.nl.prompt import SYSTEM

FORMAT_VERSION = 1
DATASET_VERSION = 3  # bumped when the rows change by design; in stats.json and the model manifest
DEFAULT_SEED = 0
# The train split is grown to this many times its base quota, from its own template families
# (generate_more_train): the data-size ablation on val chose it (docs/training.md).
DEFAULT_TRAIN_SCALE = 4.0
SHARES = {"train": 0.8, "val": 0.1, "test": 0.1}
CAP_SHARE = 0.028  # no target command above this share of its split (the issue allows 3%)

# Rows per command (split 80/10/10); a command without an entry gets DEFAULT_QUOTA.
QUOTAS = {
    "create": 700, "ls": 540, "info": 310, "register": 330, "scan": 330,
    "current": 100, "stats": 200, "cleanup": 400, "rm": 360, "shell-hook": 220,
}
DEFAULT_QUOTA = 150
NEGATIVE_QUOTA = 65  # rows per no-command category (10 categories: 15.7% of rows)
COMPOSED_SHARE = 0.6  # share of command rows built from a compositional frame (composed.COMPOSED)

# Chance that an option not fixed by the frame is asked for.
OPTION_PROB = {
    ("create", "name"): 0.55, ("create", "python"): 0.5, ("create", "path"): 0.3,
    ("create", "packages"): 0.4, ("create", "requirements"): 0.25,
    ("ls", "sort"): 0.6, ("ls", "fmt"): 0.45, ("ls", "python"): 0.3,
    ("info", "fmt"): 0.45, ("register", "name"): 0.45, ("register", "project"): 0.35,
    ("scan", "path"): 0.45, ("scan", "home"): 0.25, ("scan", "depth"): 0.35,
    ("stats", "fmt"): 0.55, ("cleanup", "days"): 0.6, ("cleanup", "dry_run"): 0.35, ("cleanup", "yes"): 0.25,
    ("rm", "keep_files"): 0.3, ("rm", "yes"): 0.35, ("shell-hook", "shell"): 0.8,
}
DEFAULT_OPTION_PROB = 0.4
EXCLUSIVE = [{"path", "home"}, {"dry_run", "yes"}]  # asking for both makes no sense


# --------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    input: str
    output: str  # canonical "venvy ..." or "" for no command
    split: str
    category: str  # the command name, or "none:<category>"
    families: tuple  # template families used

    def record(self) -> dict:
        return {"instruction": SYSTEM, "input": self.input, "output": self.output, "split": self.split}


def _pool(cmd: str, param: contract.ParamSpec) -> str:
    return POOL_FOR.get((cmd, param.name), POOL_FOR_KIND.get(param.kind, "name"))


def _draw_frame(cmd: str, split: str, rng: random.Random, tables: Tables) -> tuple[Template, str]:
    composed = tables.composed.get(cmd, {}).get(split)
    if composed and rng.random() < COMPOSED_SHARE:
        frame = rng.choice(composed)
    else:
        frame = rng.choice(tables.frames[cmd][split])
    return frame, frame.draw(rng)


def _takes(frame: Template, text: str, option: str) -> bool:
    """Whether a further phrasing of option can go into this frame."""
    taken = set(frame.slots) | {k for k, _ in frame.fixed}
    return OPTS in text and option not in taken and not any(option in ex and ex & taken for ex in EXCLUSIVE)


def command_row(cmd: str, split: str, rng: random.Random, tables: Tables, force: tuple | None = None,
                noise: bool = True) -> Row:
    """One row for cmd; force=(option, choice or None) makes the row ask for that option (and choice);
    noise=False leaves out the case, typo and punctuation noise (see _noisy).
    The phases draw from `rng` in a fixed order: changing it changes every row after."""
    spec = contract.commands()[cmd]
    by_name = {p.name: p for p in spec.params}

    # frame: a whole-request template of this split (one that can take the forced option)
    frame, frame_text = _draw_frame(cmd, split, rng, tables)
    for _ in range(10_000):
        if not force or _takes(frame, frame_text, force[0]):
            break
        frame, frame_text = _draw_frame(cmd, split, rng, tables)
    else:
        raise RuntimeError(f"no {split} frame of {cmd!r} can take {force[0]!r}: add one to venvy/nl/pipeline/templates.py")
    fixed = dict(frame.fixed)

    # parameters: the frame's slots and fixed values, the forced option, then random extra options
    chosen = list(dict.fromkeys(frame.slots + list(fixed)))
    extra = [force[0]] if force else []
    chosen += extra
    if OPTS in frame_text:
        candidates = list(spec.options)
        rng.shuffle(candidates)
        for opt in candidates:
            if opt.name in chosen or any(opt.name in ex and ex & set(chosen) for ex in EXCLUSIVE):
                continue
            if rng.random() < OPTION_PROB.get((cmd, opt.name), DEFAULT_OPTION_PROB):
                chosen.append(opt.name)
                extra.append(opt.name)

    # values, and a phrasing for each extra option
    values: dict[str, Value] = {}
    out_params = {p.name: (False if p.is_flag else None) for p in spec.params}
    fragments, families = [], [frame.family]
    for name in chosen:
        p = by_name[name]
        if name in fixed:
            out_params[name] = fixed[name]
        elif p.is_flag:
            out_params[name] = True
        elif p.kind == "CHOICE":
            out_params[name] = force[1] if force and force[0] == name else rng.choice(p.choices)
        else:
            values[name] = sample_value(_pool(cmd, p), split, rng)
            out_params[name] = values[name].out
        if name in extra:
            key = (cmd, name, out_params[name]) if p.kind == "CHOICE" else (cmd, name)
            template = rng.choice(tables.options[key][split])
            fragments.append(template.text)
            families.append(template.family)

    # request: options into the frame, lead-in/tail (whole-request frames only), noise, values
    text = frame_text.replace(OPTS, (" " + " ".join(fragments)) if fragments else "")
    if not frame.parts:  # a compositional frame has its own lead-in and tail
        text = wrap(text, rng)
    elif rng.random() < CONTEXT_SHARE:  # ... but may still follow a sentence of context
        text = rng.choice(templates.CONTEXTS) + text
    request = " ".join(fill(_noisy(text, rng, noise), values).split())

    # command: the canonical form, read back by the CLI's own parser
    output = contract.Parsed(cmd, out_params).canonical()
    _check_canonical(output)
    return Row(request, output, split, cmd, tuple(families))


@lru_cache(maxsize=None)
def _check_canonical(output: str) -> None:
    """The CLI's own parser must read the output back to the same string."""
    if contract.canonical(output) != output:
        raise AssertionError(f"not canonical: {output!r}")


NEGATIVE_SLOTS = {"name": "name", "name2": "name", "pkg": "packages", "path": "venv_path", "folder": "folder",
                  "python": "version", "requirements": "requirements"}


def _noisy(text: str, rng: random.Random, noise: bool) -> str:
    """The template text with values.add_noise's noise, or without it (the noise is drawn either way)."""
    noisy = add_noise(text, rng)
    return noisy if noise else text


def negative_row(category: str, split: str, rng: random.Random, tables: Tables, noise: bool = True) -> Row:
    template = rng.choice(tables.negatives[category][split])
    values = {}
    for slot in template.slots:
        pool = NEGATIVE_SLOTS[slot]
        value = sample_value(pool, split, rng)
        if pool == "packages":  # one or two packages, said plainly
            value = Value(value.out, value.spoken, value.spoken)
        values[slot] = value
    request = fill(_noisy(wrap(template.text, rng), rng, noise), values)
    return Row(request, "", split, f"none:{category}", (template.family,))


def missing_phrasings(specs: dict[str, contract.CommandSpec] | None = None) -> list[str]:
    """Contract commands, options and choices that venvy.nl.pipeline.templates cannot phrase."""
    specs = contract.commands() if specs is None else specs
    missing = []
    for cmd, spec in specs.items():
        if not templates.FRAMES.get(cmd):
            missing.append(f"{cmd} (no frames)")
        for opt in spec.options:
            table = templates.OPTIONS.get((cmd, opt.name))
            if not table:
                missing.append(f"{cmd} {opt.flag}")
            elif opt.kind == "CHOICE":
                missing += [f"{cmd} {opt.flag} {c}" for c in opt.choices if not table.get(c)]
    return missing


def normalize(text: str) -> str:
    """The near-duplicate key: lowercase, no punctuation, no whitespace."""
    return re.sub(r"[\W_]+", "", text.lower())


def split_quota(total: int) -> dict[str, int]:
    val = round(total * SHARES["val"])
    test = round(total * SHARES["test"])
    return {"train": total - val - test, "val": val, "test": test}


def _coverage_targets(cmd: str) -> list[tuple]:
    """(option, choice) for every option and non-default choice of cmd: the first rows of each split ask for
    one each, so every option and choice appears in every split."""
    targets = []
    for opt in contract.commands()[cmd].options:
        choices = [c for c in opt.choices if c != opt.default] if opt.kind == "CHOICE" else [None]
        targets += [(opt.name, c) for c in choices]
    return targets


def generate(seed: int = DEFAULT_SEED, noise: bool = True) -> list[Row]:
    """All rows, train then val then test, each split shuffled. Deterministic for a seed."""
    missing = missing_phrasings()
    if missing:
        raise ValueError("add phrasings to venvy/nl/pipeline/templates.py for: " + ", ".join(missing))
    rng = random.Random(seed)
    tables = build_tables(seed)
    seen: set[str] = set()
    rows: list[Row] = []
    for split in SPLITS:
        rows.extend(_split_rows(split, 1.0, rng, tables, seen, noise))
    return rows


def generate_more_train(seed: int = DEFAULT_SEED, train_scale: float = 1.0, noise: bool = True) -> list[Row]:
    """generate(seed) with its train split grown to about `train_scale` times its rows: the new
    rows come from the same train template families (so val and test, unchanged, still measure
    phrasings never trained on) and are no near-duplicate of any row. For the data-size
    learning curve (docs/training.md); train_scale 1 is generate(seed)."""
    rows = generate(seed, noise)
    if train_scale <= 1:
        return rows
    seen = {normalize(r.input) for r in rows}
    more = random.Random(f"{seed}|more-train")
    extra = _split_rows("train", train_scale - 1, more, build_tables(seed), seen, noise)
    n_train = sum(1 for r in rows if r.split == "train")
    return rows[:n_train] + extra + rows[n_train:]


def _split_rows(split: str, scale: float, rng: random.Random, tables: Tables, seen: set[str],
                noise: bool = True) -> list[Row]:
    """One split's rows (quotas times `scale`), shuffled; no near-duplicate of `seen`, which grows."""
    jobs = [("cmd", cmd, QUOTAS.get(cmd, DEFAULT_QUOTA)) for cmd in contract.commands()]
    jobs += [("none", cat, NEGATIVE_QUOTA) for cat in negatives.NEGATIVES]
    quotas = [(kind, what, round(split_quota(total)[split] * scale)) for kind, what, total in jobs]
    cap = max(1, math.floor(CAP_SHARE * sum(q for _, _, q in quotas)))
    per_output: Counter = Counter()
    split_rows = []
    for kind, what, quota in quotas:
        made, attempts = 0, 0
        forced = _coverage_targets(what) if kind == "cmd" else []
        while made < quota:
            attempts += 1
            if attempts > 500 * quota + 1000:
                raise RuntimeError(f"cannot make {quota} distinct {split} rows for {what!r}")
            if kind == "cmd":
                row = command_row(what, split, rng, tables, forced[made] if made < len(forced) else None, noise)
            else:
                row = negative_row(what, split, rng, tables, noise)
            key = normalize(row.input)
            if not key or key in seen or len(row.input) > 400:
                continue
            if row.output and per_output[row.output] >= cap:
                continue
            seen.add(key)
            per_output[row.output] += 1
            split_rows.append(row)
            made += 1
    rng.shuffle(split_rows)
    return split_rows


# --------------------------------------------------------------------------
# Stats and files
# --------------------------------------------------------------------------


@lru_cache(maxsize=None)
def option_keys(output: str) -> tuple[str, ...]:
    """'venvy ls --sort size --format json' -> ['ls --sort size', 'ls --format json']."""
    parsed = contract.parse(output)
    spec = contract.commands()[parsed.command]
    keys = []
    if spec.positional is not None and parsed.params.get(spec.positional.name) is not None:
        keys.append(f"{parsed.command} {spec.positional.kind}")
    for opt in spec.options:
        value = parsed.params.get(opt.name)
        if contract.is_default(opt, value):
            continue
        keys.append(f"{parsed.command} {opt.flag}" + (f" {value}" if opt.kind == "CHOICE" else ""))
    return tuple(keys)


def stats(rows: list[Row], seed: int) -> dict:
    def counter():
        return {s: 0 for s in ("all",) + SPLITS}

    per_command, per_option, per_none = {}, {}, {}
    for row in rows:
        if row.output:
            cmd = row.category
            per_command.setdefault(cmd, counter())
            for key in option_keys(row.output):
                per_option.setdefault(key, counter())
                per_option[key]["all"] += 1
                per_option[key][row.split] += 1
            bucket = per_command[cmd]
        else:
            cat = row.category.split(":", 1)[1]
            per_none.setdefault(cat, counter())
            bucket = per_none[cat]
        bucket["all"] += 1
        bucket[row.split] += 1
    outputs = Counter(r.output for r in rows if r.output)
    longest = max(rows, key=lambda r: (len(r.input), r.input))
    no_command = sum(1 for r in rows if not r.output)
    top_output, top_count = max(outputs.items(), key=lambda kv: (kv[1], kv[0]))
    return {
        "format_version": FORMAT_VERSION,
        "dataset_version": DATASET_VERSION,
        "seed": seed,
        "rows": len(rows),
        "splits": {s: sum(1 for r in rows if r.split == s) for s in SPLITS},
        "unique_requests": len({r.input for r in rows}),
        "unique_requests_normalized": len({normalize(r.input) for r in rows}),
        "unique_commands": len(outputs),
        "no_command_rows": no_command,
        "no_command_share": round(no_command / len(rows), 4),
        "most_common_command": {"output": top_output, "rows": top_count, "share": round(top_count / len(rows), 4)},
        "longest_request": {"chars": len(longest.input), "input": longest.input},
        "per_command": per_command,
        "per_no_command_category": per_none,
        "per_option": dict(sorted(per_option.items())),
        "template_families": len({f for r in rows for f in r.families}),
    }


def _dump(obj, **kw) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, **kw)


def write(rows: list[Row], out: Path, seed: int) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    records = [r.record() for r in rows]
    files = {"venvy_nl_dataset.json": _dump(records, indent=1) + "\n"}
    for split in SPLITS:
        files[f"{split}.jsonl"] = "".join(_dump(r) + "\n" for r in records if r["split"] == split)
    files["stats.json"] = _dump(stats(rows, seed), indent=2) + "\n"
    return [atomic_write(out / name, text) for name, text in files.items()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m venvy.nl.pipeline.dataset", description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path, help="folder to write the dataset files into")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--train-scale", type=float, default=DEFAULT_TRAIN_SCALE, metavar="X",
                        help="grow the train split to about X times its base rows, from its own template families "
                             f"(val and test unchanged; the data-size learning curve). Default {DEFAULT_TRAIN_SCALE:g}: "
                             "the committed dataset.")
    parser.add_argument("--no-noise", dest="noise", action="store_false",
                        help="no case, typo or punctuation noise (the training-noise ablation, docs/training.md)")
    args = parser.parse_args(argv)
    rows = generate_more_train(args.seed, args.train_scale, args.noise)
    write(rows, args.out, args.seed)
    print(f"wrote {len(rows)} rows to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
