"""Real training runs of a tiny random Qwen3 (tokenizer trained on the fly) through each backend,
on the CPU: run directory, metrics, status, Ctrl-C, and a failing backend's diagnosis."""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REPO, SESHAT, TINY, run_cli

from seshat.environments import install

pytestmark = pytest.mark.integration
FIXTURES = REPO / "tests" / "fixtures"


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    env, _ = install("axolotl", "cpu")
    out = tmp_path_factory.mktemp("tiny") / "qwen3-tiny"
    subprocess.run(
        [str(env.python), str(FIXTURES / "make_tiny_model.py"), str(out)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    assert (out / "config.json").is_file() and (out / "tokenizer.json").is_file()
    return out


@pytest.fixture
def train_project(tmp_path: Path, tiny_model: Path) -> Path:
    from seshat.scaffold import scaffold

    folder = tmp_path / "proj"
    scaffold(folder, name="Toy", code="toy", model="./models/tiny", profile="strix-halo-cpu")
    shutil.copytree(tiny_model, folder / "models" / "tiny")
    subprocess.run(
        [sys.executable, str(FIXTURES / "make_chat_data.py"), str(folder / "data" / "formatted")],
        check=True,
    )
    return folder


def _only_run(project: Path) -> Path:
    runs = [p for p in (project / "runs").iterdir() if (p / "status.json").is_file()]
    assert len(runs) == 1, runs
    return runs[0]


CANARIES = {
    "WANDB_API_KEY": "canary-wandb-key-5c1f0e",
    "HF_TOKEN": "canary-hf-token-9a7b2d",
    "OPENAI_API_KEY": "canary-openai-key-3e8d41",
}


@pytest.mark.parametrize("backend", ["axolotl", "llamafactory"])
def test_tiny_training_run(train_project: Path, backend: str) -> None:
    install(backend, "cpu")
    result = run_cli(
        "train",
        "-C",
        str(train_project),
        f"backend={backend}",
        "training.max_steps=6",
        "training.save_steps=2",
        *TINY,
        env=CANARIES,  # secrets in the environment must never land in the run dir
    )
    assert result.returncode == 0, result.stdout + result.stderr
    run = _only_run(train_project)
    status = json.loads((run / "status.json").read_text())
    assert status["state"] == "succeeded" and status["exit_code"] == 0
    assert status["last_checkpoint"] == "output/checkpoint-6"
    # a run far shorter than an epoch still gets a dev-loss curve (eval_steps from the plan)
    plan = json.loads((run / "plan.json").read_text())
    assert plan["eval_steps"]["value"] == 1 and "dev evaluations" in plan["eval_steps"]["reason"]
    assert len(_eval_losses(run)) >= 5
    assert (run / "output" / "adapter_model.safetensors").is_file()
    assert (run / "output" / "adapter_config.json").is_file()
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    train_rows = [r for r in rows if "loss" in r]
    assert [r["step"] for r in train_rows] == [1, 2, 3, 4, 5, 6]
    assert all(math.isfinite(r["loss"]) for r in train_rows)
    assert any("eval_loss" in r for r in rows)
    for name in (
        "spec.yaml",
        "backend.yaml",
        "plan.json",
        "data.json",
        "env.txt",
        "logs/stdout.log",
        "logs/stderr.log",
    ):
        assert (run / name).is_file(), name
    data = json.loads((run / "data.json").read_text())
    assert data["train"]["records"] == 48 and len(data["train"]["sha256"]) == 64
    assert backend in (run / "env.txt").read_text()

    # W&B: one offline run inside the run dir, holding every logged loss; no secret anywhere.
    # The fixture's data is public, so the backend logs may go to W&B too.
    assert status["tracking"] == {
        "wandb": "offline",
        "dir": "wandb",
        "error": None,
        "logs_sent": True,
    }
    (offline,) = (run / "wandb").glob(f"offline-run-*-{run.name}")
    stream = (offline / f"run-{run.name}.wandb").read_bytes()
    for row in train_rows:
        assert json.dumps(row["loss"]).encode() in stream, row
    for path in [p for p in train_project.rglob("*") if p.is_file()]:
        content = path.read_bytes()
        for name, secret in CANARIES.items():
            assert secret.encode() not in content, f"{name} leaked into {path}"


def _alive_with(marker: str) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in cmdline:
            found.append(f"{proc.name}: {cmdline[:120]}")
    return found


@pytest.mark.parametrize("backend", ["axolotl", "llamafactory"])
def test_dev_loss_in_a_separate_pass_where_the_profile_keeps_it_out_of_training(
    train_project: Path, backend: str
) -> None:
    """A profile with eval_in_training: false (the Strix Halo ones): nothing is evaluated in the
    training process; the trainer evaluates the final adapter on dev afterwards, in its own."""
    install(backend, "cpu")
    shipped = (REPO / "profiles" / "strix-halo-cpu.yaml").read_text()
    (train_project / "profiles").mkdir()
    (train_project / "profiles" / "cpu-apart.yaml").write_text(
        shipped.replace("name: strix-halo-cpu", "name: cpu-apart") + "eval_in_training: false\n"
    )
    result = run_cli(
        "train",
        "-C",
        str(train_project),
        f"backend={backend}",
        "profile=cpu-apart",
        "training.max_steps=2",
        *TINY,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    said = " ".join((result.stdout + result.stderr).split())
    assert "measured after training in a process of its own" in said
    run = _only_run(train_project)
    config = (run / "backend.yaml").read_text()
    assert "eval_dataset" not in config and "test_datasets" not in config
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    evaluated = [r for r in rows if "eval_loss" in r]
    assert len(evaluated) == 1 and evaluated[0]["separate_pass"] is True
    assert evaluated[0]["step"] == 2 and math.isfinite(evaluated[0]["eval_loss"])
    status = json.loads((run / "status.json").read_text())
    assert status["state"] == "succeeded"
    assert status["dev_loss"]["eval_loss"] == evaluated[0]["eval_loss"]
    assert (run / "logs" / "dev-loss.log").is_file()


def test_ctrl_c_stops_the_whole_run(train_project: Path, tmp_path: Path) -> None:
    install("llamafactory", "cpu")
    log = tmp_path / "seshat-output.txt"
    argv = [
        *SESHAT,
        "train",
        "-C",
        str(train_project),
        "backend=llamafactory",
        "training.max_steps=100000",
        "training.save_steps=1",
        *TINY,
    ]
    with open(log, "w") as output:  # a file, not a pipe: an unread full pipe would stall the run
        proc = subprocess.Popen(argv, stdout=output, stderr=subprocess.STDOUT, env=dict(os.environ))
        deadline = time.monotonic() + 300
        run = None
        while time.monotonic() < deadline:
            runs = list((train_project / "runs").glob("*/metrics.jsonl"))
            if runs and runs[0].stat().st_size > 0:
                run = runs[0].parent
                break
            assert proc.poll() is None, log.read_text()
            time.sleep(0.5)
        assert run is not None, "training never logged a step"
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=120)
    assert proc.returncode == 130, log.read_text()
    status = json.loads((run / "status.json").read_text())
    assert status["state"] == "interrupted"
    assert status["last_checkpoint"] is not None
    assert _alive_with(run.name) == []


def test_failing_backend_gets_a_diagnosis(train_project: Path) -> None:
    install("axolotl", "cpu")
    bad = train_project / "data" / "formatted" / "train.jsonl"
    bad.write_text('{"conversation": "no messages here"}\n' * 8)
    result = run_cli("train", "-C", str(train_project), "training.max_steps=2", *TINY)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr.split("Last lines of its output")[0]
    assert "failed: axolotl exited with code" in result.stderr
    assert "Next:" in result.stderr
    status = json.loads((_only_run(train_project) / "status.json").read_text())
    assert status["state"] == "failed" and status["exit_code"] != 0


def test_missing_data_is_refused_before_launch(train_project: Path) -> None:
    result = run_cli("train", "-C", str(train_project), "data.train=data/formatted/nope.jsonl")
    assert result.returncode == 1
    assert "does not exist" in result.stderr and "seshat data format" in result.stderr
    assert not (train_project / "runs").exists() or not any((train_project / "runs").iterdir())


def _losses(run: Path, attempt: int | None = None) -> dict[int, float]:
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    return {
        r["step"]: r["loss"]
        for r in rows
        if "loss" in r and (attempt is None or r["attempt"] == attempt)
    }


def _trainer_losses(run: Path, step: int) -> dict[int, float]:
    """Full-precision losses from the trainer's own record (Axolotl prints 4 digits)."""
    state = json.loads((run / "output" / f"checkpoint-{step}" / "trainer_state.json").read_text())
    return {h["step"]: h["loss"] for h in state["log_history"] if "loss" in h}


def _eval_losses(run: Path) -> list[tuple[int, float]]:
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    return [(r["step"], r["eval_loss"]) for r in rows if "eval_loss" in r]


def _wait_for(predicate: Callable[[], object], proc: subprocess.Popen[bytes], log: Path) -> object:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        assert proc.poll() is None, log.read_text()
        time.sleep(0.05)
    raise AssertionError(f"timed out; output so far:\n{log.read_text()}")


@pytest.mark.parametrize("backend", ["axolotl", "llamafactory"])
def test_resume_after_sigkill_reproduces_the_uninterrupted_losses(
    train_project: Path, tmp_path: Path, backend: str
) -> None:
    install(backend, "cpu")
    steps = [f"backend={backend}", "training.max_steps=40", "training.save_steps=3", *TINY]
    reference = run_cli("train", "-C", str(train_project), *steps)
    assert reference.returncode == 0, reference.stderr
    assert sorted(_losses(_only_run(train_project))) == list(range(1, 41))
    expected = _trainer_losses(_only_run(train_project), 40)
    shutil.move(train_project / "runs", tmp_path / "reference-runs")

    log = tmp_path / "killed-run.txt"
    with open(log, "w") as output:
        proc = subprocess.Popen(
            [*SESHAT, "train", "-C", str(train_project), *steps],
            stdout=output,
            stderr=subprocess.STDOUT,
        )

        def first_checkpoint() -> Path | None:
            for state in (train_project / "runs").glob("*/output/checkpoint-*/trainer_state.json"):
                return state.parents[2]
            return None

        run = _wait_for(first_checkpoint, proc, log)
        assert isinstance(run, Path)
        os.killpg(json.loads((run / "status.json").read_text())["pid"], signal.SIGKILL)
        proc.wait(timeout=120)
    assert proc.returncode == 1, log.read_text()
    text = log.read_text()
    assert "SIGKILL" in text and f"seshat train resume={run.name}" in text, text
    killed = json.loads((run / "status.json").read_text())
    assert killed["state"] == "failed" and killed["exit_code"] == -signal.SIGKILL
    assert killed["last_checkpoint"] is not None, "killed before a checkpoint was complete"
    stopped_at = int(killed["last_checkpoint"].rsplit("-", 1)[1])
    assert stopped_at < 40, "the run finished before the kill: nothing left to resume"

    resumed = run_cli("train", "-C", str(train_project), f"resume={run.name}")
    assert resumed.returncode == 0, resumed.stderr
    status = json.loads((run / "status.json").read_text())
    assert status["state"] == "succeeded" and status["attempt"] == 2
    assert status["resumed_from"] == killed["last_checkpoint"]
    assert sorted(_losses(run, attempt=2)) == list(range(stopped_at + 1, 41))
    after = _trainer_losses(run, 40)
    worst = max(abs(after[step] - expected[step]) for step in range(stopped_at + 1, 41))
    assert worst <= 1e-4, f"resumed losses differ from the uninterrupted run's by up to {worst}"


@pytest.mark.parametrize("backend", ["axolotl", "llamafactory"])
def test_continue_starts_from_the_parent_adapter(train_project: Path, backend: str) -> None:
    install(backend, "cpu")
    common = [f"backend={backend}", "training.lr=0.01", "training.warmup_ratio=0", *TINY]
    first = run_cli(
        "train", "-C", str(train_project), "training.max_steps=4", "training.eval_steps=4", *common
    )
    assert first.returncode == 0, first.stderr
    parent = _only_run(train_project)
    (start_step, base_loss), *_, (end_step, trained_loss) = _eval_losses(parent)
    assert (start_step, end_step) == (0, 4)
    assert abs(base_loss - trained_loss) > 1e-2, "the first run did not move the dev loss"

    second = run_cli(
        "train",
        "-C",
        str(train_project),
        f"continue={parent.name}",
        "training.max_steps=2",
        "training.eval_steps=2",
        *common,
    )
    assert second.returncode == 0, second.stderr
    child = next(p for p in (train_project / "runs").iterdir() if p.name != parent.name)
    step, resumed_loss = _eval_losses(child)[0]
    assert step == 0 and abs(resumed_loss - trained_loss) <= 1e-4 * max(1.0, trained_loss)
    status = json.loads((child / "status.json").read_text())
    assert status["parent"] == parent.name and status["lineage"] == [parent.name]


def test_continue_refuses_an_adapter_of_another_shape(train_project: Path) -> None:
    install("llamafactory", "cpu")
    first = run_cli(
        "train", "-C", str(train_project), "backend=llamafactory", "training.max_steps=1", *TINY
    )
    assert first.returncode == 0, first.stderr
    parent = _only_run(train_project)
    result = run_cli(
        "train",
        "-C",
        str(train_project),
        f"continue={parent.name}",
        "backend=llamafactory",
        *TINY,
        "training.lora.rank=4",
    )
    assert result.returncode == 1
    assert "rank 8" in result.stderr and "training.lora.rank=8" in result.stderr


@pytest.mark.parametrize("backend", ["axolotl", "llamafactory"])
def test_merge_bakes_the_adapter_into_the_base_model(train_project: Path, backend: str) -> None:
    env, _ = install(backend, "cpu")
    trained = run_cli(
        "train",
        "-C",
        str(train_project),
        f"backend={backend}",
        "training.max_steps=3",
        "training.lr=0.01",
        "training.warmup_ratio=0",
        *TINY,
    )
    assert trained.returncode == 0, trained.stderr
    run = _only_run(train_project)
    merged = run_cli("merge", "-C", str(train_project), run.name)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert (run / "merged" / "config.json").is_file() and not (run / ".merging").exists()
    status = json.loads((run / "status.json").read_text())
    assert status["merged"]["exit_code"] == 0 and status["state"] == "succeeded"
    compared = subprocess.run(
        [
            str(env.python),
            str(FIXTURES / "compare_merged.py"),
            str(train_project / "models" / "tiny"),
            str(run / "output"),
            str(run / "merged"),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    diffs = json.loads(compared.stdout.strip().splitlines()[-1])
    assert diffs["base_vs_adapter"] > 1e-3, "the adapter changes nothing: the test proves nothing"
    assert diffs["merged_vs_adapter"] < 1e-3, diffs


def test_merge_refuses_a_run_without_adapter(train_project: Path) -> None:
    runs = train_project / "runs" / "20260101-000000-axolotl-strix-halo-cpu"
    (runs / "output").mkdir(parents=True)
    (runs / "status.json").write_text('{"state": "failed", "run_id": "x"}')
    result = run_cli("merge", "-C", str(train_project), "latest")
    assert result.returncode == 1
    assert "no final adapter" in result.stderr and "resume=" in result.stderr


def test_sync_without_a_wandb_login_says_how_to_log_in(train_project: Path) -> None:
    install("llamafactory", "cpu")
    trained = run_cli(
        "train", "-C", str(train_project), "backend=llamafactory", "training.max_steps=1", *TINY
    )
    assert trained.returncode == 0, trained.stderr
    home = train_project / "empty-home"
    home.mkdir()
    result = run_cli(
        "runs", "sync", "-C", str(train_project), env={"HOME": str(home), "WANDB_API_KEY": ""}
    )
    assert result.returncode == 1
    assert "No W&B API key" in result.stderr and "wandb login" in result.stderr


def test_plan_measure_times_real_steps_and_plans_with_the_fastest(train_project: Path) -> None:
    """Three batch shapes of the profile's effective batch, 4 real steps each, then cached."""
    install("llamafactory", "cpu")
    settings = ["backend=llamafactory", "training.lora.rank=8", "training.sequence_len=128"]
    done = run_cli("plan", "--measure", "--json", "-C", str(train_project), *settings)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("s per optimizer step") == 3  # 8 x 1, 4 x 2, 1 x 8
    cache = json.loads((train_project / ".seshat" / "probes.json").read_text())
    (entry,) = cache.values()
    shapes = {(s["micro_batch_size"], s["gradient_accumulation_steps"]) for s in entry["shapes"]}
    assert shapes == {(8, 1), (4, 2), (1, 8)}
    plan = json.loads(done.stdout)
    fastest = min(entry["shapes"], key=lambda s: s["step_s"])
    assert plan["micro_batch_size"]["value"] == fastest["micro_batch_size"]
    assert "measured" in plan["micro_batch_size"]["reason"]
    assert plan["time"]["basis"].startswith("measured")
    assert not any((train_project / "runs").iterdir())  # the probe runs are gone
    again = run_cli("plan", "--json", "-C", str(train_project), *settings)  # from the cache
    assert json.loads(again.stdout)["micro_batch_size"] == plan["micro_batch_size"]
