"""The real `seshat` entry point: light start-up, clear errors, no tracebacks for user mistakes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import REPO, run_cli

HEAVY = ("torch", "transformers", "axolotl", "llamafactory", "peft", "datasets", "wandb", "gradio")


def _modules_after(code: str, cwd: Path) -> set[str]:
    probe = f"import sys, json\n{code}\nprint('MODULES=' + json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=cwd, check=True
    ).stdout
    return set(json.loads(out.split("MODULES=")[-1]))


def test_help_imports_nothing_heavy(tmp_path: Path) -> None:
    mods = _modules_after(
        "from seshat.cli.main import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass",
        tmp_path,
    )
    assert not [m for m in mods if m.split(".")[0] in HEAVY]
    # the help screen does not even load the config layer
    assert "pydantic" not in mods and "jinja2" not in mods and "rich" not in mods


def test_render_imports_no_torch_or_backend(project: Path) -> None:
    mods = _modules_after(
        f"from seshat.cli.main import main\nmain(['render', '-C', {str(project)!r}, 'profile=strix-halo-cpu'])",
        project,
    )
    assert not [m for m in mods if m.split(".")[0] in HEAVY]


def test_help_lists_commands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for name in ("init", "render", "check", "profiles", "backend"):
        assert name in result.stdout


def _is_one_clear_paragraph(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.startswith("Error: ")
    assert "Next: " in result.stderr


def test_malformed_yaml(project: Path) -> None:
    (project / "seshat.yaml").write_text("name: x\nlanguage:\n  name: [oops\n", encoding="utf-8")
    result = run_cli("render", "-C", str(project))
    _is_one_clear_paragraph(result)
    assert "not valid YAML" in result.stderr and "at line 3, column 9" in result.stderr


def test_unknown_profile(project: Path) -> None:
    result = run_cli("render", "-C", str(project), "profile=strix-halo-gpu")
    _is_one_clear_paragraph(result)
    assert (
        "Unknown hardware profile 'strix-halo-gpu'" in result.stderr
        and "strix-halo-cpu" in result.stderr
    )


def test_missing_base_model_path(project: Path) -> None:
    result = run_cli("render", "-C", str(project), "model.base=./models/qwen3-tiny")
    _is_one_clear_paragraph(result)
    assert "does not exist" in result.stderr and "model.base" in result.stderr


def test_missing_backend_env(project: Path, tmp_path: Path) -> None:
    result = run_cli(
        "check",
        "-C",
        str(project),
        "profile=strix-halo-cpu",
        env={"SESHAT_HOME": str(tmp_path / "h")},
    )
    assert "Strict check passed" in result.stdout
    _is_one_clear_paragraph(result)
    assert "seshat backend install axolotl --device cpu" in result.stderr


def test_strict_check_failure_exits_non_zero(project: Path, tmp_path: Path) -> None:
    result = run_cli("check", "--strict-only", "-C", str(project), "training.lora.rank=ocho")
    _is_one_clear_paragraph(result)
    assert "training.lora.rank" in result.stderr


def test_unknown_key_in_config(project: Path) -> None:
    text = (project / "seshat.yaml").read_text().replace("backend: axolotl", "backnd: axolotl")
    (project / "seshat.yaml").write_text(text)
    result = run_cli("render", "-C", str(project))
    _is_one_clear_paragraph(result)
    assert "backnd: unknown key. Did you mean 'backend'?" in result.stderr


def test_not_a_project(tmp_path: Path) -> None:
    result = run_cli("render", "-C", str(tmp_path))
    _is_one_clear_paragraph(result)
    assert "seshat init" in result.stderr


def test_render_writes_and_diffs(project: Path) -> None:
    first = run_cli("render", "-C", str(project), "profile=strix-halo-cpu")
    assert first.returncode == 0, first.stderr
    path = project / ".seshat/render/axolotl-strix-halo-cpu/backend.yaml"
    assert path.is_file() and (path.parent / "plan.json").is_file()
    same = run_cli("render", "-C", str(project), "profile=strix-halo-cpu")
    assert "No change since the previous render." in same.stdout
    changed = run_cli("render", "-C", str(project), "profile=strix-halo-cpu", "training.lr=1e-4")
    assert "-learning_rate: 0.0002" in changed.stdout and "+learning_rate: 0.0001" in changed.stdout


def test_project_override_key_works_for_just(project: Path) -> None:
    result = run_cli("render", f"project={project}", "profile=cloud-a100-80b")
    assert result.returncode == 0, result.stderr
    assert (project / ".seshat/render/axolotl-cloud-a100-80b/backend.yaml").is_file()


def test_alias_reason_is_printed(project: Path, tmp_path: Path) -> None:
    result = run_cli(
        "render", "-C", str(project), env={"SESHAT_HOME": str(tmp_path / "h"), "SESHAT_DEVICE": ""}
    )
    assert result.returncode == 0, result.stderr
    assert "'strix-halo' -> 'strix-halo-cpu'" in result.stdout


def test_init_refuses_to_overwrite(project: Path) -> None:
    result = run_cli("init", str(project), "--language", "X", "--code", "x")
    _is_one_clear_paragraph(result)
    assert "--force" in result.stderr


def test_profiles_commands(tmp_path: Path) -> None:
    listed = run_cli("profiles", "list", "-C", str(tmp_path))
    assert (
        listed.returncode == 0 and "strix-halo-rocm" in listed.stdout and "alias" in listed.stdout
    )
    shown = run_cli("profiles", "show", "strix-halo-rocm")
    assert "HSA_OVERRIDE_GFX_VERSION" in shown.stdout
    copied = run_cli("profiles", "cp", "strix-halo-cpu", "laptop", "-C", str(tmp_path))
    assert copied.returncode == 0 and (tmp_path / "profiles" / "laptop.yaml").is_file()
    assert "laptop" in run_cli("profiles", "list", "-C", str(tmp_path)).stdout


def test_config_show_applies_overrides(project: Path) -> None:
    result = run_cli("config", "show", "-C", str(project), "training.lora.rank=96")
    assert result.returncode == 0 and "rank: 96" in result.stdout


def test_backend_list_with_nothing_installed(tmp_path: Path) -> None:
    result = run_cli("backend", "list", env={"SESHAT_HOME": str(tmp_path / "h")})
    assert result.returncode == 0 and "seshat backend install" in result.stdout


def test_module_entry_point_matches_console_script() -> None:
    assert (REPO / "seshat" / "__main__.py").is_file()
