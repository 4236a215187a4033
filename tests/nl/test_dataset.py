"""The NL dataset generator and the committed data/ files."""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest

from venvy.nl import contract
from venvy.nl.pipeline import composed, negatives, templates
from venvy.nl.pipeline import dataset as ds
from venvy.nl.pipeline import values
from venvy.nl.prompt import SYSTEM

ROOT = Path(__file__).resolve().parents[2]
# data/ always holds the dataset of the shipped model (the accuracy tests and the report read its test and
# val splits); a new dataset version is committed in data/vN until a model trained on it ships.
DATA = ROOT / "data"
SHIPPED_DATA = DATA
MANIFEST = ROOT / "src" / "venvy" / "nl" / "model" / "manifest.json"
FILES = ["venvy_nl_dataset.json", "train.jsonl", "val.jsonl", "test.jsonl", "stats.json"]


@pytest.fixture(scope="module")
def rows() -> list[ds.Row]:
    return ds.generate(ds.DEFAULT_SEED)


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return json.loads((DATA / "venvy_nl_dataset.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def parse(output: str) -> contract.Parsed:
    return contract.parse(output)


@lru_cache(maxsize=None)
def canonical(output: str) -> str:
    return contract.canonical(output)


def _params(spec: contract.CommandSpec) -> list[contract.ParamSpec]:
    return ([spec.positional] if spec.positional else []) + list(spec.options)


# -- the committed files --------------------------------------------------


def test_committed_data_regenerates_byte_for_byte(tmp_path):
    assert ds.main(["--out", str(tmp_path)]) == 0
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), f"data/{name} is stale: regenerate it"


def test_data_is_the_shipped_models_dataset():
    import hashlib

    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    digest = hashlib.sha256((SHIPPED_DATA / "venvy_nl_dataset.json").read_bytes()).hexdigest()
    assert manifest["dataset_sha256"] == digest, "data/ must be the dataset the shipped model was trained on"


def test_the_generator_writes_dataset_version_3():
    stats = json.loads((DATA / "stats.json").read_text(encoding="utf-8"))
    assert ds.DATASET_VERSION == 3 and stats["dataset_version"] == 3


def test_committed_rows_are_alpaca_records_with_canonical_outputs(records):
    assert records
    for rec in records:
        assert set(rec) == {"instruction", "input", "output", "split"}
        assert rec["instruction"] == SYSTEM
        assert rec["split"] in ds.SPLITS
        assert rec["input"].strip() == rec["input"] and rec["input"]
        if rec["output"]:
            assert canonical(rec["output"]) == rec["output"]


def test_split_files_match_the_full_file(records):
    for split in ds.SPLITS:
        lines = (DATA / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
        assert [json.loads(line) for line in lines] == [r for r in records if r["split"] == split]


def test_stats_describe_the_data(records):
    stats = json.loads((DATA / "stats.json").read_text(encoding="utf-8"))
    assert stats["rows"] == len(records)
    assert stats["unique_requests"] == len({r["input"] for r in records})
    assert stats["unique_commands"] == len({r["output"] for r in records if r["output"]})
    assert stats["splits"] == dict(Counter(r["split"] for r in records))
    assert stats["longest_request"]["chars"] == max(len(r["input"]) for r in records)
    assert sum(c["all"] for c in stats["per_command"].values()) == sum(1 for r in records if r["output"])


def test_a_different_seed_gives_different_rows(rows):
    assert [r.input for r in ds.generate(1)[:50]] != [r.input for r in rows[:50]]


# -- derived from the contract ----------------------------------------------


def test_every_command_has_frames_and_frames_use_real_parameters():
    specs = contract.commands()
    assert set(templates.FRAMES) == set(specs)
    for cmd, spec in specs.items():
        names = {p.name for p in _params(spec)}
        for item in templates.FRAMES[cmd]:
            text, fixed = item if isinstance(item, tuple) else (item, {})
            slots = {m.group(1) for m in values.SLOT_RE.finditer(text)} - {"opts"}
            assert slots | set(fixed) <= names, (cmd, text)
            if spec.positional is not None and spec.positional.required:
                assert spec.positional.name in slots, f"{cmd} frame without its required {spec.positional.name}"


def test_compositional_frames_have_one_slot_set_and_real_parameters():
    specs = contract.commands()
    assert set(composed.COMPOSED) <= set(specs)
    for cmd, families in composed.COMPOSED.items():
        spec = specs[cmd]
        names = {p.name for p in _params(spec)}
        labels = [label for label, _, _ in families]
        assert len(labels) == len(set(labels)), cmd
        for label, parts, fixed in families:
            slot_sets = {
                frozenset(m.group(1) for m in values.SLOT_RE.finditer(choice)) - {"opts"}
                for part in parts for choice in part
            }
            per_part = [{frozenset(m.group(1) for m in values.SLOT_RE.finditer(c)) for c in part} for part in parts]
            assert all(len(s) == 1 for s in per_part), (cmd, label)  # every choice of a part has the same slots
            slots = set().union(*slot_sets)
            assert slots | set(fixed) <= names, (cmd, label)
            if spec.positional is not None and spec.positional.required:
                assert spec.positional.name in slots, (cmd, label)


def test_compositional_frames_give_many_distinct_train_requests(rows):
    comp = [r for r in rows if r.split == "train" and r.families[0].startswith("comp:")]
    assert len(comp) >= 0.4 * sum(1 for r in rows if r.split == "train" and r.output)
    for cmd in contract.commands():
        families = {r.families[0] for r in rows if r.category == cmd}
        assert len(families) >= 15, cmd


def test_every_option_and_choice_of_the_contract_has_phrasings():
    for cmd, spec in contract.commands().items():
        for opt in spec.options:
            table = templates.OPTIONS.get((cmd, opt.name))
            assert table, f"no phrasings for {cmd} {opt.flag}"
            if opt.kind == "CHOICE":
                assert set(table) == set(opt.choices), (cmd, opt.flag)
                lists = table.values()
            else:
                lists = [table]
            for texts in lists:
                assert len(texts) >= 5, (cmd, opt.flag)
                for text in texts:
                    slots = {m.group(1) for m in values.SLOT_RE.finditer(text)}
                    assert slots <= {opt.name}, (cmd, text)
                    if opt.kind not in ("FLAG", "CHOICE"):
                        assert opt.name in slots, (cmd, text)
    known = {(c, o.name) for c, s in contract.commands().items() for o in s.options}
    assert set(templates.OPTIONS) <= known, "phrasings for options the CLI does not have"


def test_a_new_cli_option_without_phrasings_is_caught():
    import dataclasses

    specs = dict(contract.commands())
    assert ds.missing_phrasings(specs) == []
    color = contract.ParamSpec("color", "--color", "CHOICE", ("red", "blue"), "red")
    specs["ls"] = dataclasses.replace(specs["ls"], options=specs["ls"].options + (color,))
    specs["upgrade"] = contract.CommandSpec("upgrade", None, ())
    assert ds.missing_phrasings(specs) == ["ls --color", "upgrade (no frames)"]


def test_every_option_and_choice_appears_in_every_split(rows):
    seen = {s: Counter() for s in ds.SPLITS}
    for row in rows:
        if row.output:
            seen[row.split].update(ds.option_keys(row.output))
    for cmd, spec in contract.commands().items():
        wanted = [f"{cmd} {spec.positional.kind}"] if spec.positional else []
        for opt in spec.options:
            if opt.kind == "CHOICE":
                wanted += [f"{cmd} {opt.flag} {c}" for c in opt.choices if c != opt.default]
            else:
                wanted.append(f"{cmd} {opt.flag}")
        for key in wanted:
            assert seen["train"][key] >= 15, key
            assert seen["val"][key] >= 1 and seen["test"][key] >= 1, key


def test_outputs_are_canonical_and_name_values_are_copied_verbatim(rows):
    for row in rows:
        if not row.output:
            continue
        assert canonical(row.output) == row.output
        parsed = parse(row.output)
        spec = contract.commands()[parsed.command]
        for p in _params(spec):
            if p.kind in ("NAME", "FILE") and parsed.params.get(p.name):
                assert parsed.params[p.name] in row.input, (row.input, row.output)


# -- size and balance ---------------------------------------------------------


def test_size_and_balance(rows):
    n = len(rows)
    assert 3500 <= len({r.input for r in rows}) and n <= 4500
    outputs = Counter(r.output for r in rows if r.output)
    assert len(outputs) >= 1000
    top, count = outputs.most_common(1)[0]
    assert count <= 0.03 * n, top
    none_share = sum(1 for r in rows if not r.output) / n
    assert 0.12 <= none_share <= 0.18  # hard negatives: at least 12% of rows (issue 10)
    for cmd in contract.commands():
        assert sum(1 for r in rows if r.category == cmd) >= 50, cmd


def test_splits_are_about_80_10_10_and_hold_every_command_and_category(rows):
    n = len(rows)
    by_split = Counter(r.split for r in rows)
    assert abs(by_split["train"] / n - 0.8) < 0.02
    assert abs(by_split["val"] / n - 0.1) < 0.02 and abs(by_split["test"] / n - 0.1) < 0.02
    categories = set(contract.commands()) | {f"none:{c}" for c in negatives.NEGATIVES}
    for split in ds.SPLITS:
        assert {r.category for r in rows if r.split == split} == categories, split


def test_no_val_or_test_request_is_a_near_duplicate_of_train(records):
    train = {ds.normalize(r["input"]) for r in records if r["split"] == "train"}
    held = [r["input"] for r in records if r["split"] != "train"]
    assert held
    leaks = [text for text in held if ds.normalize(text) in train]
    assert not leaks
    assert ds.normalize("List my VENVS, please!") == ds.normalize("list my venvs please")


def test_hand_written_training_pairs_are_no_near_duplicate_of_an_evaluation_request(records):
    """data/people/train*.tsv (the second training stage) share no request, up to case, spaces and
    punctuation, with val, test, the two hand-written test sets or the people dev set, nor with each other."""
    from venvy.nl.eval.tsv import load_tsv

    files = sorted((DATA / "people").glob("train*.tsv"))
    assert [path.name for path in files][:1] == ["train.tsv"]
    people = [request for path in files for request, _ in load_tsv(path)]
    evaluation = {ds.normalize(r["input"]) for r in records if r["split"] != "train"}
    for path in (ROOT / "tests" / "data" / "handwritten.tsv", ROOT / "tests" / "data" / "blind.tsv",
                 DATA / "people" / "dev.tsv"):
        evaluation |= {ds.normalize(request) for request, _ in load_tsv(path)}
    assert len(people) > 900
    assert [request for request in people if ds.normalize(request) in evaluation] == []
    assert len({ds.normalize(request) for request in people}) == len(people)


def test_val_and_test_frames_are_never_used_in_train(rows):
    def frames(split):
        return {f for r in rows if r.split == split for f in r.families if f.startswith(("frame:", "comp:", "none:"))}

    train = frames("train")
    for split in ("val", "test"):
        assert frames(split) and not frames(split) & train, split
    options = {f for r in rows if r.split == "train" for f in r.families if f.startswith("opt:")}
    held_options = {f for r in rows if r.split != "train" for f in r.families if f.startswith("opt:")}
    assert held_options and not held_options & options


def test_the_grown_train_split_keeps_val_test_and_their_families_apart(rows):
    grown = ds.generate_more_train(ds.DEFAULT_SEED, ds.DEFAULT_TRAIN_SCALE)
    base_train = [r for r in rows if r.split == "train"]
    assert [r for r in grown if r.split != "train"] == [r for r in rows if r.split != "train"]
    grown_train = [r for r in grown if r.split == "train"]
    assert grown_train[: len(base_train)] == base_train
    assert abs(len(grown_train) / len(base_train) - ds.DEFAULT_TRAIN_SCALE) < 0.05

    def families(split_rows):
        return {f for r in split_rows for f in r.families if f.startswith(("frame:", "comp:", "none:", "opt:"))}

    assert not families(grown_train) & families([r for r in grown if r.split != "train"])
    assert len({ds.normalize(r.input) for r in grown}) == len(grown)  # no near-duplicates anywhere


def test_some_values_appear_only_in_val_and_test(rows):
    def names(split_filter):
        found = set()
        for r in rows:
            if r.output and split_filter(r.split):
                parsed = parse(r.output)
                found.update(str(v) for k, v in parsed.params.items() if k == "name" and v)
        return found

    held_out_only = names(lambda s: s != "train") - names(lambda s: s == "train")
    assert held_out_only and held_out_only <= set(values.POOLS["name"][1])


# -- values as people say them --------------------------------------------------


@pytest.mark.parametrize(
    "phrase, days",
    [("a week", 7), ("two weeks", 14), ("a month", 30), ("3 months", 90), ("6 months", 180), ("a year", 365)],
)
def test_durations_are_converted_to_days(phrase, days):
    assert phrase in values.day_phrases(days)


def test_cleanup_rows_say_their_duration(rows):
    checked = 0
    for row in rows:
        if row.category != "cleanup":
            continue
        parsed = parse(row.output)
        days = parsed.params["days"]
        low = row.input.lower()
        if any(p.lower() in low for p in values.day_phrases(days)) or f"--days {days}" in low:
            checked += 1
        if days == 90 or "--days" not in row.output:
            assert "--days" not in row.output  # 90 days is the default: not written
    assert checked >= 100


def test_ninety_days_gives_plain_cleanup(rows):
    ninety = [r for r in rows if r.category == "cleanup" and re.search(r"\b(90|ninety) days\b", r.input.lower())]
    assert ninety and all("--days" not in r.output for r in ninety)


def test_spoken_versions_become_digits(rows):
    checked = 0
    for row in rows:
        said = re.findall(r"(?<![\w/.-])(?:py|python|-p|--python|cpython|python v)[ =]?(\d+(?:\.\d+){0,2})\b", row.input,
                          re.IGNORECASE)
        said += [f"{m[0]}.{m[1:]}" for m in re.findall(r"(?<![\w/.-])(?:py|python)(3\d{1,2})\b", row.input, re.IGNORECASE)]
        if row.output and said and "--python" in row.output:
            version = parse(row.output).params["python"]
            assert version in said, (row.input, row.output)
            checked += 1
    assert checked >= 100


def test_noise_keeps_slot_values_intact():
    import random

    rng = random.Random(3)
    for _ in range(300):
        text = values.add_noise("Please create a venv named {name} with {python|raw}", rng)
        assert "{name}" in text and "{python|raw}" in text


def test_number_words():
    assert [values.number_words(n) for n in (3, 14, 30, 45)] == ["three", "fourteen", "thirty", "forty-five"]


def test_docs_quote_the_committed_numbers():
    stats = json.loads((DATA / "stats.json").read_text(encoding="utf-8"))
    docs = (ROOT / "docs" / "dataset.md").read_text(encoding="utf-8")
    assert f"{stats['rows']:,} rows" in docs
    assert f"{stats['unique_requests']:,} unique requests" in docs
    assert f"{stats['unique_commands']:,} unique target" in docs
    assert f"{stats['longest_request']['chars']} characters" in docs
    for cmd, counts in stats["per_command"].items():
        assert f"| `{cmd}` | {counts['all']} | {counts['train']} | {counts['val']} | {counts['test']} |" in docs
    for key, counts in stats["per_option"].items():
        assert f"| `{key}` | {counts['all']} | {counts['train']} | {counts['val']} | {counts['test']} |" in docs


def test_every_option_and_choice_has_at_least_20_hand_written_phrasings():
    for (cmd, param), table in templates.OPTIONS.items():
        lists = table.items() if isinstance(table, dict) else [(None, table)]
        for choice, phrasings in lists:
            assert len(set(phrasings)) >= 20, (cmd, param, choice, len(set(phrasings)))


def test_hard_negatives_cover_the_v3_categories(rows):
    cats = Counter(r.category for r in rows if not r.output)
    for cat in ("activate", "about-venvy", "other-lang", "ambiguous", "install", "lookalike", "injection"):
        assert cats[f"none:{cat}"] >= 50, cat


def test_command_word_typos_are_transposed_or_doubled_letters_and_keep_slots():
    import random

    rng = random.Random(5)
    changed = 0
    for _ in range(400):
        text = values.add_noise("remove the {name} venv and show {path}", rng)
        assert "{name}" in text and "{path}" in text
        changed += "remove" not in text.lower() or "venv " not in text.lower()
    assert changed > 10


# -- the training-noise ablation ---------------------------------------------


def test_no_noise_leaves_the_text_as_written_and_draws_what_the_noise_draws():
    import random

    text = "Please remove the venv {name} right now!"
    plain, noisy = random.Random(5), random.Random(5)
    changed = False
    for _ in range(200):
        kept = ds._noisy(text, plain, noise=False)
        changed |= ds._noisy(text, noisy, noise=True) != text
        assert kept == text
        assert plain.getstate() == noisy.getstate()
    assert changed  # the noisy side did add noise, so the comparison above means something


def test_the_no_noise_dataset_has_the_same_splits_and_no_command_word_typo(tmp_path):
    assert ds.main(["--out", str(tmp_path), "--no-noise", "--train-scale", "1"]) == 0
    plain = json.loads((tmp_path / "stats.json").read_text(encoding="utf-8"))
    assert plain["splits"] == ds.stats(ds.generate(ds.DEFAULT_SEED), ds.DEFAULT_SEED)["splits"]
    words = ("create", "remove", "delete", "cleanup", "register", "scan", "list")
    slips = {w[:i] + w[i + 1] + w[i] + w[i + 2:] for w in words for i in range(1, len(w) - 1)}
    slips |= {w[:i] + w[i] + w[i:] for w in words for i in range(1, len(w))}
    typo = re.compile(r"\b(?:" + "|".join(sorted(slips - set(words))) + r")\b", re.I)

    def slipped(folder: Path) -> int:
        lines = (folder / "train.jsonl").read_text(encoding="utf-8").splitlines()
        return sum(1 for line in lines if typo.search(json.loads(line)["input"]))

    assert slipped(DATA) > 50  # the committed (noisy) data has command-word typos: the check can fail
    assert slipped(tmp_path) == 0
