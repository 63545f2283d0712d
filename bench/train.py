"""`seshat train` next to the backend's own CLI on the same rendered config (tiny model, 10 steps).

Goal (issue: seshat train): Seshat at or below the backend's own CLI (ratio <= 1.0), thanks to the
launcher choice (Axolotl's default launcher re-imports everything through `accelerate launch`), and
Seshat's own overhead (wall time minus the backend process's time) under 1 s.
Needs the CPU backend envs (`seshat backend install axolotl` / `llamafactory`). Prints figures only.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, table

from seshat.config.loader import load_project
from seshat.environments import find_env
from seshat.envs.managed import activated
from seshat.trainer_config import prepare, render, write_render

FIXTURES = REPO / "tests" / "fixtures"
SESHAT = [sys.executable, "-m", "seshat.cli.main"]
STEPS = 10
REPEATS = 2  # alternating; the fastest of each is reported (the machine's noise is ~±10 %)
SETTINGS = [
    f"training.max_steps={STEPS}",
    f"training.save_steps={STEPS}",
    "training.lora.rank=8",
    "training.lora.alpha=16",
    "training.sequence_len=128",
    "training.micro_batch_size=2",
    "training.gradient_accumulation_steps=1",
    "tracking.wandb.mode=offline",
]


def tiny_project() -> Path:
    """A project with a random tiny Qwen3 and the toy chat data of the tests."""
    from seshat.scaffold import scaffold

    axolotl = find_env("axolotl", "cpu")
    if axolotl is None:
        raise SystemExit("install the backends first: seshat backend install axolotl")
    folder = Path(tempfile.mkdtemp(prefix="seshat-bench-train-")) / "proj"
    scaffold(folder, name="Toy", code="toy", model="./models/tiny", profile="strix-halo-cpu")
    subprocess.run(
        [str(axolotl.python), str(FIXTURES / "make_tiny_model.py"), str(folder / "models/tiny")],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [sys.executable, str(FIXTURES / "make_chat_data.py"), str(folder / "data/formatted")],
        check=True,
        capture_output=True,
    )
    return folder


def timed(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    """Wall time of one run of ``argv``; exits with its output if it fails."""
    start = time.perf_counter()
    done = subprocess.run(
        argv, cwd=cwd, env=dict(os.environ) | (env or {}), capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return seconds


def backend_cli(project: Path, backend: str) -> float:
    """The backend's own CLI, as its docs show it, on Seshat's rendered config."""
    loaded = load_project(project, [f"backend={backend}", *SETTINGS])
    prepared = prepare(loaded)
    rendered = render(prepared)
    config_path, _ = write_render(prepared, rendered)
    shutil.rmtree(config_path.parent / "output", ignore_errors=True)
    env = find_env(backend, "cpu")
    assert env is not None
    config = str(config_path.relative_to(project))
    argv = (
        [str(env.bin("axolotl")), "train", config]
        if backend == "axolotl"
        else [str(env.bin("llamafactory-cli")), "train", config]
    )
    return timed(argv, project, activated(env.path, dict(os.environ) | rendered.env))


def seshat_train(project: Path, backend: str) -> tuple[float, float]:
    """Wall time of `seshat train` and the backend process's own time inside it."""
    wall = timed([*SESHAT, "train", "-C", str(project), f"backend={backend}", *SETTINGS], REPO)
    latest = max((project / "runs").glob("*/status.json"))
    return wall, json.loads(latest.read_text())["duration_s"]


def main() -> None:
    """Run each backend's CLI and `seshat train` alternately; print the figures."""
    project = tiny_project()
    rows = []
    for backend in ("axolotl", "llamafactory"):
        if find_env(backend, "cpu") is None:
            print(f"skipping {backend}: not installed")
            continue
        own_times, seshat_times = [], []
        for _ in range(REPEATS):
            own_times.append(backend_cli(project, backend))
            seshat_times.append(seshat_train(project, backend))
        own = min(own_times)
        wall, inside = min(seshat_times)
        rows.append(
            [
                backend,
                f"{own:.1f} s",
                f"{wall:.1f} s",
                f"{wall / own:.2f}",
                f"{wall - inside:.2f} s",
            ]
        )
    table(
        f"Train a tiny Qwen3 for {STEPS} steps on the CPU, fastest of {REPEATS} "
        "(goal: ratio <= 1.0, overhead < 1 s)",
        ["backend", "backend CLI", "seshat train", "ratio", "seshat overhead"],
        rows,
    )
    shutil.rmtree(project.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
