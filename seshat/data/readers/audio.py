"""Audio recordings: time-stamped ``transcript`` segments, human annotations first.

When an ELAN file with the same name sits next to the recording (``story.wav`` + ``story.eaf``, or
``options.elan``), its annotations are the transcript and Whisper only fills the stretches no
annotation covers; those segments say ``origin: whisper`` in their context and carry a
``machine_transcription`` flag. Options: ``model`` (a faster-whisper model folder, required),
``language`` (a Whisper language hint, e.g. ``es``; Whisper does not know most endangered
languages), ``beam_size`` (5), ``vad`` (true), ``compute_type`` (int8), ``speaker`` (metadata for
the machine segments), and ``elan_options`` (tier options for the ELAN reader).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

from seshat.corpus.segment import Segment
from seshat.data.readers import elan
from seshat.data.readers.base import ReaderContext, ReaderError
from seshat.data.transcribe import TranscriptionError, transcribe
from seshat.langcodes import whisper_language


def _elan_path(path: Path, ctx: ReaderContext) -> Path:
    return ctx.root / str(ctx.option("elan")) if ctx.option("elan") else path.with_suffix(".eaf")


def depends(path: Path, ctx: ReaderContext) -> list[Path]:
    """The ELAN file that wins over Whisper, and the model's config (its identity, cheaply)."""
    found = [_elan_path(path, ctx)]
    if ctx.option("model"):
        found.append(ctx.root / str(ctx.option("model")) / "config.json")
    return found


def read(path: Path, ctx: ReaderContext) -> Iterator[Segment]:
    """Human annotations (if any), then Whisper's segments in the gaps, in time order.

    Raises:
        ReaderError: No model configured, no faster-whisper, or audio that cannot be decoded.
    """
    model = ctx.option("model")
    if not model:
        raise ReaderError(
            f"source {ctx.source_id!r} is audio but names no transcription model.",
            "set `options.model` to a faster-whisper model folder under models/",
        )
    eaf = _elan_path(path, ctx)
    human: list[Segment] = []
    if eaf.is_file():
        elan_ctx = dataclasses.replace(ctx, options=dict(ctx.option("elan_options") or {}))
        human = list(elan.read(eaf, elan_ctx))
    spans = [(s.provenance.start_ms or 0, s.provenance.end_ms or 0) for s in human]
    try:
        utterances = transcribe(
            path,
            ctx.root / str(model),
            language=_whisper_hint(ctx.option("language")),
            beam_size=int(ctx.option("beam_size", 5)),
            vad=bool(ctx.option("vad", True)),
            compute_type=str(ctx.option("compute_type", "int8")),
        )
    except TranscriptionError as exc:
        raise ReaderError(f"{ctx.rel(path)}: {exc.message}", exc.hint) from None
    machine = []
    for u in utterances:
        if any(u.start_ms < end and start < u.end_ms for start, end in spans):
            continue  # a person transcribed this stretch
        segment = ctx.segment(
            path,
            "transcript",
            u.text,
            start_ms=u.start_ms,
            end_ms=u.end_ms,
            document=ctx.rel(path),
            speaker=dict(ctx.option("speaker") or {}),
            context={"origin": "whisper", "avg_logprob": f"{u.avg_logprob:.2f}"},
        )
        segment.flag("machine_transcription", "transcribed by Whisper, not by a person")
        machine.append(segment)
    yield from sorted(
        [*human, *machine], key=lambda s: (s.provenance.start_ms or 0, s.provenance.file)
    )


def _whisper_hint(code: object) -> str | None:
    """Whisper's code for the ``language`` option (``spa`` and ``es`` both give ``es``).

    Raises:
        ReaderError: A language Whisper has no code for.
    """
    if not code:
        return None
    hint = whisper_language(str(code))
    if hint is None:
        raise ReaderError(
            f"options.language is {code!r}, a language Whisper has no code for (it knows about "
            "100 languages, by their ISO 639-1 codes such as es, pt, en).",
            "set the language Whisper should listen for (e.g. the contact language, `es`), or "
            "remove the option to let Whisper detect it",
        )
    return hint
