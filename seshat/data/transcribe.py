"""Speech to time-stamped text with faster-whisper, from a model folder on disk.

faster-whisper is an optional part of Seshat (``pip install 'seshat[audio]'``; ``./run`` installs
it). The model is a CTranslate2 Whisper folder (``model.bin``, ``config.json``, ``tokenizer.json``,
``vocabulary.txt``) that the user puts under ``models/``: Seshat never downloads one on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seshat.errors import SeshatError


class TranscriptionError(SeshatError):
    """No faster-whisper, no model, or audio it cannot decode."""


@dataclass(frozen=True)
class Utterance:
    """One transcribed stretch of speech."""

    start_ms: int
    end_ms: int
    text: str
    avg_logprob: float


_MODELS: dict[tuple[str, str], Any] = {}


def load_model(folder: Path, compute_type: str = "int8") -> Any:
    """The faster-whisper model in ``folder`` (loaded once per process).

    Raises:
        TranscriptionError: faster-whisper missing, or not a model folder.
    """
    key = (str(folder), compute_type)
    if key in _MODELS:
        return _MODELS[key]
    try:
        from faster_whisper import WhisperModel
    except ImportError:
        raise TranscriptionError(
            "faster-whisper is not installed, so audio cannot be transcribed.",
            "install Seshat's audio part: `pip install 'seshat[audio]'` (./run does it)",
        ) from None
    if not (folder / "model.bin").is_file():
        raise TranscriptionError(
            f"{folder} is not a faster-whisper model folder (no model.bin).",
            "put a CTranslate2 Whisper model there (e.g. a converted whisper-small: model.bin, "
            "config.json, tokenizer.json, vocabulary.txt) and point `options.model` at it",
        )
    _MODELS[key] = WhisperModel(str(folder), device="cpu", compute_type=compute_type)
    return _MODELS[key]


def transcribe(
    audio: Path,
    model_dir: Path,
    language: str | None = None,
    beam_size: int = 5,
    vad: bool = True,
    compute_type: str = "int8",
) -> list[Utterance]:
    """Utterances of ``audio`` with their times.

    Raises:
        TranscriptionError: See :func:`load_model`; or audio that cannot be decoded.
    """
    if not audio.is_file() or audio.stat().st_size == 0:
        raise TranscriptionError(f"{audio} is empty or missing.", "replace it with the recording")
    model = load_model(model_dir, compute_type)
    try:
        segments, _ = model.transcribe(
            str(audio), language=language, beam_size=beam_size, vad_filter=vad
        )
        return [
            Utterance(int(s.start * 1000), int(s.end * 1000), s.text.strip(), s.avg_logprob)
            for s in segments
            if s.text.strip()
        ]
    except Exception as exc:  # av/ffmpeg raise many kinds of decoding errors
        raise TranscriptionError(
            f"{audio} could not be decoded as audio ({type(exc).__name__}: {exc}).",
            "check the file plays; convert it to WAV or FLAC (e.g. `ffmpeg -i in.x out.wav`)",
        ) from None
