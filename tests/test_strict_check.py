"""The strict check (no backend import) rejects what the backends let through, naming the key path."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from matrix import render_case

from seshat.backends.base import Rendered
from seshat.backends.schema import Problem


@pytest.fixture(autouse=True)
def _private_home(empty_home: Path) -> None:
    """Use the shipped snapshots, not an installed env's."""


Mutation = Callable[[dict[str, Any], dict[str, str]], object]


def _check(
    project: Path, backend: str, mutate: Mutation, profile: str = "strix-halo-cpu"
) -> list[str]:
    prepared, rendered = render_case(project, backend, "sft", profile, "lora")
    config = copy.deepcopy(rendered.config)
    files = dict(rendered.files)
    mutate(config, files)
    changed = Rendered(
        rendered.backend,
        rendered.recipe,
        rendered.profile,
        rendered.yaml_text,
        config,
        files,
        rendered.argv,
        rendered.env,
    )
    snapshot = prepared.backend.snapshot()
    problems: list[Problem] = prepared.backend.strict_check(
        changed, prepared.resolved.profile, snapshot
    )
    return [str(p) for p in problems]


AXOLOTL_PLANTED = {
    "unknown key": (
        lambda c, f: c.update(lora_rr=8),
        "lora_rr: unknown key. Did you mean 'lora_r'",
    ),
    "nested unknown dataset key": (
        lambda c, f: c["datasets"][0].update(field_mesages="messages"),
        "datasets[0].field_mesages: unknown key. Did you mean 'field_messages'",
    ),
    "string for an integer": (
        lambda c, f: c.update(lora_r="ocho"),
        "lora_r: 'ocho' (str) is not an integer",
    ),
    "unknown template": (
        lambda c, f: c.update(chat_template="qwen33"),
        "chat_template: unknown value 'qwen33'. Did you mean 'qwen3'",
    ),
    "unknown optimizer": (
        lambda c, f: c.update(optimizer="adamw_foo"),
        "optimizer: unknown value 'adamw_foo'",
    ),
    "contradictory precision": (
        lambda c, f: c.update(bf16=True, fp16=True),
        "bf16/fp16: both are on",
    ),
    "cuda kernels on cpu": (
        lambda c, f: c.update(lora_mlp_kernel=True),
        "lora_mlp_kernel: LoRA kernels need CUDA",
    ),
}

LLAMAFACTORY_PLANTED = {
    "unknown key": (
        lambda c, f: c.update(lora_rr=8),
        "lora_rr: unknown key. Did you mean 'lora_rank'",
    ),
    "nested unknown dataset key": (
        lambda c, f: f.update(
            {
                "dataset_info.json": f["dataset_info.json"].replace(
                    '"columns": {"messages"', '"columns": {"mesages"', 1
                )
            }
        ),
        "dataset_info.json:seshat_train.columns.mesages: unknown key",
    ),
    "string for an integer": (
        lambda c, f: c.update(lora_rank="ocho"),
        "lora_rank: 'ocho' (str) is not an integer",
    ),
    "unknown template": (
        lambda c, f: c.update(template="qwen3_nothinkk"),
        "template: unknown value 'qwen3_nothinkk'. Did you mean 'qwen3_nothink'",
    ),
    "unknown optimizer": (
        lambda c, f: c.update(optim="adamw_foo"),
        "optim: unknown value 'adamw_foo'",
    ),
    "contradictory precision": (
        lambda c, f: c.update(bf16=True, fp16=True),
        "bf16/fp16: both are on",
    ),
    "dataset missing from dataset_info": (
        lambda c, f: c.update(dataset="other"),
        "dataset: dataset 'other' is not in dataset_info.json",
    ),
}


@pytest.mark.parametrize("case", list(AXOLOTL_PLANTED))
def test_axolotl_planted_errors(project: Path, case: str) -> None:
    mutate, expected = AXOLOTL_PLANTED[case]
    problems = _check(project, "axolotl", mutate)
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize("case", list(LLAMAFACTORY_PLANTED))
def test_llamafactory_planted_errors(project: Path, case: str) -> None:
    mutate, expected = LLAMAFACTORY_PLANTED[case]
    problems = _check(project, "llamafactory", mutate)
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize("backend", ["axolotl", "llamafactory"])
def test_unmodified_render_is_clean(project: Path, backend: str) -> None:
    assert _check(project, backend, lambda c, f: None) == []
