"""Rendering evaluation results: the terminal summary, docs/results.md, the README block
and the reliability diagram. Pure functions of the results data; this module imports
nothing from the harness or the report, which both import it.
"""

from __future__ import annotations

from pathlib import Path

from venvy.nl.eval.metrics import BINS, THRESHOLDS

LIMITED = ("fewshot",)  # the slow baseline that --fewshot-limit applies to
REFERENCE = "finetuned"
MARK_START, MARK_END = "<!-- results:start -->", "<!-- results:end -->"
LABELS = {
    "finetuned": "fine-tuned + grammar",
    "finetuned-ungrounded": "fine-tuned + grammar, values not grounded",
    "finetuned-nogrammar": "fine-tuned, no grammar",
    "fewshot": "base + few-shot + grammar",
    "knn": "kNN (TF-IDF) + value filling",
}


def pct(x) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def secs(x) -> str:
    if x is None:
        return "–"
    return f"{1000 * x:.0f} ms" if x < 1 else f"{x:.2f} s"


def mib(x) -> str:
    return "–" if x is None else f"{x / 2**20:.1f} MiB"


def table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render_summary(result: dict) -> str:
    """A plain-text summary of one evaluation, for the terminal."""
    size = result.get("size_bytes") or {}
    lines = [
        f"{result['predictor']}: {result.get('description', '')}",
        f"rows {result['n']} ({result['n_no_command']} without a command)",
        f"semantic accuracy  {pct(result['semantic_accuracy'])}",
        f"exact accuracy     {pct(result['exact_accuracy'])}",
        f"no-command (abstain) accuracy {pct(result['abstain_accuracy'])}, "
        f"false abstain {pct(result['false_abstain_rate'])}, invalid {pct(result['invalid_rate'])}",
        f"latency p50 {secs(result['latency_p50_s'])}, p95 {secs(result['latency_p95_s'])}; "
        f"load {secs(result['load_s'])}; peak RSS {mib(result['peak_rss_bytes'])}; "
        f"size on disk {mib(size.get('total'))}",
        "",
        "per command (semantic / exact):",
    ]
    for name, m in result["per_command"].items():
        lines.append(f"  {name:<12} {m['n']:>5}  {pct(m['semantic']):>7}  {pct(m['exact']):>7}")
    lines += ["", "top confusions:"]
    lines += [f"  {count:>4}  {label}" for label, count in result["confusions"]] or ["  (none)"]
    lines += ["", "confidence >= t: coverage / precision"]
    for t in result["thresholds"]:
        lines.append(f"  {t['threshold']:.2f}  {pct(t['coverage']):>7}  {pct(t['precision']):>7}")
    lines.append(f"expected calibration error {result['reliability']['ece']:.3f}" if result["n"] else "")
    wrong = result.get("wrong_destructive") or {}
    if wrong:
        lines.append("wrong destructive answers (rm, cleanup without --dry-run) at confidence >= t: "
                     + ", ".join(f"{t}: {n}" for t, n in wrong.items()))
    return "\n".join(lines)


def reliability_plot(results: dict, path: Path) -> Path:
    """Reliability diagram (mean confidence vs observed accuracy per bin) over counts per bin,
    one series per labelled result."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(6.4, 7.2), height_ratios=(3, 1.3), sharex=True)
    top.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfect calibration")
    width = 0.8 / max(1, len(results)) / BINS
    for k, (label, result) in enumerate(results.items()):
        bins = [b for b in result["reliability"]["bins"] if b["n"]]
        xs = [b["confidence"] for b in bins]
        ys = [b["accuracy"] for b in bins]
        ece = result["reliability"]["ece"]
        line = top.plot(xs, ys, marker="o", label=f"{label} (n={result['n']}, ECE {ece:.3f})")[0]
        for b in bins:
            top.annotate(str(b["n"]), (b["confidence"], b["accuracy"]), fontsize=7, xytext=(3, -9),
                         textcoords="offset points", color=line.get_color())
        all_bins = result["reliability"]["bins"]
        centers = [b["lo"] + 0.1 * (b["hi"] - b["lo"]) + k * width for b in all_bins]
        bottom.bar(centers, [b["n"] for b in all_bins], width=width, align="edge", color=line.get_color())
    top.set(xlim=(0, 1), ylim=(0, 1.02), ylabel="observed accuracy (semantic)", title="Reliability: confidence vs accuracy")
    top.legend(fontsize=7, loc="upper left")
    top.grid(alpha=0.3)
    bottom.set(xlabel="confidence (bins of 0.1)", ylabel="rows per bin")
    bottom.grid(alpha=0.3)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _ok(result) -> bool:
    return bool(result) and "error" not in result


def compare(data: dict, set_name: str) -> dict:
    """Per command, the fine-tuned model against each other predictor on the same rows:
    {other: {"rows": n or "all", "wins": [...], "losses": [...], "ties": [...]}}."""
    runs = data["runs"].get(set_name, {})
    if not _ok(runs.get(REFERENCE)):
        return {}
    out = {}
    for other, result in runs.items():
        if other == REFERENCE or not _ok(result):
            continue
        same = data["same_rows"].get(set_name)
        if other in LIMITED and same:
            ref = same["scores"][REFERENCE]
            rows = f"{result['n']} rows (same subset)"
        else:
            ref = runs[REFERENCE]
            rows = "all rows"
        verdict = {"rows": rows, "wins": [], "losses": [], "ties": [],
                   "overall": [ref["semantic_accuracy"], result["semantic_accuracy"]]}
        for cmd, theirs in result["per_command"].items():
            mine = ref["per_command"].get(cmd)
            if not mine:
                continue
            entry = [cmd, theirs["n"], mine["semantic"], theirs["semantic"]]
            key = "wins" if mine["semantic"] > theirs["semantic"] else "losses" if mine["semantic"] < theirs["semantic"] else "ties"
            verdict[key].append(entry)
        out[other] = verdict
    return out


def _fmt_entries(entries) -> str:
    if not entries:
        return "nothing"
    return ", ".join(f"{cmd} ({pct(a)} vs {pct(b)}, n={n})" for cmd, n, a, b in entries)


def _rows_cell(result: dict, full_n: int) -> str:
    return str(result["n"]) if result["n"] >= full_n else f"{result['n']} of {full_n} (--limit)"


def _set_size(data: dict, set_name: str) -> int:
    return data.get("sizes", {}).get(set_name) or _full_n(data["runs"][set_name])


def _full_n(by_name: dict) -> int:
    return max((r["n"] for r in by_name.values() if "n" in r), default=0)


def accuracy_table(data: dict, set_name: str) -> str:
    runs = data["runs"][set_name]
    full_n = _set_size(data, set_name)
    rows = []
    for name, r in runs.items():
        if not _ok(r):
            rows.append([LABELS.get(name, name), "not run: " + r.get("error", "?"), *["–"] * 7])
            continue
        rows.append([LABELS.get(name, name), _rows_cell(r, full_n), pct(r["semantic_accuracy"]), pct(r["exact_accuracy"]),
                     pct(r["abstain_accuracy"]), pct(r["false_abstain_rate"]), pct(r["invalid_rate"]),
                     secs(r["latency_p50_s"]), secs(r["latency_p95_s"])])
    return table(["predictor", "rows", "semantic", "exact", "no-command right", "false abstain", "invalid",
                  "p50", "p95"], rows)


def per_command_table(data: dict, set_name: str) -> str:
    runs = {n: r for n, r in data["runs"][set_name].items() if _ok(r)}
    names = list(runs)
    commands = []
    for r in runs.values():
        commands += [c for c in r["per_command"] if c not in commands]
    order = [*[c for c in (runs.get(REFERENCE) or next(iter(runs.values())))["per_command"]],
             *[c for c in commands]]
    order = list(dict.fromkeys(order))
    header = ["expected", "n", *[LABELS.get(n, n) + (" (subset)" if n in LIMITED and data["same_rows"].get(set_name) else "")
                                 for n in names]]
    rows = []
    for cmd in order:
        n = max((r["per_command"][cmd]["n"] for r in runs.values() if cmd in r["per_command"]), default=0)
        rows.append([cmd, n, *[pct(r["per_command"].get(cmd, {}).get("semantic")) for r in runs.values()]])
    return table(header, rows)


def threshold_rows(data: dict, sets=("val", "test", "handwritten", "blind", "dev")) -> tuple[list, list]:
    present = [s for s in sets if _ok(data["runs"].get(s, {}).get(REFERENCE))]
    header = ["confidence ≥", *[f"{s}: coverage / precision" for s in present]]
    rows = []
    for i, t in enumerate(THRESHOLDS):
        cells = []
        for s in present:
            entry = data["runs"][s][REFERENCE]["thresholds"][i]
            cells.append(f"{pct(entry['coverage'])} / {pct(entry['precision'])}")
        rows.append([f"{t:.2f}", *cells])
    eces = ["ECE", *[f"{data['runs'][s][REFERENCE]['reliability']['ece']:.3f}" for s in present]]
    wrong = ["wrong destructive at ≥ 0.8",
             *[str(data["runs"][s][REFERENCE].get("wrong_destructive", {}).get("0.8", "–")) for s in present]]
    return header, rows + [eces, wrong]


def _size_cell(size: dict) -> str:
    if size.get("adapter"):
        return f"{mib(size['adapter'])} + {mib(size['base'])} = {mib(size['total'])}"
    return mib(size.get("total"))


def cost_table(data: dict, set_name: str = "test") -> str:
    rows = []
    for name, r in data["runs"].get(set_name, {}).items():
        if not _ok(r):
            continue
        size = r.get("size_bytes") or {}
        rows.append([LABELS.get(name, name), secs(r["load_s"]), secs(r.get("first_request_s")), secs(r["latency_p50_s"]),
                     secs(r["latency_p95_s"]), secs(r["latency_mean_s"]), mib(r["peak_rss_bytes"]),
                     _size_cell(size)])
    return table(["predictor", "load", "first request", "p50", "p95", "mean", "peak RSS (process)",
                  "size on disk (adapter + base)"], rows)


def wins_losses(data: dict, set_name: str) -> list[str]:
    lines = []
    for other, v in compare(data, set_name).items():
        mine, theirs = v["overall"]
        lines.append(
            f"- vs **{LABELS.get(other, other)}** ({v['rows']}; overall {pct(mine)} vs {pct(theirs)}): "
            f"wins on {_fmt_entries(v['wins'])}; loses on {_fmt_entries(v['losses'])}; "
            f"ties on {', '.join(e[0] for e in v['ties']) or 'nothing'}."
        )
    return lines


def _dataset_line(model: dict) -> list[str]:
    trained, here = model.get("dataset_sha256"), model.get("data_sha256")
    if not trained or not here:
        return []
    if trained == here:
        return [f"- Training data: the model was trained on this dataset (sha256 `{here[:12]}`)."]
    return [f"- Training data: the model was trained on dataset sha256 `{trained[:12]}`, but `data/venvy_nl_dataset.json` "
            f"is `{here[:12]}`: a different version, so its test/val splits are not the model's own held-out splits "
            "(the baselines use the current train split)."]


def _same_rows_table(same: dict) -> list[str]:
    rows = [[LABELS.get(n, n), s["n"], pct(s["semantic_accuracy"]), pct(s["exact_accuracy"]),
             pct(s["abstain_accuracy"])] for n, s in same["scores"].items()]
    return [f"On the {same['limit']} rows the few-shot baseline saw (spread evenly over the file):", "",
            table(["predictor", "rows", "semantic", "exact", "no-command right"], rows), ""]


# sets the shipped model was chosen on (docs/training.md): val, and the people-written dev set
CHOSEN_ON = ("val", "dev")


def _calibration_where(data: dict) -> str:
    """Which sets the calibration was fitted on (in-sample) and which are held out."""
    model = data["model"]
    fitted = model.get("calibration_data")
    in_sample = [n for n, sha in data.get("set_sha256", {}).items()
                 if sha and sha == model.get("calibration_data_sha256")]
    chosen = [n for n in CHOSEN_ON if n in data.get("sets", {})]
    chosen_note = (f" The model was chosen on {' and '.join(chosen)}: their figures are not held-out figures."
                   if chosen else "")
    if not fitted:
        return "The model has no calibration block: confidence is the raw score." + chosen_note
    if in_sample:
        return (f"The calibration was fitted on {fitted}: the {', '.join(in_sample)} rows are in-sample, the others "
                "held out from it." + chosen_note)
    return f"The calibration was fitted on {fitted}, which is none of the sets here." + chosen_note


def render_markdown(data: dict, command: str) -> str:
    """docs/results.md: what was run, then per set accuracy, comparisons and confusions,
    then calibration and cost."""
    model = data["model"]
    calibrated = ("calibrated (manifest calibration block)" if model.get("calibrated")
                  else "the raw model score (no calibration in the manifest)")
    # header: how to regenerate, machine, model, sets, definitions
    out = [
        "# venvy natural-language mode: evaluation results",
        "",
        f"Generated {data['generated']} by `venvy.nl.eval.report` at commit `{data['commit']}`; every figure below",
        "comes from the harness (`venvy.nl.eval`), none is typed by hand. Regenerate with:",
        "",
        "```sh",
        command,
        "```",
        "",
        f"- Machine: {data['machine']}",
        f"- Model: {model.get('describe') or model.get('error')}",
        *_dataset_line(model),
        *(["- **Warning: the model's manifest changed while the report ran; rerun it.**"] if data.get("model_changed") else []),
        "- Sets: " + ", ".join(f"{name} = `{path}` ({_set_size(data, name)} rows)" for name, path in data["sets"].items()),
        f"- llama.cpp threads: {data.get('threads') or 'the agent default (physical cores)'}",
        f"- Whole report run: {secs(data['wall_s'])}",
        "",
        "Semantic = same command and values as an accepted answer once defaults are filled in (LIST order free);",
        "exact = identical canonical string. No-command rows are right only when the predictor answers no command;",
        "unparseable output (\"invalid\") is always wrong. Confidence is " + calibrated + " for the fine-tuned model,",
        "the best cosine similarity for kNN.",
        "",
    ]
    for set_name in data["runs"]:
        # per set: accuracy of every predictor, and on the few-shot subset
        out += [f"## {set_name}", "", accuracy_table(data, set_name), ""]
        same = data["same_rows"].get(set_name)
        if same:
            out += _same_rows_table(same)
        if set_name == "val":
            continue
        # per set: per command, wins and losses, confusions
        out += [f"### {set_name}: semantic accuracy per expected command", "", per_command_table(data, set_name), ""]
        lines = wins_losses(data, set_name)
        if lines:
            out += [f"### {set_name}: where the fine-tuned model (grammar) wins and loses", "", *lines, ""]
        ref = data["runs"][set_name].get(REFERENCE)
        if _ok(ref):
            out += [f"### {set_name}: top confusions of the fine-tuned model (expected -> predicted)", ""]
            out += [f"- {count} × {label}" for label, count in ref["confusions"]] or ["- none"]
            out.append("")
    # calibration: coverage and precision by threshold, ECE, the reliability diagram
    header, rows = threshold_rows(data)
    if len(header) > 1:
        out += ["## Calibration (fine-tuned + grammar)", "",
                "Rows with confidence ≥ t are kept: coverage = kept / all rows, precision = semantic accuracy of the kept ones.",
                _calibration_where(data), "", table(header, rows), "", "![reliability diagram](reliability.png)", ""]
    # cost
    out += ["## Cost", "",
            "Measured on the test-set runs, one process for all: each predictor's model is loaded afresh",
            "(llama_cpp already imported); peak RSS is the process's peak while that predictor ran.", "",
            cost_table(data), ""]
    return "\n".join(out)


def readme_block(data: dict) -> str:
    rows = []
    for name in (REFERENCE, "finetuned-nogrammar", "fewshot", "knn"):
        cells = [LABELS[name]]
        for set_name in ("test", "handwritten"):
            r = data["runs"].get(set_name, {}).get(name)
            if _ok(r):
                size = _set_size(data, set_name)
                limited = f" ({r['n']} of {size} rows)" if r["n"] < size else ""
                cells += [pct(r["semantic_accuracy"]) + limited, pct(r["exact_accuracy"])]
            else:
                cells += ["–", "–"]
        test = data["runs"].get("test", {}).get(name)
        cells.append(secs(test["latency_p50_s"]) if _ok(test) else "–")
        rows.append(cells)
    return "\n".join([
        MARK_START,
        table(["predictor", "test semantic", "test exact", "hand-written semantic", "hand-written exact", "p50 latency"], rows),
        "",
        f"{data['machine']}. Generated by `python -m venvy.nl.eval.report` ({data['generated']}); "
        "details, per-command comparison and calibration in [docs/results.md](docs/results.md).",
        MARK_END,
    ])


def replace_block(text: str, block: str) -> str | None:
    """`text` with the marked block replaced, or None when the markers are not there."""
    start, end = text.find(MARK_START), text.find(MARK_END)
    if start < 0 or end < start:
        return None
    return text[:start] + block + text[end + len(MARK_END):]
