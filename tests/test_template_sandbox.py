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


def test_a_value_with_line_breaks_cannot_add_keys(project: Path) -> None:
    """A language name with line breaks stays in its comment line: no push_to_hub appears."""
    import yaml

    config = project / "seshat.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace(
            'name: "Shipibo-Konibo"',
            'name: "Shipibo\\npush_to_hub: true\\nhub_model_id: evil/model\\r\\nx: 1"',
            1,
        ),
        encoding="utf-8",
    )
    assert "push_to_hub" in config.read_text(encoding="utf-8")
    done = run_cli("render", "-C", str(project))
    assert done.returncode == 0, done.stderr
    rendered = next((project / ".seshat" / "render").glob("axolotl-*/backend.yaml"))
    parsed = yaml.safe_load(rendered.read_text(encoding="utf-8"))
    assert "push_to_hub" not in parsed and "hub_model_id" not in parsed and "x" not in parsed


def test_keys_the_template_did_not_write_and_hub_uploads_are_refused(project: Path) -> None:
    from seshat.backends.base import Rendered
    from seshat.backends.registry import get_backend
    from seshat.config.loader import load_project
    from seshat.trainer_config import prepare

    prepared = prepare(load_project(project, ["profile=strix-halo-cpu"]))
    backend = get_backend("axolotl")
    rendered = backend.render(
        prepared.project, prepared.plan, prepared.resolved.profile, Path("runs") / "x"
    )
    snapshot = backend.snapshot()
    assert backend.strict_check(rendered, prepared.resolved.profile, snapshot) == []
    smuggled = Rendered(
        **{**rendered.__dict__, "config": {**rendered.config, "hub_model_id": "evil/model"}}
    )
    problems = [str(p) for p in backend.strict_check(smuggled, prepared.resolved.profile, snapshot)]
    assert any(p.startswith("hub_model_id: the template does not write this key") for p in problems)
    assert any("seshat export" in p for p in problems)
