"""`general.type` of a GGUF file ("model" or "adapter"), read from its header alone.

Model resolution uses it to tell a complete model from a LoRA adapter without
importing llama_cpp or the gguf package (neither is needed to run `venvy -w --print`
on a folder with a manifest, and gguf is a training dependency).
"""

from __future__ import annotations

import struct
from pathlib import Path

# byte sizes of the fixed-size GGUF value types (uint8 ... float64)
SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
STRING, ARRAY = 8, 9


def gguf_type(path: Path) -> str | None:
    """general.type of a GGUF file ("model", "adapter") read from its header, or None."""
    try:
        with open(path, "rb") as fh:
            if fh.read(4) != b"GGUF":
                return None
            version, _n_tensors, n_kv = struct.unpack("<IQQ", fh.read(20))
            if version < 2:
                return None

            def read_str() -> bytes:
                (n,) = struct.unpack("<Q", fh.read(8))
                return fh.read(n)

            def skip(vtype: int) -> None:
                if vtype in SIZES:
                    fh.seek(SIZES[vtype], 1)
                elif vtype == STRING:
                    read_str()
                elif vtype == ARRAY:
                    (item_type,) = struct.unpack("<I", fh.read(4))
                    (count,) = struct.unpack("<Q", fh.read(8))
                    if item_type in SIZES:
                        fh.seek(SIZES[item_type] * count, 1)
                    else:
                        for _ in range(count):
                            skip(item_type)
                else:
                    raise ValueError(vtype)

            for _ in range(min(n_kv, 10_000)):
                key = read_str()
                (vtype,) = struct.unpack("<I", fh.read(4))
                if key == b"general.type" and vtype == STRING:
                    return read_str().decode("utf-8", "replace")
                skip(vtype)
    except (OSError, ValueError, struct.error):
        return None
    return None
