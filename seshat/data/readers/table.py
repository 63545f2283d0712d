"""TSV/CSV tables (dictionaries, phrase lists) with a column mapping.

``options.columns`` maps segment fields to column names, e.g. ``{text: palabra, translation:
castellano, pos: categoria, definition: definicion, example: ejemplo, example_translation:
traduccion_ejemplo, document: entrada}``. Without it, columns named like the target language
(name or code) and the source language are used for ``text`` and ``translation``.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from pathlib import Path

from seshat.corpus.segment import Segment
from seshat.data.readers.base import ReaderContext, ReaderError, clean, read_text

FIELDS = ("text", "translation", "pos", "definition", "gloss", "morphemes", "document")


def _guess(header: list[str], names: tuple[str, ...]) -> str | None:
    lowered = {h.strip().lower(): h for h in header}
    for name in names:
        if name and name.lower() in lowered:
            return lowered[name.lower()]
    return None


def columns(header: list[str], ctx: ReaderContext, where: str) -> dict[str, str]:
    """The field -> column mapping, from options or guessed from the header.

    Raises:
        ReaderError: A mapped column that is not in the header, or no ``text`` column.
    """
    # a column may be named, or numbered from 0 (the only way without a header row)
    mapping = {
        field: header[value] if isinstance(value, int) and 0 <= value < len(header) else str(value)
        for field, value in (ctx.option("columns") or {}).items()
    }
    if "text" not in mapping:
        found = _guess(header, (ctx.target_name, *ctx.target_codes, "text", "headword", "form"))
        if found:
            mapping["text"] = found
    if "translation" not in mapping:
        found = _guess(
            header, (ctx.translation_name, *ctx.translation_codes, "translation", "gloss")
        )
        if found:
            mapping["translation"] = found
    missing = [f"{k}: {v}" for k, v in mapping.items() if v not in header]
    if missing or "text" not in mapping:
        raise ReaderError(
            f"{where}: {'columns ' + ', '.join(missing) + ' are' if missing else 'no column is'} "
            f"not in the header ({', '.join(header)}).",
            f"set `options.columns` of source {ctx.source_id!r}, e.g. "
            "{text: palabra, translation: castellano}",
        )
    return mapping


def read(path: Path, ctx: ReaderContext) -> Iterator[Segment]:
    """One segment per row (kind ``dictionary_entry`` unless ``options.kind``), plus its example.

    Raises:
        ReaderError: Bad header mapping, or a row with more cells than the header (line named).
    """
    delimiter = ctx.option("delimiter") or (
        "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
    )
    reader = csv.reader(io.StringIO(read_text(path, ctx), newline=""), delimiter=delimiter)
    rows: Iterator[list[str]] = reader
    try:
        first = next(reader)
    except StopIteration:
        return
    with_header = ctx.option("header", True)
    # without a header row the columns are numbered, and the first row is data
    header = first if with_header else [str(i) for i in range(len(first))]
    if not with_header:
        rows = itertools.chain([first], reader)
    mapping = columns(header, ctx, ctx.rel(path))
    index = {name: i for i, name in enumerate(header)}
    kind = ctx.option("kind", "dictionary_entry")
    for row in rows:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            raise ReaderError(
                f"{ctx.rel(path)}:{line} has {len(row)} cells but the header has {len(header)}.",
                "quote cells that contain the delimiter, or fix the row",
            )
        values = {
            f: clean(row[index[c]]) if index[c] < len(row) else None for f, c in mapping.items()
        }
        text = values.get("text")
        if not text:
            continue
        fields = {f: values[f] for f in FIELDS if f != "text" and values.get(f)}
        fields.setdefault("document", f"{ctx.rel(path)}#{text}")
        yield ctx.segment(path, kind, text, line=line, **fields)
        example = values.get("example")
        if example:
            yield ctx.segment(
                path,
                "example",
                example,
                translation=values.get("example_translation"),
                line=line,
                document=fields["document"],
                context={"headword": text},
            )
