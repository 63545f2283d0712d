from __future__ import annotations

import stat
from pathlib import Path

import pytest

from seshat.errors import ProfileError
from seshat.profiles import (
    AliasProfile,
    Profile,
    available,
    copy_profile,
    detect_device,
    load_file,
    resolve,
)

SHIPPED = {"strix-halo-rocm", "strix-halo-cpu", "cloud-a100-80b", "strix-halo"}


def test_every_shipped_profile_validates() -> None:
    known = available(None)
    assert set(known) >= SHIPPED
    for name, path in known.items():
        profile = load_file(path)
        assert isinstance(profile, Profile | AliasProfile), name


def test_rocm_profile_carries_gfx1151_settings() -> None:
    profile = resolve("strix-halo-rocm", None).profile
    assert profile.env["HSA_OVERRIDE_GFX_VERSION"] == "11.5.1"
    assert profile.env["ROCBLAS_USE_HIPBLASLT"] == "1"
    assert profile.attention == "sdpa"  # flash-attn does not build for gfx1151
    assert profile.memory.total_gb == 128


def test_alias_picks_cpu_without_backend_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SESHAT_DEVICE", raising=False)
    resolved = resolve("strix-halo", None, backend_python=None)
    assert resolved.profile.name == "strix-halo-cpu"
    assert "seshat backend install" in (resolved.reason or "")


def test_alias_forced_by_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SESHAT_DEVICE", "rocm")
    assert resolve("strix-halo", None).profile.name == "strix-halo-rocm"


def _fake_python(tmp_path: Path, answer: str) -> Path:
    """An executable standing in for a backend env's python: prints what torch would report."""
    (tmp_path / "env" / "bin").mkdir(parents=True)
    script = tmp_path / "env" / "bin" / "python"
    script.write_text(f"#!/bin/sh\necho '{answer}'\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def test_alias_asks_backend_torch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SESHAT_DEVICE", raising=False)
    rocm = _fake_python(
        tmp_path, '{"hip": "7.1.0", "cuda": null, "available": true, "name": "Radeon 8060S"}'
    )
    device, why = detect_device(rocm)
    assert device == "rocm" and "Radeon 8060S" in why
    assert (tmp_path / "env" / "device.json").is_file()
    assert "(cached" in detect_device(rocm)[1]
    assert resolve("strix-halo", None, rocm).profile.name == "strix-halo-rocm"
    (tmp_path / "cpu").mkdir()
    cpu = _fake_python(
        tmp_path / "cpu", '{"hip": "7.1.0", "cuda": null, "available": false, "name": null}'
    )
    device, why = detect_device(cpu)
    assert device == "cpu" and "sees no GPU" in why


def test_unknown_profile_lists_known_and_suggests() -> None:
    with pytest.raises(ProfileError) as info:
        resolve("strix-hallo-cpu", None)
    text = str(info.value)
    assert "Did you mean 'strix-halo-cpu'" in text and "cloud-a100-80b" in text


def test_project_profile_overrides_shipped(tmp_path: Path) -> None:
    path = copy_profile("strix-halo-cpu", Path("strix-halo-cpu"), tmp_path)
    assert path == tmp_path / "profiles" / "strix-halo-cpu.yaml"
    path.write_text(path.read_text().replace("usable_gb: 110", "usable_gb: 12"))
    assert resolve("strix-halo-cpu", tmp_path).profile.memory.usable_gb == 12
    assert resolve("strix-halo-cpu", None).profile.memory.usable_gb == 110


def test_cp_renames_and_refuses_overwrite(tmp_path: Path) -> None:
    path = copy_profile("cloud-a100-80b", Path("my-a100"), tmp_path)
    assert resolve("my-a100", tmp_path).profile.name == "my-a100"
    with pytest.raises(ProfileError, match="already exists"):
        copy_profile("cloud-a100-80b", Path("my-a100"), tmp_path)
    assert path.exists()


def test_invalid_profile_file_is_explained(tmp_path: Path) -> None:
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "bad.yaml").write_text("description: x\ndevice: tpu\n")
    with pytest.raises(ProfileError) as info:
        resolve("bad", tmp_path)
    assert "device: 'tpu'" in str(info.value) and "is not a valid hardware profile" in str(
        info.value
    )
