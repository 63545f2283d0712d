"""Every shipped template x profile x backend x method renders, matches its golden file and passes
the strict check. Regenerate the golden files with SESHAT_UPDATE_GOLDEN=1 after an intended change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from matrix import matrix, render_case

from seshat.errors import ConfigError
from seshat.trainer_config import CheckReport, strict_check

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("SESHAT_UPDATE_GOLDEN") == "1"


@pytest.fixture(autouse=True)
def _private_home(empty_home: Path) -> None:
    """Golden output must not depend on which backend envs this machine has."""


@pytest.mark.parametrize(("backend", "recipe", "profile", "method"), matrix())
def test_render_matches_golden_and_passes_strict_check(
    project: Path, backend: str, recipe: str, profile: str, method: str
) -> None:
    prepared, rendered = render_case(project, backend, recipe, profile, method)
    files = {"backend.yaml": rendered.yaml_text, **rendered.files}
    for name, text in files.items():
        golden = GOLDEN / backend / f"{recipe}-{profile}-{method}" / name
        if UPDATE:
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_text(text, encoding="utf-8")
        assert golden.is_file(), f"missing golden file {golden}: run with SESHAT_UPDATE_GOLDEN=1"
        assert text == golden.read_text(encoding="utf-8"), f"{golden} differs from the render"
    report = CheckReport()
    strict_check(prepared, rendered, report)
    assert report.strict == [], [str(p) for p in report.strict]


def test_golden_folder_has_no_stale_cases() -> None:
    expected = {f"{b}/{r}-{p}-{m}" for b, r, p, m in matrix()}
    present = {f"{d.parent.name}/{d.name}" for d in GOLDEN.glob("*/*") if d.is_dir()}
    assert present == expected


def test_qlora_on_a_profile_without_4bit_is_refused(project: Path) -> None:
    with pytest.raises(ConfigError, match="no 4-bit support"):
        render_case(project, "axolotl", "sft", "strix-halo-cpu", "qlora")


def test_cpu_renders_encode_known_workarounds(project: Path) -> None:
    _, ax = render_case(project, "axolotl", "sft", "strix-halo-cpu", "lora")
    for key in (
        "lora_mlp_kernel",
        "lora_qkv_kernel",
        "lora_o_kernel",
        "lora_embedding_kernel",
        "bf16",
        "fp16",
    ):
        assert ax.config[key] is False, key
    assert ax.argv == ["axolotl", "train", "runs/golden/backend.yaml", "--launcher", "python"]
    assert ax.env["AXOLOTL_DO_NOT_TRACK"] == "1"
    assert ax.config["datasets"][0]["field_messages"] == "messages"
    _, lf = render_case(project, "llamafactory", "sft", "strix-halo-cpu", "lora")
    assert lf.config["template"] == "qwen3_nothink"
    assert lf.config["use_cpu"] is True
    assert '"messages": "messages"' in lf.files["dataset_info.json"]
    _, rocm = render_case(project, "llamafactory", "sft", "strix-halo-rocm", "lora")
    assert rocm.config["bf16"] is True
    assert rocm.env["HSA_OVERRIDE_GFX_VERSION"] == "11.5.1"
    _, native = render_case(project, "llamafactory", "sft", "strix-halo-gfx1151", "lora")
    assert "HSA_OVERRIDE_GFX_VERSION" not in native.env
    assert native.env["TORCH_ROCM_AOTRITON_ENABLE_EXPERIMENTAL"] == "1"


def test_local_model_turns_hub_access_off(project: Path) -> None:
    model = project / "models" / "tiny"
    model.mkdir(parents=True)
    (model / "config.json").write_text('{"model_type": "qwen3"}')
    from seshat.config.loader import load_project
    from seshat.trainer_config import prepare, render

    loaded = load_project(project, ["model.base=./models/tiny", "profile=strix-halo-cpu"])
    rendered = render(prepare(loaded))
    assert rendered.env["HF_HUB_OFFLINE"] == "1"
    assert rendered.config["chat_template"] == "qwen3"


def test_missing_local_model_is_a_clear_error(project: Path) -> None:
    from seshat.config.loader import load_project
    from seshat.trainer_config import prepare

    with pytest.raises(ConfigError, match="does not exist"):
        prepare(load_project(project, ["model.base=./models/missing"]))


def test_recipe_picks_a_project_template(project: Path) -> None:
    from seshat.config.loader import load_project
    from seshat.errors import TemplateError
    from seshat.trainer_config import prepare, render

    folder = project / "templates" / "axolotl"
    folder.mkdir(parents=True)
    (folder / "cpt.yaml.j2").write_text(
        "base_model: {{ model.base | yaml }}\nsequence_len: {{ plan.sequence_len }}\n"
    )
    loaded = load_project(project, ["training.recipe=cpt", "profile=strix-halo-cpu"])
    rendered = render(prepare(loaded))
    assert rendered.config == {"base_model": "Qwen/Qwen3-14B", "sequence_len": 512}
    with pytest.raises(TemplateError, match=r"recipes: cpt, sft"):
        render(prepare(load_project(project, ["training.recipe=nope", "profile=strix-halo-cpu"])))
