"""venvy's natural-language mode, in three parts that depend on each other one way:

    contract, grammar, prompt, manifest, files   shared: the CLI as data, the one prompt, the model's manifest
    runtime/    what `venvy -w` imports: wizard, agent -> ParseResult, decoding, model loading and resolution
    pipeline/   what builds the model: templates and values -> dataset -> train -> export, calibration fitting
    eval/       what measures it: rows, metrics, predictors, harness, report

pipeline and eval import runtime and the shared modules; runtime imports neither.
"""
