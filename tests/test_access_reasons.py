"""Exceptions to the access policy need a real reason, on the command line too."""

from __future__ import annotations

from pathlib import Path

import pytest

from seshat.config.loader import load_project
from seshat.errors import ConfigError


@pytest.mark.parametrize(
    "reason", ["none", "n/a", "TODO", "x", "ok", "OK.", "yes", "approved", "1234567890"]
)
def test_placeholder_reasons_are_refused(project: Path, reason: str) -> None:
    with pytest.raises(ConfigError, match="who agreed"):
        load_project(project, [f'access.overrides.dataset_export="{reason}"'])


def test_a_real_reason_is_accepted(project: Path) -> None:
    loaded = load_project(project, ['access.overrides.dataset_export="Council, 2026-10-02"'])
    assert loaded.spec.access.overrides


def test_a_rule_loosened_on_the_command_line_needs_a_reason(project: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"access.rules.dataset_export=sacred on the command line"
    ):
        load_project(project, ["access.rules.dataset_export=sacred"])
    tightened = load_project(project, ["access.rules.model_export=public"])  # closing is free
    assert tightened.spec.access.rules
    with_reason = load_project(
        project,
        [
            "access.rules.dataset_export=sacred",
            'access.overrides.dataset_export="Council, 2026-10-02"',
        ],
    )
    assert with_reason.spec.access.rules


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("LD_PRELOAD", "never sets it"),
        ("PYTHONPATH", "never sets it"),
        ("WANDB_MODE", "never sets it"),
        ("HTTPS_PROXY", "never sets it"),
        ("MY_FLAG", "env_reasons"),
    ],
)
def test_a_profile_sets_only_documented_variables(project: Path, name: str, says: str) -> None:
    from conftest import run_cli

    shipped = Path(__file__).parents[1] / "profiles" / "strix-halo-cpu.yaml"
    text = shipped.read_text(encoding="utf-8").replace("name: strix-halo-cpu", "name: my-box")
    text = text.replace("env:\n", f"env:\n  {name}: '1'\n", 1)
    (project / "profiles").mkdir()
    (project / "profiles" / "my-box.yaml").write_text(text, encoding="utf-8")
    done = run_cli("render", "-C", str(project), "profile=my-box")
    assert done.returncode == 1 and says in done.stderr and "Traceback" not in done.stderr
    if name == "MY_FLAG":
        reasoned = text + "env_reasons:\n  MY_FLAG: 'vendor driver needs it, Ana 2026-11-30'\n"
        (project / "profiles" / "my-box.yaml").write_text(reasoned, encoding="utf-8")
        assert run_cli("render", "-C", str(project), "profile=my-box").returncode == 0
