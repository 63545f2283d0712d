"""What every reader needs: the source's metadata, text decoding with clear errors, segment helpers."""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seshat.corpus.segment import Provenance, Segment
from seshat.errors import SeshatError
from seshat.kinds import LEVELS
from seshat.langcodes import is_language


class ReaderError(SeshatError):
    """A source file that cannot be read: the message names the file and line."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message, hint)


@dataclass(frozen=True)
class ReaderContext:
    """The source being read and the languages of the project.

    Attributes:
        root: The project folder (provenance paths are relative to it).
        source_id: The source's id.
        access: Its access level.
        communities: Communities that own it.
        license: Its licence.
        options: Reader options from ``seshat.yaml``.
        target_codes: Codes that name the target language in files (``lang`` attributes...).
        translation_codes: Codes that name the source (translation) language.
        target_name: The target language's name.
        translation_name: The source language's name.
        record_access: Per-record levels that override ``access`` (keys: the record's own id,
            ``file:line``, or the segment id).
        floor: The most open level the source's Local Contexts labels allow (None: no label).
        left_out: What the reader did not read, counted by reason (for the ingest receipt).
        languages: Gloss and translation fields found, counted by ``field:language``.
    """

    root: Path
    source_id: str
    access: str = "community"
    communities: list[str] = field(default_factory=list)
    license: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    target_codes: tuple[str, ...] = ()
    translation_codes: tuple[str, ...] = ()
    target_name: str = ""
    translation_name: str = ""
    record_access: dict[str, str] = field(default_factory=dict)
    floor: str | None = None
    matched_access_keys: set[str] = field(default_factory=set)
    left_out: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)

    def leave_out(self, what: str, count: int = 1) -> None:
        """Count something of the source that is not read, and why (the ingest receipt says it)."""
        if count:
            self.left_out[what] += count

    def is_source_language(self, code: str | None) -> bool:
        """Whether ``code`` (ISO 639-1 or -3, any case) names the project's source language.

        With no source language known (a reader used on its own), every language is taken.
        """
        return not self.translation_codes or is_language(code, self.translation_codes)

    def saw_language(self, field_name: str, code: str, count: int = 1) -> None:
        """Count a gloss/translation field found in language ``code`` (read or not)."""
        self.languages[f"{field_name}:{code}"] += count

    def rel(self, path: Path) -> str:
        """``path`` relative to the project when inside it."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)

    def segment(self, path: Path, kind: str, text: str, **fields: Any) -> Segment:
        """A segment of this source, with provenance and access filled in.

        ``fields`` may hold ``line``, ``page``, ``start_ms``, ``end_ms`` and ``record`` (for the
        provenance) and any segment field.
        """
        where = {
            k: fields.pop(k)
            for k in ("line", "page", "start_ms", "end_ms", "record")
            if k in fields
        }
        segment = Segment(
            kind=kind,
            text=text,
            provenance=Provenance(source=self.source_id, file=self.rel(path), **where),
            access=self.access,
            communities=list(self.communities),
            license=self.license,
            **fields,
        )
        if self.record_access:
            p = segment.provenance
            for key in (p.record, f"{p.file}:{p.line}", segment.id):
                if key in self.record_access:
                    wanted = self.record_access[key]
                    # a record's own level may close it further, never below the labels' floor
                    if self.floor is not None and LEVELS.index(wanted) < LEVELS.index(self.floor):
                        wanted = self.floor
                    segment.access = wanted
                    self.matched_access_keys.add(key)
                    break
        return segment

    def option(self, name: str, default: Any = None) -> Any:
        """A reader option, or ``default``."""
        return self.options.get(name, default)


def read_text(path: Path, ctx: ReaderContext) -> str:
    """The file's text: UTF-8 (a BOM is dropped) unless ``options.encoding`` says otherwise.

    Line ends become LF; the text is NFC-normalised (the cleaning stage reports NFD input).

    Raises:
        ReaderError: Missing file, or bytes that are not valid in the encoding (line and byte named).
    """
    encoding = ctx.option("encoding", "utf-8-sig")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ReaderError(
            f"{ctx.rel(path)} cannot be read: {exc.strerror}.",
            f"check `path` of source {ctx.source_id!r} in seshat.yaml",
        ) from None
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ReaderError(
            f"{ctx.rel(path)}:{line} is not valid {encoding}: byte {raw[exc.start]:#04x} at offset "
            f"{exc.start}.",
            "convert the file to UTF-8 (e.g. `iconv -f latin1 -t utf-8`), or set "
            f"`options.encoding` of source {ctx.source_id!r} (e.g. latin-1, cp1252)",
        ) from None
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def clean(value: str | None) -> str | None:
    """Collapse inner whitespace; empty becomes None."""
    if value is None:
        return None
    collapsed = " ".join(value.split())
    return collapsed or None
