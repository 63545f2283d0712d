"""The llama.cpp runtime's guards that need no built env: GGUF headers, crash diagnosis, the
wheel cache's integrity check, the AMX build flags, and an export that fails leaving no litter."""

from __future__ import annotations

import json
import signal
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import REPO

from seshat.envs import llamacpp as runtime
from seshat.errors import ModelError
from seshat.eval.examples import Example
from seshat.eval.generate import Engine, generate
from seshat.gguf_header import GGUFHeaderError, describe, read_metadata
from seshat.packaged_models import smollm2_gguf
from seshat.process.diagnosis import llamacpp_crash

REQUIREMENTS = REPO / "seshat" / "envs" / "requirements"


def test_gguf_header_of_the_packaged_smollm2() -> None:
    gguf = smollm2_gguf()
    meta = read_metadata(gguf)
    assert meta["general.file_type"] == 3 and meta["general.architecture"] == "llama"
    assert meta["llama.block_count"] == 30 and meta["tokenizer.ggml.pre"] == "smollm"
    assert "tokenizer.ggml.tokens" not in meta  # arrays are skipped
    assert describe(gguf) == "Q4_1, llama"


def test_gguf_header_of_broken_files(tmp_path: Path) -> None:
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(smollm2_gguf().read_bytes()[:200])
    with pytest.raises(GGUFHeaderError):
        read_metadata(cut)
    other = tmp_path / "model.safetensors"
    other.write_bytes(b"\x00" * 64)
    assert "magic" in describe(other)
    assert "header unreadable" in describe(tmp_path / "missing.gguf")


def test_a_crash_names_signal_type_cpu_and_next_command() -> None:
    found = llamacpp_crash(-signal.SIGSEGV, smollm2_gguf(), "Generation with llama.cpp")
    assert found is not None
    message, hint = found
    assert "SIGSEGV" in message and "Q4_1, llama" in message and "kernel features" in message
    assert "seshat doctor" in hint and "--rebuild" in hint
    assert llamacpp_crash(1, smollm2_gguf(), "x") is None  # an error exit is no crash
    assert llamacpp_crash(-signal.SIGTERM, None, "x") is None  # sent by someone: not a crash


def test_generation_that_crashes_is_diagnosed(tmp_path: Path) -> None:
    """A real child killed by SIGSEGV, through the same code path as eval and translate."""
    crash = "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"
    engine = Engine(
        tag="gguf-Q4_1",
        argv=[sys.executable, "-c", crash],
        description="llama.cpp (model-Q4_1.gguf)",
        model_files=(smollm2_gguf(),),
        gguf=smollm2_gguf(),
    )
    example = Example(
        "1", "translate_to_target", [{"role": "user", "content": "hola"}], "", "hola", None, None
    )
    with pytest.raises(ModelError) as caught:
        generate(engine, [example], tmp_path / "answers.jsonl", tmp_path / "log.txt")
    text = str(caught.value)
    assert "crashed with SIGSEGV" in text and "Q4_1, llama" in text
    assert "seshat doctor" in (caught.value.hint or "")
    assert "find out what sent it" not in text


def _wheel(folder: Path) -> Path:
    folder.mkdir(parents=True)
    wheel = folder / "llama_cpp_python-0.3.36-py3-none-linux_x86_64.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("llama_cpp/lib/libllama.so", b"\x7fELF" + bytes(range(256)) * 64)
    return wheel


def test_a_damaged_cached_wheel_is_found(empty_home: Path) -> None:
    wheel = _wheel(runtime.wheel_dir("llamacpp-cpu-test"))
    assert runtime.cached_wheel("llamacpp-cpu-test", "0.3.36") == (wheel, "ok")
    (wheel.parent / runtime.SUMS).write_text(f"{runtime._sha256(wheel)}  {wheel.name}\n")
    assert runtime.cached_wheel("llamacpp-cpu-test", "0.3.36")[1] == "ok"
    data = bytearray(wheel.read_bytes())
    data[100:110] = b"corrupted!"
    wheel.write_bytes(bytes(data))
    assert "sha256 differs" in runtime.cached_wheel("llamacpp-cpu-test", "0.3.36")[1]
    (wheel.parent / runtime.SUMS).unlink()  # no record: the zip's own CRCs still catch it
    assert "damaged" in runtime.cached_wheel("llamacpp-cpu-test", "0.3.36")[1]
    assert runtime.cached_wheel("llamacpp-cpu-other", "0.3.36") == (None, "missing")


@pytest.mark.parametrize("device", ["cpu", "cuda", "rocm"])
def test_every_llamacpp_build_compiles_amx_out(device: str) -> None:
    """GCC 12's _tile_loadconfig makes ggml's AMX kernels load a zeroed tile config (SIGSEGV)."""
    import shlex

    args = shlex.split(runtime.cmake_args(REQUIREMENTS / f"llamacpp-{device}.txt"))
    for variable in ("CMAKE_C_FLAGS", "CMAKE_CXX_FLAGS"):
        value = next(a.partition("=")[2] for a in args if a.startswith(f"-D{variable}="))
        assert set(value.split()) >= {"-mno-amx-tile", "-mno-amx-int8", "-mno-amx-bf16"}


def test_a_failed_export_removes_its_folder(tmp_path: Path) -> None:
    from seshat.export.export import _removed_on_failure

    scratch = tmp_path / ".exporting"
    scratch.mkdir()
    (scratch / "model-F32.gguf").write_bytes(b"\0" * 2_000_000)
    with pytest.raises(ModelError) as caught, _removed_on_failure(scratch):
        raise ModelError("Quantizing to Q8_0 failed.", "fix it")
    assert not scratch.exists()
    assert "(2 MB in" in caught.value.message and "was removed" in caught.value.message
    scratch.mkdir()
    with pytest.raises(KeyboardInterrupt), _removed_on_failure(scratch):
        raise KeyboardInterrupt
    assert not scratch.exists()


def test_smoke_stamp_follows_the_libraries(tmp_path: Path) -> None:
    from seshat.envs import llamacpp_smoke as smoke

    lib = tmp_path / "lib" / "python3.11" / "site-packages" / "llama_cpp" / "lib"
    lib.mkdir(parents=True)
    (lib / "libggml-cpu.so").write_bytes(b"one")
    first = smoke.fingerprint(tmp_path)
    (tmp_path / smoke.STAMP).write_text(json.dumps({"fingerprint": first, "passed": True}))
    assert smoke.recorded(tmp_path) == {"fingerprint": first, "passed": True}
    (lib / "libggml-cpu.so").write_bytes(b"two")  # a rebuilt or damaged library
    assert smoke.recorded(tmp_path) is None
