"""Every hostile or broken input of cases.py, run through the real CLI entry point in-process.

For each: the exit code and the named file/key of the row; then what every row shares: no
traceback (an exception that is not a Seshat error escapes ``main`` and fails the test), an error
is one paragraph with a next step, no source file changed, nothing written outside the project,
and no canary (restricted, sacred, raised record) or planted secret in any file produced outside
the places the policy lets closed data go (the local data stages).
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from canary import CANARIES, leaks, write_canary_project

from seshat.cli.main import main

from .cases import CASES, Case

SECRETS = {"HF_TOKEN": "hf_qzxplantedsecret1", "WANDB_API_KEY": "qzxplantedsecret2"}
# where closed records may be kept on this machine (rule local_training allows sacred)
LOCAL_DATA = ("data/raw/*", "data/records/*", "data/clean/*", "data/splits/*", "data/formatted/*")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The canary project, built once and copied for each case."""
    return write_canary_project(tmp_path_factory.mktemp("adversarial") / "proj")


def _hashes(root: Path, skip: Path | None = None) -> dict[str, str]:
    found = {}
    for path in sorted(root.rglob("*")):
        if skip is not None and (path == skip or skip in path.parents):
            continue
        if path.is_symlink() or not path.is_file():
            found[path.relative_to(root).as_posix()] = "link" if path.is_symlink() else "dir"
            continue
        found[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input(
    case: Case,
    template: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox = tmp_path / "a" / "b"
    project = sandbox / "proj"
    shutil.copytree(template, project, symlinks=True)
    outside = sandbox / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("qzxoutsidesecret\n", encoding="utf-8")
    for key, value in SECRETS.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SESHAT_DEVICE", "cpu")
    monkeypatch.setenv("WANDB_MODE", "offline")
    case.setup(project)
    raw_before = _hashes(project / "data" / "raw")
    around_before = _hashes(tmp_path, skip=project)

    code = main([*case.argv, "-C", str(project)])
    out, err = capsys.readouterr()
    said = out + err

    assert code == case.exit, said
    assert "Traceback" not in said
    if case.needle:
        assert case.needle.lower() in said.lower(), said
    for text in case.absent:
        assert text not in said
    if code == 1:
        assert "Error:" in said and "Next:" in said, said
    assert _hashes(project / "data" / "raw") == raw_before, "a source file changed"
    assert _hashes(tmp_path, skip=project) == around_before, "something was written outside"
    if case.check is not None:
        case.check(project)
    assert not (project / "PWNED").exists() and not Path("PWNED").exists()
    assert leaks(project, CANARIES, allowed=LOCAL_DATA) == []
    assert leaks(project, tuple(SECRETS.values())) == []
    assert "qzxoutsidesecret" not in said
    assert leaks(project, ("qzxoutsidesecret", "root:x:0:0")) == []
