"""The request around the model: make arbitrary input safe to prompt with, and check the
values of the answer against what the request actually says."""

from __future__ import annotations

import re
import unicodedata

from venvy.nl import contract

SPECIAL_TEXT = re.compile(r"<\|[A-Za-z0-9_]{1,40}\|>")


def clean_request(text: str) -> tuple[str, list[str]]:
    """Make arbitrary input safe to put in the prompt: valid UTF-8, no control
    characters, no chat-template markers, single spaces. Returns (text, warnings)."""
    warnings = []
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if any("\udc80" <= ch <= "\udcff" for ch in text):  # bytes that were not UTF-8 (surrogateescape)
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        warnings.append("the request had bytes that are not UTF-8; they were replaced by \ufffd.")
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates of other origins
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r ")
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)
    if controls:
        warnings.append(f"{controls} control character(s) in the request were replaced by spaces.")
    if SPECIAL_TEXT.search(text):
        text = SPECIAL_TEXT.sub(" ", text)
        warnings.append("chat-template markers like <|im_end|> were removed from the request.")
    return " ".join(text.split()), warnings


def registered_names() -> set[str] | None:
    """Names in the registry, or None when there is no registry to read (never creates one)."""
    from venvy import paths

    if not paths.registry_db().is_file():
        return set()
    try:
        from venvy.registry import open_registry

        with open_registry() as registry:
            return {record.name for record in registry.all()}
    except Exception:  # noqa: BLE001 - a warning helper must never break parsing
        return None


def value_warnings(command: str, request: str) -> list[str]:
    """Warnings for values the request does not support: a venv name that is neither in
    the request nor registered, a path or package the request never mentions."""
    parsed = contract.parse(command)
    spec = contract.commands()[parsed.command]
    lowered = request.lower()
    warnings = []
    names = None
    for p in spec.params:
        value = parsed.params.get(p.name)
        if value is None or p.is_flag or value == p.default:
            continue
        text = str(value)
        if p.kind == "NAME":
            if text.lower() in lowered:
                continue
            if names is None:
                names = registered_names()
            if names and text in names:
                continue
            where = " and no venv is registered under it" if names is not None else ""
            warnings.append(f"the name {text!r} is not in your request{where}: check it.")
        elif p.kind in ("DIR", "FILE", "PATH") and text.lower() not in lowered:
            warnings.append(f"the path {text!r} is not in your request: check it.")
        elif p.kind == "LIST":
            missing = [pkg for pkg in text.split(",") if re.split(r"[=<>!~\[]", pkg)[0].lower() not in lowered]
            if missing:
                warnings.append(f"package(s) {', '.join(missing)} are not in your request: check them.")
    return warnings
