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
  A count (`--days`, `--depth`) must be a number the request states: as written, as a word
  ("seven"), or a duration in days ("three weeks" -> `21`). A package list cannot end while
  it leaves out a package of the run it draws from ("click typer rich", "orjson, seaborn
  and polars"; venvy.nl.runtime.stated.package_runs). venvy.nl.runtime.decoding drops
  candidate tokens that break this, so a value can be copied but never made up. The dataset
  never needs more: every such value in it obeys these rules
  (tests/nl/runtime/test_grounding.py, docs/wizard.md#grounding). Choices are not checked:
  the grammar bounds them.
- Completion: an answer may not end while it leaves out a value-like span of the request that
  an unused option could take (venvy.nl.runtime.coverage finds those spans and options).
"""

from __future__ import annotations

import re
from functools import cached_property

from venvy.nl import contract
from venvy.nl.runtime import intents
from venvy.nl.runtime.coverage import ignored_spans, missing_options
from venvy.nl.runtime.stated import (
    NOT_PACKAGES, PATH_SUFFIXES, QUOTED, file_like, missing_packages, package_runs, stated_numbers,
    stated_versions, word_end, word_start,
)

FREE_TEXT = ("NAME", "DIR", "FILE", "PATH", "LIST")
# words that name the kind of thing, not one venv: "info on env reports" is not `info env`. A venv
# really called "env" can still be named in quotes. No name in the training data is one of them.
GENERIC_NAMES = frozenset({"env", "envs", "venv", "venvs", "virtualenv", "virtualenvs", "environment",
                           "environments", "venvy", "python", "details", "info"})


def values(answer: str) -> list[tuple[str, str]]:
    """(kind, text) of each value in a (maybe partial) answer like "create --name back";
    the last one may be unfinished."""
    words = answer.lstrip().split(" ")
    if not words or words[0] not in contract.value_kinds():
        return []
    positional, flags = contract.value_kinds()[words[0]]
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
# words that make the path after them a project ("the venv tied to ~/src/app", "project folder
# ./api"): register's PATH (the venv itself) is never such a path; in the training data every
# path after one of them is --project's.
PROJECT_CUE = re.compile(
    r"(?:tied|linked|attached|connected|bound|belong(?:s|ing)?|associated|paired)\s+(?:to|with)"
    r"|(?:for|of)\s+(?:the\s+|my\s+)?project"
    r"|project(?:\s+(?:folder|dir|directory|root))?(?:\s+(?:is|at|in))?:?"
)
_BARE_VERSION = re.compile(r"(?:v|py|python)?\d+(?:\.\d+)*")
_PACKAGE_START = re.compile(r"[a-z0-9<>=!~]")  # a name, or the rest of a spec ("django>=4,<9")
_CUE_BEFORE = re.compile(r"(?:" + PROJECT_CUE.pattern + r")\s+[\"'`]?$")


def _no_package(word: str) -> bool:
    """A path, a requirements file, a bare version or an ordinary word of a request ("-r
    requirements.txt and also orjson", "on 3.12.1", "and"): none of the 2,368 packages of the
    data is one ("discord.py" is)."""
    return ("/" in word or word.endswith(PATH_SUFFIXES) or word in NOT_PACKAGES
            or bool(_BARE_VERSION.fullmatch(word)))


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
        self.numbers = stated_numbers(request)
        self.has_file = any(file_like(word) for word in self.request.split())
        self.consents = intents.states(request, intents.CONSENT)
        self.quoted = {m.group(1).strip().lower() for m in QUOTED.finditer(request)}
        self.complete = complete
        self.pending: list[str] = []
        self.base = ""
        self.completions = 0
        self._place_counts: dict[str, int] = {}

    @cached_property
    def bare(self) -> bool:
        """Does the request ask for a bare list (`ls --format simple`)?"""
        return intents.asks_bare(self.original)

    @cached_property
    def machine(self) -> bool:
        """Does the request ask for machine-readable output (`--format json`)?"""
        return intents.states(self.original, intents.JSON)

    @cached_property
    def sorts(self) -> tuple[str, ...]:
        """The `ls --sort` values the request asks for in words (intents.SORTS)."""
        return tuple(value for value, words in intents.SORTS.items() if intents.states(self.original, words))

    @cached_property
    def removes(self) -> bool:
        """Does the request say to remove, forget or preview? Only asked once an answer turns
        into rm or cleanup, so most parses never pay for the phrase match (a few ms)."""
        return intents.removal(self.original)

    def _occurrences(self, text: str, whole: bool):
        """(start, end) of each place the lowercased `text` occurs in the request starting where a
        word does; `end` is where the text ends when `whole`, else where the word it grows into ends."""
        request = self.request
        at = request.find(text)
        while at >= 0:
            if word_start(request, at):
                end = at + len(text)
                while not whole and end < len(request) and not word_end(request, end):
                    end += 1
                yield at, end
            at = request.find(text, at + 1)

    def spans(self, text: str, whole: bool = True, file: bool = False, package: bool = False,
              used: tuple[str, ...] | list[str] = ()) -> bool:
        """Is `text` a span of the request that starts where a word does and, when `whole`,
        ends where one does? `file`: that word (for a growing text, the word it grows into)
        reads as a file: it has a `.` or a `/`. `package`: not a label ("packages: a, b"), a path,
        a requirements file, a bare version or an ordinary word, and not a place whose word the
        answer already used for another value (`used`: "an env called MyApp ... and also
        langchain" has no package MyApp; a word said twice can be both). The
        case is the request's or all lower ("Django" or "django", not "dJango")."""
        request, low = self.request, text.lower()
        lower = text == low
        used = [u.lower() for u in used if u]
        for at, end in self._occurrences(low, whole):
            if package and (request[end:end + 1] == ":" or _no_package(request[at:end])
                            or not _PACKAGE_START.match(request, at)):
                continue  # a label ("packages: a, b": the list follows), or a word that is no package
            if used and self._used_up(low, at, end, whole, used):
                continue
            if not (lower or self.original[at:at + len(text)] == text):
                continue
            if (not whole or word_end(request, end)) and (not file or file_like(request[at:end])):
                return True
        return False

    def generic(self, text: str, whole: bool) -> bool:
        """Is this name (growing, when not `whole`) only ever one of GENERIC_NAMES in the request,
        unquoted? Then it is the kind of thing ("env"), not a venv's name."""
        words = {self.request[at:end] for at, end in self._occurrences(text.lower(), whole)}
        return bool(words) and all(w in GENERIC_NAMES and w not in self.quoted for w in words)

    def _used_up(self, text: str, at: int, end: int, whole: bool, used: list[str]) -> bool:
        """Does the place `at` hold a value the answer already used as often as the request says it?"""
        def spent(value: str) -> bool:
            return self._places(value) <= used.count(value)

        if whole:
            return spent(self.request[at:end])
        return any(u.startswith(text) and self.request.startswith(u, at) and spent(u) for u in set(used))

    def _places(self, value: str) -> int:
        """How many times the request says this whole (lowercased) value; counted once per parse,
        since decoding asks again for every candidate token."""
        if value not in self._place_counts:
            self._place_counts[value] = sum(1 for _ in self._occurrences(value, True))
        return self._place_counts[value]

    def project_only(self, text: str, whole: bool) -> bool:
        """Does this path (growing, when not `whole`) only ever follow a project cue in the request
        ("tied to ~/src/app")? Then it is the project (`--project`), not the venv (register's PATH)."""
        places = list(self._occurrences(text.lower(), whole))
        return bool(places) and all(_CUE_BEFORE.search(self.request[:at]) for at, _ in places)

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
        if _removing(answer, done) and not self.removes:
            return False  # nothing said about removing: no rm, no cleanup
        named = _named(answer) if not (self.versions and self.numbers and self.has_file and self.consents) else ()
        if not self.versions and "VERSION" in named:
            return False  # no version stated: no option that takes one
        if not self.numbers and "N" in named:
            return False  # no number or duration stated: no --days, no --depth
        if not self.has_file and "FILE" in named:
            return False  # no file named: no option that takes one
        if not self.consents and "--yes" in named:
            return False  # no consent stated: the question before deleting stays
        if " --f" in answer:  # only --format starts so; its one value that is not the default must be asked for
            if " --format s" in answer and not self.bare:
                return False  # no bare list asked for: `ls` stays a table
            if " --format j" in answer and not self.machine:
                return False  # no machine-readable output asked for: the output stays a table
            if not (self.bare or self.machine):
                return False  # neither: no --format at all (a dead end after " --format" otherwise)
        if not done and not self._an_option_can_follow(answer):
            return False  # "ls --" where every option it can still become is refused below: a dead end
        if answer.lstrip().startswith("ls ") and " --s" in answer and not self._sort_ok(answer, done):
            return False  # an order the request does not ask for: the list keeps its default order
        found = values(answer)
        growing = bool(found) and not done and not answer.endswith(" ") and answer.endswith(found[-1][1])
        for i, (kind, text) in enumerate(found):
            whole = not (growing and i == len(found) - 1)
            if not text:
                continue
            if kind in ("VERSION", "N"):
                stated = self.versions if kind == "VERSION" else self.numbers
                if not (text in stated if whole else any(v.startswith(text) for v in stated)):
                    return False
            elif kind == "NAME" and self.generic(text, whole):
                return False
            elif kind == "PATH" and self.project_only(text, whole):
                return False
            elif kind in FREE_TEXT:
                parts = text.split(",") if kind == "LIST" else [text]
                others = [t for k, t in found if k != "LIST"]
                for j, part in enumerate(parts):
                    used = others + parts[:j] if kind == "LIST" else ()
                    # an empty last part (right after a comma): some package must still be able to follow
                    if (part or (kind == "LIST" and j and not whole)) and not self.spans(
                            part, whole or j < len(parts) - 1, file=kind == "FILE", package=kind == "LIST", used=used):
                        return False
                if kind == "LIST" and not self.whole_list(parts, whole, others):
                    return False
        return True

    def _an_option_can_follow(self, answer: str) -> bool:
        """When the answer ends in an option being written ("ls --", "ls --f"), one of the options
        it can still become is one this request allows (a value of its kind stated, the choices of
        output and --sort asked for, --yes consented to)."""
        words = answer.lstrip().split(" ")
        if len(words) < 2 or not words[-1].startswith("--"):
            return True
        spec = contract.commands().get(words[0])
        if spec is None:
            return True
        kinds = contract.value_kinds()[words[0]][1]
        stated = {"VERSION": bool(self.versions), "N": bool(self.numbers), "FILE": self.has_file}

        def allowed(flag: str) -> bool:  # the phrase tables are only matched for a flag it can become
            if flag == "--format":
                return self.bare or self.machine
            if flag == "--sort":
                return bool(self.sorts)
            if flag == "--yes":
                return self.consents
            return stated.get(kinds.get(flag), True)

        return any(allowed(opt.flag) for opt in _can_become(spec, words, words[-1]))

    def _sort_ok(self, answer: str, done: bool) -> bool:
        """`ls ... --s...`: the sort value (whole, or the start of one while it grows) is one the
        request asks for; with none asked for, no --sort at all (not a dead end after it)."""
        if not self.sorts:
            return False
        _, _, rest = answer.partition(" --sort ")
        value, space, _ = rest.partition(" ")
        whole = bool(space) or done
        return not value or any(v == value if whole else v.startswith(value) for v in self.sorts)

    def whole_list(self, parts: list[str], whole: bool, others: list[str]) -> bool:
        """A package list leaves none of a run of the request out ("click typer rich", "orjson,
        seaborn"): it cannot end while a run-mate of its packages is missing, and a package
        started after that must be one of them."""
        done = parts if whole else parts[:-1]
        missing = missing_packages(self.package_runs, done, others)
        if not missing:
            return True
        return not whole and any(word.startswith(parts[-1].lower()) for word in missing)

    @cached_property
    def package_runs(self) -> list[list[tuple[str, bool]]]:
        """The request's runs of package-like words (computed once an answer writes a list)."""
        return package_runs(self.original)


REMOVING = ("rm", "cleanup")


def _removing(answer: str, done: bool) -> bool:
    """Is the answer a removing command, or one that can only grow into one ("r" can still be
    register, "rm" and "cl" cannot)?"""
    word, _, rest = answer.lstrip().partition(" ")
    if rest or done or word in contract.commands():
        return word in REMOVING
    grows_into = [name for name in contract.commands() if name.startswith(word)]
    return bool(grows_into) and all(name in REMOVING for name in grows_into)


def _named(answer: str) -> set[str]:
    """What the answer's options name: the kind of value each takes ("VERSION", "N", ...), or
    the flag itself ("--yes"). For the last word, what every option it can still become (after
    the options already written, in the grammar's canonical order) names, when that is one
    thing; after a trailing space, an option comes next unless a value does."""
    words = answer.lstrip().split(" ")
    spec = contract.commands().get(words[0]) if words else None
    if spec is None or len(words) < 2:
        return set()
    positional, kinds = contract.value_kinds()[words[0]]
    keys = {flag: flag if kind is None else kind for flag, kind in kinds.items()}
    named = {keys[word] for word in words[1:-1] if word in keys}
    last = words[-1]
    if last == "":
        if kinds.get(words[-2]) is not None or (len(words) == 2 and positional is not None):
            return named  # a value comes next
        last = "--"
    if last.startswith("--"):
        could_be = {keys[opt.flag] for opt in _can_become(spec, words, last)}
        if len(could_be) == 1:
            named |= could_be
    return named


def _can_become(spec, words: list[str], last: str) -> list:
    """The options the answer's last word (`last`, "--f") can still become: those after the
    options already written, in the grammar's canonical order, whose flag starts with it."""
    written = [i for i, opt in enumerate(spec.options) if opt.flag in words[1:-1]]
    later = spec.options[max(written) + 1:] if written else spec.options
    return [opt for opt in later if opt.flag.startswith(last)]
