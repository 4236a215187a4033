"""Values grounded in the request, and the parts of the request a command ignores.

Two checks on one idea: a command's free-text values come from the request, and what the
request states plainly should show up in the command.

- Decoding (`Grounder`): while the model writes a name, a path, a requirements file or a
  package, the value written so far must be a span of the request (case-insensitive; for a
  package list, each package) that starts and ends where a word of the request does: not
  `json` out of "orjson", not `backend` out of "../backend/venv". A requirements file reads
  as a file (it has a `.` or a `/`). A Python version must be one the request states, as
  written (`3.12.1`, `3`) or in its documented short form (`py312` -> `3.12`), and not a
  number inside a pinned package (`django~=4.2`) or a path (`venvs/py312`).
  venvy.nl.runtime.decoding drops candidate tokens that break this, so a value can be
  copied but never made up. The dataset never needs more: every such value in it obeys
  these rules (tests/nl/runtime/test_grounding.py, docs/wizard.md#grounding). Numbers of
  days and choices are not checked: the grammar bounds them, and "two weeks" -> `14` is
  not a span.
- Coverage (`ignored`): the value-like spans of a request (a version, a path or file, a
  pinned package, a duration, a quoted word) that the command does not use. The agent turns
  them into a warning, and calibration (venvy.nl.pipeline.calibrate) fits how much an
  ignored span lowers the confidence, on val.
"""

from __future__ import annotations

import re
from functools import lru_cache

from venvy.nl import contract

FREE_TEXT = ("NAME", "DIR", "FILE", "PATH", "LIST")


@lru_cache(maxsize=None)
def _value_kinds() -> dict[str, tuple[str | None, dict[str, str | None]]]:
    """command -> (positional kind, {flag: kind or None for a bare flag})."""
    table = {}
    for name, spec in contract.commands().items():
        positional = spec.positional.kind if spec.positional is not None else None
        flags = {opt.flag: (None if opt.is_flag else opt.kind) for opt in spec.options}
        table[name] = (positional, flags)
    return table


def values(answer: str) -> list[tuple[str, str]]:
    """(kind, text) of each value in a (maybe partial) answer like "create --name back";
    the last one may be unfinished."""
    words = answer.lstrip().split(" ")
    if not words or words[0] not in _value_kinds():
        return []
    positional, flags = _value_kinds()[words[0]]
    out, expect = [], positional
    for word in words[1:]:
        if expect is not None and not word.startswith("-"):  # "-" may be the start of "--"
            out.append((expect, word))
            expect = None
        elif word in flags:
            expect = flags[word]
        else:
            expect = None
    return out


MAX_COMPLETIONS = 3  # options added because the answer left a span of the request out


class Grounder:
    """One per parse: is an answer's free text a span of the request, and must the answer go
    on because it leaves a value of the request out?

    Completion: when the model ends an answer that ignores a value-like span of the request
    (a version, a path, a pinned package, a duration, a quoted word) and an unused option
    takes that kind of value, the end is not allowed; the answer must go on with one of those
    options (`pending`), whose value the model then writes (grounded). When canonical order
    puts the option before one already written, the answer is first cut back to just before
    that one. The tokens this forces keep their own, low, model probability, so the
    confidence shows it."""

    def __init__(self, request: str, complete: bool = True):
        self.original = request
        self.request = request.lower()
        self.versions = stated_versions(request)
        self.has_file = any(_file_like(word) for word in self.request.split())
        self.complete = complete
        self.pending: list[str] = []
        self.base = ""
        self.completions = 0

    def spans(self, text: str, whole: bool = True, file: bool = False) -> bool:
        """Is `text` a span of the request that starts where a word does and, when `whole`,
        ends where one does? `file`: that word (for a growing text, the word it grows into)
        reads as a file: it has a `.` or a `/`."""
        request, text = self.request, text.lower()
        at = request.find(text)
        while at >= 0:
            if _word_start(request, at):
                end = at + len(text)
                if whole:
                    if _word_end(request, end) and (not file or _file_like(text)):
                        return True
                elif not file:
                    return True
                else:
                    while end < len(request) and not _word_end(request, end):
                        end += 1
                    if _file_like(request[at:end]):
                        return True
            at = request.find(text, at + 1)
        return False

    def allows(self, text: str, piece: str, end: bool) -> bool:
        """May the answer `text` go on with this token (`piece`; `end`: the end of the answer)?"""
        if self.pending:
            if end:
                return False
            tail = (text + piece)[len(self.base):]
            if not any(t.startswith(tail) or tail.startswith(t) for t in self.pending):
                return False
        return self.ok(text + piece, done=end)

    def advance(self, text: str) -> None:
        """The answer is now `text`: a pending option fully written is done."""
        if self.pending and any(text[len(self.base):].startswith(t) for t in self.pending):
            self.pending = []

    def must_go_on(self, text: str) -> int | None:
        """The model chose to end the answer `text`. When it leaves a span of the request out
        that an unused option could take, set that option as pending and return where the
        answer goes on: len(text), or an earlier character index when canonical order puts the
        option before one already written (the answer is cut back there). None: it may end."""
        if not self.complete or self.completions >= MAX_COMPLETIONS:
            return None
        try:
            spans = ignored_spans(f"{contract.PREFIX} {text.strip()}", self.original)
        except contract.ContractError:
            return None
        at, options = missing_options(text, sorted({sort for sort, _ in spans}))
        if not options:
            return None
        self.pending, self.base = options, text[:at]
        self.completions += 1
        return at

    def ok(self, answer: str, done: bool = False) -> bool:
        """Are the answer's values grounded? `done`: the answer is complete (else its last value
        may still be growing, and only has to be the start of a grounded one)."""
        if not self.versions and _names_option_for(answer, "VERSION"):
            return False  # no version stated: no option that takes one
        if not self.has_file and _names_option_for(answer, "FILE"):
            return False  # no file named: no option that takes one
        found = values(answer)
        growing = bool(found) and not done and not answer.endswith(" ") and answer.endswith(found[-1][1])
        for i, (kind, text) in enumerate(found):
            whole = not (growing and i == len(found) - 1)
            if not text:
                continue
            if kind == "VERSION":
                if not (text in self.versions if whole else any(v.startswith(text) for v in self.versions)):
                    return False
            elif kind in FREE_TEXT:
                parts = text.split(",") if kind == "LIST" else [text]
                for j, part in enumerate(parts):
                    if part and not self.spans(part, whole or j < len(parts) - 1, file=kind == "FILE"):
                        return False
        return True


def _names_option_for(answer: str, kind: str) -> bool:
    """Does the answer name an option that takes a `kind` value (for its last word: every
    option it can still become, after the options already written in the grammar's canonical
    order, does)?"""
    words = answer.lstrip().split(" ")
    spec = contract.commands().get(words[0]) if words else None
    if spec is None:
        return False
    flags = _value_kinds()[words[0]][1]
    if any(flags.get(word) == kind for word in words[1:-1]):
        return True
    last = words[-1]
    if last == "" and len(words) >= 2:  # after a space: an option comes next, unless a value does
        positional = _value_kinds()[words[0]][0]
        if flags.get(words[-2]) is not None or (len(words) == 2 and positional is not None):
            return False
        last = "--"
    if len(words) < 2 or not last.startswith("--"):
        return False
    written = [i for i, opt in enumerate(spec.options) if opt.flag in words[1:-1]]
    later = spec.options[max(written) + 1:] if written else spec.options
    could_be = [flags[opt.flag] for opt in later if opt.flag.startswith(last)]
    return bool(could_be) and all(k == kind for k in could_be)


_FILE_LIKE = re.compile(r"/|\.[a-z]", re.IGNORECASE)


def _file_like(text: str) -> bool:
    """A requirements file is named as a file: with a folder (`/`) or an extension (`.txt`),
    and not a pinned package (`aiohttp==3.9.5`)."""
    return bool(_FILE_LIKE.search(text)) and not PINNED.search(text)


_INNER = "_-./~"  # characters that continue a word, a path or a name


def _word_start(text: str, at: int) -> bool:
    """A word starts at `at`: not inside one, nor right after a pin's operator (`==3.9`)."""
    if at == 0:
        return True
    before = text[at - 1]
    if before == "=" and at >= 2 and text[at - 2] in "=<>~!":
        return False
    return not (before.isalnum() or before in _INNER)


def _word_end(text: str, at: int) -> bool:
    """A word ends at `at`: what follows is not a letter, digit, `_` or `-`, and not a `.` or
    `/` that goes on ("my.env", "venvs/x"), only one that ends a sentence or a folder ("x/")."""
    after = text[at:at + 2] + "  "
    if after[0].isalnum() or after[0] in "_-":
        return False
    return not (after[0] in "./" and (after[1].isalnum() or after[1] in _INNER))


_NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)*")
_SHORT_FORM = re.compile(r"(?:py|python|cp)\s?$", re.IGNORECASE)


def stated_versions(request: str) -> set[str]:
    """The Python versions a request can mean: each number as written ("3.12.1", "3"), and
    "3.12" for the short form "py312"; not a number inside a pinned package ("django~=4.2")
    or a path ("venvs/py312")."""
    blocked = [m.span() for m in PINNED.finditer(request)]
    blocked += [m.span() for m in WORD.finditer(request) if "/" in m.group(0) and _path_text(m.group(0))]
    found = set()
    for m in _NUMBER.finditer(request):
        start, end = m.span()
        if any(s < end and start < e for s, e in blocked):
            continue
        number = m.group(0)
        found.add(number)
        if "." not in number and len(number) in (2, 3) and _SHORT_FORM.search(request[:start]):
            found.add(f"{number[0]}.{number[1:]}")
    return found


# --------------------------------------------------------------------------
# Coverage: what the request states and the command leaves out
# --------------------------------------------------------------------------

_WORD_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "hundred": 100,
}
_UNIT_DAYS = {"day": 1, "week": 7, "fortnight": 14, "month": 30, "year": 365}
_WORD = "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True))
DURATION = re.compile(
    rf"\b(half\s+an?|(?:an?\s+)?hundred|\d{{1,5}}|(?:{_WORD})(?:-(?:{_WORD}))?)[\s-]+"
    rf"(day|week|fortnight|month|year)s?(\s+and\s+a\s+half)?\b",
    re.IGNORECASE,
)
VERSION = re.compile(
    r"(?<![\w.=<>~!])(?:python|py)?\s?-?(\d)(?:\.(\d{1,2})(?:\.\d{1,3})?|(\d{1,2}))?(?![\w.])", re.IGNORECASE
)
PINNED = re.compile(r"\b[A-Za-z][\w.\-\[\]]*\s?(?:==|>=|<=|~=|!=)\s?[\w.*]*[\w*]")
QUOTED = re.compile(r"(?:(?<=\s)|^)[\"'`]([^\"'`]{1,100}?)[\"'`](?=[\s.,;:!?]|$)")
WORD = re.compile(r"\S+")
PATH_SUFFIXES = (".txt", ".in", ".cfg", ".toml")


def _version_text(match: re.Match) -> str | None:
    """'3.12' for 'py312', 'python 3.12', '3.12.1'; None for a bare number like '5' (no version)."""
    major, minor, packed = match.group(1), match.group(2), match.group(3)
    whole = match.group(0).strip().lower()
    if minor is None and packed is None:
        return major if whole.startswith(("py", "python")) else None
    if minor is None:
        if not whole.startswith(("py", "python")):
            return None  # "12" or "312" alone: a count, not a version
        minor = packed
    if major not in "23":
        return None
    return f"{major}.{int(minor)}"


def _path_text(word: str) -> str | None:
    """The path in a whitespace-separated word ("~/work/x/", "./env", "requirements.txt"),
    without surrounding quotes, punctuation or a trailing slash; None when it is not one."""
    text = word.lstrip("\"'`(").rstrip("\"'`,;:!?)")
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1]  # the end of a sentence
    if "://" in text or not ("/" in text or text.startswith("~") or text.lower().endswith(PATH_SUFFIXES)):
        return None
    return text.rstrip("/") or text


def _days(match: re.Match) -> int:
    """The days a duration means, as the dataset counts them: a month is 30 days, a year 365,
    twelve months a year, half a year 180."""
    number, unit, half = match.group(1).lower(), match.group(2).lower(), match.group(3)
    if number.startswith("half"):
        return 180 if unit == "year" else _UNIT_DAYS[unit] // 2
    if number.isdigit():
        n = int(number)
    else:
        n = sum(_WORD_NUMBERS[w] for w in re.split(r"[\s-]+", number) if w not in ("a", "an")) or 1
    if unit == "month" and n % 12 == 0:
        days = n // 12 * 365
    else:
        days = n * _UNIT_DAYS[unit]
    return days + (_UNIT_DAYS[unit] // 2 if half else 0)


# the kinds of option a span of each sort can fill
SPAN_KINDS = {
    "quoted": ("NAME",),
    "pinned": ("LIST",),
    "path": ("DIR", "PATH"),
    "file": ("FILE",),
    "duration": ("N",),
    "version": ("VERSION",),
    "text": (),  # a quoted text with a space: no option value can hold it
}


def ignored(command: str | None, request: str) -> list[str]:
    """The value-like spans of `request` that `command` (canonical, "venvy ...") does not use,
    in request order; [] for no command."""
    return [text for _, text in ignored_spans(command, request)]


def ignored_spans(command: str | None, request: str) -> list[tuple[str, str]]:
    """(sort, text) of each value-like span of `request` that `command` does not use; sort is
    a key of SPAN_KINDS."""
    if not command:
        return []
    parsed = contract.parse(command)
    used = " ".join(str(v) for v in parsed.params.values() if v is not None and not isinstance(v, bool)).lower()
    found: list[tuple[int, str, str]] = []
    taken: list[tuple[int, int]] = []

    def add(match: re.Match, sort: str, covered: bool, text: str | None = None) -> None:
        start, end = match.span()
        if any(s < end and start < e for s, e in taken):
            return
        taken.append((start, end))
        if not covered:
            found.append((start, sort, (text or match.group(0)).strip()))

    for m in QUOTED.finditer(request):
        inner = m.group(1).strip()
        sort = "text" if any(c.isspace() for c in inner) else "path" if "/" in inner else "quoted"
        add(m, sort, inner.lower() in used, inner)
    for m in PINNED.finditer(request):
        add(m, "pinned", re.sub(r"\s", "", m.group(0)).lower() in used)
    for m in WORD.finditer(request):
        text = _path_text(m.group(0))
        if text:
            home = text in ("~", "$HOME") and " --home" in command
            sort = "file" if text.lower().endswith(PATH_SUFFIXES) else "path"
            add(m, sort, home or text.lower() in used, text)
    for m in DURATION.finditer(request):
        add(m, "duration", parsed.params.get("days") == _days(m))
    for m in VERSION.finditer(request):
        version = _version_text(m)
        if version is not None:
            python = str(parsed.params.get("python") or "")
            add(m, "version", python == version or version in used or m.group(0).strip().lower() in used)
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
    kinds = {kind for sort in sorts for kind in SPAN_KINDS[sort]}
    used = [opt.flag in words[1:] for opt in spec.options]
    places: dict[int, list[str]] = {}
    for i, opt in enumerate(spec.options):
        if used[i] or opt.is_flag or opt.kind not in kinds:
            continue
        later = next((o.flag for o, u in zip(spec.options[i + 1:], used[i + 1:]) if u), None)
        at = len(answer) if later is None else answer.find(f" {later}")
        if at > 0:
            places.setdefault(at, []).append(f" {opt.flag} ")
    if not places:
        return len(answer), []
    at = max(places)
    return at, places[at]
