"""The llama.cpp runtime env: llama-cpp-python, its server, Gradio and the matching converter.

The HF→GGUF converter comes from the very llama.cpp version that llama-cpp-python carries.

llama-cpp-python has no binary wheel on the registry: building it takes 10-30 minutes on two
cores. The wheel is built once into ``$SESHAT_HOME/wheels/<env name>/`` and reused by every later
install with the same pins on the same kind of CPU (the build is tuned to the CPU it runs on, so
the key includes the CPU's model and flags; ``SHA256SUMS`` beside it catches a damaged copy, which
is compiled again). The converter (``convert_hf_to_gguf.py``, its
``conversion`` package and llama.cpp's own ``gguf-py``) comes out of the same source archive, so
the GGUF files it writes match the llama.cpp that loads them.
"""

from __future__ import annotations

import hashlib
import os
import re
import tarfile
from pathlib import Path

from seshat.envs.managed import ManagedEnv, Step
from seshat.errors import BackendEnvError
from seshat.paths import seshat_home
from seshat.yamlio import remove_tree

NAME = "llamacpp"
CONVERTER_DIR = "llama.cpp"
SUMS = "SHA256SUMS"
_PIN = re.compile(r"^llama-cpp-python(?:\[[^\]]*\])?==([\w.]+)", re.MULTILINE)
_CMAKE = re.compile(r"^# seshat-cmake-args:(.*)$", re.MULTILINE)


def pinned_version(requirements: Path) -> str:
    """The ``llama-cpp-python==X`` pin of a requirement file."""
    found = _PIN.search(requirements.read_text(encoding="utf-8"))
    if not found:
        raise BackendEnvError(
            f"{requirements} does not pin llama-cpp-python (a line `llama-cpp-python==X.Y.Z`).",
            "pin it: the GGUF converter is taken from that exact version's sources",
        )
    return found.group(1)


def cmake_args(requirements: Path) -> str:
    """The CMake flags for the build (a ``# seshat-cmake-args: ...`` line of the file)."""
    found = _CMAKE.search(requirements.read_text(encoding="utf-8"))
    return found.group(1).strip() if found else ""


def wheel_dir(env_name: str) -> Path:
    """Where the built wheel of one env key is kept."""
    return seshat_home() / "wheels" / env_name


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cached_wheel(env_name: str, version: str) -> tuple[Path | None, str]:
    """The cached wheel of an env key and its state: ``ok``, ``missing`` or why it is damaged.

    The wheel's sha256 is written beside it when it is built (``SHA256SUMS``); a wheel whose
    bytes no longer match, or that is not a readable zip, is damaged and is compiled again.
    """
    import zipfile

    wheels = wheel_dir(env_name)
    found = sorted(wheels.glob(f"llama_cpp_python-{version}-*.whl"))
    if not found:
        return None, "missing"
    wheel = found[-1]
    sums = wheels / SUMS
    want = sums.read_text(encoding="utf-8").split()[0] if sums.is_file() else ""
    if want and _sha256(wheel) != want:
        return wheel, f"its sha256 differs from the one recorded in {sums} when it was built"
    try:
        with zipfile.ZipFile(wheel) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError) as exc:
        return wheel, f"it is not a readable wheel ({exc})"
    if bad is not None:
        return wheel, f"its member {bad} is damaged"
    return wheel, "ok"


def prepare(env: ManagedEnv, requirements: Path, step: Step, rebuild: bool = False) -> list[str]:
    """Fetch the source archive, build the wheel if not cached (or damaged), extract the converter.

    Args:
        env: The env being built (the converter goes into ``<env>/llama.cpp``; its Python has pip).
        requirements: The requirement file (its pin and CMake flags).
        step: Runs one logged build step: ``step(name, argv, extra_env)``.
        rebuild: Compile the wheel again even if a sound one is cached.

    Returns:
        Extra pip arguments for installing the requirements (``--find-links`` to the wheel).
    """
    env_path, python = env.path, env.python
    version = pinned_version(requirements)
    sources = seshat_home() / "sources"
    archive = sources / f"llama_cpp_python-{version}.tar.gz"
    if not archive.is_file():
        sources.mkdir(parents=True, exist_ok=True)
        step(
            "download the llama-cpp-python source archive",
            [
                *(python, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"),
                *("--dest", sources, f"llama-cpp-python=={version}"),
            ],
            {},
        )
    wheels = wheel_dir(env_path.name)
    _, state = cached_wheel(env_path.name, version)
    if rebuild or state != "ok":
        scratch = wheels.with_name(wheels.name + ".building")
        remove_tree(scratch)
        step(
            "compile llama-cpp-python (once per pins and CPU; 10-30 min on 2 cores)",
            [python, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", scratch, archive],
            {
                "CMAKE_ARGS": cmake_args(requirements),
                "CMAKE_BUILD_PARALLEL_LEVEL": str(os.cpu_count() or 2),
            },
        )
        built = sorted(scratch.glob(f"llama_cpp_python-{version}-*.whl"))
        if built:
            (scratch / SUMS).write_text(
                f"{_sha256(built[-1])}  {built[-1].name}\n", encoding="utf-8"
            )
        remove_tree(wheels)
        scratch.rename(wheels)
    extract_converter(archive, version, env_path / CONVERTER_DIR)
    return ["--find-links", str(wheels)]


def extract_converter(archive: Path, version: str, target: Path) -> None:
    """Unpack ``convert_hf_to_gguf.py``, ``conversion/`` and ``gguf-py/`` from the archive."""
    prefix = f"llama_cpp_python-{version}/vendor/llama.cpp/"
    wanted = ("convert_hf_to_gguf.py", "conversion/", "gguf-py/")
    scratch = target.with_name(target.name + ".partial")
    remove_tree(scratch)
    with tarfile.open(archive) as tar:
        members = [
            m
            for m in tar.getmembers()
            if m.name.startswith(prefix) and m.name[len(prefix) :].startswith(wanted)
        ]
        for member in members:
            member.name = member.name[len(prefix) :]
        tar.extractall(scratch, members=members, filter="data")
    if not (scratch / "convert_hf_to_gguf.py").is_file():
        raise BackendEnvError(
            f"{archive} holds no vendor/llama.cpp/convert_hf_to_gguf.py.",
            "delete the archive and install again, or pin a llama-cpp-python release that ships it",
        )
    remove_tree(target)
    scratch.rename(target)


def converter_paths(env_path: Path) -> tuple[Path, str]:
    """The converter script and the PYTHONPATH that finds its ``conversion`` and ``gguf`` packages."""
    base = env_path / CONVERTER_DIR
    return base / "convert_hf_to_gguf.py", os.pathsep.join([str(base / "gguf-py"), str(base)])
