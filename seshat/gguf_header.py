"""Read a GGUF file's header metadata in plain Python (no llama.cpp, no numpy).

Enough to name a file's architecture and quantization type in an error message or a check,
from any environment. Arrays are skipped, not kept; tensors are never read.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any, BinaryIO

MAGIC = b"GGUF"
# llama.h's llama_ftype: general.file_type -> the name quantize and file names use
FILE_TYPES = {
    0: "F32",
    1: "F16",
    2: "Q4_0",
    3: "Q4_1",
    7: "Q8_0",
    8: "Q5_0",
    9: "Q5_1",
    10: "Q2_K",
    11: "Q3_K_S",
    12: "Q3_K_M",
    13: "Q3_K_L",
    14: "Q4_K_S",
    15: "Q4_K_M",
    16: "Q5_K_S",
    17: "Q5_K_M",
    18: "Q6_K",
    25: "IQ4_NL",
    30: "IQ4_XS",
    32: "BF16",
}
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q"}
_SCALARS |= {11: "<q", 12: "<d"}
STRING, ARRAY = 8, 9


class GGUFHeaderError(ValueError):
    """The file is not a GGUF file, or its header is cut short."""


def _read(handle: BinaryIO, fmt: str) -> Any:
    size = struct.calcsize(fmt)
    data = handle.read(size)
    if len(data) != size:
        raise GGUFHeaderError("the header ends early")
    return struct.unpack(fmt, data)[0]


def _string(handle: BinaryIO) -> str:
    length = _read(handle, "<Q")
    here = handle.tell()
    end = handle.seek(0, 2)
    handle.seek(here)
    if length > end - here:  # a damaged or hostile length: never allocate it
        raise GGUFHeaderError(f"a string of {length} bytes runs past the end of the file")
    data = handle.read(length)
    if len(data) != length:
        raise GGUFHeaderError("the header ends early")
    return data.decode("utf-8", "replace")


def _value(handle: BinaryIO, kind: int, keep: bool) -> Any:
    if kind == STRING:
        return _string(handle)
    if kind == ARRAY:
        item, count = _read(handle, "<I"), _read(handle, "<Q")
        if item in _SCALARS:
            handle.seek(struct.calcsize(_SCALARS[item]) * count, 1)
        else:
            for _ in range(count):
                _value(handle, item, False)
        return None
    if kind not in _SCALARS:
        raise GGUFHeaderError(f"unknown value type {kind}")
    value = _read(handle, _SCALARS[kind])
    return value if keep else None


def read_metadata(path: Path, keys: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The header's scalar and string values (all, or only ``keys``); arrays are left out.

    Raises:
        GGUFHeaderError: Not a GGUF file, or a damaged header.
        OSError: The file cannot be read.
    """
    found: dict[str, Any] = {}
    with open(path, "rb") as handle:
        if handle.read(4) != MAGIC:
            raise GGUFHeaderError(f"{path} does not start with the GGUF magic bytes")
        version = _read(handle, "<I")
        if version < 2:
            raise GGUFHeaderError(f"{path} is GGUF version {version}; only 2 and newer are read")
        _read(handle, "<Q")  # tensor count
        entries = _read(handle, "<Q")
        for _ in range(entries):
            key = _string(handle)
            kind = _read(handle, "<I")
            value = _value(handle, kind, keys is None or key in keys)
            if value is not None and (keys is None or key in keys):
                found[key] = value
            if keys is not None and all(k in found for k in keys):
                break
    return found


def describe(path: Path) -> str:
    """``"Q8_0, llama"`` for a GGUF file, or why it cannot be read (for error messages)."""
    try:
        meta = read_metadata(path, ("general.file_type", "general.architecture"))
    except (OSError, GGUFHeaderError) as exc:
        return f"header unreadable: {exc}"
    kind = meta.get("general.file_type")
    name = FILE_TYPES.get(kind, f"file type {kind}") if kind is not None else "type not recorded"
    return f"{name}, {meta.get('general.architecture', 'architecture not recorded')}"
