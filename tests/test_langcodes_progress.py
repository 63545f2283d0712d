"""Language codes for tesseract and Whisper; env-build progress as plain lines off a terminal."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from rich.console import Console

from seshat.data.readers.base import ReaderContext
from seshat.data.readers.image import languages
from seshat.env_progress import env_progress
from seshat.langcodes import iso639_3, tesseract_language, whisper_language


@pytest.mark.parametrize(
    ("codes", "want"),
    [
        (("es",), "spa"),
        (("spa",), "spa"),
        (("de",), "deu"),
        (("zh",), "chi_sim"),
        (("qu",), "que"),
        (("qks",), "eng"),
        (("es-PE",), "spa"),
        ((), "eng"),
    ],
)
def test_tesseract_language(codes: tuple[str, ...], want: str) -> None:
    assert tesseract_language(codes) == want


def test_whisper_and_iso639() -> None:
    assert whisper_language("spa") == "es" and whisper_language("es") == "es"
    assert whisper_language("shp") is None  # Shipibo-Konibo has no Whisper code
    assert whisper_language("haw") == "haw"
    assert iso639_3("SHP") == "shp" and iso639_3("zz-top") is None


def test_ocr_defaults_to_the_source_languages_tesseract_name(tmp_path: Path) -> None:
    """The sample's source language is `es`: OCR must read Spanish, not English."""
    assert (
        languages(ReaderContext(root=tmp_path, source_id="s", translation_codes=("es",))) == "spa"
    )
    chosen = ReaderContext(root=tmp_path, source_id="s", options={"languages": "spa+eng"})
    assert languages(chosen) == "spa+eng"


def test_progress_off_a_terminal_is_plain_lines_with_a_heartbeat() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=200)
    with env_progress(console, "llamacpp", tick=0.05) as progress:
        progress.on_step("compile llama-cpp-python (once per pins and CPU; 10-30 min on 2 cores)")
        progress.on_line("Building wheel ...")
        time.sleep(0.2)
    text = out.getvalue()
    assert "[llamacpp/cpu] compile llama-cpp-python" in text
    assert "[llamacpp/cpu] still at: compile llama-cpp-python" in text and "so far" in text
    assert "Building wheel" not in text  # pip's own lines go to the log, not to CI's output
