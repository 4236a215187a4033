"""The three file chores every part of nl/ shares: atomic writes, JSONL reading, sha256.

One helper each, so that every file venvy writes has the same permissions (those of
a normal file: 0o666 less the umask) and no reader or hasher drifts from the others.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Callable

CHUNK = 1 << 20


def atomic_write(path: str | os.PathLike, content: str | bytes | Callable[[Path], object]) -> Path:
    """Write `content` to `path` through a temp file in the same folder, renamed into place,
    so a reader never sees half a file. `content` is text (UTF-8), bytes, or a function
    that writes the temp file given its path (for writers that want a file name, such as
    gguf or llama.cpp). The file gets a normal file's mode (0o666 less the umask), not
    mkstemp's 0o600. A function that returns False means "nothing written": the temp file
    is removed and `path` is left as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        if callable(content):
            os.close(fd)
            if content(tmp) is False:
                return path
        else:
            data = content.encode("utf-8") if isinstance(content, str) else content
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def current_umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def read_jsonl(path: str | os.PathLike) -> list[dict]:
    """The JSON objects of a JSONL file, one per non-blank line; a bad line is a ValueError
    that names the file and line."""
    records = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not JSON ({exc})") from None
            if not isinstance(record, dict):
                raise ValueError(f"{path}:{number}: not a JSON object")
            records.append(record)
    return records


def sha256(path: str | os.PathLike, chunk: int = CHUNK) -> str:
    """Hex sha256 of a file, read in chunks (model files are hundreds of MB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()
