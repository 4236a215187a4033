"""What a request asks for in words, for the three flags that decide whether files are lost:
`--dry-run` (only show), `--keep-files` (only forget) and `--yes` (do not ask), for the two
commands that can lose them (`rm`, `cleanup`), and for the choices of output a request has to ask
for (`ls --format simple`, SIMPLE; `--format json`, JSON; `ls --sort VALUE`, SORTS).

venvy.nl.runtime.grounding holds the model to them, always in the safe direction:
- a preview or keep intent the request states and the command leaves out is a span the
  command ignores: decoding completes the command with the flag when it can take it (a
  preview never turns into a deletion), and the confidence drops with it;
- `--yes` removes the last question before files go, so the model can only write it when the
  request states a consent ("don't ask", "skip confirmation", "-y", ...);
- `rm` and `cleanup` can only be written when the request says to remove, forget or preview
  something (`removal()`): "dump all venvs to json", a misspelt "crete a venv" or a question
  about a command ("explain the cleanup command", `ABOUT`) is not a reason to delete anything.

The phrases are the forms the dataset generator writes for these flags
(venvy.nl.pipeline.templates, venvy.nl.pipeline.phrasings_v3) and for rm and cleanup, and those
of the hand-written training pairs (data/people/train*.tsv), reduced to their key words.
Apostrophes are dropped ("don't" is "dont"). A key word of five letters or more also matches with one typo (a letter dropped, doubled,
changed, or two swapped), as people type them. A phrase the tables do not know is not
recognized: the model's own answer stands, as before.
"""

from __future__ import annotations

import re
from functools import lru_cache

PREVIEW = (
    "--dry-run", "dry run", "dry-run", "dryrun", "preview*", "pretend*", "simulat*", "test run", "trial run",
    "what would", "would be removed", "would be deleted", "would go", "would cleanup delete",
    "would it delete", "would it remove", "just show", "just list", "just tell", "only show", "only list",
    "only want to see", "show me what", "show me which", "show me first", "show the candidates",
    "list what", "without removing", "without deleting", "dont delete", "do not delete",
    "dont actually", "no deleting", "safe to remove", "safe to delete", "look but dont touch", "just see",
    "report only",
)
# Hints: more ways the hand-written training pairs ask for the flag (session 11). They fill it like the
# phrases above (venvy.nl.runtime.coverage), but removal() does not read them: "let me see", "entry" or
# "stay" say nothing of removing anything, so they are no reason to let the model write rm or cleanup.
PREVIEW_HINTS = (
    "let me see", "want to see", "wanna see", "see which", "see what", "show what", "look at", "just looking",
    "only tell", "only print", "show only", "list only", "print what", "check first", "decide later", "safe mode",
    "dry", "test cleanup", "non-destructive", "nondestructive", "nothing deleted", "nothing removed",
    "delete nothing", "remove nothing", "dont remove", "do not remove", "not deleting", "not removing",
    "no deletion", "would remove", "would delete", "would nuke", "would hit", "would throw", "would take",
    "would drop", "would flag", "would catch", "would die", "would disappear", "would get", "would pick",
    "would purge", "would wipe", "would prune", "would do", "would a", "would cleanup", "youd remove",
    "youd delete", "going to nuke", "going to delete", "going to remove", "gets deleted", "get deleted",
    "chopping block", "what if", "candidate*", "eligible", "deletable", "victims", "cleanup list", "report of",
    "before anything", "before i remove", "before i delete", "can i delete", "could i delete",
    "can i remove", "could i remove",
)
KEEP = (
    "--keep-files", "forget*", "unregister*", "untrack*", "stop tracking", "keep the files", "keep the file",
    "keep the folder", "keep the directory", "keep its files", "keep it on disk", "keep the venv on disk",
    "keep files", "keep-files", "leave the files", "leave the folder", "leave the directory",
    "leave it on disk", "stay on disk", "stays on disk", "registry only", "from the registry", "venvy's registry",
    "venvys registry", "from the list", "files stay", "without touching", "without deleting the",
    "dont delete the", "dont touch the", "do not delete the", "do not touch the", "off venvys list",
)
KEEP_HINTS = (
    "deregister*", "de-register*", "unreg", "unlist*", "registration", "entry", "registry entry", "registry record",
    "from registry", "out of the registry", "from tracking", "tracking only", "no longer track", "stop keeping track",
    "stop caring", "stop managing", "venvy managing", "venvy to manage", "venvys books", "your list", "ur list",
    "hide", "from venvy only", "still need", "need the files", "still used", "stay", "stays", "files keep",
    "keep the venv", "keep the env", "keep the environment", "keep its folder", "dont touch disk", "not from the disk",
    "not from disk", "not the venv", "not the folder", "not the actual", "not the files", "not its files",
    "not delete", "no deleting", "dont wipe", "not wipe", "leave the disk", "disk alone",
)
CONSENT = (
    "--yes", "yes", "-y", "force", "force*", "confirm*", "auto-confirm*", "prompt*", "ask*", "asking", "interactive*",
    "non-interactive*", "question*", "are-you-sure", "sure", "certain", "approve*", "auto-approve*", "go ahead", "just do it", "noconfirm*",
    "unattended", "silently", "-rf",
)

# Saying to remove (or forget) something: with KEEP and PREVIEW, what every rm and cleanup request
# of the training data states (tests/nl/runtime/test_grounding.py). Full words beside their stems,
# so that one typo is allowed ("pruen", "trassh").
REMOVE = (
    "remove", "removing", "removal", "remov*", "rm", "rmv", "rmvirtualenv*", "del", "delete", "deleting",
    "deletion", "delet*", "drop*", "trash", "trashing", "trash*", "bin", "wipe", "wiping", "wipe*", "nuke*",
    "purge", "purging", "purg*", "prune", "pruning", "prun*", "clean", "cleaning", "cleanup", "clean-up",
    "clean*", "auto-clean*", "clnup", "clear", "clearing", "clear*", "get rid", "rid", "destroy*", "erase",
    "erasing", "kill*", "zap*", "ditch", "ditch*", "scrap", "scrap*", "axe", "toss*", "eliminat*",
    "uninstall*", "deregister*", "unlink*", "stop keeping track", "no longer", "anymore", "any more",
    "tidy*", "declutter*", "free up", "reclaim*", "throw away", "throw out", "junk", "retire*", "evict*",
    "expunge*", "discard*", "dispose*", "sweep", "sweeping", "sweep*", "cull*", "trim*", "yeet*",
    "take out", "take off", "off the list", "can go", "could go", "should go", "must go", "gotta go",
    "go away", "show only", "dump", "dumping", "gone", "gc", "bye", "unreg*", "unlist*", "victims",
    "throw it away", "throw them away", "take it out", "take them out", "auto-remov*", "garbage collect*",
    "garbage-collect*",
)
# "dump" is also "print out": with one of these in the request it is not a removal ("dump my venvs as json")
OUTPUT = ("json", "table", "csv", "yaml", "output", "print*", "screen", "stdout", "paths", "list", "format*")

# asking for a bare list (`ls --format simple`, one path per line): every such request of the training
# data says one of these (tests/nl/runtime/test_grounding.py); without one the list stays a table.
SIMPLE = (
    "simple", "simpl*", "plain", "plain*", "names only", "only names", "only the names", "just names", "just the names",
    "name only", "one per line", "per line", "a line", "bare", "minimal", "script*", "grep", "pipe*", "raw", "terse",
    "compact", "path", "paths", "path*", "xargs", "-b", "--format", "format", "no table", "without the table",
    "no formatting", "unformatted", "newline*", "list of names", "nothing else", "only the",
)

_TABLE_AFTER = re.compile(r"\s+(?:old\s+)?tables?\b", re.IGNORECASE)


def asks_bare(request: str) -> bool:
    """Does the request ask for a bare list (SIMPLE)? A "plain table" or "simple table" is a table."""
    return any(not _TABLE_AFTER.match(request, end) for _, end in spans(request, SIMPLE))


# asking for machine-readable output (`--format json`): every such request of the training data says
# one of these (tests/nl/runtime/test_grounding.py); without one the output stays a table.
JSON = (
    "json", "json*", "--json", "jq", "machine readable", "machine-readable", "machine*", "parse*", "parsable",
    "script*", "dashboard*", "monitor*", "programmatic*", "structured",
)

# asking for an order of `ls` (`--sort VALUE`; `name` is the default and never written): every such
# request of the training data says one of its value's words (tests/nl/runtime/test_grounding.py); without
# one the list keeps its default order.
SORTS = {
    "size": ("size*", "big*", "biggest", "bigger", "large*", "largest", "larger", "disk*", "space", "heav*",
             "heaviest", "mb", "gb", "megabyte*", "megabytes", "fat*", "storage", "weigh*", "small*", "smallest",
             "bulk*", "hog*", "footprint", "sizable", "bytes"),
    "recent": ("recent*", "recently", "last", "last-used", "latest", "latest-used", "lately", "activat*", "used",
               "use", "usage", "touched", "opened", "newest", "oldest", "stale*", "idle", "activity", "active",
               "fresh*", "freshest"),
    "created": ("creat*", "create", "created", "creation", "made", "make", "built", "age", "oldest", "newest",
                "newer", "new", "birth*", "set up", "when"),
    "python": ("python*", "interpreter*", "interpreter", "version*", "version", "py", "cpython"),
}

# an order asked for in so many words: "sorted by size", "order them by interpreter", "by last use",
# "biggest first". The word after the ordering word must name one value of SORTS (or `name`, the
# default): "by when I last used them" and "by when they were made" name no single one, "newest" and
# "oldest" name two, and "most recently first" is as often the newest made as the last used, so only
# size words are read before "first". In the training data every ls request with such a phrase asks
# for that order (tests/nl/runtime/test_grounding.py).
_ORDER = re.compile(
    r"\b(?:sort(?:ed)?|order(?:ed)?|rank(?:ed)?|by)\s+(?:by\s+)?(?:their\s+|the\s+|its\s+|most\s+)?([\w\-]+)",
    re.IGNORECASE,
)
_FIRST = re.compile(r"\b([\w\-]+)[\s-]+(?:ones?\s+|envs?\s+|venvs?\s+)?first\b", re.IGNORECASE)
_BY_NAME = ("name", "names", "alphabet*", "alphabetic*", "a-z")


def _sort_values(word: str) -> list[str]:
    word = word.lower()
    if word == "when":  # "by when I last used them" (recent), "by when they were made" (created)
        return []
    if any(_word_matches(word, key) for key in _BY_NAME):
        return ["name"]
    return [value for value, keys in SORTS.items() if any(_word_matches(word, key) for key in keys)]


def sort_spans(request: str) -> list[tuple[int, int, str]]:
    """(start, end, value) of each phrase that asks for one `ls --sort` value ("name": the default)."""
    found = []
    for m in _ORDER.finditer(request):
        values = _sort_values(m.group(1))
        if len(values) == 1:
            found.append((m.start(), m.end(), values[0]))
    for m in _FIRST.finditer(request):
        if _sort_values(m.group(1)) == ["size"] and not any(s < m.end() and m.start() < e for s, e, _ in found):
            found.append((m.start(), m.end(), "size"))
    return sorted(found)


# asking about venvy or one of its commands, not asking it to act: "explain the cleanup command",
# "what does rm do", "which flags does cleanup take". Such a request is no reason to delete
# anything, even though it names a command that does (unless it also asks for a preview).
ABOUT = (
    "explain*", "what does", "how does", "what flags", "which flags", "what options", "which options",
    "usage", "documentation", "man page", "manual", "help text", "--help",
)

_WORDS = re.compile(r"[\w'\-]+")
FUZZY_MIN = 5  # key words this long also match with one typo


def one_edit(word: str, key: str, *, substitute: bool = True) -> bool:
    """At most one edit apart: a letter dropped, added or swapped with its neighbour, or (with
    `substitute`) changed. Damerau distance <= 1."""
    if word == key:
        return True
    if abs(len(word) - len(key)) > 1:
        return False
    i = 0
    while i < min(len(word), len(key)) and word[i] == key[i]:
        i += 1
    if len(word) == len(key):
        swapped = word[i:i + 2] == key[i:i + 2][::-1] and word[i + 2:] == key[i + 2:]
        return swapped or (substitute and word[i + 1:] == key[i + 1:])
    if len(word) > len(key):
        return word[i + 1:] == key[i:]
    return word[i:] == key[i + 1:]


def _close(word: str, key: str) -> bool:
    """The key word, or one edit from it when it is FUZZY_MIN letters or longer."""
    return word == key or (len(key) >= FUZZY_MIN and one_edit(word, key))


def _word_matches(word: str, key: str) -> bool:
    """`key` is a word, or a stem ending in `*` that the word starts with (with a typo only
    when the stem is longer than FUZZY_MIN: "forget" must not pass for "force*")."""
    if not key.endswith("*"):
        return _close(word, key)
    stem = key[:-1]
    if word.startswith(stem) or len(stem) <= FUZZY_MIN:
        return word.startswith(stem)
    return any(_close(word[:n], stem) for n in (len(stem) - 1, len(stem), len(stem) + 1) if 0 < n <= len(word))


@lru_cache(maxsize=None)
def _phrases(table: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(phrase.replace("'", "").split()) for phrase in table)


def spans(request: str, table: tuple[str, ...]) -> list[tuple[int, int]]:
    """(start, end) of each phrase of `table` in the request, in order, not overlapping."""
    words = [(m.start(), m.end(), m.group(0).lower().replace("'", "")) for m in _WORDS.finditer(request)]
    found: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        for phrase in _phrases(table):
            n = len(phrase)
            if i + n <= len(words) and all(_word_matches(words[i + k][2], phrase[k]) for k in range(n)):
                found.append((words[i][0], words[i + n - 1][1]))
                i += n - 1
                break
        i += 1
    return found


def states(request: str, table: tuple[str, ...]) -> bool:
    return bool(spans(request, table))


def removal(request: str) -> bool:
    """Does the request say to remove, forget or preview removing something (rm, cleanup)? Not
    when it asks about venvy or a command (ABOUT) without asking for a preview."""
    if states(request, PREVIEW):
        return True
    if states(request, ABOUT):
        return False
    if states(request, KEEP):
        return True
    words = [request[a:b].lower() for a, b in spans(request, REMOVE)]
    return any(not w.startswith("dump") for w in words) or (bool(words) and not states(request, OUTPUT))
