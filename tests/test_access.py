"""The access policy: config, per-record levels, the gate's refusals and filters, data export,
audit. (The end-to-end canary test is in tests/integration/test_access_canary.py.)"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from canary import CANARIES, RAISED, leaks, write_canary_project
from conftest import run_cli

from seshat.access import AccessError, Gate, read_log, row_holdings
from seshat.config.loader import load_project
from seshat.config.models import Destination
from seshat.errors import ConfigError


@pytest.fixture(scope="module")
def formatted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The canary project after `seshat data run`."""
    folder = write_canary_project(tmp_path_factory.mktemp("access") / "proj")
    done = run_cli("data", "run", "-C", str(folder))
    assert done.returncode == 0, done.stderr
    return folder


def test_defaults_keep_everything_above_public_on_this_machine(project: Path) -> None:
    policy = load_project(project).spec.access
    assert policy.limit(Destination.local_training) == "sacred"
    for destination in ("cloud_launch", "wandb_samples", "shared_report", "dataset_export"):
        assert policy.limit(Destination(destination)) == "public"


def test_an_override_needs_a_reason_and_rules_need_known_destinations(project: Path) -> None:
    with pytest.raises(ConfigError, match="needs a reason"):
        load_project(project, ["access.overrides.cloud_launch=true"])
    with pytest.raises(ConfigError, match=r"access\.rules"):
        load_project(project, ["access.rules.dropbox=public"])
    allowed = load_project(project, ['access.overrides.cloud_launch="Council, 2026-10-02"'])
    assert allowed.spec.access.overrides[Destination.cloud_launch] == "Council, 2026-10-02"


def test_sources_must_name_declared_communities(tmp_path: Path) -> None:
    folder = write_canary_project(tmp_path / "proj")
    with pytest.raises(ConfigError, match="Kaniwa"):
        load_project(folder, ["access.communities={Other: {}}"])


def test_one_record_can_be_raised_above_its_source(formatted: Path) -> None:
    records = [
        json.loads(line)
        for line in (formatted / "data" / "records" / "public-stories.jsonl")
        .read_text()
        .splitlines()
    ]
    raised = [r for r in records if RAISED in r["text"]]
    assert [r["access"] for r in raised] == ["restricted"]
    assert {r["access"] for r in records if r not in raised} == {"public"}


def test_a_refusal_names_sources_records_and_the_override_key(formatted: Path) -> None:
    done = run_cli("launch", "-C", str(formatted), "--dry-run", "profile=cloud-a100-80b")
    assert done.returncode == 1
    message = " ".join(done.stderr.split())
    assert "Refused by the access policy" in message and "cloud_launch" in message
    assert "'ceremony-words' (sacred)" in message and "'healer-recordings' (restricted)" in message
    assert "e.g." in message  # record ids are named
    assert 'access.overrides.cloud_launch="who agreed, when"' in message
    assert "Traceback" not in done.stderr
    assert not (formatted / ".seshat" / "launch").exists()
    refused = read_log(formatted / ".seshat" / "access.jsonl")[-1]
    assert refused["destination"] == "cloud_launch" and refused["allowed"] is False


def test_select_leaves_out_closed_rows_and_logs_it(tmp_path: Path) -> None:
    gate = Gate(tmp_path, load_project(write_canary_project(tmp_path / "p")).spec.access)
    rows = [
        {"source": "a", "access": "public", "record": "r1"},
        {"source": "b", "access": "sacred", "record": "r2"},
    ]
    kept = gate.select(Destination.wandb_samples, rows, "samples", tmp_path / "run")
    assert kept == rows[:1]
    line = read_log(tmp_path / "run" / "access.jsonl")[0]
    assert line["allowed"] == "partly" and line["left_out"] == {"b": {"sacred": 1}}
    with pytest.raises(AccessError, match=re.escape("'b' (sacred): 1 record(s), e.g. r2")):
        gate.require(Destination.dataset_export, row_holdings(rows), "rows")


def test_data_export_keeps_only_what_may_leave(formatted: Path, tmp_path: Path) -> None:
    out = tmp_path / "published"
    done = run_cli("data", "export", str(out), "-C", str(formatted))
    assert done.returncode == 0, done.stderr
    assert leaks(out, CANARIES) == []
    manifest = json.loads((out / "manifest.json").read_text())
    for part in manifest["splits"].values():
        assert set(part["levels"]) == {"public"}
    assert sum(sum(p["levels"].values()) for p in manifest["left_out"].values()) > 0
    assert {s["id"] for s in manifest["sources"]} == {"public-stories"}
    audit = run_cli("audit", "-C", str(formatted), str(out), "--json")
    assert json.loads(audit.stdout)["level"] == "public"
    again = run_cli("data", "export", str(out), "-C", str(formatted))
    assert again.returncode == 1 and "not empty" in again.stderr
    opened = tmp_path / "opened"
    override = 'access.overrides.dataset_export="Kaniwa committee, 2026-11-02"'
    done = run_cli("data", "export", str(opened), "-C", str(formatted), override)
    assert done.returncode == 0, done.stderr
    assert leaks(opened, CANARIES)  # the override let the closed records go
    assert read_log(formatted / ".seshat" / "access.jsonl")[-1]["override"].startswith("Kaniwa")


def test_audit_of_a_formatted_split_counts_sources_and_levels(formatted: Path) -> None:
    done = run_cli("audit", "-C", str(formatted), "data/formatted/train.jsonl", "--json")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["level"] == "sacred"
    assert set(found["sources"]) == {
        "public-stories",
        "village-words",
        "healer-recordings",
        "ceremony-words",
    }
    assert found["sources"]["ceremony-words"] == {"sacred": found["levels"]["sacred"]}


def test_secrets_come_from_the_environment_then_the_keyring(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import types

    from seshat.secrets import secret, secret_environment

    stored = {("seshat", "HF_TOKEN"): "from-keyring"}
    fake = types.SimpleNamespace(get_password=lambda service, name: stored.get((service, name)))
    monkeypatch.setitem(sys.modules, "keyring", fake)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    assert secret("HF_TOKEN") == "from-keyring"
    monkeypatch.setenv("HF_TOKEN", "from-env")
    assert secret_environment() == {"HF_TOKEN": "from-env"}


def test_a_tk_secret_sacred_label_closes_the_source_and_records_cannot_reopen_it(
    tmp_path: Path,
) -> None:
    """Labels are a floor: the source and every record of it are sacred, a cloud launch and a
    public export are refused, and the label is named in the audit."""
    import json

    from canary import write_canary_project
    from conftest import run_cli

    folder = write_canary_project(tmp_path / "proj")
    import yaml

    config = folder / "seshat.yaml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    public = data["sources"][0]
    public["record_access"] = {"data/raw/public.txt:3": "public"}  # tries to reopen one record
    public["labels"] = [{"id": "1c3a-tk-ss", "name": "TK Secret / Sacred", "text": "Ceremony."}]
    config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    done = run_cli("data", "run", "-C", str(folder))
    assert done.returncode == 0, done.stderr
    records = (folder / "data/records/public-stories.jsonl").read_text(encoding="utf-8")
    assert {json.loads(line)["access"] for line in records.splitlines()} == {"sacred"}
    export = run_cli("data", "export", str(tmp_path / "out"), "-C", str(folder))
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert export.returncode == 0 and "public-stories" not in json.dumps(manifest["splits"])
