"""SIGKILL at random moments of ingest, clean, split, format and render: every output is absent,
old, or complete and valid; the next run finishes and writes exactly what a clean run writes.
Also: two projects built from scratch from the same inputs are byte-identical."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from canary import write_canary_project
from conftest import SESHAT, run_cli

OUTPUTS = ("data/records", "data/clean", "data/splits", "data/formatted", ".seshat/render")
RENDER = ["render", "profile=strix-halo-cpu"]


def _variant(folder: Path, variant: int) -> list[str]:
    """Make the inputs of variant 0 or 1 (other raw text, other learning rate); return overrides."""
    public = folder / "data" / "raw" / "public.txt"
    lines = public.read_text(encoding="utf-8").splitlines()
    lines[0] = "kani wasi-pas" if variant == 0 else "kani wasi-pas-ri"
    public.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [f"training.lr={2e-4 if variant == 0 else 1e-4}"]


def _outputs(folder: Path) -> dict[str, bytes]:
    found = {}
    for top in OUTPUTS:
        for path in sorted((folder / top).rglob("*")):
            if path.is_file() and not path.name.endswith(".tmp"):
                found[path.relative_to(folder).as_posix()] = path.read_bytes()
    return found


def _valid(name: str, data: bytes) -> None:
    text = data.decode("utf-8")
    if name.endswith(".jsonl"):
        assert not text or text.endswith("\n"), f"{name} ends mid-line"
        for line in text.splitlines():
            json.loads(line)
    elif name.endswith(".json"):
        json.loads(text)
    elif name.endswith(".yaml"):
        yaml.safe_load(text)


def _complete(folder: Path, overrides: list[str], force: bool = False) -> None:
    done = run_cli("data", "run", "-C", str(folder), *(["--force"] if force else []))
    assert done.returncode == 0, done.stderr
    done = run_cli(*RENDER, "-C", str(folder), *overrides)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def references(tmp_path_factory: pytest.TempPathFactory) -> dict[object, dict[str, bytes]]:
    """What a clean run of each variant writes; and its render before any data was formatted
    (the plan reads the formatted data: without it, dev evaluation falls back to each epoch)."""
    found: dict[object, dict[str, bytes]] = {}
    for variant in (0, 1):
        folder = write_canary_project(tmp_path_factory.mktemp(f"ref{variant}") / "proj")
        overrides = _variant(folder, variant)
        done = run_cli(*RENDER, "-C", str(folder), *overrides)
        assert done.returncode == 0, done.stderr
        found[(variant, "no data")] = _outputs(folder)
        _complete(folder, overrides)
        found[variant] = _outputs(folder)
    assert found[0] != found[1]
    return found


def _duration(argv: list[str]) -> float:
    started = time.monotonic()
    subprocess.run(argv, capture_output=True, check=True)
    return time.monotonic() - started


def test_sigkill_never_leaves_a_torn_output(
    tmp_path: Path, references: dict[object, dict[str, bytes]]
) -> None:
    folder = write_canary_project(tmp_path / "proj")
    rng = random.Random(20261124)
    pipeline = [*SESHAT, "data", "run", "--force", "-C", str(folder)]
    durations = {
        "data": _duration(pipeline),
        "render": _duration([*SESHAT, *RENDER, "-C", str(folder)]),
    }
    env = dict(os.environ, COLUMNS="200")
    outcomes = {"killed": 0, "finished": 0}
    trial = -1
    while outcomes["killed"] < 20 and trial < 120:  # at least 20 kills, however fast the machine
        trial += 1
        variant = rng.randrange(2)
        overrides = _variant(folder, variant)
        if trial % 8 == 0:  # now and then, start from nothing
            for top in OUTPUTS:
                shutil.rmtree(folder / top, ignore_errors=True)
        what = "data" if trial % 3 else "render"
        command = ["data", "run", "--force"] if what == "data" else RENDER + overrides
        before = _outputs(folder)
        process = subprocess.Popen(
            [*SESHAT, *command, "-C", str(folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        started = time.monotonic()
        # somewhere inside the command, whatever its length on this machine (a fast one runs
        # `data run` on this small project in a quarter of a second)
        time.sleep(rng.uniform(0.2, 0.95) * durations[what])
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            outcomes["killed"] += 1
        else:  # faster than measured: aim earlier next time
            outcomes["finished"] += 1
            durations[what] = min(durations[what], time.monotonic() - started)
        process.wait()
        for name, data in _outputs(folder).items():
            new = references[variant].get(name)
            fresh = references[(variant, "no data")].get(name)  # rendered with no data yet
            assert data in (before.get(name), new, fresh), (
                f"trial {trial}: {name} is neither old nor new"
            )
            _valid(name, data)
        if trial % 4 == 3:  # the next run completes and writes what a clean run writes
            _complete(folder, overrides)
            assert _outputs(folder) == references[variant], f"trial {trial}: rerun differs"
    assert outcomes["killed"] >= 20, outcomes
    print(f"SIGKILL trials: {outcomes}")
    _complete(folder, overrides, force=True)
    assert _outputs(folder) == references[variant]
    leftovers = [p for top in OUTPUTS for p in (folder / top).rglob("*.tmp")]
    assert leftovers == []  # temp files of killed writers are swept by the next write


def test_same_inputs_give_byte_identical_data_and_configs(
    tmp_path: Path, references: dict[int, dict[str, bytes]]
) -> None:
    folder = write_canary_project(tmp_path / "elsewhere" / "proj")
    _complete(folder, _variant(folder, 0))
    mine, theirs = _outputs(folder), references[0]
    assert sorted(mine) == sorted(theirs)
    assert [n for n in mine if mine[n] != theirs[n]] == []
