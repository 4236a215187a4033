"""One line describing the machine a benchmark ran on; every script prints it.

The line comes from the package (venvy.nl.eval.machine), so the benchmarks and the
evaluation report describe a machine the same way.
"""

from __future__ import annotations

import sys
from pathlib import Path

try:
    from venvy.nl.eval.machine import describe
except ImportError:  # run without PYTHONPATH=src: use this checkout's package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from venvy.nl.eval.machine import describe

__all__ = ["describe"]

if __name__ == "__main__":
    print(describe())
