"""Local Contexts labels: what each raises a source to, labels of the whole project, what the
access gate then refuses, and the one reader of a run's labels behind the model card, the audit,
the demo and the HTML report. (Reading them from the Hub: tests/test_labels_hub.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from canary import write_canary_project
from conftest import REPO

from seshat.access import Gate, run_holdings, splits_record
from seshat.audit import audit
from seshat.cli.main import main
from seshat.config.loader import load_project
from seshat.config.models import Destination, Label
from seshat.corpus.jsonl import meta_path, read_json_lines
from seshat.data.ingest import ingest
from seshat.kinds import label_level
from seshat.labels.applied import run_labels
from seshat.labels.levels import BEGIN, END, level_table
from seshat.yamlio import dump_yaml

SACRED = {"id": "2b9d-tk-ss", "name": "TK Secret / Sacred (TK SS)", "type": "secret_sacred"}
NON_COMMERCIAL = {
    "id": "5e1f-bc-nc",
    "name": "BC Non-Commercial (BC NC)",
    "text": "For non-commercial use <only>.",
    "type": "non_commercial",
}
AGREED = "Kaniwa language committee, meeting of 2026-11-02"


def test_a_label_is_read_by_the_words_of_its_name_or_its_hub_type() -> None:
    assert label_level("TK Secret / Sacred (TK SS)") == "sacred"
    assert label_level("TK Kultural Sensitif (TK KS)", "culturally_sensitive") == "restricted"
    assert label_level("BC Non-Commercial (BC NC)") == "community"
    assert label_level("Etiqueta", "non_commercial") == "community"
    assert label_level("TK Women Restricted (TK WR)") == "restricted"
    assert label_level("BC Consent Non-Verified") == "community"
    assert label_level("TK Attribution (TK A)", "attribution") is None
    assert label_level("Traditional Knowledge (TK) Notice", "traditional_knowledge") is None
    assert label_level("TK Seasonal", "sacred") == "sacred"  # the more closed of the two
    assert Label(id="x", name="Nombre", type="men_restricted").level() == "restricted"


def _canary(tmp_path: Path, keep: tuple[str, ...], **changes: object) -> Path:
    """The canary project with only the ``keep`` sources; ``changes``: top-level keys, or
    ``<source id with _>=dict`` merged into that source."""
    folder = write_canary_project(tmp_path / "proj")
    config = folder / "seshat.yaml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["sources"] = [s for s in data["sources"] if s["id"] in keep]
    for key, value in changes.items():
        source = next((s for s in data["sources"] if s["id"] == key.replace("_", "-")), None)
        if source is not None:
            source.update(value)
        else:
            data[key] = value
    config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return folder


def _records(folder: Path, source: str) -> list[dict]:
    path = folder / "data" / "records" / f"{source}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_labels_of_the_project_close_every_source_and_records_follow(tmp_path: Path) -> None:
    folder = _canary(
        tmp_path,
        ("public-stories", "healer-recordings"),
        healer_recordings={"record_access": {"data/raw/restricted.txt:1": "public"}},
    )
    assert all(not r.errors for r in ingest(load_project(folder)))
    healer = _records(folder, "healer-recordings")
    assert healer[0]["access"] == "public" and {r["access"] for r in healer[1:]} == {"restricted"}
    config = folder / "seshat.yaml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["labels"] = [NON_COMMERCIAL]
    data["sources"][1]["labels"] = [NON_COMMERCIAL | {"text": "the source's own copy"}]
    config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    spec = load_project(folder).spec
    public, healer_source = spec.sources
    assert spec.access_of(public) == "community" and public.effective_access() == "public"
    assert [label.text for label in spec.labels_for(healer_source)] == [NON_COMMERCIAL["text"]]
    # the healer's source settings and level did not change: its labels' floor re-reads it
    assert all(not r.errors for r in ingest(load_project(folder)))
    assert _records(folder, "healer-recordings")[0]["access"] == "community"
    public_levels = {r["access"] for r in _records(folder, "public-stories")}
    assert public_levels == {"community", "restricted"}  # the raised record stays raised


def _trained(folder: Path) -> Path:
    """Data run, then a run folder recording what its splits hold (as `seshat train` does)."""
    assert main(["data", "run", "-C", str(folder)]) == 0
    spec = load_project(folder).spec
    run = folder / "runs" / "r1"
    run.mkdir(parents=True)
    splits = {name: folder / getattr(spec.data, name) for name in ("train", "dev", "test")}
    (run / "access.json").write_text(json.dumps(splits_record(splits)[1]), encoding="utf-8")
    (run / "status.json").write_text(json.dumps({"state": "succeeded"}), encoding="utf-8")
    (run / "spec.yaml").write_text(dump_yaml(spec.model_dump(mode="json")), encoding="utf-8")
    return run


def _samples(folder: Path) -> list[dict]:
    return list(read_json_lines(meta_path(folder / "data" / "formatted" / "train.jsonl")))


def test_tk_secret_sacred_keeps_the_model_samples_and_cloud_launch_home(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _canary(tmp_path, ("public-stories",), public_stories={"labels": [SACRED]})
    run = _trained(folder)
    held = run_holdings(run)
    assert held.level == "sacred" and set(held.counts) == {"public-stories"}
    gate = Gate.for_project(folder)
    for destination in (Destination.model_export, Destination.cloud_launch, Destination.demo_ui):
        assert not gate.decide(destination, held, "the model").allowed, destination
    assert gate.select(Destination.wandb_samples, _samples(folder), "samples") == []
    assert main(["launch", "-C", str(folder), "--dry-run", "profile=cloud-a100-80b"]) == 1
    refused = " ".join(capsys.readouterr().err.split())
    assert "'public-stories' (sacred)" in refused and "access.overrides.cloud_launch" in refused
    # an override that says who agreed opens each destination, one by one
    agreed = [
        f'access.overrides.{d}="{AGREED}"'
        for d in ("model_export", "cloud_launch", "wandb_samples")
    ]
    opened = Gate.for_project(folder, agreed)
    assert opened.decide(Destination.model_export, held, "the model").allowed
    assert opened.decide(Destination.cloud_launch, held, "the data").allowed
    assert len(opened.select(Destination.wandb_samples, _samples(folder), "samples")) > 0
    assert not opened.decide(Destination.served_api, held, "the model").allowed


def test_bc_non_commercial_blocks_a_public_model_export_without_an_override(
    tmp_path: Path,
) -> None:
    folder = _canary(
        tmp_path,
        ("public-stories",),
        public_stories={"labels": [NON_COMMERCIAL], "record_access": {}},
    )
    held = run_holdings(_trained(folder))
    assert held.level == "community"
    # the default model_export rule (restricted) keeps exported models local: allowed
    assert Gate.for_project(folder).decide(Destination.model_export, held, "the model").allowed
    public = Gate.for_project(folder, ["access.rules.model_export=public"])
    refused = public.decide(Destination.model_export, held, "the model")
    assert not refused.allowed and refused.blocked.counts == held.counts
    for destination in (Destination.cloud_launch, Destination.dataset_export):
        assert not public.decide(destination, held, "the data").allowed
    assert public.select(Destination.wandb_samples, _samples(folder), "samples") == []
    agreed = Gate.for_project(
        folder, ["access.rules.model_export=public", f'access.overrides.model_export="{AGREED}"']
    )
    assert agreed.decide(Destination.model_export, held, "the model").allowed
    # an exported dataset (with an override) names the labels beside the source's level
    out = tmp_path / "published"
    override = f'access.overrides.dataset_export="{AGREED}"'
    assert main(["data", "export", str(out), "-C", str(folder), override]) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["sources"] == [
        {
            "id": "public-stories",
            "license": "CC-BY-4.0",
            "communities": [],
            "consent": None,
            "access": "community",
            "labels": [NON_COMMERCIAL],
        }
    ]


def _labelled_run(project: Path) -> Path:
    """A run folder whose spec carries a label of the project and one of a source."""
    config = project / "seshat.yaml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["labels"] = [NON_COMMERCIAL]
    data["sources"] = [
        {"id": "songs", "path": "data/raw/songs.txt", "format": "plain", "labels": [SACRED]},
        {"id": "words", "path": "data/raw/words.tsv", "format": "tsv"},
    ]
    config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    spec = load_project(project).spec
    run = project / "runs" / "r1"
    run.mkdir(parents=True)
    (run / "spec.yaml").write_text(dump_yaml(spec.model_dump(mode="json")), encoding="utf-8")
    held = {"songs": {"sacred": 3}, "words": {"community": 2}}
    record = {"splits": {"train": {"sources": held}}}
    (run / "access.json").write_text(json.dumps(record), encoding="utf-8")
    (run / "status.json").write_text(json.dumps({"state": "succeeded"}), encoding="utf-8")
    return run


def test_card_audit_demo_and_report_show_the_runs_labels_from_one_reader(project: Path) -> None:
    from seshat.eval.report import write_report
    from seshat.export.card import model_card
    from seshat.runs.rundir import RunDir
    from seshat.ui.app import header
    from seshat.ui.demo import demo_config

    run_path = _labelled_run(project)
    labels = run_labels(run_path)
    assert [(label.source, label.name, label.level) for label in labels] == [
        (None, "BC Non-Commercial (BC NC)", "community"),
        ("songs", "TK Secret / Sacred (TK SS)", "sacred"),
    ]
    found = audit(project, "r1")
    assert found["labels"] == {
        "songs": ["BC Non-Commercial (BC NC)", "TK Secret / Sacred (TK SS)"],
        "words": ["BC Non-Commercial (BC NC)"],
    }
    assert found["label_details"] == [label.to_dict() for label in labels]

    run = RunDir(project, "r1")
    record = {"base_model": "Qwen/Qwen3-0.6B", "files": {"Q4_K_M": "m.gguf"}, "access": "sacred"}
    card = model_card(run, record)
    assert "| BC Non-Commercial (BC NC); TK Secret / Sacred (TK SS) |" in card
    assert "## Local Contexts labels" in card
    assert "- **BC Non-Commercial (BC NC)** (applied to the whole project; Seshat reads" in card

    config = demo_config(load_project(project), run, Path("m.gguf"), "sacred")
    assert config["labels"] == [label.to_dict() for label in labels]
    top = header(config)
    assert "**Local Contexts labels of the training data**" in top
    assert r"For non\-commercial use \<only\>." in top and "<only>" not in top

    page = write_report(project, ["r1"]).read_text(encoding="utf-8")
    assert '<h3 id="local-contexts-labels">' in page and "TK Secret / Sacred (TK SS)" in page
    assert "&lt;only&gt;" in page and "<only>" not in page


def test_a_run_without_labels_shows_none_and_a_damaged_spec_reads_as_none(project: Path) -> None:
    from seshat.eval.report_labels import labels_section

    run = project / "runs" / "r1"
    run.mkdir(parents=True)
    assert run_labels(run) == [] and labels_section(run) == ""  # no spec.yaml
    (run / "spec.yaml").write_text("sources:\n  - id: a\n    labels: [{id: x}]\n")
    assert run_labels(run) == []  # a label without a name is nothing to show


def test_docs_access_holds_the_generated_label_table() -> None:
    text = (REPO / "docs" / "access.md").read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END) + 1
    assert text[start:end] == level_table(), "run `seshat labels levels` and paste it"
