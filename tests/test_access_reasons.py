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
