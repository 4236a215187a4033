"""The kNN baseline: no network, TF-IDF nearest neighbours over the training requests.

The k nearest vote for the command name; the nearest neighbour with that name gives
the command's shape, re-filled with values taken from the new request (aligned with
where the neighbour's request said its values, else found by their kind).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from pathlib import Path

from venvy.nl import contract
from venvy.nl.eval.rows import pairs
from venvy.nl.runtime.result import ParseResult

DEFAULT_TRAIN = Path("data/train.jsonl")
KNN_K = 5  # neighbours that vote for the command name (chosen on val: 1, 3, 5, 9 tried)

TOKEN_RE = re.compile(r"[^\s,;\"'`()\[\]]+")
VERSION_IN_TEXT = re.compile(r"\b(?:python|py)\s*-?\s*(\d+(?:\.\d+){0,2})\b|\b(\d\.\d{1,2}(?:\.\d+)?)\b", re.I)
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "couple": 2, "few": 3,
}  # fmt: skip
UNIT_DAYS = {"day": 1, "week": 7, "fortnight": 14, "month": 30, "year": 365}
DURATION_RE = re.compile(
    r"\b(\d+|" + "|".join(NUMBER_WORDS) + r"|half an?|half)?(?:\s+of)?\s*-?\s*(day|week|fortnight|month|year)s?\b",
    re.I,
)
LIST_STOP = {
    "in", "into", "using", "on", "named", "called", "for", "at", "under", "with", "python", "py", "a", "an",
    "the", "venv", "env", "environment", "virtualenv", "packages", "package", "and", "please", "to", "inside",
    "from", "path", "folder", "dir", "directory", "requirements", "plus", "also", "then", "install", "libs",
}  # fmt: skip
LIST_LEAD = re.compile(r"\b(?:with|packages?|install(?:ing)?|including|plus|libs?|add(?:ing)?)\b", re.I)
PACKAGE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\[\]-]*(?:(?:==|>=|<=|~=|!=|>|<)[A-Za-z0-9.*]+)?")
NAME_LEAD = ("named", "called", "name", "as", "-n", "--name")


def tokens(text: str) -> list[str]:
    out = []
    for tok in TOKEN_RE.findall(text):
        if len(tok) > 1 and tok not in (".", "..") and tok[-1] in ".!?:":
            tok = tok.rstrip(".!?:") or tok
        out.append(tok)
    return out


def mask(text: str) -> str:
    """Values replaced by their kind, so neighbours are found by shape, not by value."""
    text = text.lower()
    text = re.sub(r"\S*[/~]\S*|\S+\.(?:txt|in|cfg|toml)\b", " <path> ", text)
    text = VERSION_IN_TEXT.sub(" <ver> ", text)
    text = re.sub(r"\b\d+\b", " <num> ", text)
    words = "|".join(w for w in NUMBER_WORDS if len(w) > 2)
    return re.sub(rf"\b(?:{words})\b(?=\s+(?:day|week|month|year))", " <num> ", text)


def features(text: str) -> Counter:
    words = re.findall(r"<\w+>|[a-z0-9][a-z0-9._+-]*", mask(text))
    feats = Counter(f"w:{w}" for w in words)
    feats.update(f"b:{a} {b}" for a, b in zip(words, words[1:]))
    for w in words:
        padded = f" {w} "
        for n in (3, 4, 5):
            feats.update(f"c:{padded[i:i + n]}" for i in range(max(1, len(padded) - n + 1)))
    return feats


class TfIdfIndex:
    """Sparse TF-IDF (sublinear tf, smoothed idf, L2-normalised) with an inverted index."""

    def __init__(self, texts: list[str]):
        docs = [features(t) for t in texts]
        df = Counter(f for d in docs for f in d)
        self.idf = {f: math.log((1 + len(docs)) / (1 + n)) + 1 for f, n in df.items()}
        self.postings = defaultdict(list)
        for i, d in enumerate(docs):
            for f, w in self._vector(d).items():
                self.postings[f].append((i, w))

    def _vector(self, feats: Counter) -> dict:
        vec = {f: (1 + math.log(c)) * self.idf[f] for f, c in feats.items() if f in self.idf}
        norm = math.sqrt(sum(w * w for w in vec.values())) or 1.0
        return {f: w / norm for f, w in vec.items()}

    def scores(self, text: str) -> dict:
        scores = defaultdict(float)
        for f, w in self._vector(features(text)).items():
            for i, dw in self.postings[f]:
                scores[i] += w * dw
        return scores

    def top(self, text: str, k: int) -> list[tuple[int, float]]:
        """The k most similar documents, best first (ties: lower index)."""
        scores = self.scores(text)
        return [(i, min(1.0, scores[i])) for i in sorted(scores, key=lambda i: (-scores[i], i))[:k]]

    def nearest(self, text: str) -> tuple[int, float] | None:
        top = self.top(text, 1)
        return top[0] if top else None


def duration_days(text: str) -> int | None:
    match = DURATION_RE.search(text)
    if not match:
        return None
    amount, unit = (match.group(1) or "a").lower(), match.group(2).lower()
    if amount.startswith("half"):
        return UNIT_DAYS[unit] // 2
    count = int(amount) if amount.isdigit() else NUMBER_WORDS.get(amount, 1)
    return count * UNIT_DAYS[unit]


def _aligned(command, param_name, value, old_request, new_request):
    """Find the value in the neighbour's request and take the token in the same spot
    (after the same word, or before it) in the new request."""
    old, new = tokens(old_request), tokens(new_request)
    lowered = [t.lower() for t in new]
    for i, tok in enumerate(old):
        if contract.convert(command, param_name, tok) != value:
            continue
        if i > 0:
            left = old[i - 1].lower()
            for j in range(1, len(new)):
                if lowered[j - 1] == left and lowered[j] != left:
                    converted = contract.convert(command, param_name, new[j])
                    if converted is not None:
                        return converted
        if i + 1 < len(old):
            right = old[i + 1].lower()
            for j in range(len(new) - 1):
                if lowered[j + 1] == right:
                    converted = contract.convert(command, param_name, new[j])
                    if converted is not None:
                        return converted
    return None


def _extract_list(request: str) -> str | None:
    for lead in LIST_LEAD.finditer(request):
        items = []
        for tok in re.split(r"[\s,]+", request[lead.end():]):
            tok = tok.strip(".!?:;\"'`")
            if not tok or tok.lower() in ("and", "&", "+"):
                continue
            if tok.lower() in LIST_STOP or not PACKAGE_RE.fullmatch(tok) or re.fullmatch(r"\d+(\.\d+)*", tok):
                break
            items.append(tok)
        if items:
            return ",".join(items)
    return None


def _extract(command, param, value, old_request, new_request, rare_words):
    """A value of the parameter's kind found in the new request, or None."""
    if param.kind == "N" and param.flag == "--days":
        days = duration_days(new_request)
        if days is not None:
            return days
    if param.kind == "LIST":
        return _extract_list(new_request)
    aligned = _aligned(command, param.name, value, old_request, new_request)
    if aligned is not None:
        return aligned
    new = tokens(new_request)
    if param.kind == "VERSION":
        match = VERSION_IN_TEXT.search(new_request)
        return (match.group(1) or match.group(2)) if match else None
    if param.kind == "N":
        numbers = [t for t in new if t.isdigit()]
        return int(numbers[0]) if numbers else None
    if param.kind in ("DIR", "FILE", "PATH"):
        paths = [t for t in new if "/" in t or t.startswith("~") or re.search(r"\.(txt|in|cfg|toml)$", t)]
        if param.kind == "FILE":
            paths.sort(key=lambda t: not re.search(r"\.(txt|in|cfg|toml)$", t))
        return contract.convert(command, param.name, paths[0]) if paths else None
    if param.kind == "NAME":
        for j in range(1, len(new)):
            if new[j - 1].lower() in NAME_LEAD and contract.convert(command, param.name, new[j]) is not None:
                return new[j]
        rare = [t for t in new if t.lower() in rare_words and contract.convert(command, param.name, t) is not None]
        return rare[-1] if rare else None  # names tend to come last: "details for api"
    return None


def _name(command: str | None) -> str | None:
    return command.split()[1] if command else None


class KnnPredictor:
    name = "knn"

    def __init__(self, train_path: Path = DEFAULT_TRAIN, k: int = KNN_K):
        self.train_path = Path(train_path)
        self.k = k
        self.train = []
        self.index = None
        self.common = set()

    def load(self) -> None:
        self.train = pairs(self.train_path)
        self.index = TfIdfIndex([request for request, _ in self.train])
        df = Counter(w for request, _ in self.train for w in {t.lower() for t in tokens(request)})
        self.common = {w for w, n in df.items() if n >= max(3, len(self.train) // 200)}

    def refill(self, old_request: str, old_command: str, request: str) -> str:
        """The neighbour's command with its values replaced by the new request's, where found."""
        parsed = contract.parse(old_command)
        spec = contract.commands()[parsed.command]
        params = dict(parsed.params)
        rare = {t.lower() for t in tokens(request)} - self.common
        for param in spec.params:
            value = params.get(param.name)
            if param.is_flag or param.kind == "CHOICE":
                continue
            if value is None or value == param.default:
                # a default is implicit in the neighbour's request; only a duration is filled in
                days = duration_days(request) if param.flag == "--days" else None
                if days is not None:
                    params[param.name] = days
                continue
            new = _extract(parsed.command, param, value, old_request, request, rare)
            if new is not None:
                params[param.name] = new
        filled = contract.Parsed(parsed.command, params).canonical()
        try:
            return contract.canonical(filled)
        except contract.ContractError:
            return contract.canonical(old_command)

    def predict(self, request: str) -> ParseResult:
        top = self.index.top(request, self.k)
        if not top:
            return ParseResult(request=request)
        # the k neighbours vote for a command name (weighted by similarity); the nearest
        # neighbour with the winning name gives the command's shape
        votes = defaultdict(float)
        for i, sim in top:
            votes[_name(self.train[i][1])] += sim
        winner = max(votes, key=votes.get)  # a tie goes to the name seen first, i.e. nearest
        i, similarity = next((i, sim) for i, sim in top if _name(self.train[i][1]) == winner)
        old_request, old_command = self.train[i]
        command = self.refill(old_request, old_command, request) if old_command else None
        return ParseResult(
            request=request, command=command, confidence=similarity, raw_score=similarity, answer=old_request
        )

    def size_bytes(self) -> dict:
        size = self.train_path.stat().st_size
        return {"model_file": str(self.train_path), "adapter": 0, "base": size, "total": size}

    def describe(self) -> str:
        return f"TF-IDF nearest neighbours (k={self.k} vote) over {len(self.train)} training requests, values re-filled"
