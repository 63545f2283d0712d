"""Metric parsing of the backends' real output formats, failure diagnosis, and the supervisor."""

from __future__ import annotations

import sys
from pathlib import Path

from seshat.backends.axolotl.metrics import AxolotlParser
from seshat.backends.llamafactory.metrics import TrainerLogTail
from seshat.backends.metrics import finite
from seshat.process.diagnosis import diagnose, relevant_tail
from seshat.runs.supervise import supervise

# Captured from Axolotl 0.19.0 on CPU: dict reprs with string values, glued to tqdm with \r.
AXOLOTL_OUT = (
    " 17%|#7        | 1/6 [00:00<00:02,  2.48it/s]\r{'loss': '5.727', 'grad_norm': '0.9035', "
    "'learning_rate': '0.0002', 'epoch': '0.04167'}\n"
    "\r 33%|###3      | 2/6 [00:00<00:01,  2.48it/s]{'loss': '5.764', 'grad_norm': '0.9769', "
    "'learning_rate': '0.0001866', 'tokens/train_per_sec_per_gpu': '387.4', 'epoch': '0.08333'}\r\n"
    "{'eval_loss': '5.692', 'eval_runtime': '0.1646', 'epoch': '0.08333'}\n"
    "{'train_runtime': '2.203', 'train_loss': '5.684', 'epoch': '0.25'}\n"
)


def test_axolotl_rows_are_numbered_and_typed() -> None:
    parser = AxolotlParser(logging_steps=5)
    rows = []
    for start in range(0, len(AXOLOTL_OUT), 17):  # arbitrary chunking, as pipes deliver it
        rows += parser.feed("stdout", AXOLOTL_OUT[start : start + 17])
    rows += parser.feed("stderr", "ignored\n") + parser.finish()
    assert [r["step"] for r in rows] == [5, 10, 10]
    assert rows[0]["loss"] == 5.727 and rows[1]["tokens_per_second"] == 387.4
    assert rows[2]["eval_loss"] == 5.692
    assert parser.summary["train_loss"] == 5.684
    assert all(finite(r) for r in rows)


def test_axolotl_parser_ignores_garbage() -> None:
    rows = AxolotlParser().feed(
        "stdout", "{'loss': 'nan'}\n{'loss': }\n{'loss': __import__('os').system('x')}\n"
    )
    assert len(rows) == 1 and rows[0]["step"] == 1 and not finite(rows[0])  # parsed safely, no eval


def test_trainer_log_tail_follows_growth(tmp_path: Path) -> None:
    log = tmp_path / "trainer_log.jsonl"
    tail = TrainerLogTail(log)
    assert tail.poll() == []
    log.write_text(
        '{"current_steps": 1, "total_steps": 4, "loss": 2.5, "lr": 0.001}\n{"current_steps": 2, "tot'
    )
    rows = tail.poll()
    assert rows == [{"step": 1, "total_steps": 4, "loss": 2.5, "learning_rate": 0.001}]
    with open(log, "a") as handle:
        handle.write('al_steps": 4, "loss": 2.25, "eval_loss": 2.4}\n')
    assert tail.poll() == [{"step": 2, "total_steps": 4, "loss": 2.25, "eval_loss": 2.4}]


def test_diagnosis_of_known_failures() -> None:
    oom = [
        "Traceback (most recent call last):",
        "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate",
    ]
    explanation, hint = diagnose(oom, "axolotl")
    assert "out of memory" in explanation and "micro_batch_size=1" in hint
    missing = ["FileNotFoundError: Unable to find '/p/data/formatted/train.jsonl'"]
    assert "data file" in diagnose(missing, "axolotl")[0]
    assert (
        "seshat backend install llamafactory --force"
        in diagnose(["ModuleNotFoundError: x"], "llamafactory")[1]
    )
    assert diagnose(["all good"], "axolotl") is None


def test_relevant_tail_prefers_the_traceback() -> None:
    lines = ["noise"] * 50 + [
        " 50%|#####| 3/6",
        "Traceback (most recent call last):",
        '  File "x"',
        "ValueError: bad",
    ]
    assert relevant_tail(lines)[0] == "Traceback (most recent call last):"


def test_supervise_logs_everything_and_reports_exit(tmp_path: Path) -> None:
    code = "import sys; print('out-line'); print('err-line', file=sys.stderr); sys.exit(3)"
    seen: list[str] = []
    outcome = supervise(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
        logs=tmp_path / "logs",
        on_output=lambda s, t: seen.append(s),
        on_tick=lambda: None,
    )
    assert outcome.returncode == 3 and not outcome.interrupted
    assert (tmp_path / "logs" / "stdout.log").read_text() == "out-line\n"
    assert (tmp_path / "logs" / "stderr.log").read_text() == "err-line\n"
    assert "out-line" in outcome.tail and set(seen) == {"stdout", "stderr"}


def test_supervise_ticks_while_the_backend_never_stops_talking(tmp_path: Path) -> None:
    """A backend that logs non-stop (a checkpoint every step) must not starve the file polling."""
    code = (
        "import sys, time\n"
        "end = time.monotonic() + 2.0\n"
        "while time.monotonic() < end:\n"
        "    print('saving checkpoint', file=sys.stderr, flush=True); time.sleep(0.01)\n"
    )
    ticks: list[float] = []
    supervise(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
        logs=tmp_path / "logs",
        on_output=lambda s, t: None,
        on_tick=lambda: ticks.append(1.0),
        tick_seconds=0.2,
    )
    assert len(ticks) >= 5, ticks
