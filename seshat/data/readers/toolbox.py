r"""Toolbox/Shoebox standard format (SFM): MDF dictionaries and interlinear texts.

A record starts at the record marker (``\lx`` for a dictionary, ``\ref`` for interlinear text;
detected, or ``options.record_marker``). Interlinear tiers wrapped over several line groups are
joined. Dictionary fields follow MDF: ``\ps`` starts a sense, ``\ge``/``\gn`` gloss it (English /
national language), ``\de``/``\dn`` define it, ``\xv`` starts an example translated by
``\xe``/``\xn``, ``\se`` starts a subentry. ``options.translation`` picks the national (``\gn
\dn \xn``, the default when present) or English (``\ge \de \xe``) fields; ``options.markers``
renames any marker, e.g. ``{tx: t, ft: f}``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from seshat.corpus.segment import Segment
from seshat.data.readers.base import ReaderContext, ReaderError, clean, read_text

_FIELD = re.compile(r"^\\([A-Za-z_][\w-]*)\s?(.*)$")
_IGT = {"tx", "mb", "ge", "ps", "ft"}


@dataclass
class Record:
    """One SFM record: its fields in order, with the line each starts on."""

    line: int
    text_id: str | None = None
    fields: list[tuple[str, str, int]] = field(default_factory=list)

    def first(self, marker: str) -> str | None:
        """The first value of ``marker``."""
        return next((clean(v) for m, v, _ in self.fields if m == marker), None)


def records(path: Path, ctx: ReaderContext) -> tuple[str, list[Record]]:
    r"""Split the file into records (each knows the ``\id`` of the text it is in).

    Raises:
        ReaderError: No record marker anywhere in the file.
    """
    rename = {v: k for k, v in (ctx.option("markers") or {}).items()}
    lines = read_text(path, ctx).split("\n")
    parsed: list[tuple[str, str, int]] = []
    for number, line in enumerate(lines, 1):
        match = _FIELD.match(line)
        if match:
            marker = rename.get(match.group(1), match.group(1))
            parsed.append((marker, match.group(2), number))
        elif line.strip() and parsed:
            marker, value, start = parsed[-1]
            parsed[-1] = (marker, f"{value}\n{line}", start)
    markers = {m for m, _, _ in parsed}
    marker = ctx.option("record_marker") or (
        "lx" if "lx" in markers else "ref" if "ref" in markers else None
    )
    if marker is None or marker not in markers:
        raise ReaderError(
            f"{ctx.rel(path)} has no record marker (neither \\lx nor \\ref"
            f"{', nor ' + chr(92) + marker if marker else ''}).",
            f"set `options.record_marker` of source {ctx.source_id!r} to the marker that starts "
            "each record",
        )
    found: list[Record] = []
    text_id = None
    for item in parsed:
        if item[0] == "id" and marker != "id":
            text_id = clean(item[1])
            continue
        if item[0] == marker:
            found.append(Record(item[2], text_id))
        if found:
            found[-1].fields.append(item)
    return marker, found


def read(path: Path, ctx: ReaderContext) -> Iterator[Segment]:
    r"""Interlinear segments (``\ref`` records) or dictionary entries and examples (``\lx``)."""
    marker, found = records(path, ctx)
    for record in found:
        if marker == "lx":
            yield from _entry(path, ctx, record)
        else:
            yield from _interlinear(path, ctx, record, marker)


def leipzig(tokens: list[str]) -> list[str]:
    """Join Toolbox's separate affix tokens into Leipzig-style words.

    ``samuel -we`` -> ``samuel-we``, ``m- iasa -ne`` -> ``m-iasa-ne``, ``wa - mea`` -> ``wa-mea``;
    the morpheme and gloss tiers align token by token, so they stay aligned word by word.
    """
    words: list[str] = []
    for token in tokens:
        if token == "-":
            if words:
                words[-1] += "-"
            continue
        if words and (token.startswith("-") or words[-1].endswith("-")):
            words[-1] = f"{words[-1].rstrip('-')}-{token.lstrip('-')}"
        else:
            words.append(token)
    return words


def _interlinear(path: Path, ctx: ReaderContext, record: Record, marker: str) -> Iterator[Segment]:
    tiers: dict[str, list[str]] = {}
    for name, value, _line in record.fields:
        if name in _IGT:
            tiers.setdefault(name, []).append(" ".join(value.split()))
    text = clean(" ".join(tiers.get("tx", [])))
    if not text:
        return
    ref = record.first(marker) or str(record.line)
    document = record.text_id or ctx.rel(path)
    yield ctx.segment(
        path,
        "igt",
        text,
        translation=clean(" ".join(tiers.get("ft", []))),
        morphemes=clean(" ".join(leipzig(" ".join(tiers.get("mb", [])).split()))),
        gloss=clean(" ".join(leipzig(" ".join(tiers.get("ge", [])).split()))),
        pos=clean(" ".join(leipzig(" ".join(tiers.get("ps", [])).split()))),
        line=record.line,
        record=ref,
        document=document,
    )


def _entry(path: Path, ctx: ReaderContext, record: Record) -> Iterator[Segment]:
    national = {m for m, _, _ in record.fields} & {"gn", "dn", "xn"}
    wanted = ctx.option("translation", "national" if national else "english")
    gloss_m, def_m, ex_m = ("gn", "dn", "xn") if wanted == "national" else ("ge", "de", "xe")
    main = record.first("lx") or ""
    headword, pos = main, None
    sense: dict[str, str | None] = {}
    example: dict[str, str | int | None] = {}

    def sense_segment() -> Iterator[Segment]:
        if headword and (sense.get("translation") or sense.get("definition")):
            yield ctx.segment(
                path,
                "dictionary_entry",
                headword,
                translation=sense.get("translation"),
                definition=sense.get("definition"),
                pos=pos,
                line=int(sense.get("line") or record.line),
                record=main,
                document=main,
            )

    def example_segment() -> Iterator[Segment]:
        if example.get("text"):
            yield ctx.segment(
                path,
                "example",
                str(example["text"]),
                translation=example.get("translation"),  # type: ignore[arg-type]
                line=int(example.get("line") or record.line),
                record=main,
                document=main,
                context={"headword": headword},
            )

    for name, raw, line in record.fields:
        value = clean(raw)
        if name in ("se", "ps") or name == "lx":
            yield from example_segment()
            example = {}
            yield from sense_segment()
            sense = {}
            if name == "se":
                headword, pos = value or headword, None
            elif name == "ps":
                pos = value
        elif name == gloss_m:
            sense.setdefault("line", str(line))
            sense["translation"] = "; ".join(filter(None, [sense.get("translation"), value]))
        elif name == def_m:
            sense.setdefault("line", str(line))
            sense["definition"] = value
        elif name == "xv":
            yield from example_segment()
            example = {"text": value, "line": line}
        elif name == ex_m and example:
            example["translation"] = value
    yield from example_segment()
    yield from sense_segment()
