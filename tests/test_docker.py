"""The Docker files: hadolint clean, consistent with the repository and the Strix Halo profile."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
DOCKER = REPO / "docker"
DOCKERFILES = sorted(DOCKER.glob("Dockerfile.*"))
HADOLINT = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")


def _hadolint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HADOLINT, "--no-color", str(path)], capture_output=True, text=True, timeout=60
    )


def test_both_images_exist() -> None:
    assert [p.name for p in DOCKERFILES] == ["Dockerfile.inference", "Dockerfile.train"]


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_hadolint_is_clean(dockerfile: Path) -> None:
    result = _hadolint(dockerfile)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_catches_a_planted_mistake(tmp_path: Path) -> None:
    planted = tmp_path / "Dockerfile"
    planted.write_text(DOCKERFILES[0].read_text() + "RUN cd /tmp && ls\n")
    result = _hadolint(planted)
    assert result.returncode != 0 and "DL3003" in result.stdout


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_copied_paths_exist(dockerfile: Path) -> None:
    for line in dockerfile.read_text().splitlines():
        if line.startswith("COPY "):
            *sources, _dest = line.split()[1:]
            for source in sources:
                assert (REPO / source).exists(), f"{dockerfile.name}: COPY {source}"


def test_train_image_sets_the_strix_halo_environment() -> None:
    profile = yaml.safe_load((REPO / "profiles" / "strix-halo-rocm.yaml").read_text())
    text = (DOCKER / "Dockerfile.train").read_text()
    for key, value in profile["env"].items():
        assert re.search(rf"{key}={re.escape(value)}\b", text), key


def test_compose_services_build_the_shipped_images() -> None:
    compose = yaml.safe_load((DOCKER / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"train", "serve"}
    for service in services.values():
        build = service["build"]
        assert (DOCKER / build["context"] / build["dockerfile"]).is_file()
    assert {"/dev/kfd", "/dev/dri"} <= set(services["train"]["devices"])
    # the API is published on the host's loopback only
    assert all(port.startswith("127.0.0.1:") for port in services["serve"]["ports"])
