"""A ``Segment``: one record of the corpus, with everything that must survive every stage.

Stages add to a segment (flags, normalised text), never drop its metadata. Plain dataclasses with
slots keep a million-record stream fast; :func:`Segment.from_dict` validates what it reads.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from seshat.kinds import LEVELS, RECORD_KINDS

KINDS = RECORD_KINDS


class SegmentError(ValueError):
    """A stored record that is not a valid segment."""


@dataclass(slots=True)
class Provenance:
    """Where a segment comes from.

    Attributes:
        source: The source id from ``seshat.yaml``.
        file: File path relative to the project.
        line: 1-based line of the record's start, when the format has lines.
        page: 1-based page (PDF, scans).
        start_ms: Start of the time span (audio, ELAN).
        end_ms: End of the time span.
        record: The record's own id in its file (Toolbox ref, entry guid, annotation id).
    """

    source: str
    file: str
    line: int | None = None
    page: int | None = None
    start_ms: int | None = None
    end_ms: int | None = None
    record: str | None = None


@dataclass(slots=True)
class Flag:
    """A cleaning finding: the rule that fired and why. Flagged records are kept, never dropped."""

    rule: str
    reason: str


@dataclass(slots=True)
class Segment:
    """One record: target-language text, its translation and what is known about it.

    Attributes:
        kind: One of :data:`KINDS`.
        text: Target-language text (the headword, for a dictionary entry).
        provenance: Where it comes from.
        translation: Source-language translation.
        gloss: Morpheme glosses (IGT), aligned with ``morphemes``.
        morphemes: Morpheme breakdown.
        pos: Part of speech.
        definition: Definition (dictionary entries), in the source language.
        document: Group key kept whole within one split (document, text or entry id).
        speaker: Speaker metadata (id, name, role, dialect, ...).
        context: Other metadata (place, date, domain, genre, ...).
        access: Access level, one of :data:`LEVELS`.
        communities: Communities that own the material.
        license: Licence of the source.
        flags: Cleaning findings.
        id: Content hash, filled in on creation.
    """

    kind: str
    text: str
    provenance: Provenance
    translation: str | None = None
    gloss: str | None = None
    morphemes: str | None = None
    pos: str | None = None
    definition: str | None = None
    document: str | None = None
    speaker: dict[str, str] = field(default_factory=dict)
    context: dict[str, str] = field(default_factory=dict)
    access: str = "community"
    communities: list[str] = field(default_factory=list)
    license: str | None = None
    flags: list[Flag] = field(default_factory=list)
    id: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            self.id = self.content_id()

    def content_id(self) -> str:
        """A hash of the content and where it is: the same record read twice gets the same id."""
        p = self.provenance
        key = "\x1f".join(
            str(v)
            for v in (
                self.kind,
                self.text,
                self.translation,
                self.gloss,
                self.morphemes,
                self.pos,
                self.definition,
                p.source,
                p.file,
                p.line,
                p.page,
                p.start_ms,
                p.record,
            )
        )
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]

    def as_dict(self) -> dict[str, Any]:
        """Every field as plain data, empty ones included (what templates see)."""
        p = self.provenance
        return {
            "id": self.id,
            "kind": self.kind,
            "text": self.text,
            "translation": self.translation,
            "gloss": self.gloss,
            "morphemes": self.morphemes,
            "pos": self.pos,
            "definition": self.definition,
            "document": self.document,
            "provenance": {
                "source": p.source,
                "file": p.file,
                "line": p.line,
                "page": p.page,
                "start_ms": p.start_ms,
                "end_ms": p.end_ms,
                "record": p.record,
            },
            "speaker": dict(self.speaker),
            "context": dict(self.context),
            "access": self.access,
            "communities": list(self.communities),
            "license": self.license,
            "flags": [{"rule": f.rule, "reason": f.reason} for f in self.flags],
        }

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with empty optional fields left out."""
        data = self.as_dict()
        data["provenance"] = {k: v for k, v in data["provenance"].items() if v is not None}
        return {
            k: v
            for k, v in data.items()
            if (v is not None and v != [] and v != {}) or k in ("text", "flags")
        }

    def to_json(self) -> str:
        """One JSONL line (no newline), keys in a stable order for byte-identical outputs."""
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Segment:
        """Build a segment from its stored form.

        Raises:
            SegmentError: Missing or wrongly typed required fields, unknown kind or level.
        """
        try:
            provenance = Provenance(**data["provenance"])
            flags = [Flag(**f) for f in data.get("flags", [])]
            fields = {k: v for k, v in data.items() if k not in ("provenance", "flags")}
            segment = cls(provenance=provenance, flags=flags, **fields)
        except (KeyError, TypeError) as exc:
            raise SegmentError(f"not a segment: {exc}") from None
        if segment.kind not in KINDS:
            raise SegmentError(f"unknown kind {segment.kind!r} (known: {', '.join(KINDS)})")
        if segment.access not in LEVELS:
            raise SegmentError(f"unknown access level {segment.access!r}")
        if not isinstance(segment.text, str):
            raise SegmentError("text must be a string")
        return segment

    def flag(self, rule: str, reason: str) -> None:
        """Add a finding (once per rule)."""
        if all(f.rule != rule for f in self.flags):
            self.flags.append(Flag(rule, reason))
