"""The one list of each kind of thing a project names: access levels, source formats, torch builds.

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


class Flavour(StrEnum):
    """Torch builds a trainer env is made for: ``seshat backend install NAME --device FLAVOUR``.

    Each has its requirement file (``<env>-<flavour>.txt``) and its own venv.
    """

    cpu = "cpu"
    # PyTorch's ROCm wheels; on Strix Halo (gfx1151) with HSA_OVERRIDE_GFX_VERSION where they lack it
    rocm = "rocm"
    # AMD's wheels built for gfx1151 (ROCm 7 nightlies): Strix Halo natively, no override
    rocm_gfx1151 = "rocm-gfx1151"
    cuda = "cuda"


# the device each torch build runs on (cpu, rocm or cuda: what a profile's `device` names)
FLAVOUR_DEVICE: dict[str, str] = {
    Flavour.cpu: "cpu",
    Flavour.rocm: "rocm",
    Flavour.rocm_gfx1151: "rocm",
    Flavour.cuda: "cuda",
}
# GPU builds first: where Seshat looks for a trainer env that can see a GPU
FLAVOURS_GPU_FIRST: tuple[str, ...] = (
    *(f.value for f in Flavour if FLAVOUR_DEVICE[f] != "cpu"),
    Flavour.cpu.value,
)
