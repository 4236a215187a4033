"""Evaluate a request -> command predictor: data loading, metrics and the harness.

    python -m venvy.nl.evaluate --data data/test.jsonl [--baseline knn] [--json] [--out DIR]
    python -m venvy.nl.evaluate --report        # every baseline, every set -> docs/results.md

Definitions (../shared/venvy-contract.md):
- semantic accuracy: the prediction is contract.same() as one of the accepted commands;
- exact accuracy: its canonical string equals the canonical form of an accepted command;
- a row without a command is right (for both) only when the prediction is "no command";
- an invalid prediction (unparseable output) is wrong everywhere, no-command rows included;
- abstain_accuracy: share of no-command rows answered with no command;
  false_abstain_rate: share of rows with a command answered with no command;
- precision/coverage at a threshold t: of all rows, those with confidence >= t are kept;
  coverage = kept / all, precision = semantic accuracy on the kept rows.

A predictor is anything with .predict(request) -> dict shaped like VenvyNLAgent.parse()
("command", "confidence", "error", ...); see venvy.nl.baselines.
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import click

from venvy.errors import VenvyError
from venvy.nl import contract
from venvy.nl.baselines import BASELINES

THRESHOLDS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
RELIABILITY_BINS = 10
TOP_CONFUSIONS = 10
NONE_NAME = "none"
INVALID_NAME = "invalid"


class DataError(ValueError):
    """A data file that cannot be read as evaluation rows."""


@dataclass(frozen=True)
class Row:
    request: str
    accepted: tuple[str, ...]  # canonical commands; empty = no command

    @property
    def expected_name(self) -> str:
        return command_name(self.accepted[0]) if self.accepted else NONE_NAME


def command_name(command: str) -> str:
    words = command.split()
    return words[1] if len(words) > 1 and words[0] == contract.PREFIX else words[0]


# --------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------


def _canonical_accepted(commands, where: str) -> tuple[str, ...]:
    out = []
    for cmd in commands:
        try:
            out.append(contract.canonical(cmd))
        except contract.ContractError as exc:
            raise DataError(f"{where}: accepted command {cmd!r} is not a contract command: {exc}") from None
    return tuple(out)


def load_jsonl(path: Path) -> list[Row]:
    rows = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                request, output = record["input"], record["output"]
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise DataError(f"{path}:{number}: not a dataset row with input/output ({exc})") from None
            accepted = [output] if output and output.strip() else []
            rows.append(Row(request, _canonical_accepted(accepted, f"{path}:{number}")))
    return rows


def load_tsv_rows(path: Path) -> list[Row]:
    from venvy.nl.tsv import TsvError, load_tsv

    try:
        pairs = load_tsv(path)
    except TsvError as exc:
        raise DataError(str(exc)) from None
    return [Row(request, _canonical_accepted(cmds, f"{path}: {request!r}")) for request, cmds in pairs]


def load_rows(path: str | Path) -> list[Row]:
    """Evaluation rows from a TSV (request TAB cmd | cmd) or the dataset's JSONL."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if path.suffix == ".jsonl":
        return load_jsonl(path)
    if path.suffix in (".tsv", ".txt"):
        return load_tsv_rows(path)
    raise DataError(f"{path}: expected a .tsv or .jsonl file")


def select(rows: list, limit: int | None) -> list:
    """At most `limit` rows, spread evenly over the file (deterministic), so a limited
    run still sees every part of a file that is grouped by command."""
    if not limit or limit >= len(rows):
        return list(rows)
    return [rows[(i * len(rows)) // limit] for i in range(limit)]


# --------------------------------------------------------------------------
# Judging one prediction
# --------------------------------------------------------------------------


def _flag_label(command: str, param_name: str) -> str:
    spec = contract.commands()[command]
    if spec.positional is not None and spec.positional.name == param_name:
        return spec.positional.kind
    for opt in spec.options:
        if opt.name == param_name:
            return opt.flag
    return param_name


def _wrong_params(predicted: str, accepted: tuple[str, ...]) -> str:
    """'--python, --name': the parameters that differ from the closest accepted command."""
    pred_key = dict(contract._semantic_key(contract.parse(predicted))[1:])
    best = None
    for cmd in accepted:
        parsed = contract.parse(cmd)
        if parsed.command != command_name(predicted):
            continue
        key = dict(contract._semantic_key(parsed)[1:])
        diff = [name for name in key if key[name] != pred_key.get(name)]
        if best is None or len(diff) < len(best):
            best = diff
    name = command_name(predicted)
    return ", ".join(_flag_label(name, p) for p in best or [])


def judge(row: Row, prediction: dict) -> dict:
    """One row's verdict: what was predicted, whether it is right, how it is wrong."""
    command, error = prediction.get("command"), prediction.get("error")
    confidence = prediction.get("confidence")
    canonical = None
    if command:
        try:
            canonical = contract.canonical(command)
            status = "command"
        except contract.ContractError as exc:
            status, error = INVALID_NAME, error or str(exc)
    else:
        status = INVALID_NAME if error else NONE_NAME

    if not row.accepted:
        semantic = exact = status == NONE_NAME
    elif status == "command":
        semantic = any(contract.same(canonical, a) for a in row.accepted)
        exact = canonical in row.accepted
    else:
        semantic = exact = False

    predicted_name = command_name(canonical) if canonical else status
    confusion = None
    if not semantic:
        confusion = f"{row.expected_name} -> {predicted_name}"
        if predicted_name == row.expected_name:
            confusion += f" (wrong {_wrong_params(canonical, row.accepted) or 'value'})"
    return {
        "request": row.request,
        "accepted": list(row.accepted),
        "expected": row.expected_name,
        "predicted": canonical,
        "predicted_name": predicted_name,
        "answer": prediction.get("answer"),
        "error": error,
        "confidence": float(confidence) if confidence is not None else 0.0,
        "semantic": semantic,
        "exact": exact,
        "confusion": confusion,
        "latency_s": prediction.get("latency_s"),
    }


# --------------------------------------------------------------------------
# Aggregates
# --------------------------------------------------------------------------


def _share(values) -> float | None:
    values = list(values)
    return sum(values) / len(values) if values else None


def percentile(values, q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default)."""
    values = sorted(values)
    if not values:
        return None
    pos = (len(values) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return values[lo] + (values[hi] - values[lo]) * (pos - lo)


def threshold_table(judged: list[dict], thresholds=THRESHOLDS) -> list[dict]:
    table = []
    for t in thresholds:
        kept = [j for j in judged if j["confidence"] >= t]
        table.append(
            {
                "threshold": t,
                "kept": len(kept),
                "coverage": len(kept) / len(judged) if judged else None,
                "precision": _share(j["semantic"] for j in kept),
            }
        )
    return table


def reliability(judged: list[dict], bins: int = RELIABILITY_BINS) -> dict:
    """Confidence bins vs observed (semantic) accuracy, and the expected calibration error."""
    groups = defaultdict(list)
    for j in judged:
        index = min(int(j["confidence"] * bins), bins - 1) if j["confidence"] > 0 else 0
        groups[index].append(j)
    table = []
    ece = 0.0
    for i in range(bins):
        members = groups.get(i, [])
        mean_conf = _share(j["confidence"] for j in members)
        accuracy = _share(j["semantic"] for j in members)
        if members:
            ece += len(members) / len(judged) * abs(mean_conf - accuracy)
        table.append(
            {"lo": i / bins, "hi": (i + 1) / bins, "n": len(members), "confidence": mean_conf, "accuracy": accuracy}
        )
    return {"bins": table, "ece": ece if judged else None}


def per_command(judged: list[dict]) -> dict:
    groups = defaultdict(list)
    for j in judged:
        groups[j["expected"]].append(j)
    order = [*contract.commands(), NONE_NAME]
    return {
        name: {
            "n": len(groups[name]),
            "semantic": _share(j["semantic"] for j in groups[name]),
            "exact": _share(j["exact"] for j in groups[name]),
        }
        for name in order
        if groups.get(name)
    }


def latency_stats(latencies) -> dict:
    latencies = [x for x in latencies if x is not None]
    return {
        "latency_p50_s": percentile(latencies, 50),
        "latency_p95_s": percentile(latencies, 95),
        "latency_mean_s": _share(latencies),
        "latency_max_s": max(latencies) if latencies else None,
    }


def score(judged: list[dict]) -> dict:
    """Every metric over judged rows (see the module docstring)."""
    real = [j for j in judged if j["accepted"]]
    empty = [j for j in judged if not j["accepted"]]
    confusions = Counter(j["confusion"] for j in judged if j["confusion"])
    return {
        "n": len(judged),
        "n_command": len(real),
        "n_no_command": len(empty),
        "semantic_accuracy": _share(j["semantic"] for j in judged),
        "exact_accuracy": _share(j["exact"] for j in judged),
        "command_semantic_accuracy": _share(j["semantic"] for j in real),
        "abstain_accuracy": _share(j["predicted_name"] == NONE_NAME for j in empty),
        "false_abstain_rate": _share(j["predicted_name"] == NONE_NAME for j in real),
        "invalid_rate": _share(j["predicted_name"] == INVALID_NAME for j in judged),
        "per_command": per_command(judged),
        "confusions": [[label, count] for label, count in confusions.most_common(TOP_CONFUSIONS)],
        "thresholds": threshold_table(judged),
        "reliability": reliability(judged),
        **latency_stats(j["latency_s"] for j in judged),
    }


# --------------------------------------------------------------------------
# The harness
# --------------------------------------------------------------------------


def peak_rss_bytes() -> int | None:
    try:
        import resource
        import sys

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024
    except (ImportError, OSError):  # pragma: no cover - not on Linux/macOS
        return None


def predict_all(predictor, rows: list[Row], progress: bool = True, label: str = "") -> list[dict]:
    """Run the predictor over the rows (progress bar on stderr); per-row wall time is
    measured here, around predict(), so every predictor is timed the same way."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    judged = []
    with Progress(*columns, console=Console(stderr=True), disable=not progress, transient=False) as bar:
        task = bar.add_task(label or "evaluating", total=len(rows))
        for row in rows:
            start = time.perf_counter()
            try:
                prediction = dict(predictor.predict(row.request))
            except Exception as exc:  # a crash on one row is a wrong answer, not a lost run
                prediction = {"command": None, "error": f"{type(exc).__name__}: {exc}"}
            prediction["latency_s"] = time.perf_counter() - start
            judged.append(judge(row, prediction))
            bar.advance(task)
    return judged


def evaluate(predictor, rows: list[Row], *, progress: bool = True, label: str = "") -> dict:
    """Load the predictor (timed: load_s), answer one warm-up request (first_request_s, not
    in the latency figures), predict every row, score. Returns the results dict (with the
    per-row verdicts under "rows")."""
    start = time.perf_counter()
    predictor.load()
    load_s = time.perf_counter() - start
    first_request_s = None
    if hasattr(predictor, "warmup"):
        start = time.perf_counter()
        predictor.warmup()
        first_request_s = time.perf_counter() - start
    judged = predict_all(predictor, rows, progress=progress, label=label)
    result = score(judged)
    result.update(
        {
            "predictor": predictor.name,
            "description": predictor.describe(),
            "load_s": load_s,
            "first_request_s": first_request_s,
            "peak_rss_bytes": peak_rss_bytes(),
            "size_bytes": predictor.size_bytes(),
            "rows": judged,
        }
    )
    return result


def write_outputs(result: dict, out: Path) -> list[Path]:
    """results.json (with per-row verdicts) and reliability.png in `out`."""
    from venvy.nl import report

    out.mkdir(parents=True, exist_ok=True)
    json_path = out / "results.json"
    json_path.write_text(json.dumps(result, indent=1, default=str) + "\n", encoding="utf-8")
    png_path = report.reliability_plot({result["predictor"]: result}, out / "reliability.png")
    return [json_path, png_path]


def _summary(result: dict) -> dict:
    return {k: v for k, v in result.items() if k != "rows"}


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data", "data", type=click.Path(dir_okay=False), help="A .tsv or .jsonl file of requests and commands.")
@click.option("--baseline", type=click.Choice(BASELINES), default="finetuned", show_default=True)
@click.option("--model", "model_dir", type=click.Path(exists=True), help="Model directory (default: the shipped one).")
@click.option("--no-grammar", is_flag=True, help="Decode without the grammar (same as --baseline finetuned-nogrammar).")
@click.option("--train", "train_path", type=click.Path(dir_okay=False), default="data/train.jsonl", show_default=True,
              help="Training split: the kNN index and the few-shot examples.")
@click.option("--limit", type=click.IntRange(1),
              help="Evaluate at most N rows, spread evenly over the file (with --report: the few-shot baseline's rows).")
@click.option("--threads", type=click.IntRange(1), help="llama.cpp threads.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (without the per-row verdicts).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Write results.json and reliability.png here.")
@click.option("--no-progress", is_flag=True, help="No progress bar on stderr.")
@click.option("--report", "full_report", is_flag=True,
              help="Run every baseline on every set and write docs/results.md (see venvy.nl.report).")
def cli(data, baseline, model_dir, no_grammar, train_path, limit, threads, as_json, out_dir, no_progress, full_report):
    """Accuracy, abstention, calibration and latency of a request -> command predictor."""
    from venvy.nl import baselines, report

    if full_report:
        report.run_report(model_dir=model_dir, train_path=train_path, threads=threads, progress=not no_progress,
                          fewshot_limit=limit or report.DEFAULT_FEWSHOT_LIMIT)
        return
    if not data:
        raise click.UsageError("give --data FILE (or --report).")
    if no_grammar:
        if baseline not in ("finetuned", "finetuned-nogrammar"):
            raise click.UsageError("--no-grammar applies to the fine-tuned model only.")
        baseline = "finetuned-nogrammar"
    try:
        rows = select(load_rows(data), limit)
        predictor = baselines.make(baseline, model_dir=model_dir, train_path=train_path, n_threads=threads)
        result = evaluate(predictor, rows, progress=not no_progress, label=f"{baseline} {Path(data).name}")
    except (DataError, OSError, VenvyError) as exc:
        raise click.ClickException(str(exc)) from None
    result.update({"data": str(data), "limit": limit, "threads": threads})
    if out_dir:
        for path in write_outputs(result, Path(out_dir)):
            click.echo(f"wrote {path}", err=True)
    if as_json:
        click.echo(json.dumps(_summary(result), default=str))
    else:
        click.echo(report.render_summary(result))


def main(argv=None) -> int:
    try:
        cli.main(args=argv, prog_name="python -m venvy.nl.evaluate", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
