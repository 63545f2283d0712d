"""The options each source format accepts (``options:`` of a source in ``seshat.yaml``).

One strict model per format, in :data:`READER_OPTIONS`: a misspelled option (``encodng``,
``aling``) is an error at load time, not silently ignored, and every default lives here, once.
``seshat config formats`` and ``docs/formats.md`` are generated from these models.
"""

from __future__ import annotations

import codecs
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from seshat.kinds import RECORD_KINDS, SourceFormat

RecordKind = Literal[RECORD_KINDS]  # type: ignore[valid-type]


class ReaderOptions(BaseModel):
    """Options every format accepts. Unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")

    split: Literal["train", "dev", "test"] | None = Field(
        default=None,
        description="Pin every record of this source to one split (a shared task's own "
        "train/dev/test files), matched on the records after cleaning.",
    )


class TextOptions(ReaderOptions):
    """Options of formats read as text."""

    encoding: str = Field(
        default="utf-8-sig",
        description="Text encoding of the file (e.g. latin-1, cp1252); a UTF-8 BOM is dropped.",
    )

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(
                f"{value!r} is not a text encoding Python knows (e.g. utf-8, latin-1, cp1252)"
            ) from None
        return value


class PlainOptions(TextOptions):
    """One record per non-empty line; the file is the document."""

    kind: RecordKind = Field(default="text", description="Kind of record each line becomes.")


class ParallelOptions(TextOptions):
    """Line-aligned pair: ``path`` in the target language, ``translation`` in the source language."""

    translation: str | None = Field(
        default=None,
        description="The source-language file, relative to the project (required).",
    )
    align: bool = Field(
        default=False,
        description="Documents that are not line-aligned: split paragraphs into sentences and "
        "align them.",
    )
    lexicon: str | None = Field(
        default=None,
        description="With `align`: a dictionary source id of the project, or a two-column TSV of "
        "target word and translation, used as alignment anchors.",
    )
    abbreviations: list[str] = Field(
        default_factory=list,
        description="With `align`: abbreviations that do not end a sentence (e.g. 'Sr.').",
    )


class TableOptions(TextOptions):
    """One record per row of a TSV/CSV table (the first row is the header, unless `header: false`)."""

    columns: dict[str, str | int] = Field(
        default_factory=dict,
        description="Record field -> column name (or 0-based number without a header), e.g. "
        "{text: palabra, translation: castellano}; fields: text, translation, pos, definition, "
        "gloss, morphemes, document, example, example_translation. Guessed from the header "
        "when absent.",
    )
    delimiter: str | None = Field(
        default=None,
        description="Cell delimiter (default: tab for .tsv/.tab, comma otherwise).",
        min_length=1,
        max_length=1,
    )
    header: bool = Field(
        default=True,
        description="Whether the first row names the columns; without one, `columns` maps "
        "fields to column numbers and the first row is data.",
    )
    kind: RecordKind = Field(
        default="dictionary_entry", description="Kind of record each row becomes."
    )


class ToolboxOptions(TextOptions):
    """Toolbox/Shoebox standard format: MDF dictionaries and interlinear texts."""

    record_marker: str | None = Field(
        default=None,
        description="Marker that starts a record, as written in the file (default: lx, else ref).",
    )
    markers: dict[str, str] = Field(
        default_factory=dict,
        description="Standard marker -> the file's marker, e.g. {tx: t, mb: m, ge: g, ft: f}.",
    )
    translation: Literal["national", "english"] | None = Field(
        default=None,
        description="Which MDF glosses to use: national (gn dn xn) or English (ge de xe). "
        "Default: the fields in the project's source language (`marker_languages`), else "
        "national when present.",
    )
    marker_languages: dict[str, str] = Field(
        default_factory=dict,
        description="Language code of each translation/gloss marker, e.g. {gn: fr, ft: es}. "
        "Defaults: ge de xe are English (en); gn dn xn and ft are the project's source language.",
    )


class LiftOptions(ReaderOptions):
    """LIFT lexicon (FLEx, WeSay, Lexique Pro)."""

    target_lang: str | None = Field(
        default=None, description="The `lang` of headwords (default: the target language's codes)."
    )
    translation_lang: str | None = Field(
        default=None,
        description="The `lang` of glosses, definitions and example translations (default: the "
        "source language's codes).",
    )


class FlextextOptions(ReaderOptions):
    """FLEx interlinear export (.flextext)."""

    translation_lang: str | None = Field(
        default=None,
        description="The `lang` of glosses and free translations (default: the source language's "
        "codes).",
    )


class ElanOptions(ReaderOptions):
    """ELAN annotation file (.eaf)."""

    transcription_tier: str | None = Field(
        default=None, description="Tier id of the transcription (default: the first top tier)."
    )
    translation_tier: str | None = Field(
        default=None,
        description="Tier id of the free translation (default: a child tier named transl/ft/free).",
    )
    gloss_tier: str | None = Field(
        default=None, description="Tier id of the glosses (default: a child tier named gloss/gl)."
    )


class CldfOptions(ReaderOptions):
    """CLDF wordlist or dictionary (the folder, or its metadata JSON)."""

    language: str | None = Field(
        default=None,
        description="The one language to read: its ID, Name, Glottocode or ISO 639-3 code "
        "(default: the project's target language).",
    )
    gloss_column: str | None = Field(
        default=None,
        description="Column of parameters.csv with the meaning in the source language (default: "
        "a column named after it, else Name).",
    )


class XigtOptions(ReaderOptions):
    """Xigt interlinear glossed text (XML)."""


class OcrOptions(ReaderOptions):
    """Options of formats read by OCR (tesseract)."""

    languages: str | None = Field(
        default=None,
        description="Tesseract languages, e.g. spa+eng (default: the source language's).",
    )
    tessdata: str | None = Field(
        default=None, description="Folder with .traineddata files, relative to the project."
    )
    corrections: dict[str, str] = Field(
        default_factory=dict, description="Character replacements applied to OCR output."
    )
    min_confidence: float = Field(
        default=60.0,
        ge=0,
        le=100,
        description="Lines below this tesseract confidence are flagged `low_confidence` (kept "
        "out of training).",
    )


class ImageOptions(OcrOptions):
    """A scanned page image, read by OCR."""

    page: int = Field(default=1, ge=1, description="Page number recorded in provenance.")


class PdfOptions(OcrOptions):
    """PDF: its text layer, and OCR for pages without one."""

    ocr: Literal["auto", "never"] = Field(
        default="auto", description="auto: OCR pages without a text layer; never: skip them."
    )
    unit: Literal["sentence", "line"] = Field(
        default="sentence", description="Split text into sentences, or keep its lines."
    )
    abbreviations: list[str] = Field(
        default_factory=list, description="Abbreviations that do not end a sentence."
    )


class AudioOptions(ReaderOptions):
    """A recording: its ELAN transcript where there is one, Whisper for the rest."""

    model: str | None = Field(
        default=None,
        description="A faster-whisper model folder under models/ (required for untranscribed "
        "stretches).",
    )
    elan: str | None = Field(
        default=None, description="The recording's ELAN file (default: same name, .eaf)."
    )
    elan_options: ElanOptions = Field(
        default_factory=ElanOptions, description="Tier options for that ELAN file."
    )
    language: str | None = Field(
        default=None, description="Language Whisper listens for, e.g. es (default: detected)."
    )
    beam_size: int = Field(default=5, ge=1, le=20, description="Whisper beam size.")
    vad: bool = Field(default=True, description="Skip silence (voice activity detection).")
    compute_type: str = Field(default="int8", description="faster-whisper compute type.")
    speaker: dict[str, str] = Field(
        default_factory=dict, description="Speaker metadata recorded on every transcript."
    )


class ParadigmOptions(TextOptions):
    """Inflection tables: UniMorph rows (lemma, form, features) or one lemma per row (wide)."""

    layout: Literal["auto", "unimorph", "wide"] = Field(
        default="auto",
        description="unimorph: lemma, form, features per row; wide: a lemma column and one "
        "column per feature bundle. auto: wide when the header has a `lemma` column and no "
        "`form`/`features` columns.",
    )
    header: bool = Field(
        default=False,
        description="unimorph: the first row names the columns (detected when it has `form` "
        "and `features`).",
    )
    columns: dict[Literal["lemma", "form", "features"], str] = Field(
        default_factory=dict,
        description="unimorph with a header: the column of each field (defaults: lemma, form, "
        "features).",
    )
    lemma_column: str | None = Field(
        default=None, description="wide: the lemma column (default: `lemma`, else the first)."
    )
    alternatives: str | None = Field(
        default=None, description="wide: separator of several forms in one cell, e.g. '/'."
    )
    delimiter: str | None = Field(
        default=None,
        min_length=1,
        max_length=1,
        description="Cell delimiter (default: comma for .csv, tab otherwise).",
    )


class ReviewsOptions(ReaderOptions):
    """Linguists' judgements from `seshat review` (``data/reviews``): corrections become records."""

    split: Literal["train", "dev", "test"] | None = Field(
        default="train",
        description="Where the corrections go: training by default (what linguists fixed is what "
        "the next model learns); null draws them like other records.",
    )


# the one table of options per format; a test holds its keys equal to SourceFormat
READER_OPTIONS: dict[SourceFormat, type[ReaderOptions]] = {
    SourceFormat.plain: PlainOptions,
    SourceFormat.parallel: ParallelOptions,
    SourceFormat.tsv: TableOptions,
    SourceFormat.csv: TableOptions,
    SourceFormat.toolbox: ToolboxOptions,
    SourceFormat.lift: LiftOptions,
    SourceFormat.flextext: FlextextOptions,
    SourceFormat.elan: ElanOptions,
    SourceFormat.cldf: CldfOptions,
    SourceFormat.xigt: XigtOptions,
    SourceFormat.pdf: PdfOptions,
    SourceFormat.image: ImageOptions,
    SourceFormat.audio: AudioOptions,
    SourceFormat.paradigm: ParadigmOptions,
    SourceFormat.reviews: ReviewsOptions,
}


def options_for(fmt: SourceFormat | str, options: dict[str, object]) -> dict[str, object]:
    """The validated options of a source, every default filled in.

    Raises:
        pydantic.ValidationError: An unknown option, or a value of the wrong type.
    """
    model = READER_OPTIONS[SourceFormat(fmt)]
    return model.model_validate(options).model_dump()
