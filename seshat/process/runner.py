"""Run an external program (argument list, never a shell), log its output, exit code and duration."""

from __future__ import annotations

import logging
import os
import subprocess
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("seshat.process")


@dataclass(frozen=True)
class Finished:
    """What a finished subprocess left behind.

    Attributes:
        argv: The command.
        returncode: Its exit code.
        seconds: Wall time.
        tail: Its last output lines (stdout and stderr together).
    """

    argv: list[str]
    returncode: int
    seconds: float
    tail: list[str]

    @property
    def ok(self) -> bool:
        """Whether it exited with 0."""
        return self.returncode == 0


def run_logged(
    argv: Sequence[str | os.PathLike[str]],
    log_path: Path,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    on_line: Callable[[str], None] | None = None,
    tail_lines: int = 40,
) -> Finished:
    """Run ``argv``, appending its combined output to ``log_path``; never raises on a non-zero exit.

    Args:
        argv: Program and arguments.
        log_path: Log file (appended to; the command, exit code and duration are logged too).
        env: Extra environment variables on top of this process's environment.
        cwd: Working directory.
        on_line: Called with every output line (for progress display).
        tail_lines: How many last lines to keep for error messages.

    Returns:
        Exit code, duration and the output's tail.
    """
    args = [os.fspath(a) for a in argv]
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    tail: deque[str] = deque(maxlen=tail_lines)
    start = time.monotonic()
    with open(log_path, "a", encoding="utf-8") as handle:
        handle.write(f"$ {' '.join(args)}\n")
        handle.flush()
        try:
            proc = subprocess.Popen(
                args,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=full_env,
                cwd=cwd,
                text=True,
                encoding="utf-8",
                errors="replace",
                bufsize=1,
            )
        except OSError as exc:
            handle.write(f"[seshat] could not start: {exc}\n")
            return Finished(args, 127, time.monotonic() - start, [str(exc)])
        assert proc.stdout is not None
        for line in proc.stdout:
            handle.write(line)
            stripped = line.rstrip("\n")
            tail.append(stripped)
            if on_line is not None:
                on_line(stripped)
        returncode = proc.wait()
        seconds = time.monotonic() - start
        handle.write(f"[seshat] exit code {returncode} after {seconds:.1f} s\n")
    log.info("%s: exit code %s after %.1f s", args[0], returncode, seconds)
    return Finished(args, returncode, seconds, list(tail))


def run_json(
    argv: Sequence[str | os.PathLike[str]],
    log_path: Path,
    what: str,
    hint: str,
    env: Mapping[str, str] | None = None,
    gguf: Path | None = None,
) -> Any:
    """Run a helper script that prints one JSON line last; return that line, parsed.

    Args:
        argv: The helper and its arguments.
        log_path: Its log (appended to).
        what: What it does, for the error message.
        hint: The next step when it fails.
        env: Extra environment variables.
        gguf: The GGUF a llama.cpp helper loads: a crash is then diagnosed with its type and the CPU.

    Raises:
        ModelError: The helper failed (its log tail in the message, ``hint`` as the next step),
            or printed no JSON line.
    """
    import json

    from seshat.errors import ModelError
    from seshat.process.diagnosis import llamacpp_crash, relevant_tail

    done = run_logged(argv, log_path, env={"PYTHONUNBUFFERED": "1", **(env or {})})
    if not done.ok:
        tail = "\n    ".join(relevant_tail(done.tail))
        crash = llamacpp_crash(done.returncode, gguf, what) if gguf is not None else None
        raise ModelError(
            f"{what} failed (exit code {done.returncode}). "
            + (crash[0] + " " if crash else "")
            + f"Last lines:\n    {tail}\nFull log: {log_path}.",
            crash[1] if crash else hint,
        )
    for line in reversed(done.tail):
        if line.startswith("{"):
            return json.loads(line)
    raise ModelError(f"{what} printed no result; see {log_path}.", hint)


def run_captured(
    argv: Sequence[str | os.PathLike[str]],
    timeout: float,
    env: Mapping[str, str] | None = None,
) -> tuple[int, str]:
    """Run a short command and keep its output: ``(exit code, stdout and stderr, stripped)``.

    Never raises for the command's sake: 127 when it cannot start, 124 when it outlasts
    ``timeout`` (it is killed), a negative code when a signal ended it.
    """
    full_env = dict(os.environ) | dict(env or {})
    try:
        done = subprocess.run(
            [os.fspath(a) for a in argv],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            check=False,
            env=full_env,
        )
    except OSError as exc:
        return 127, str(exc)
    except subprocess.TimeoutExpired:
        return 124, f"no answer within {timeout:.0f} s"
    return done.returncode, (done.stdout + done.stderr).strip()
