"""Local Contexts labels: what each raises a source to, and labels of the whole project."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from canary import write_canary_project

from seshat.config.loader import load_project
from seshat.config.models import Label
from seshat.data.ingest import ingest
from seshat.kinds import label_level

NON_COMMERCIAL = {
    "id": "5e1f-bc-nc",
    "name": "BC Non-Commercial (BC NC)",
    "text": "For non-commercial use <only>.",
    "type": "non_commercial",
}


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
