"""Run a request -> command predictor over evaluation rows and score it.

    python -m venvy.nl.eval.harness --data data/test.jsonl [--baseline knn] [--json] [--out DIR]

One predictor on one set, printed as a summary (or JSON). The full report, every
predictor on every set, is venvy.nl.eval.report. A predictor is anything with
load(), predict(request) -> ParseResult, size_bytes() and describe()
(venvy.nl.eval.predictors); metrics are venvy.nl.eval.metrics'.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from pathlib import Path

import click

from venvy.errors import VenvyError
from venvy.nl.eval import metrics
from venvy.nl.eval.predictors import BASELINES
from venvy.nl.eval.rows import DataError, Row, load_rows, select
from venvy.nl.files import atomic_write
from venvy.nl.runtime.result import ErrorKind, ParseResult

# --------------------------------------------------------------------------
# Memory
# --------------------------------------------------------------------------


def reset_peak_rss() -> bool:
    """Start measuring peak memory afresh (Linux: VmHWM back to the current RSS)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def peak_rss_bytes() -> int | None:
    """Peak resident memory of this process since the last reset_peak_rss() (or its start)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024
    except (ImportError, OSError):  # pragma: no cover - not on Linux/macOS
        return None


# --------------------------------------------------------------------------
# The harness
# --------------------------------------------------------------------------


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
                prediction = predictor.predict(row.request)
            except Exception as exc:  # a crash on one row is a wrong answer, not a lost run
                prediction = ParseResult(
                    request=row.request, error_kind=ErrorKind.FAILED, error=f"{type(exc).__name__}: {exc}"
                )
            prediction = dataclasses.replace(prediction, latency_s=time.perf_counter() - start)
            judged.append(metrics.judge(row, prediction))
            bar.advance(task)
    return judged


def evaluate(predictor, rows: list[Row], *, progress: bool = True, label: str = "") -> dict:
    """Load the predictor (timed: load_s), answer one warm-up request (first_request_s, not
    in the latency figures), predict every row, score. Returns the results dict (with the
    per-row verdicts under "rows"); peak memory is measured from the start of this call."""
    reset_peak_rss()
    # load
    start = time.perf_counter()
    predictor.load()
    load_s = time.perf_counter() - start
    # warm up
    first_request_s = None
    if hasattr(predictor, "warmup"):
        start = time.perf_counter()
        predictor.warmup()
        first_request_s = time.perf_counter() - start
    # predict and score
    judged = predict_all(predictor, rows, progress=progress, label=label)
    result = metrics.score(judged)
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


def summary(result: dict) -> dict:
    """A result without its per-row verdicts."""
    return {k: v for k, v in result.items() if k != "rows"}


def write_outputs(result: dict, out: Path) -> list[Path]:
    """results.json (with per-row verdicts) and reliability.png in `out`."""
    from venvy.nl.eval import render

    json_path = atomic_write(out / "results.json", json.dumps(result, indent=1, default=str) + "\n")
    png_path = render.reliability_plot({result["predictor"]: result}, out / "reliability.png")
    return [json_path, png_path]


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data", "data", required=True, type=click.Path(dir_okay=False),
              help="A .tsv or .jsonl file of requests and commands.")
@click.option("--baseline", type=click.Choice(BASELINES), default="finetuned", show_default=True)
@click.option("--model", "model_dir", type=click.Path(exists=True), help="Model directory (default: the shipped one).")
@click.option("--no-grammar", is_flag=True, help="Decode without the grammar (same as --baseline finetuned-nogrammar).")
@click.option("--train", "train_path", type=click.Path(dir_okay=False), default="data/train.jsonl", show_default=True,
              help="Training split: the kNN index and the few-shot examples.")
@click.option("--limit", type=click.IntRange(1), help="Evaluate at most N rows, spread evenly over the file.")
@click.option("--threads", type=click.IntRange(1), help="llama.cpp threads.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (without the per-row verdicts).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Write results.json and reliability.png here.")
@click.option("--no-progress", is_flag=True, help="No progress bar on stderr.")
def cli(data, baseline, model_dir, no_grammar, train_path, limit, threads, as_json, out_dir, no_progress):
    """Accuracy, abstention, calibration and latency of one request -> command predictor."""
    from venvy.nl.eval import predictors, render

    if no_grammar:
        if baseline not in ("finetuned", "finetuned-nogrammar"):
            raise click.UsageError("--no-grammar applies to the fine-tuned model only.")
        baseline = "finetuned-nogrammar"
    try:
        rows = select(load_rows(data), limit)
        predictor = predictors.make(baseline, model_dir=model_dir, train_path=train_path, n_threads=threads)
        result = evaluate(predictor, rows, progress=not no_progress, label=f"{baseline} {Path(data).name}")
    except (DataError, OSError, VenvyError) as exc:
        raise click.ClickException(str(exc)) from None
    result.update({"data": str(data), "limit": limit, "threads": threads})
    if out_dir:
        for path in write_outputs(result, Path(out_dir)):
            click.echo(f"wrote {path}", err=True)
    if as_json:
        click.echo(json.dumps(summary(result), default=str))
    else:
        click.echo(render.render_summary(result))


def main(argv=None) -> int:
    try:
        cli.main(args=argv, prog_name="python -m venvy.nl.eval.harness", standalone_mode=False)
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
