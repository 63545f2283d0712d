"""The one list of each kind of thing a project names: access levels and source formats.

Everything else (the config's types, the readers' table, the access gate's order, the scaffold's
comments, ``seshat config schema``) reads these; nothing repeats them.
"""

from __future__ import annotations

from enum import StrEnum


class AccessLevel(StrEnum):
    """How widely a source may be shared, from open to closed."""

    public = "public"
    community = "community"
    restricted = "restricted"
    sacred = "sacred"


class SourceFormat(StrEnum):
    """Input formats the readers understand."""

    plain = "plain"
    parallel = "parallel"
    tsv = "tsv"
    csv = "csv"
    toolbox = "toolbox"
    lift = "lift"
    flextext = "flextext"
    elan = "elan"
    pdf = "pdf"
    image = "image"
    audio = "audio"
    cldf = "cldf"
    xigt = "xigt"
    paradigm = "paradigm"


# kinds of record a reader produces (``Segment.kind``)
RECORD_KINDS: tuple[str, ...] = (
    "sentence",
    "dictionary_entry",
    "example",
    "igt",
    "transcript",
    "text",
    "wordlist",
    "inflection",
)

# access levels from open to closed (the gate's order)
LEVELS: tuple[str, ...] = tuple(level.value for level in AccessLevel)
