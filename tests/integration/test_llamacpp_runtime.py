"""The llama.cpp runtime as built on this machine: every quantization type generates, AMX is
compiled out of ggml's real sources, and `seshat doctor` runs for real (and sees a damaged wheel)."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
from conftest import run_cli

from seshat.environments import install, requirements_file
from seshat.envs import llamacpp as runtime
from seshat.envs import llamacpp_smoke as smoke
from seshat.packaged_models import smollm2_gguf
from seshat.paths import seshat_home

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def runtime_env():
    env, _ = install("llamacpp", "cpu")
    return env


def test_every_quantization_type_generates_on_this_cpu(runtime_env) -> None:
    version = runtime.pinned_version(requirements_file("llamacpp", "cpu"))
    result = smoke.run_smoke(runtime_env.path, runtime_env.python, smollm2_gguf(), version)
    assert result.passed, result.failures()
    assert list(result.results) == list(smoke.TYPES)
    assert all(r["text"].strip() for r in result.results.values())
    assert "AMX_INT8 = 1" not in result.system_info


def _ggml_sources(target: Path) -> Path:
    version = runtime.pinned_version(requirements_file("llamacpp", "cpu"))
    archive = seshat_home() / "sources" / f"llama_cpp_python-{version}.tar.gz"
    prefix = f"llama_cpp_python-{version}/vendor/llama.cpp/ggml/"
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith(prefix)]
        tar.extractall(target, members=members, filter="data")
    return target / prefix


def test_the_build_flags_compile_amx_out_of_ggml(runtime_env, tmp_path: Path) -> None:
    """Compile ggml's AMX kernels for a Sapphire Rapids CPU, as -march=native does there."""
    # the compiler that built the runtime's wheel is there wherever the wheel was built
    assert shutil.which("g++"), "g++ is missing, yet the llama.cpp runtime was compiled here"
    ggml = _ggml_sources(tmp_path)
    flags = shlex.split(runtime.cmake_args(requirements_file("llamacpp", "cpu")))
    ours = next(a.partition("=")[2] for a in flags if a.startswith("-DCMAKE_CXX_FLAGS=")).split()

    def compile_amx(extra: list[str]) -> str:
        obj = tmp_path / f"mmq{len(extra)}.o"
        subprocess.run(
            [
                "g++",
                "-std=c++17",
                "-O2",
                *extra,
                "-march=sapphirerapids",
                "-I",
                ggml / "include",
                "-I",
                ggml / "src",
                "-I",
                ggml / "src" / "ggml-cpu",
                "-c",
                ggml / "src" / "ggml-cpu" / "amx" / "mmq.cpp",
                "-o",
                obj,
            ],
            check=True,
            capture_output=True,
        )
        return subprocess.run(
            ["objdump", "-d", obj], check=True, capture_output=True, text=True
        ).stdout

    assert "ldtilecfg" in compile_amx([])  # without the flags the AMX kernels are built in
    built = compile_amx(ours)
    assert "ldtilecfg" not in built and "tdpb" not in built


def test_doctor_on_the_quickstart_sample(runtime_env, tmp_path: Path) -> None:
    from seshat.quickstart.sample import copy_sample

    copy_sample(tmp_path / "qs")
    done = run_cli("doctor", "--json", cwd=tmp_path / "qs")
    report = json.loads(done.stdout)
    rows = {row["name"]: row for row in report["rows"]}
    assert done.returncode == 0 and report["ok"], done.stdout + done.stderr
    assert rows["llama.cpp smoke"]["state"] == "ok"
    assert rows["tesseract"]["state"] == "ok" and rows["tesseract"]["needed"]
    shown = run_cli("doctor", cwd=tmp_path / "qs")
    assert "✓ llama.cpp smoke" in shown.stdout


def test_doctor_refuses_a_damaged_cached_wheel(runtime_env, tmp_path: Path) -> None:
    home = tmp_path / "home"
    wheels = runtime.wheel_dir(runtime_env.path.name)
    damaged = home / "wheels" / wheels.name
    shutil.copytree(wheels, damaged)
    wheel = next(damaged.glob("*.whl"))
    data = bytearray(wheel.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 16] = b"\xff" * 16
    wheel.write_bytes(bytes(data))
    done = run_cli("doctor", cwd=tmp_path, env={"SESHAT_HOME": str(home)})
    assert done.returncode == 1, done.stdout
    assert "✗ llama.cpp wheel" in done.stdout and "--rebuild" in done.stdout
