"""What the doctor reads and decides on: the rows, the machine probe, the project's needs."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seshat import machine
from seshat.process.runner import run_captured

GB = 1e9
# disk a first build of each managed env takes (measured on 2 cores, CPU torch)
ENV_DISK_GB = {"axolotl": 4.5, "llamafactory": 2.5, "llamacpp": 1.0, "skypilot": 0.5, "dvc": 0.2}
OCR_FORMATS = ("image", "pdf")
ROCM_NATIVE_TARGET = "gfx1151"


@dataclass
class Row:
    """One check: its state, what was found, and the fix."""

    name: str
    state: str  # ok | fail | warn | skip
    detail: str
    fix: str = ""
    needed: bool = True

    @property
    def broken(self) -> bool:
        """Whether this row makes the project unable to run."""
        return self.state == "fail" and self.needed


class Probe:
    """How the doctor reads the machine (a fake one in tests)."""

    def python_version(self) -> tuple[int, int, int]:
        """This Python's version."""
        return sys.version_info[:3]

    def which(self, program: str) -> str | None:
        """The program's path on PATH, else None."""
        return shutil.which(program)

    def run(self, argv: list[str], timeout: float = 120.0) -> tuple[int, str]:
        """Run a command; (exit code, stdout and stderr). 127: could not start; 124: time-out."""
        return run_captured(argv, timeout)

    def read(self, path: str) -> str | None:
        """A small text file's content, else None."""
        try:
            return Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None

    def glob(self, pattern: str) -> list[str]:
        """Paths that match an absolute glob pattern."""
        import glob

        return sorted(glob.glob(pattern))

    def environ(self) -> dict[str, str]:
        """The environment."""
        return dict(os.environ)

    def free_disk(self, path: Path) -> int:
        """Free bytes where ``path`` is (or would be)."""
        return machine.free_disk_bytes(path)

    def memory(self) -> tuple[int | None, int | None]:
        """Total and available memory in bytes."""
        return machine.memory_bytes()

    def cpu(self) -> tuple[str, list[str]]:
        """CPU model and the instruction sets that decide llama.cpp's kernels."""
        return machine.cpu_model(), machine.kernel_features()


@dataclass
class Needs:
    """What a project (or, outside one, a default setup) asks of the machine."""

    backend: str = "llamafactory"
    device: str = "cpu"  # the profile's torch build (cpu, rocm, rocm-gfx1151, cuda)
    profile: str = ""
    ocr_languages: list[str] = field(default_factory=list)
    pdf: bool = False
    wandb_mode: str = "offline"
    estimate_gb: float | None = None
    weights_gb: float | None = None
    supports_4bit: bool = False
    env: dict[str, str] = field(default_factory=dict)


def needs_of(project: Any) -> Needs:
    """What a loaded project needs: its backend, profile's device, OCR languages, plan, W&B."""
    from seshat.config.models import SourceFormat
    from seshat.data.ingest import context_for
    from seshat.data.readers.image import languages as ocr_languages
    from seshat.errors import ConfigError
    from seshat.trainer_config import prepare

    spec = project.spec
    try:
        prepared = prepare(project)
    except ConfigError:  # no local model yet (the quickstart imports it later): no plan
        prepared = None
    profile = (
        prepared.resolved.profile
        if prepared
        else resolve_profile(spec.profile, project.root, spec.backend)
    )
    langs: list[str] = []
    for source in spec.sources:
        if source.format.value in OCR_FORMATS:
            for lang in ocr_languages(context_for(project, source)).split("+"):
                if lang not in langs:
                    langs.append(lang)
    memory = (prepared.plan.memory if prepared else None) or {}
    parts = memory.get("estimate_gb") or {}
    return Needs(
        backend=spec.backend,
        device=profile.torch_flavour,
        profile=profile.name,
        ocr_languages=langs,
        pdf=any(s.format is SourceFormat.pdf for s in spec.sources),
        wandb_mode=spec.tracking.wandb.mode,
        estimate_gb=parts.get("total"),
        weights_gb=parts.get("weights"),
        supports_4bit=profile.supports_4bit,
        env=dict(profile.env),
    )


def resolve_profile(name: str, root: Path, backend: str) -> Any:
    """The concrete profile for ``name`` on this machine (an alias asks the trainer's env)."""
    from seshat.profiles import resolve
    from seshat.trainer_config import trainer_python

    return resolve(name, root, trainer_python(backend)).profile
