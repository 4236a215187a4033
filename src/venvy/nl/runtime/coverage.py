"""Coverage: the value-like spans of a request (a version, a path or file, a pinned package, a
duration, a count, a quoted word, a stated preview or keep intent, a named shell or "json", an order
asked for in so many words) that a
command does not use, and the options that could take them.

The agent turns ignored spans into a warning, calibration (venvy.nl.pipeline.calibrate) fits how
much one lowers the confidence, and decoding's completion (venvy.nl.runtime.grounding) will not let
an answer end while an unused option could take one.
"""

from __future__ import annotations

import re

from venvy.nl import contract
from venvy.nl.runtime import intents
from venvy.nl.runtime.stated import (
    COUNT, DURATION, PATH_SUFFIXES, PINNED, QUOTED, VERSION, WORD, count, days, labelled_packages, named, path_text,
    version_text,
)


# the kinds of option a span of each sort can fill
SPAN_KINDS = {
    "quoted": ("NAME",),
    "pinned": ("LIST",),
    "path": ("DIR", "PATH"),
    "file": ("FILE",),
    "duration": ("N",),
    "count": ("N",),
    "version": ("VERSION",),
    "text": (),  # a quoted text with a space: no option value can hold it
    "preview": (),  # these two are filled by a flag (INTENT_FLAGS)
    "keep": (),
    "named": ("NAME",),  # a word after "named", "called", "name it"
    "package": ("LIST",),  # a word of a run after "packages:", "install"
}
# a stated intent and the flag that fills it (venvy.nl.runtime.intents)
INTENT_FLAGS = {"preview": "--dry-run", "keep": "--keep-files"}
INTENT_PHRASES = {"preview": intents.PREVIEW + intents.PREVIEW_HINTS, "keep": intents.KEEP + intents.KEEP_HINTS}
# a word that names one choice of an option: a span of sort "choice:--shell=fish", filled by that
# option with that value. Only words with no other meaning in a venvy request ("size", "name" or
# "python" have many).
CHOICE_WORDS = {
    "--shell": {"bash": "bash", "zsh": "zsh", "fish": "fish", "powershell": "powershell", "pwsh": "powershell"},
    "--format": {"json": "json"},
}
_CHOICE = {flag: re.compile(r"(?<![\w.\-/])(" + "|".join(words) + r")(?![\w\-/])", re.IGNORECASE)
           for flag, words in CHOICE_WORDS.items()}


def _choice(sort: str) -> tuple[str, str] | None:
    """(flag, value) of a "choice:--flag=value" span sort; None for other sorts."""
    if not sort.startswith("choice:"):
        return None
    flag, _, value = sort[len("choice:"):].partition("=")
    return flag, value


def ignored(command: str | None, request: str) -> list[str]:
    """The value-like spans of `request` that `command` (canonical, "venvy ...") does not use,
    in request order; [] for no command."""
    return [text for _, text in ignored_spans(command, request)]


def ignored_spans(command: str | None, request: str) -> list[tuple[str, str]]:
    """(sort, text) of each value-like span of `request` that `command` does not use; sort is
    a key of SPAN_KINDS, or "choice:--flag=value" for a word that names a choice (CHOICE_WORDS)."""
    if not command:
        return []
    parsed = contract.parse(command)
    positional, flags = contract.value_kinds()[parsed.command]
    values = [str(v).lower() for v in parsed.params.values() if v is not None and not isinstance(v, bool)]
    used = " ".join(values)
    found: list[tuple[int, str, str]] = []
    taken: list[tuple[int, int]] = []

    def add(match: re.Match | tuple[int, int], sort: str, covered: bool, text: str | None = None) -> None:
        start, end = match if isinstance(match, tuple) else match.span()
        if any(s < end and start < e for s, e in taken):
            return
        taken.append((start, end))
        if not covered:
            found.append((start, sort, (text or match.group(0)).strip()))

    for m in QUOTED.finditer(request):
        inner = m.group(1).strip()
        sort = "text" if any(c.isspace() for c in inner) else "path" if "/" in inner else "quoted"
        add(m, sort, inner.lower() in used, inner)
    # a preview or keep intent, for a command that has the flag (inside a value it is the value)
    for sort, flag in INTENT_FLAGS.items():
        if flag in flags:
            for start, end in intents.spans(request, INTENT_PHRASES[sort]):
                text = request[start:end]
                add((start, end), sort, bool(parsed.params.get(flag[2:].replace("-", "_"))) or text.lower() in used, text)
    for m in PINNED.finditer(request):
        add(m, "pinned", re.sub(r"\s", "", m.group(0)).lower() in used)
    # a name after a naming word, a package of a labelled list: for a command that takes one
    if "NAME" in (positional, *flags.values()):
        for start, end, text in named(request):
            add((start, end), "named", text.lower() in values, text)
    if "LIST" in flags.values():
        listed = {p.strip().lower() for p in str(parsed.params.get("packages") or "").split(",")}
        for start, end, text in labelled_packages(request):
            add((start, end), "package", text in listed, text)
    for m in WORD.finditer(request):
        text = path_text(m.group(0))
        if text:
            home = text in ("~", "$HOME") and " --home" in command
            sort = "file" if text.lower().endswith(PATH_SUFFIXES) else "path"
            add(m, sort, home or text.lower() in used, text)
    for m in DURATION.finditer(request):
        add(m, "duration", parsed.params.get("days") == days(m))
    for m in VERSION.finditer(request):
        version = version_text(m)
        if version is not None:
            python = str(parsed.params.get("python") or "")
            add(m, "version", python == version or version in used or m.group(0).strip().lower() in used)
    for flag, pattern in _CHOICE.items():
        if flag in flags:
            param = next(opt.name for opt in contract.commands()[parsed.command].options if opt.flag == flag)
            for m in pattern.finditer(request):
                value = CHOICE_WORDS[flag][m.group(1).lower()]
                add(m, f"choice:{flag}={value}", parsed.params.get(param) == value)
    if "--sort" in flags:  # an order asked for in so many words ("sorted by size")
        for start, end, value in intents.sort_spans(request):
            add((start, end), f"choice:--sort={value}", (parsed.params.get("sort") or "name") == value,
                request[start:end])
    # a count matters to a command that takes one (scan --depth, cleanup --days); elsewhere a
    # number is part of something else ("powershell 7")
    if any(kind == "N" for kind in flags.values()):
        for m in COUNT.finditer(request):
            add(m, "count", str(count(m)) in values)
    return [(sort, text) for _, sort, text in sorted(found)]


def open_options(answer: str, sorts: list[str]) -> list[str]:
    """The options a complete `answer` ("create --name x") could still add at its end, in the
    grammar's canonical order, that take a value of one of these span sorts: " --python " etc."""
    at, options = missing_options(answer, sorts)
    return options if at == len(answer) else []


def missing_options(answer: str, sorts: list[str]) -> tuple[int, list[str]]:
    """(where, options): the unused options of `answer` that take a value of one of these span
    sorts, and the character index where canonical order puts them: the end of the answer when
    one can go there, else the latest point before a later option ((len, []) when none)."""
    words = answer.strip().split(" ")
    spec = contract.commands().get(words[0])
    if spec is None:
        return len(answer), []
    kinds = {kind for sort in sorts if not _choice(sort) for kind in SPAN_KINDS[sort]}
    intent_flags = {INTENT_FLAGS[sort] for sort in sorts if sort in INTENT_FLAGS}
    choices = dict(c for c in map(_choice, sorts) if c)
    used = [opt.flag in words[1:] for opt in spec.options]
    places: dict[int, list[str]] = {}
    for i, opt in enumerate(spec.options):
        if used[i]:
            continue
        if opt.flag in choices:
            text = f" {opt.flag} {choices[opt.flag]}"
        elif opt.is_flag and opt.flag in intent_flags:
            text = f" {opt.flag}"
        elif not opt.is_flag and opt.kind in kinds:
            text = f" {opt.flag} "
        else:
            continue
        later = next((o.flag for o, u in zip(spec.options[i + 1:], used[i + 1:]) if u), None)
        at = len(answer) if later is None else answer.find(f" {later}")
        if at > 0:
            places.setdefault(at, []).append(text)
    if not places:
        return len(answer), []
    at = max(places)
    return at, places[at]
