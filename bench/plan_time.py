"""The plan's time estimate against measured training runs, side by side.

    python bench/plan_time.py [--out FOLDER]

The quickstart's Kaniwa sample and its embedded SmolLM2-135M, LLaMA-Factory on the CPU profile,
sequence length from the data: for two batch shapes, ``seshat plan``'s seconds per optimizer step
and for the whole run beside what the trainer measured (``train_runtime``) and the run's wall
time. Needs the llama.cpp runtime and the LLaMA-Factory env (``./run`` builds them).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import REPO, table

SESHAT = [sys.executable, "-m", "seshat"]
SHAPES = [(8, 1, 40), (2, 4, 20)]  # micro-batch, accumulation, steps


def run(*args: str, cwd: Path) -> str:
    """Run a seshat command (the machine measured, not injected); stop on failure."""
    env = {k: v for k, v in os.environ.items() if k != "SESHAT_MACHINE"}
    done = subprocess.run([*SESHAT, *args], cwd=cwd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"seshat {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    from seshat.config.loader import load_project
    from seshat.quickstart.sample import copy_sample, prepare_models

    folder = (args.out or Path(tempfile.mkdtemp(prefix="seshat-plan-time-"))) / "kaniwa"
    copy_sample(folder)
    prepare_models(load_project(folder, []))  # SmolLM2 and Whisper, from their packages
    common = [
        "backend=llamafactory",
        "profile=strix-halo-cpu",
        "training.sequence_len=auto",
        "data.dev=null",
        "training.save_steps=100000",
    ]
    run("data", "run", cwd=folder)
    rows = []
    for micro, accumulation, steps in SHAPES:
        shape = [
            *common,
            f"training.micro_batch_size={micro}",
            f"training.gradient_accumulation_steps={accumulation}",
            f"training.max_steps={steps}",
        ]
        plan = json.loads(run("plan", "--json", *shape, cwd=folder))["time"]
        run("train", *shape, cwd=folder)
        latest = sorted((folder / "runs").iterdir())[-1]
        results = json.loads((latest / "output" / "all_results.json").read_text())
        status = json.loads((latest / "status.json").read_text())
        measured = results["train_runtime"] / steps
        rows.append(
            [
                f"{steps} steps, {micro} x {accumulation}",
                f"{plan['step_s']:.2f}",
                f"{measured:.2f}",
                f"{(plan['step_s'] / measured - 1) * 100:+.0f} %",
                f"{plan['total_s']:.0f} s",
                f"{status['duration_s']:.0f} s",
                f"{(plan['total_s'] / status['duration_s'] - 1) * 100:+.0f} %",
            ]
        )
    table(
        f"seshat plan's estimate against measured runs ({os.cpu_count()} cores)",
        ["run", "est. s/step", "measured", "off", "est. wall", "measured wall", "off"],
        rows,
    )


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
