"""Disk usage of a folder tree, the way `du` counts it.

os.scandir + lstat (symlinks are counted as links, never followed), hard links
counted once by (device, inode), allocated blocks (st_blocks * 512) summed.
"""

from __future__ import annotations

import os
from pathlib import Path


def _allocated(st: os.stat_result) -> int:
    blocks = getattr(st, "st_blocks", None)
    return blocks * 512 if blocks is not None else st.st_size


def tree_size(root: str | Path) -> int:
    """Bytes allocated on disk for `root` and everything beneath it (0 when it is gone)."""
    try:
        top = os.lstat(root)
    except OSError:
        return 0
    total = _allocated(top)
    seen: set[tuple[int, int]] = set()
    stack = [os.fspath(root)]
    while stack:
        try:
            entries = os.scandir(stack.pop())
        except OSError:
            continue
        with entries:
            for entry in entries:
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                is_dir = entry.is_dir(follow_symlinks=False)
                if st.st_nlink > 1 and not is_dir:
                    key = (st.st_dev, st.st_ino)
                    if key in seen:
                        continue
                    seen.add(key)
                total += _allocated(st)
                if is_dir:
                    stack.append(entry.path)
    return total
