"""How values and words look in a request: value pools, spoken forms, typing noise.

Used by venvy.nl.pipeline.dataset. Every pool has a train part and a held-out part; the
held-out part is never drawn for train rows. Noise changes only the literal words
of a template, never the slot values, so names and paths stay verbatim.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from venvy.nl.pipeline import templates

HELDOUT_SHARE = 0.5  # in val/test, how often a value is drawn from the held-out pool

SLOT_RE = re.compile(r"\{(\w+)(\|raw)?\}")

# --------------------------------------------------------------------------
# Values: (train pool, held-out pool). Held-out values never appear in train.
# --------------------------------------------------------------------------

POOLS = {
    "name": (
        ["backend", "frontend", "ml-env", "api_v2", "Django5", "data-pipeline", "scraper", "webapp", "notebooks",
         "tools", "sandbox", "flask_app", "etl", "research", "dev", "prod-api", "nlp", "cv_models", "blog", "bot",
         "infra", "py311", "legacy", "test-env", "docs", "analytics", "Django4", "fastapi-demo", "torch-gpu",
         "myproject", "agent", "homework", "jupyter", "trading_bot", "crawler", "stats101", "api", "web", "ml",
         "2024-proj", "MyApp", "old.env", "scratch", "cli-tools", "site", "test", "data", "app", "core", "utils",
         "server", "client", "demo", "my_env", "env2", "TestEnv", "DataPipeline", "proj.v2", "service-01", "alpha",
         "beta", "worker", "ml.core", "api-gateway", "Experiments", "django-blog", "v2", "sklearnLab", "go",
         "web3", "tmp", "main", "EmailSender", "qa_env", "staging"],
        ["billing-svc", "geo_utils", "pricing", "chatbot2", "Flask3", "ocr-tool", "recsys", "hr_portal", "quant",
         "lab-env", "deploy", "vision", "dashboards", "inventory-api", "my.env", "tmp1", "reporting", "Beta2",
         "sync-worker", "grpc_api", "Portal", "x.y", "prod"],
    ),
    "version": (
        ["3", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.11.4", "3.10.12", "3.12.1", "3.9.18", "3.8.10"],
        ["3.7", "3.14", "3.11.9", "3.12.7", "3.13.1", "3.6"],
    ),
    "venv_path": (
        [".venv", "venv", "env", "~/envs/backend", "~/code/api/.venv", "/opt/venvs/tools", "../shared/env",
         "./env", "~/projects/ml/.venv", "/srv/app/venv", "envs/dev", "~/.virtualenvs/scraper", "build/venv",
         "./.venv", "~/work/site/.venv", "/home/me/venvs/data", "services/api/.venv", "~/.venvs/tools-3.12",
         ".venv-test", "../backend/venv", "/opt/app/.venv"],
        ["~/repos/billing/.venv", "/data/envs/geo", "../sibling/.venv", "~/Documents/code/.venv",
         "/usr/local/venvs/py312"],
    ),
    "folder": (
        ["~/code", "~/projects", "~/dev", "/opt", "~/work", "/srv", "~/src", "projects/web", "..", ".",
         "/home/me/code", "~/Desktop/old-projects", "~/git", "/workspace", "~/src/github.com/me",
         "apps", "~/Projects/2024"],
        ["~/repos", "/data", "~/Documents/code", "/usr/local/src", "clients/acme"],
    ),
    "packages": (
        ["requests", "fastapi", "uvicorn==0.30.1", "django", "flask", "numpy", "pandas", "scipy", "torch", "rich",
         "click", "pytest", "black", "ruff", "httpx", "pydantic>=2", "sqlalchemy", "jupyter", "matplotlib",
         "scikit-learn", "django==5.0.6", "celery", "redis", "boto3", "pillow", "typer", "mypy",
         "requests==2.32.3", "numpy<2", "uvicorn[standard]", "attrs", "loguru", "pyyaml", "openai",
         "sqlmodel==0.0.16", "psycopg[binary]", "beautifulsoup4", "ipykernel", "flask-cors", "pandas>=2.1",
         "fastapi[all]", "django~=4.2", "httpx[http2]", "pytest>=8,<9", "black==24.4.2", "celery[redis]"],
        ["polars", "streamlit", "langchain", "aiohttp==3.9.5", "orjson", "tqdm", "seaborn", "transformers>=4.40",
         "gunicorn", "alembic", "dask[dataframe]", "starlette==0.37.2"],
    ),
    "requirements": (
        ["requirements.txt", "requirements/dev.txt", "requirements-dev.txt", "reqs.txt", "requirements/base.txt",
         "../requirements.txt", "requirements/test.txt"],
        ["requirements/prod.txt", "dev-requirements.txt", "ci/requirements.txt", "deps/requirements.in"],
    ),
    "days": ([7, 14, 30, 60, 90, 180, 365, 10, 20, 45, 120], [21, 730, 3, 100, 270, 5]),
    "depth": ([1, 2, 3, 4, 5, 8], [6, 7, 10]),
}

POOL_FOR = {
    ("create", "path"): "venv_path", ("register", "path"): "venv_path", ("register", "project"): "folder",
    ("scan", "path"): "folder", ("cleanup", "days"): "days", ("scan", "depth"): "depth",
}
POOL_FOR_KIND = {"NAME": "name", "VERSION": "version", "LIST": "packages", "FILE": "requirements",
                 "DIR": "folder", "PATH": "venv_path", "N": "days"}

# Durations people say -> days (the contract's N rule).
DAY_PHRASES = {
    3: ["3 days", "three days"],
    5: ["5 days", "five days"],
    7: ["a week", "one week", "7 days", "seven days", "1 week"],
    14: ["two weeks", "2 weeks", "14 days", "a fortnight", "fourteen days"],
    21: ["three weeks", "3 weeks", "21 days"],
    30: ["a month", "one month", "30 days", "thirty days", "1 month"],
    45: ["45 days", "forty-five days", "a month and a half"],
    60: ["two months", "2 months", "60 days", "sixty days"],
    90: ["3 months", "three months", "90 days", "ninety days"],
    100: ["100 days", "a hundred days"],
    120: ["4 months", "four months", "120 days"],
    180: ["6 months", "six months", "half a year", "180 days"],
    270: ["9 months", "nine months", "270 days"],
    365: ["a year", "one year", "365 days", "12 months", "1 year"],
    730: ["two years", "2 years", "730 days"],
}

_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
         "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def number_words(n: int) -> str:
    """0..99 in words: 45 -> 'forty-five'."""
    if n < 20:
        return _ONES[n]
    tens, ones = divmod(n, 10)
    return _TENS[tens] + ("-" + _ONES[ones] if ones else "")


def day_phrases(n: int) -> list[str]:
    if n in DAY_PHRASES:
        return DAY_PHRASES[n]
    return [f"{n} days"] + ([f"{number_words(n)} days"] if n < 100 else [])


VERSION_STYLES = ["{v}", "python {v}", "Python {v}", "py{v}", "python{v}", "py {v}", "Python{v}", "py{nodot}",
                  "python{nodot}", "cpython {v}", "python v{v}"]
# "py312" is 3.12 (dataset v3); only for a major.minor version, the other styles for every version.
NODOT_STYLES = ("py{nodot}", "python{nodot}")
NAME_QUOTES = ['"{v}"', "'{v}'"]  # a name said in quotes; the output has the bare name
QUOTE_SHARE = 0.12

# --------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    out: object  # what goes into the parsed command
    spoken: str  # how the request says it
    raw: str  # the bare form, for "{x|raw}" slots ("--python 3.11")


def _pick(pool: str, split: str, rng: random.Random):
    train, heldout = POOLS[pool]
    if split != "train" and rng.random() < HELDOUT_SHARE:
        return rng.choice(heldout)
    return rng.choice(train)


def sample_value(pool: str, split: str, rng: random.Random) -> Value:
    if pool == "version":
        v = _pick(pool, split, rng)
        styles = VERSION_STYLES[1:] if v == "3" else VERSION_STYLES
        if v.count(".") != 1:
            styles = [s for s in styles if s not in NODOT_STYLES]
        return Value(v, rng.choice(styles).format(v=v, nodot=v.replace(".", "")), v)
    if pool in ("venv_path", "folder"):
        p = _pick(pool, split, rng)
        typed = p + "/" if len(p) > 1 and rng.random() < 0.15 else p
        return Value(p, typed, typed)
    if pool == "packages":
        pkgs = []
        for _ in range(rng.choice([1, 1, 2, 2, 3, 4])):
            pkg = _pick(pool, split, rng)
            base = re.split(r"[=<>~!\[]", pkg)[0]
            if all(re.split(r"[=<>~!\[]", p)[0] != base for p in pkgs):
                pkgs.append(pkg)
        joined = ",".join(pkgs)
        seps = [", ", " ", ","] if len(pkgs) < 2 else [", ", " ", ",", "and", "plus", "&"]
        sep = rng.choice(seps)
        if sep in ("and", "plus", "&"):
            spoken = ", ".join(pkgs[:-1]) + f" {sep} " + pkgs[-1]
            return Value(joined, spoken, joined)
        return Value(joined, sep.join(pkgs), sep.join(pkgs))
    if pool == "days":
        n = _pick(pool, split, rng)
        return Value(n, rng.choice(day_phrases(n)), str(n))
    if pool == "depth":
        n = _pick(pool, split, rng)
        return Value(n, rng.choice([str(n), number_words(n)]), str(n))
    v = _pick(pool, split, rng)  # name, requirements: verbatim (a name sometimes in quotes)
    if pool == "name" and rng.random() < QUOTE_SHARE:
        return Value(v, rng.choice(NAME_QUOTES).format(v=v), v)
    return Value(v, v, v)


# --------------------------------------------------------------------------
# Noise: how people really type. Only template words change, never slot values.
# --------------------------------------------------------------------------

_WORD_RE = re.compile(r"(?<![-\w$.])[A-Za-z]{5,}(?![-\w])")
_KEYBOARD = {"a": "s", "e": "r", "i": "o", "o": "p", "n": "m", "s": "d", "t": "r", "r": "e", "l": "k", "u": "y"}


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(["swap", "drop", "double", "near"])
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == "drop":
        return word[:i] + word[i + 1:]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + _KEYBOARD.get(word[i].lower(), word[i]) + word[i + 1:]


# Command words people mistype (dataset v3): a transposed or doubled letter, never in a value.
COMMAND_WORDS = re.compile(r"(?<![-\w$.{])(create|remove|delete|list|cleanup|clean|register|scan|stats|statistics|"
                           r"info|show|make|venvs?|virtualenvs?|environments?|envs?|summary|preview|unregister|"
                           r"tracking|forget|hook|shell|sort|python)(?![-\w}])", re.IGNORECASE)
COMMAND_TYPO_SHARE = 0.12


def _command_typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1) if len(word) > 2 else 1
    if rng.random() < 0.5 and i + 1 < len(word):
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]  # transposed
    return word[:i] + word[i] + word[i:]  # doubled


def add_noise(text: str, rng: random.Random) -> str:
    """Seeded case, typo and punctuation noise on the literal parts of a template."""
    parts = SLOT_RE.split(text)
    # re.split with 2 groups gives [lit, slot, raw, lit, slot, raw, ...]; rebuild literal/slot pairs
    lits = parts[0::3]
    slots = [(parts[i], parts[i + 1]) for i in range(1, len(parts), 3)]
    r = rng.random()
    if r < 0.3:
        lits = [s.lower() for s in lits]
    elif r < 0.33:
        lits = [s.upper() for s in lits]
    elif r < 0.55 and lits[0]:
        lits[0] = lits[0][0].upper() + lits[0][1:]
    if rng.random() < 0.15:
        spots = [(i, m) for i, s in enumerate(lits) for m in _WORD_RE.finditer(s)]
        if spots:
            i, m = rng.choice(spots)
            lits[i] = lits[i][: m.start()] + _typo(m.group(0), rng) + lits[i][m.end():]
    if rng.random() < COMMAND_TYPO_SHARE:
        spots = [(i, m) for i, s in enumerate(lits) for m in COMMAND_WORDS.finditer(s)]
        if spots:
            i, m = rng.choice(spots)
            lits[i] = lits[i][: m.start()] + _command_typo(m.group(0), rng) + lits[i][m.end():]
    if rng.random() < 0.3:
        lits = [s.replace("'", "") for s in lits]
    if rng.random() < 0.3 and lits[-1][-1:] in ("?", "!", "."):
        lits[-1] = lits[-1][:-1]
    out = [lits[0]]
    for (name, raw), lit in zip(slots, lits[1:]):
        out.append("{" + name + (raw or "") + "}" + lit)
    return "".join(out)


def fill(text: str, values: dict[str, Value]) -> str:
    def sub(m):
        value = values[m.group(1)]
        return value.raw if m.group(2) else value.spoken

    return SLOT_RE.sub(sub, text)


CONTEXT_SHARE = 0.06  # a sentence of context before the request (dataset v3)


def wrap(text: str, rng: random.Random) -> str:
    if rng.random() < CONTEXT_SHARE:
        return rng.choice(templates.CONTEXTS) + text
    r = rng.random()
    if r < 0.15:
        asks = text.lower().startswith(templates.QUESTION_WORDS)
        return rng.choice(templates.PREFIXES if asks else templates.PREFIXES + templates.ORDER_PREFIXES) + text
    if r < 0.3:
        return text + rng.choice(templates.SUFFIXES)
    return text
