"""The quickstart's sample corpus: reproducible from its seed, grammatical by its own grammar, and
a valid project whose sources all read."""

from __future__ import annotations

import importlib.util
import random
import re
import sys

import pytest
from conftest import REPO

from seshat.config.loader import load_project

SAMPLE = REPO / "examples" / "quickstart"
RAW = SAMPLE / "data" / "raw"


def _generator() -> object:
    spec = importlib.util.spec_from_file_location("make_sample", SAMPLE / "make_sample.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def test_the_committed_text_files_are_what_the_seeded_script_writes() -> None:
    generator = _generator()
    files, _, _ = generator.corpus(random.Random(generator.SEED))
    for name, text in files.items():
        assert (RAW / name).read_text(encoding="utf-8") == text, name


def test_every_story_follows_the_grammar() -> None:
    generator = _generator()
    tenses = "|".join(generator.TENSES.values())
    verb = re.compile(rf"^[a-z]+({tenses})(ri)?\.$")
    stories = (RAW / "stories.txt").read_text(encoding="utf-8").splitlines()
    spanish = (RAW / "stories.es.txt").read_text(encoding="utf-8").splitlines()
    assert len(stories) == len(spanish) == 1400
    assert len(set(stories)) == len(stories)
    for kaniwa, es in zip(stories, spanish, strict=True):
        words = kaniwa.split()
        assert kaniwa[0].isupper() and es[0].isupper() and es.endswith(".")
        match = verb.match(words[-1])
        assert match, kaniwa
        plural_subject = es.split()[0] in {"Los", "Las"}
        assert bool(match.group(2)) == plural_subject, (kaniwa, es)
        objects = [w for w in words[1:-1] if w.endswith("ta")]
        assert len(objects) <= 1, kaniwa
        assert (" en " in es) == any(w.endswith("mi") for w in words[1:-1]), (kaniwa, es)


def test_the_sample_project_is_valid_and_shows_three_access_levels() -> None:
    project = load_project(SAMPLE, [])
    sources = project.spec.sources
    assert {s.format.value for s in sources} >= {
        "parallel",
        "tsv",
        "csv",
        "toolbox",
        "image",
        "audio",
    }
    assert {s.access.value for s in sources} == {"public", "community", "restricted"}
    for source in sources:
        assert (SAMPLE / source.path).is_file(), source.path
    assert (
        project.spec.model.local_path(SAMPLE) == (SAMPLE / "models/smollm2-135m-instruct").resolve()
    )


@pytest.mark.parametrize("name", ["newsletter.png", "elder.wav"])
def test_the_media_are_committed(name: str) -> None:
    data = (RAW / name).read_bytes()
    assert data[:4] in (b"\x89PNG", b"RIFF")
