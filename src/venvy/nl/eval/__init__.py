"""What measures the model: evaluation rows, metrics, predictors (the model and its
baselines), the harness that runs them, and the report. Never imported by `venvy -w`.

    python -m venvy.nl.eval.harness --data data/test.jsonl [--baseline knn]   # one predictor, one set
    python -m venvy.nl.eval.report                                             # everything -> docs/results.md
"""
