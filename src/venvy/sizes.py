"""Disk usage of a folder tree, the way `du` counts it.

os.scandir + lstat (symlinks are counted as links, never followed), hard links
counted once by (device, inode), allocated blocks (st_blocks * 512) summed.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_HAS_BLOCKS = hasattr(os.stat_result, "st_blocks")


def _allocated(st: os.stat_result) -> int:
    return st.st_blocks * 512 if _HAS_BLOCKS else st.st_size


def tree_size(root: str | Path) -> int:
    """Bytes allocated on disk for `root` and everything beneath it (0 when it is gone)."""
    try:
        total = _allocated(os.lstat(root))
    except OSError:
        return 0
    seen: set[tuple[int, int]] = set()
    stack = [os.fspath(root)]
    push, pop, is_dir = stack.append, stack.pop, stat.S_ISDIR
    while stack:
        try:
            entries = os.scandir(pop())
        except OSError:
            continue
        with entries:
            for entry in entries:
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if is_dir(st.st_mode):
                    push(entry.path)
                elif st.st_nlink > 1:  # a hard link: count its blocks once
                    key = (st.st_dev, st.st_ino)
                    if key in seen:
                        continue
                    seen.add(key)
                total += _allocated(st)
    return total
