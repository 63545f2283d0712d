"""The justfile `seshat init` writes: the recipes the docs show, run with the real `just`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from seshat import project_justfile

JUST = shutil.which("just", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


def just(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert JUST, "rust-just is a dev dependency: `./run` installs it"
    return subprocess.run(
        [JUST, *args], cwd=folder, capture_output=True, text=True, timeout=300, check=False
    )


def test_init_writes_a_justfile_whose_recipes_call_seshat(project: Path) -> None:
    listed = just(project, "--list")
    assert listed.returncode == 0, listed.stderr
    for recipe in ("doctor", "data-run", "plan", "train", "resume", "eval", "export", "serve"):
        assert f"    {recipe} " in listed.stdout
    text = (project / "justfile").read_text()
    assert "seshat := env_var_or_default('SESHAT'" in text


def test_just_render_profile_strix_halo_in_a_fresh_project(project: Path) -> None:
    done = just(project, "render", "profile=strix-halo", "training.lr=1e-4")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "'strix-halo' -> 'strix-halo-" in done.stdout + done.stderr
    assert (project / ".seshat" / "render").is_dir()


def test_arguments_pass_through_untouched(tmp_path: Path) -> None:
    """A fake seshat (SESHAT=...) shows the exact argv a recipe hands on, spaces and quotes kept."""
    (tmp_path / "justfile").write_text(project_justfile.text("seshat"))
    echo = tmp_path / "echo-args"
    echo.write_text('#!/bin/sh\nfor a in "$@"; do printf "<%s>" "$a"; done\n')
    echo.chmod(0o755)
    env = os.environ | {"SESHAT": str(echo)}
    done = subprocess.run(
        [JUST, "translate", "RUN", "¿Dónde está el río?", "--to", "shp"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert done.stdout == "<translate><RUN><¿Dónde está el río?><--to><shp>"
    done = subprocess.run(
        [JUST, "resume"], cwd=tmp_path, capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout == "<train><resume=latest>"


def test_a_users_justfile_is_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "justfile").write_text("mine:\n    echo mine\n")
    assert project_justfile.write(tmp_path) is None
    assert (tmp_path / "justfile").read_text() == "mine:\n    echo mine\n"


def test_the_quickstart_folder_gets_one(tmp_path: Path) -> None:
    from seshat.quickstart.sample import copy_sample

    copy_sample(tmp_path / "qs")
    assert (tmp_path / "qs" / "justfile").is_file()


@pytest.mark.parametrize("path", ["/opt/it's here/bin/seshat", "/usr/bin/seshat"])
def test_the_program_path_is_a_valid_just_string(tmp_path: Path, path: str) -> None:
    (tmp_path / "justfile").write_text(project_justfile.text(path))
    done = subprocess.run(
        [JUST, "--evaluate", "seshat"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stdout == path, done.stderr


def test_the_recorded_seshat_is_this_installation(project: Path) -> None:
    """Without seshat on PATH the recipes still run this installation's seshat."""
    env = {k: v for k, v in os.environ.items() if k != "SESHAT"} | {"PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [JUST, "doctor", "--help"], cwd=project, capture_output=True, text=True, env=env
    )
    assert done.returncode == 0 and "Usage: seshat doctor" in done.stdout, done.stderr
