"""`seshat doctor`'s rows with a faked machine: each broken fact gives a ✗ row with its fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from seshat.doctor import env_checks, facts, gpu_checks, machine_checks, report
from seshat.doctor.facts import GB, Needs, Probe, Row
from seshat.errors import MachineError


class FakeProbe(Probe):
    """A machine described by the test."""

    def __init__(self, **facts: object) -> None:
        self.facts = {
            "python": (3, 11, 7),
            "programs": {"tesseract", "pdftoppm", "espeak-ng", "chromium"},
            "langs": ["eng", "osd", "spa"],
            "free": 100 * GB,
            "memory": (24 * GB, 20 * GB),
            "environ": {},
            "files": {},
            "globs": {},
            "runs": {},
        } | facts

    def python_version(self) -> tuple[int, int, int]:
        return self.facts["python"]  # type: ignore[return-value]

    def which(self, program: str) -> str | None:
        return f"/usr/bin/{program}" if program in self.facts["programs"] else None  # type: ignore[operator]

    def run(self, argv: list[str], timeout: float = 120.0) -> tuple[int, str]:
        if argv[-1] == "--list-langs":
            langs = self.facts["langs"]
            return 0, f"List of available languages ({len(langs)}):\n" + "\n".join(langs)  # type: ignore[arg-type]
        for key, answer in self.facts["runs"].items():  # type: ignore[attr-defined]
            if key in " ".join(argv):
                return answer
        return 127, "not faked"

    def read(self, path: str) -> str | None:
        return self.facts["files"].get(path)  # type: ignore[attr-defined]

    def glob(self, pattern: str) -> list[str]:
        return self.facts["globs"].get(pattern, [])  # type: ignore[attr-defined]

    def environ(self) -> dict[str, str]:
        return self.facts["environ"]  # type: ignore[return-value]

    def free_disk(self, path: Path) -> int:
        return int(self.facts["free"])  # type: ignore[arg-type]

    def memory(self) -> tuple[int | None, int | None]:
        return self.facts["memory"]  # type: ignore[return-value]

    def cpu(self) -> tuple[str, list[str]]:
        return "Test CPU", ["avx2", "avx512f", "amx_int8"]


def by_name(rows: list[Row]) -> dict[str, Row]:
    return {row.name: row for row in rows}


def test_an_old_python_is_broken() -> None:
    row = machine_checks.check_python(FakeProbe(python=(3, 10, 12)))
    assert row.broken and "3.11" in row.fix
    assert machine_checks.check_python(FakeProbe()).state == "ok"


def test_ocr_needs_tesseract_and_the_projects_languages() -> None:
    needs = Needs(ocr_languages=["spa", "que"])
    rows = by_name(machine_checks.check_programs(FakeProbe(), needs))
    assert rows["tesseract"].broken
    assert "que" in rows["tesseract"].detail and "tesseract-ocr-que" in rows["tesseract"].fix
    missing = by_name(machine_checks.check_programs(FakeProbe(programs={"chromium"}), needs))
    assert (
        missing["tesseract"].broken
        and "tesseract-ocr-spa tesseract-ocr-que" in missing["tesseract"].fix
    )


def test_programs_a_project_does_not_need_only_warn() -> None:
    rows = by_name(machine_checks.check_programs(FakeProbe(programs=set()), Needs()))
    assert not any(row.broken for row in rows.values())
    assert rows["chromium"].state == "warn" and rows["chromium"].fix == "apt-get install chromium"
    assert by_name(machine_checks.check_programs(FakeProbe(programs=set()), Needs(pdf=True)))[
        "pdftoppm"
    ].broken


def test_disk_counts_the_envs_still_to_build_and_the_export() -> None:
    needs = Needs(weights_gb=2.0)
    row = machine_checks.check_disk(
        FakeProbe(free=5 * GB), needs, {"axolotl": False, "llamacpp": True}
    )
    assert row.broken, row.detail  # 4.5 (axolotl) + 9 (export) + 1 > 5
    assert "axolotl" in row.detail and "SESHAT_HOME" in row.fix
    assert (
        machine_checks.check_disk(FakeProbe(free=50 * GB), needs, {"axolotl": False}).state == "ok"
    )


def test_memory_against_the_plan_on_a_cpu_profile() -> None:
    small = FakeProbe(memory=(24 * GB, 20 * GB))
    assert machine_checks.check_memory(small, Needs(estimate_gb=80.5)).broken
    assert machine_checks.check_memory(small, Needs(estimate_gb=6.7)).state == "ok"
    assert machine_checks.check_memory(small, Needs(estimate_gb=22.0)).state == "warn"
    # a GPU profile's plan sizes the device, not this machine's RAM
    assert machine_checks.check_memory(small, Needs(estimate_gb=80.5, device="cuda")).state == "ok"


NODE = "/sys/class/kfd/kfd/topology/nodes/1/properties"
GTT = "/sys/class/drm/card1/device/mem_info_gtt_total"


def rocm_probe(**extra: object) -> FakeProbe:
    return FakeProbe(
        globs={
            "/sys/class/kfd/kfd/topology/nodes/*/properties": [NODE],
            "/sys/class/drm/card*/device/mem_info_gtt_total": [GTT],
        },
        files={
            NODE: "cpu_cores_count 0\ngfx_target_version 110501\n",
            "/opt/rocm/.info/version": "7.2.0-43\n",
            GTT: str(120 * 10**9),
        },
        **extra,
    )


def test_rocm_native_stack_with_the_override_is_broken() -> None:
    torch = {"archs": ["gfx1151"]}
    rows = by_name(
        gpu_checks.check_rocm(
            rocm_probe(environ={"HSA_OVERRIDE_GFX_VERSION": "11.5.1"}), Needs(device="rocm"), torch
        )
    )
    assert rows["gpu target"].detail == "gfx1151"
    assert rows["rocm"].state == "ok"
    assert (
        rows["gfx override"].broken and "unset HSA_OVERRIDE_GFX_VERSION" in rows["gfx override"].fix
    )
    assert rows["gpu memory (GTT)"].state == "ok"


def test_rocm_wheel_without_gfx1151_needs_the_override() -> None:
    rows = by_name(
        gpu_checks.check_rocm(rocm_probe(), Needs(device="rocm"), {"archs": ["gfx1100"]})
    )
    assert rows["gfx override"].broken and "11.5.1" in rows["gfx override"].fix
    with_override = Needs(device="rocm", env={"HSA_OVERRIDE_GFX_VERSION": "11.5.1"})
    assert (
        by_name(gpu_checks.check_rocm(rocm_probe(), with_override, {"archs": ["gfx1100"]}))[
            "gfx override"
        ].state
        == "ok"
    )


AOTRITON = {"TORCH_ROCM_AOTRITON_ENABLE_EXPERIMENTAL": "1"}


def test_the_stack_this_machine_has_and_whether_the_profile_is_for_it() -> None:
    native_torch, wheel_torch = {"archs": ["gfx1151"]}, {"archs": ["gfx1100", "gfx1101"]}
    native = Needs(device="rocm-gfx1151", profile="strix-halo-gfx1151", env=AOTRITON)
    rows = by_name(gpu_checks.check_rocm(rocm_probe(), native, native_torch))
    assert rows["rocm stack"].state == "ok" and "native" in rows["rocm stack"].detail
    assert rows["aotriton"].state == "ok"
    override = Needs(
        device="rocm",
        profile="strix-halo-rocm",
        env=AOTRITON | {"HSA_OVERRIDE_GFX_VERSION": "11.5.1"},
    )
    rows = by_name(gpu_checks.check_rocm(rocm_probe(), override, wheel_torch))
    assert rows["rocm stack"].state == "ok" and "override" in rows["rocm stack"].detail
    # the profile of the other stack: broken, and the fix names the right profile
    wrong = by_name(gpu_checks.check_rocm(rocm_probe(), override, native_torch))["rocm stack"]
    assert wrong.broken and "profile=strix-halo-gfx1151" in wrong.fix
    wrong = by_name(gpu_checks.check_rocm(rocm_probe(), native, wheel_torch))["rocm stack"]
    assert wrong.broken and "profile=strix-halo-rocm" in wrong.fix
    unknown = by_name(gpu_checks.check_rocm(rocm_probe(), native, None))["rocm stack"]
    assert unknown.state == "skip" and "--device rocm-gfx1151" in unknown.fix


def test_gfx1151_without_aotriton_is_broken() -> None:
    needs = Needs(device="rocm-gfx1151", profile="strix-halo-gfx1151")
    row = by_name(gpu_checks.check_rocm(rocm_probe(), needs, {"archs": ["gfx1151"]}))["aotriton"]
    assert row.broken and "19x slower" in row.detail
    set_here = rocm_probe(environ=AOTRITON)
    assert by_name(gpu_checks.check_rocm(set_here, needs, None))["aotriton"].state == "ok"


def test_the_native_build_gets_the_rocm_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        report, "check_env", lambda probe, name, device: (Row(name, "ok", ""), None)
    )
    monkeypatch.setattr(report, "check_runtime", lambda probe: [])
    rows = by_name(report.diagnose(rocm_probe(), Needs(device="rocm-gfx1151")))
    assert "rocm stack" in rows and "gpu target" in rows


def test_rocm_without_a_gpu_or_rocm() -> None:
    rows = by_name(gpu_checks.check_rocm(FakeProbe(), Needs(device="rocm"), None))
    assert rows["gpu target"].broken and rows["rocm"].broken
    assert rows["gpu memory (GTT)"].state == "warn"


def test_bitsandbytes_smoke_is_asked_only_where_4bit_is_planned(tmp_path: Path) -> None:
    python = tmp_path / "python"
    assert (
        gpu_checks.check_bitsandbytes(FakeProbe(), python, Needs(supports_4bit=False)).state
        == "skip"
    )
    broken = FakeProbe(runs={"quantize_4bit": (1, "RuntimeError: no kernel image for gfx1151")})
    row = gpu_checks.check_bitsandbytes(broken, python, Needs(supports_4bit=True))
    assert row.broken and "gfx1151" in row.detail
    fine = FakeProbe(runs={"quantize_4bit": (0, "0.0732")})
    assert gpu_checks.check_bitsandbytes(fine, python, Needs(supports_4bit=True)).state == "ok"


def test_wandb_online_needs_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("seshat.secrets.secret", lambda name: None)
    assert machine_checks.check_wandb(FakeProbe(), Needs(wandb_mode="offline")).state == "ok"
    assert machine_checks.check_wandb(FakeProbe(), Needs(wandb_mode="online")).broken
    keyed = FakeProbe(environ={"WANDB_API_KEY": "x"})
    assert machine_checks.check_wandb(keyed, Needs(wandb_mode="online")).state == "ok"


def test_env_rows(empty_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    row, _ = env_checks.check_env(FakeProbe(), "llamafactory", "cpu")
    assert (
        row.state == "warn" and not row.broken and "seshat backend install llamafactory" in row.fix
    )
    from seshat.environments import planned_env

    env = planned_env("llamafactory", "cpu")
    env.path.mkdir(parents=True)
    (env.path / "seshat-env.json").write_text("{}")
    row, _ = env_checks.check_env(
        FakeProbe(runs={"import json, torch": (1, "ImportError: libtorch")}), "llamafactory", "cpu"
    )
    assert row.broken and "--force" in row.fix
    sees = '{"torch": "2.13.0+cpu", "hip": null, "cuda": null, "available": false, "name": null, "archs": []}'
    row, info = env_checks.check_env(
        FakeProbe(runs={"import json, torch": (0, sees)}), "llamafactory", "cpu"
    )
    assert row.state == "ok" and "torch 2.13.0+cpu" in row.detail and info is not None
    row, _ = env_checks.check_env(
        FakeProbe(runs={"import json, torch": (0, sees)}), "llamafactory", "rocm"
    )
    assert row.state == "warn"  # the rocm env is another env, not built here


def test_require_names_every_broken_row_and_its_fix() -> None:
    rows = [
        Row("python", "ok", "Python 3.11.7"),
        Row("tesseract", "fail", "not installed", "apt-get install tesseract-ocr"),
        Row("chromium", "warn", "not installed", "apt-get install chromium", needed=False),
    ]
    with pytest.raises(MachineError) as caught:
        report.require(rows, "the quickstart")
    assert "tesseract: not installed (fix: apt-get install tesseract-ocr)" in caught.value.message
    assert "chromium" not in caught.value.message
    report.require(rows[:1] + rows[2:], "the quickstart")  # nothing broken: no error


def test_needs_of_the_quickstart_sample_before_its_model_exists(tmp_path: Path) -> None:
    from seshat.config.loader import load_project
    from seshat.quickstart.sample import copy_sample

    copy_sample(tmp_path / "qs")
    needs = facts.needs_of(load_project(tmp_path / "qs", []))
    assert needs.ocr_languages == ["spa"]  # source language `es` -> tesseract's spa
    assert needs.device == "cpu" and needs.estimate_gb is None  # no model folder yet: no plan
