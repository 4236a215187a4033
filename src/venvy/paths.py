"""Where venvy keeps its data, and where other tools keep theirs.

Everything is read at call time, never cached at import, so a test (or a user)
can point $VENVY_HOME, $HOME or $PYENV_ROOT elsewhere between two calls.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path


def home_text() -> str:
    """The data root as a string (no pathlib: `venvy ls` stays light)."""
    value = os.environ.get("VENVY_HOME")
    return os.path.expanduser(value) if value else os.path.join(os.path.expanduser("~"), ".venvy")


def home() -> Path:
    """The data root: $VENVY_HOME, default ~/.venvy."""
    from pathlib import Path

    return Path(home_text())


def registry_db_text() -> str:
    return os.path.join(home_text(), "registry.db")


def registry_db() -> Path:
    from pathlib import Path

    return Path(registry_db_text())


def envs_dir() -> Path:
    return home() / "envs"


def models_dir() -> Path:
    return home() / "models"


def pyenv_root() -> Path:
    from pathlib import Path

    value = os.environ.get("PYENV_ROOT")
    return Path(value).expanduser() if value else Path.home() / ".pyenv"


def poetry_venv_dirs() -> list[Path]:
    """Folders where poetry keeps the venvs it makes."""
    from pathlib import Path

    found = []
    if os.environ.get("POETRY_VIRTUALENVS_PATH"):
        found.append(Path(os.environ["POETRY_VIRTUALENVS_PATH"]).expanduser())
    if os.environ.get("POETRY_CACHE_DIR"):
        found.append(Path(os.environ["POETRY_CACHE_DIR"]).expanduser() / "virtualenvs")
    cache = os.environ.get("XDG_CACHE_HOME")
    found.append((Path(cache) if cache else Path.home() / ".cache") / "pypoetry" / "virtualenvs")
    if sys.platform == "darwin":  # pragma: no cover - platform specific
        found.append(Path.home() / "Library" / "Caches" / "pypoetry" / "virtualenvs")
    return found


def pipenv_venv_dirs() -> list[Path]:
    """Folders where pipenv (and virtualenvwrapper's $WORKON_HOME) keep venvs."""
    from pathlib import Path

    data = os.environ.get("XDG_DATA_HOME")
    found = [(Path(data) if data else Path.home() / ".local" / "share") / "virtualenvs"]
    return found


def well_known_venv_dirs() -> list[Path]:
    """Folders that hold venvs one level down: checked by `scan --home` even when deeper than --depth."""
    from pathlib import Path

    home_dir = Path.home()
    found = [envs_dir(), home_dir / ".virtualenvs", *pipenv_venv_dirs(), *poetry_venv_dirs()]
    if os.environ.get("WORKON_HOME"):
        found.append(Path(os.environ["WORKON_HOME"]).expanduser())
    found.append(pyenv_root() / "versions")  # pyenv-virtualenv envs live beside the versions
    found.append(home_dir / ".conda" / "envs")
    for base in ("miniconda3", "anaconda3", "miniforge3", "mambaforge", "micromamba", ".mamba"):
        found.append(home_dir / base / "envs")
    unique: list[Path] = []
    for path in found:
        if path not in unique:
            unique.append(path)
    return unique
