"""What a request states: the value-like spans venvy recognizes in a request's text (versions,
counts and durations, pinned packages, paths and files, quoted words, runs of packages) and
where its words start and end. venvy.nl.runtime.grounding builds both of its checks on these: values grounded
in the request while decoding, and the spans a command leaves out.
"""

from __future__ import annotations

import re

from venvy.nl.runtime.intents import one_edit

_WORD_NUMBERS = {
    "a": 1, "an": 1, "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "hundred": 100,
}
_UNIT_DAYS = {"day": 1, "week": 7, "fortnight": 14, "month": 30, "quarter": 90, "year": 365}
# "2wks", "6 mos", "1yr"; one letter only right after digits ("90d", "2w", "6m", "1y")
_UNIT_SHORT = {"wk": "week", "mo": "month", "mth": "month", "yr": "year", "d": "day", "w": "week", "m": "month",
               "y": "year"}
_WORD = "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True))
_NUMBER_WORDS = "|".join(sorted((w for w in _WORD_NUMBERS if w not in ("a", "an")), key=len, reverse=True))
_NUMBER_WORD = re.compile(r"\b(?:" + _NUMBER_WORDS + r")\b", re.IGNORECASE)
# a number (digits, "1.5", words: "twenty one", "forty-five", "one hundred and twenty", "two and a half",
# "half a", "a half", "a couple of", "last"/"past" for one) and a unit, long or short ("30+ days": at least
# that many; "a whole week" is a week; "a quarter of a year" is a quarter)
DURATION = re.compile(
    rf"\b((?:\d{{1,5}}|{_WORD})\s+and\s+an?\s+half|half\s+an?|an?\s+half|(?:an?\s+)?couple(?:\s+of)?"
    rf"|(?:an?\s+)?hundred(?:(?:\s+and\s+|[\s-]+)(?:{_NUMBER_WORDS}))*|last|past|\d{{1,5}}(?:\.\d{{1,2}})?"
    rf"|(?:{_WORD})(?:(?:\s+and\s+|[\s-]+)(?:{_NUMBER_WORDS}))*)"
    rf"(?:(?<=\d)\+?[\s-]*|[\s-]+)(?:(?:whole|full|entire|good|solid)\s+)?"
    rf"(day|week|fortnight|month|quarter|year|wk|mo|mth|yr|(?<=\d)[dwmy]|(?<=\d\+)[dwmy])"
    rf"s?(?:\s+of\s+an?\s+year)?(\s+and\s+a\s+half)?\b",
    re.IGNORECASE,
)
VERSION = re.compile(
    r"(?<![\w.=<>~!])(?:python|py)?\s?-?(\d)(?:\.(\d{1,2})(?:\.\d{1,3})?|(\d{1,2}))?(?![\w.])", re.IGNORECASE
)
PINNED = re.compile(r"\b[A-Za-z][\w.\-\[\]]*\s?(?:==|>=|<=|~=|!=)\s?[\w.*]*[\w*]")
QUOTED = re.compile(r"(?:(?<=\s)|^)[\"'`]([^\"'`]{1,100}?)[\"'`](?=[\s.,;:!?]|$)")
WORD = re.compile(r"\S+")
# a count on its own: digits or a number word, not inside a word, a version, a path or a pin
# ("one" only before a depth word, "one level deep": "the blog one", "one path per line" are not counts)
COUNT = re.compile(
    r"(?<![\w.\-/=~<>!])(\d{1,3}|"
    + "|".join(sorted((w for w in _WORD_NUMBERS if w not in ("a", "an", "one")), key=len, reverse=True))
    + r"|one(?=[\s-]+(?:levels?|layers?|deep|folders?|dirs?|director(?:y|ies)|subfolders?)\b))(?![\w.\-/])",
    re.IGNORECASE,
)
PATH_SUFFIXES = (".txt", ".in", ".cfg", ".toml")
_NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)*")
_SHORT_FORM = re.compile(r"(?:py|python|cp)\s?$", re.IGNORECASE)
_INNER = "_-./~"  # characters that continue a word, a path or a name
_FILE_LIKE = re.compile(r"/|\.[a-z]", re.IGNORECASE)


def file_like(text: str) -> bool:
    """A requirements file is named as a file: with a folder (`/`) or an extension (`.txt`),
    and not a pinned package (`aiohttp==3.9.5`)."""
    return bool(_FILE_LIKE.search(text)) and not PINNED.search(text)


def word_start(text: str, at: int) -> bool:
    """A word starts at `at`: not inside one, nor right after a pin's operator (`==3.9`)."""
    if at == 0:
        return True
    before = text[at - 1]
    if before == "=" and at >= 2 and text[at - 2] in "=<>~!":
        return False
    return not (before.isalnum() or before in _INNER)


def word_end(text: str, at: int) -> bool:
    """A word ends at `at`: what follows is not a letter, digit, `_` or `-`, and not a `.` or
    `/` that goes on ("my.env", "venvs/x"), only one that ends a sentence or a folder ("x/",
    "x/." at the end of a sentence)."""
    after = text[at:at + 3] + "   "
    if after[0].isalnum() or after[0] in "_-":
        return False
    if after[0] in "./" and (after[1].isalnum() or after[1] in _INNER):
        return after[:2] == "/." and not (after[2].isalnum() or after[2] in _INNER)
    return True


def stated_numbers(request: str) -> set[str]:
    """The counts a request can mean (for --days and --depth): each duration in days as the
    dataset counts them ("three weeks" -> "21", "9 months" -> "270", "a year" -> "365"), and
    each other number as written or as a word ("seven" -> "7"); the "9" of "9 months" is not
    a count of its own."""
    durations = list(DURATION.finditer(request))
    found = {str(days(m)) for m in durations}

    def inside_duration(m: re.Match) -> bool:
        return any(d.start() <= m.start() and m.end() <= d.end() for d in durations)

    found.update(m.group(0) for m in re.finditer(r"\d+", request) if not inside_duration(m))
    found.update(
        str(_WORD_NUMBERS[m.group(0).lower()]) for m in _NUMBER_WORD.finditer(request) if not inside_duration(m)
    )
    return found


def stated_versions(request: str) -> set[str]:
    """The Python versions a request can mean: each number as written ("3.12.1", "3"), and
    "3.12" for the short form "py312"; not a number inside a pinned package ("django~=4.2")
    or a path ("venvs/py312")."""
    blocked = [m.span() for m in PINNED.finditer(request)]
    blocked += [m.span() for m in WORD.finditer(request) if "/" in m.group(0) and path_text(m.group(0))]
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


def version_text(match: re.Match) -> str | None:
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


def path_text(word: str) -> str | None:
    """The path in a whitespace-separated word ("~/work/x/", "./env", "requirements.txt"),
    without surrounding quotes, punctuation or a trailing slash; None when it is not one."""
    text = word.lstrip("\"'`(").rstrip("\"'`,;:!?)")
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1]  # the end of a sentence
    if "://" in text or not ("/" in text or text.startswith("~") or text.lower().endswith(PATH_SUFFIXES)):
        return None
    return text.rstrip("/") or text


def count(match: re.Match) -> int:
    """The number a COUNT match states."""
    text = match.group(1).lower()
    return int(text) if text.isdigit() else _WORD_NUMBERS[text]


def days(match: re.Match) -> int:
    """The days a duration means, as the dataset counts them: a month is 30 days, a quarter 90, a
    year 365, twelve months a year, half a year 180, "1.5 months" 45, "a couple of weeks" 14."""
    number, unit, half = match.group(1).lower(), match.group(2).lower(), match.group(3)
    unit = _UNIT_SHORT.get(unit, unit)
    whole = re.match(r"(\S+)\s+and\s+an?\s+half", number)  # "two and a half weeks": two weeks and half a week
    if whole:
        number, half = whole.group(1), True
    if "half" in number:
        return 180 if unit == "year" else _UNIT_DAYS[unit] // 2
    if "couple" in number:
        n = 2
    elif re.fullmatch(r"[\d.]+", number):
        if "." in number:  # "1.5 months": 45 days, "2.5 weeks": 17
            return int(float(number) * _UNIT_DAYS[unit])
        n = int(number)
    else:
        n = word_number(number)
    if unit == "month" and n % 12 == 0:
        days = n // 12 * 365
    else:
        days = n * _UNIT_DAYS[unit]
    return days + (_UNIT_DAYS[unit] // 2 if half else 0)


def word_number(text: str) -> int:
    """The number words say: "twenty one" 21, "forty-five" 45, "one hundred and twenty" 120, "a
    hundred" 100; 1 when no number word is there ("a week", "last month")."""
    words = [w for w in re.split(r"[\s-]+", text.lower()) if w in _WORD_NUMBERS and w not in ("a", "an")]
    if not words:
        return 1
    total = 0
    for w in words:
        total = max(total, 1) * 100 if w == "hundred" else total + _WORD_NUMBERS[w]
    return total


# -- runs of packages ----------------------------------------------------------
# "with orjson, seaborn and polars", "install click typer rich": package-like words joined by
# commas, "and", "plus", "&" or spaces. A word that is an ordinary word of a venvy request, a
# version, a path, a file, a label ("packages:") or a spelling of "venv" ends a run.
_PACKAGE = re.compile(r"[a-z][a-z0-9._\-]*(\[[a-z0-9_,\-]+\])?((==|>=|<=|~=|!=|<|>)[a-z0-9.*]+)?")
_JOINS = frozenset({"and", "plus", "&", "+", ","})
NOT_PACKAGES = frozenset("""
    a an the and or plus with also then as well in at to for from into on of by using use uses install installing
    installed add adding including include includes python py pip venv venvs env envs environment environments
    virtualenv named called name path packages package pkgs pkg libs lib libraries library requirements reqs deps
    dependencies please pls thanks thx too etc it its my me i you new create make set up setup version latest stuff
    some get all both them there here now just only so that this which where is are be can could would should want
    need inside same file folder dir directory project runs running run top base based tools tool cheers call
    calling whatever asap thank ty quick quickly later today right away soon everything anything something
    nothing tonight tomorrow first again those these listed mentioned below above if when unless because
    what things init initialize initialise bootstrap prepare spin whip provision scaffold""".split())
_VENV_WORDS = ("venv", "env", "envs", "venvs", "virtualenv", "environment")
# ordinary words a typo does not make a package ("everythiing", "thiings")
_LONG_NOT_PACKAGES = ("everything", "things")
# words that introduce a package list ("packages:", "install"): labelled_packages
PACKAGE_LABELS = frozenset({"packages", "package", "pkgs", "pkg", "libs", "libraries", "deps", "dependencies",
                            "install", "installing", "preinstall", "preinstalled"})


def _package_like(raw: str, clean: str) -> bool:
    if not clean or clean in NOT_PACKAGES or raw.rstrip("\"'`)").endswith(":") or not _PACKAGE.fullmatch(clean):
        return False
    if path_text(raw) is not None or file_like(clean) or re.fullmatch(r"v?[\d.]+", clean) or VERSION.fullmatch(clean):
        return False
    return not any(one_edit(clean, word, substitute=False) for word in _VENV_WORDS + _LONG_NOT_PACKAGES)


def package_runs(request: str) -> list[list[tuple[str, bool]]]:
    """The runs of package-like words in `request`, lowercased, each with whether a comma or a
    joining word ("and", "plus", "&") comes before it (False: a space only, or the run's start)."""
    return [[(word, joined) for word, joined, _ in run] for run, _ in _runs(request)]


def labelled_packages(request: str) -> list[tuple[int, int, str]]:
    """(start, end, package) of the packages a label introduces: the first word of a run right
    after "packages:", "install" or "deps", and the words commas or joining words tie to it
    ("install streamlit", "Packages: geopandas, shapely"). Words that only spaces join may be
    the rest of the sentence ("install ruff targeting 3.12"), so they are left out."""
    found = []
    for run, labelled in _runs(request):
        if labelled:
            found.append((*run[0][2], run[0][0]))
            for word, joined, span in run[1:]:
                if not joined:
                    break
                found.append((*span, word))
    return found


def _runs(request: str) -> list[tuple[list[tuple[str, bool, tuple[int, int]]], bool]]:
    runs: list[tuple[list, bool]] = []
    current: list[tuple[str, bool, tuple[int, int]]] = []
    joined: bool | None = None  # what joins the next word to `current` (None: nothing can)
    labelled = after_label = False
    for m in WORD.finditer(request):
        raw = m.group(0)
        clean = raw.strip("\"'`()").rstrip(",;.!?").strip("\"'`()").lower()
        if _package_like(raw, clean):
            at = m.start() + raw.lower().find(clean)
            span = (at, at + len(clean))
            if current and joined is not None:
                current.append((clean, joined, span))
            else:
                if current:
                    runs.append((current, labelled))
                current, labelled = [(clean, False, span)], after_label
            joined = raw.rstrip("\"'`)").endswith(",")
            after_label = False
        elif current and joined is not None and (clean in _JOINS or raw == ","):
            joined = True
        else:
            if current:
                runs.append((current, labelled))
            current, joined = [], None
            after_label = clean.rstrip(":") in PACKAGE_LABELS
    if current:
        runs.append((current, labelled))
    return runs


def missing_packages(runs: list[list[tuple[str, bool]]], used: list[str], others=()) -> list[str]:
    """The packages of a run that `used` (a list's packages) draws from and leaves out: a word
    between two used ones, or one joined to a used one by commas or joining words only
    ("orjson, seaborn"). A word in `others` (the command's other values: its name) is not one."""
    used = [u.lower() for u in used if u]
    others = {o.lower() for o in others}
    out: list[str] = []
    for run in runs:
        words = [word for word, _ in run]
        hit = [k for k, word in enumerate(words) if word in used]
        if not hit:
            continue
        for k, word in enumerate(words):
            if word in used or word in out or word in others:
                continue
            between = len(hit) > 1 and hit[0] < k < hit[-1]
            joined = any(all(run[j][1] for j in range(min(h, k) + 1, max(h, k) + 1)) for h in hit)
            if between or joined:
                out.append(word)
    return out


# -- names after a naming word --------------------------------------------------
# "a venv named api", "called data-tools", "name it recsys", "Name: geo."
NAMED = re.compile(
    r"\b(?:named|called|call\s+it|name\s+it|name\s+(?:is|should\s+be)|name\s*[:=])\s*"
    r"[\"'`]?([A-Za-z0-9][\w.\-]*[A-Za-z0-9_]|[A-Za-z0-9])",
    re.IGNORECASE,
)
_NOT_NAMES = frozenset("""a an the it its my me this that which what how so and or as after like by for in
    at to from with of on please differently something anything whatever whichever venv env environment
    virtualenv""".split())


def named(request: str) -> list[tuple[int, int, str]]:
    """(start, end, name) of each word a naming word introduces; not an ordinary word, a
    version or a path ("named after", "called in ~/x")."""
    found = []
    for m in NAMED.finditer(request):
        text = m.group(1)
        if text.lower() in _NOT_NAMES or re.fullmatch(r"[\d.]+", text) or not word_end(request, m.end(1)):
            continue
        found.append((m.start(1), m.end(1), text))
    return found
