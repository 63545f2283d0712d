r"""Toolbox/Shoebox standard format (SFM): MDF dictionaries and interlinear texts.

A record starts at the record marker (``\lx`` for a dictionary, ``\ref`` for interlinear text;
detected, or ``options.record_marker``). Interlinear tiers wrapped over several line groups are
joined. Dictionary fields follow MDF: ``\ps`` starts a sense, ``\ge``/``\gn`` gloss it (English /
national language), ``\de``/``\dn`` define it, ``\xv`` starts an example translated by
``\xe``/``\xn``, ``\se`` starts a subentry. Only glosses and translations in the project's source
language are used: ``\ge \de \xe`` are English, ``\gn \dn \xn`` and ``\ft`` are taken as the
source language unless ``options.marker_languages`` says otherwise (e.g. ``{gn: fr}``);
``options.translation`` forces the national or English group. ``options.markers`` maps standard
markers to the file's own, e.g. ``{tx: t, ft: f}``. Markers not used are counted in the receipt.
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
_MDF = {"lx", "ps", "ge", "gn", "de", "dn", "xv", "xe", "xn", "se"}
_ENGLISH = {"ge", "de", "xe"}


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
    mapping = ctx.option("markers") or {}
    rename = {v: k for k, v in mapping.items()}
    # a standard marker mapped to another of the file's markers is not read under its own name
    # (else ``markers: {ft: ftr}`` would merge the file's \ft and \ftr into one translation)
    for standard, own in mapping.items():
        if own != standard:
            rename.setdefault(standard, f"{standard} (replaced by {own})")
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
    chosen = ctx.option("record_marker")
    # the option names the marker as the file writes it (``markers`` renames it to the standard)
    marker = rename.get(chosen, chosen) if chosen else None
    marker = marker or ("lx" if "lx" in markers else "ref" if "ref" in markers else None)
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
        elif item[0] not in ("_sh", "id"):
            ctx.leave_out(f"\\{item[0]} fields before the first record (a header)")
    return marker, found


def read(path: Path, ctx: ReaderContext) -> Iterator[Segment]:
    r"""Interlinear segments (``\ref`` records) or dictionary entries and examples (``\lx``)."""
    marker, found = records(path, ctx)
    used = {marker, "id", *(_MDF if marker == "lx" else _IGT)}
    unread: dict[str, int] = {}
    for record in found:
        for name, _value, _line in record.fields:
            if name not in used:
                unread[name] = unread.get(name, 0) + 1
        if marker == "lx":
            yield from _entry(path, ctx, record)
        else:
            yield from _interlinear(path, ctx, record, marker)
    for name, count in sorted(unread.items()):
        ctx.leave_out(f"\\{name} fields (a marker this reader does not use)", count)


def _language(ctx: ReaderContext, marker: str) -> str:
    r"""The language of a gloss/translation marker: declared, else MDF's convention.

    English markers are English; national markers (and ``\ft``) are assumed to be the source
    language, unless that is English (MDF's national language is then some other one).
    """
    declared = ctx.option("marker_languages") or {}
    if marker in declared:
        return str(declared[marker])
    if marker in _ENGLISH:
        return "en"
    if marker != "ft" and ctx.translation_codes and ctx.is_source_language("en"):
        return "national"
    return (ctx.translation_codes or ("?",))[0]


def _saw(ctx: ReaderContext, marker: str) -> None:
    declared = marker in (ctx.option("marker_languages") or {})
    ctx.saw_language(f"\\{marker}", _language(ctx, marker) + ("" if declared else " (assumed)"))


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
    translation = clean(" ".join(tiers.get("ft", [])))
    if translation:
        language = _language(ctx, "ft")
        _saw(ctx, "ft")
        if not ctx.is_source_language(language):
            ctx.leave_out(f"free translations in {language} (not the source language)")
            translation = None
    yield ctx.segment(
        path,
        "igt",
        text,
        translation=translation,
        morphemes=clean(" ".join(leipzig(" ".join(tiers.get("mb", [])).split()))),
        gloss=clean(" ".join(leipzig(" ".join(tiers.get("ge", [])).split()))),
        pos=clean(" ".join(leipzig(" ".join(tiers.get("ps", [])).split()))),
        line=record.line,
        record=ref,
        document=document,
    )


def _group(ctx: ReaderContext, present: set[str]) -> str | None:
    """The MDF gloss group in the source language: national (gn dn xn) or English (ge de xe)."""
    national = present & {"gn", "dn", "xn"}
    english = present & {"ge", "de", "xe"}
    for group, markers in (("national", national), ("english", english)):
        if markers and all(ctx.is_source_language(_language(ctx, m)) for m in markers):
            return group
    return None if national or english else "national"


def _entry(path: Path, ctx: ReaderContext, record: Record) -> Iterator[Segment]:
    present = {m for m, _, _ in record.fields}
    for m in sorted(present & {"ge", "gn", "de", "dn", "xe", "xn"}):
        _saw(ctx, m)
    wanted = ctx.option("translation") or _group(ctx, present)
    gloss_m, def_m, ex_m = ("gn", "dn", "xn") if wanted == "national" else ("ge", "de", "xe")
    if wanted is None:
        ctx.leave_out("entries with glosses in no source-language marker (see marker_languages)")
        return
    other = present & ({"ge", "de", "xe"} if wanted == "national" else {"gn", "dn", "xn"})
    if other:
        langs = ", ".join(sorted({_language(ctx, m) for m in other}))
        ctx.leave_out(f"entries' glosses in {langs} (the other MDF gloss fields, not used)")
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
