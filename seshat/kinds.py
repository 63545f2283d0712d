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
    reviews = "reviews"


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

# Local Contexts labels that close a source: a label whose name (or Hub ``label_type``) holds the
# key raises the source's level to at least the value (docs/access.md). Labels are text for people;
# this is Seshat's reading of them, applied the cautious way; a project can close further, not
# open. Keys are compared as words, case and punctuation aside: "TK Secret / Sacred" and the
# Hub's type "secret_sacred" hold "sacred"; "TK Non-Verified" and "BC Consent Verified" hold
# "verified"; "BC Non-Commercial (BC NC)" and "non_commercial" hold "non commercial".
LABEL_LEVELS: dict[str, str] = {
    "sacred": "sacred",
    "men restricted": "restricted",
    "women restricted": "restricted",
    "culturally sensitive": "restricted",
    "seasonal": "restricted",
    "community use only": "community",
    "verified": "community",
    "non commercial": "community",
}


def _words(text: str) -> str:
    """``text`` as lower-case words split by single spaces (punctuation and ``_`` are spaces)."""
    return " ".join("".join(c if c.isalnum() else " " for c in text.casefold()).split())


def label_level(*names: str | None) -> str | None:
    """The most closed level that a label's name or type asks (``LABEL_LEVELS``), or None.

    Args:
        names: The label's name, and its Hub ``label_type`` when known (either may be None).
    """
    found = [
        level
        for name in names
        if name
        for key, level in LABEL_LEVELS.items()
        if f" {key} " in f" {_words(name)} "
    ]
    return max(found, key=LEVELS.index) if found else None


# access levels from open to closed (the gate's order)
LEVELS: tuple[str, ...] = tuple(level.value for level in AccessLevel)
