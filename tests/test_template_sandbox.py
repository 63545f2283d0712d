"""Project templates are data: a template that reaches for Python internals or the environment is
refused with one paragraph, and nothing it asked for runs or is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli

ATTACKS = [
    "{{ lipsum.__globals__['os'].popen('touch PWNED').read() }}",
    "{{ cycler.__init__.__globals__.os.environ['HF_TOKEN'] }}",
    "{{ self._TemplateReference__context }}",
    "{% set x = [].append(1) %}{{ x }}",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_hostile_backend_template_is_refused(project: Path, attack: str) -> None:
    shipped = (
        Path(__file__).parents[1] / "seshat" / "backends" / "axolotl" / "templates" / "sft.yaml.j2"
    )
    own = project / "templates" / "axolotl" / "sft.yaml.j2"
    own.parent.mkdir(parents=True)
    own.write_text(attack + "\n" + shipped.read_text(encoding="utf-8"), encoding="utf-8")
    done = run_cli("render", "-C", str(project), env={"HF_TOKEN": "canary-hf-token-77"})
    assert done.returncode == 1, done.stdout
    assert "Traceback" not in done.stderr and "cannot be rendered" in done.stderr
    assert not (project / "PWNED").exists() and not Path("PWNED").exists()
    for path in project.rglob("*"):
        if path.is_file():
            assert "canary-hf-token-77" not in path.read_text(encoding="utf-8", errors="replace")


def test_a_hostile_task_template_is_refused(tmp_path: Path) -> None:
    from seshat.quickstart.sample import copy_sample

    folder = tmp_path / "qs"
    copy_sample(folder)
    (folder / "templates" / "tasks" / "system.j2").write_text(ATTACKS[0], encoding="utf-8")
    done = run_cli("data", "format", "-C", str(folder), env={"HF_TOKEN": "canary-hf-token-77"})
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "templates are data" in done.stderr
    assert not (folder / "PWNED").exists() and not Path("PWNED").exists()
