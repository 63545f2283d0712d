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

# Local Contexts labels that close a source: a label whose name contains the key raises the
# source's level to at least the value (docs/access.md). Labels are text for people; this is
# Seshat's reading of them, applied the cautious way; a project can close further, not open.
LABEL_LEVELS: dict[str, str] = {
    "secret / sacred": "sacred",
    "secret/sacred": "sacred",
    "sacred": "sacred",
    "men restricted": "restricted",
    "women restricted": "restricted",
    "culturally sensitive": "restricted",
    "seasonal": "restricted",
    "community use only": "community",
    "non-verified": "community",
    "verified": "community",
    "non-commercial": "community",
}

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
