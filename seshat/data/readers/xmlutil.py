"""XML parsing for the readers: a clear error for broken or unexpected XML, safe against entities."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from seshat.data.readers.base import ReaderContext, ReaderError


def parse(path: Path, ctx: ReaderContext, root_tag: str, what: str) -> ET.Element:
    """Parse ``path`` and check that its root element is ``root_tag``.

    Raises:
        ReaderError: Unreadable, not well-formed (line and column named), or another XML format.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReaderError(f"{ctx.rel(path)} cannot be read: {exc.strerror}.") from None
    if b"<!ENTITY" in data:
        raise ReaderError(
            f"{ctx.rel(path)} declares XML entities, which Seshat does not expand (safety).",
            "export the file again from its tool without a DOCTYPE",
        )
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line, column = exc.position
        raise ReaderError(
            f"{ctx.rel(path)}:{line}:{column} is not well-formed XML ({exc.msg if hasattr(exc, 'msg') else exc}).",
            "the file is truncated or damaged: export it again from its tool",
        ) from None
    if root.tag != root_tag:
        raise ReaderError(
            f"{ctx.rel(path)} is XML but not {what} (its root element is <{root.tag}>, not <{root_tag}>).",
            f"check `format` of source {ctx.source_id!r} in seshat.yaml",
        )
    return root


def text_of(element: ET.Element | None) -> str | None:
    """All text inside ``element``, whitespace collapsed; None when empty."""
    if element is None:
        return None
    joined = " ".join("".join(element.itertext()).split())
    return joined or None
