"""Generation engines for evaluation: the run's GGUF through llama.cpp, or transformers.

Transformers runs in the run's backend env. Both run as subprocesses in their own envs and
append one answer per line, so an interrupted evaluation keeps what it generated and the next
one only does the rest.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from seshat.errors import ModelError
from seshat.eval.examples import Example
from seshat.paths import PACKAGE_DIR
from seshat.process.diagnosis import diagnose, llamacpp_crash, relevant_tail
from seshat.process.runner import run_logged
from seshat.yamlio import atomic_write_text

SCRIPTS = PACKAGE_DIR / "eval" / "scripts"


@dataclass(frozen=True)
class Engine:
    """How to generate answers.

    Attributes:
        tag: Short name of the engine and model (``gguf-Q4_K_M``, ``hf``, ``base-hf``): the
            predictions of different engines are kept apart.
        argv: The command up to the input and output files.
        env: Extra environment variables.
        extra: Arguments after the files.
        description: One line for the report.
    """

    tag: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    extra: list[str] = field(default_factory=list)
    description: str = ""
    model_files: tuple[Path, ...] = ()
    gguf: Path | None = None

    def identity(self) -> list[list[object]]:
        """Name, size and modification time of the model files (answers of other files are stale)."""
        return [
            [str(p), p.stat().st_size, p.stat().st_mtime_ns] if p.exists() else [str(p), None, None]
            for p in self.model_files
        ]


def llamacpp_engine(
    python: Path, gguf: Path, tag: str, max_tokens: int, parallel: int = 1
) -> Engine:
    """Generation with a GGUF file in the llama.cpp runtime env (``parallel`` chats at a time)."""
    return Engine(
        tag=tag,
        argv=[str(python), str(SCRIPTS / "generate_llamacpp.py"), str(gguf)],
        extra=[
            "--max-tokens",
            str(max_tokens),
            "--threads",
            str(os.cpu_count() or 2),
            *(["--parallel", str(parallel)] if parallel > 1 else []),
        ],
        description=f"llama.cpp ({gguf.name})",
        model_files=(gguf,),
        gguf=gguf,
    )


def with_threads(engine: Engine, threads: int) -> Engine:
    """``engine`` with ``threads`` CPU threads (a llama.cpp engine; others unchanged).

    On one thread it answers one chat at a time: batched decoding on one thread was 1.6x slower
    (SmolLM2-135M Q8_0, 48 chats: 16.9 s against 10.5 s).
    """
    if "--threads" not in engine.extra:
        return engine
    extra = list(engine.extra)
    extra[extra.index("--threads") + 1] = str(threads)
    if threads == 1 and "--parallel" in extra:
        at = extra.index("--parallel")
        del extra[at : at + 2]
    return replace(engine, extra=extra)


def hf_engine(
    python: Path, model: Path, adapter: Path | None, tag: str, max_tokens: int, batch: int = 8
) -> Engine:
    """Generation with transformers (and peft for an adapter) in a backend env."""
    extra = ["--max-tokens", str(max_tokens), "--batch", str(batch)]
    if adapter is not None:
        extra += ["--adapter", str(adapter)]
    return Engine(
        tag=tag,
        argv=[str(python), str(SCRIPTS / "generate_hf.py"), str(model)],
        env={"TOKENIZERS_PARALLELISM": "false", "HF_HUB_OFFLINE": "1"},
        extra=extra,
        description=f"transformers ({model.name}{' + adapter' if adapter else ''})",
        model_files=tuple(
            sorted((adapter or model).glob("*.safetensors")) if (adapter or model).is_dir() else ()
        ),
    )


def _rows(path: Path) -> list[dict]:
    """The answer lines generated so far (a torn last line from a crash is skipped)."""
    if not path.is_file():
        return []
    rows = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return rows


def read_stops(path: Path) -> dict[str, str | None]:
    """How each answer ended (``end``, ``limit``, ``repetition``; None for older answers)."""
    return {str(row["id"]): row.get("stopped") for row in _rows(path)}


def read_predictions(path: Path) -> dict[str, str]:
    """The answers generated so far (a torn last line from a crash is ignored)."""
    return {str(row["id"]): row["output"] for row in _rows(path)}


def generate(
    engine: Engine,
    examples: Sequence[Example],
    predictions: Path,
    log_path: Path,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, str]:
    """Answer every example not yet answered in ``predictions``; return all answers by key.

    ``on_progress(done, total)`` is called once with what was already answered, then per answer.

    Raises:
        ModelError: The engine failed (its log tail and a likely cause are in the message).
    """
    _forget_if_stale(engine, predictions)
    done = read_predictions(predictions)
    pending = [e for e in examples if e.key not in done]
    count = [len(examples) - len(pending)]
    if on_progress is not None:
        on_progress(count[0], len(examples))
    if pending:
        _repair_tail(predictions)
        inputs = predictions.with_name(predictions.stem + ".inputs.jsonl")
        atomic_write_text(
            inputs,
            "".join(
                json.dumps(
                    {"id": e.key, "messages": e.prompt}
                    | ({"max_tokens": e.max_tokens} if e.max_tokens else {}),
                    ensure_ascii=False,
                )
                + "\n"
                for e in pending
            ),
        )

        def on_line(line: str) -> None:
            if line.strip() == "done" and on_progress is not None:
                count[0] += 1
                on_progress(count[0], len(examples))

        finished = run_logged(
            [*engine.argv, str(inputs), str(predictions), *engine.extra],
            log_path,
            env={"PYTHONUNBUFFERED": "1", **engine.env},
            on_line=on_line,
        )
        inputs.unlink(missing_ok=True)
        if not finished.ok:
            found = (
                llamacpp_crash(
                    finished.returncode, engine.gguf, f"Generation with {engine.description}"
                )
                if engine.gguf is not None
                else None
            ) or diagnose(finished.tail, "generation", finished.returncode)
            tail = "\n    ".join(relevant_tail(finished.tail))
            raise ModelError(
                f"Generation with {engine.description} failed (exit code {finished.returncode}). "
                f"{found[0] if found else ''} Last lines:\n    {tail}\nFull log: {log_path}.",
                found[1]
                if found
                else "fix the cause and run `seshat eval` again: answers generated so far are kept",
            )
        done = read_predictions(predictions)
    missing = [e.key for e in examples if e.key not in done]
    if missing:
        raise ModelError(
            f"Generation with {engine.description} produced no answer for {len(missing)} "
            f"example(s) (first: {missing[0]}); see {log_path}.",
            "run `seshat eval` again (it only generates what is missing)",
        )
    return {e.key: done[e.key] for e in examples}


def _forget_if_stale(engine: Engine, predictions: Path) -> None:
    """Drop answers made by other model files than the engine's (a re-export, a retrained run)."""
    stamp = predictions.with_name(predictions.stem + ".model.json")
    now = json.dumps(engine.identity())
    if not stamp.is_file() or stamp.read_text(encoding="utf-8") != now:
        predictions.unlink(missing_ok=True)
        atomic_write_text(stamp, now)


def _repair_tail(path: Path) -> None:
    """Cut a torn last line (a generation killed mid-write) so that appending stays valid."""
    if not path.is_file():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        cut = data.rfind(b"\n") + 1
        with open(path, "r+b") as handle:
            handle.truncate(cut)
