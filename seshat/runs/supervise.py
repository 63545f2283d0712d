"""Run a backend as a subprocess (its own process group), log everything, parse its progress.

Ctrl-C or SIGTERM stops the whole process group (TERM, then KILL after a grace period), so no
orphan trainer or dataloader worker survives.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

GRACE_SECONDS = 20.0


@dataclass
class Outcome:
    """How the backend process ended."""

    returncode: int
    seconds: float
    interrupted: bool
    tail: list[str] = field(default_factory=list)


def _pump(stream: IO[bytes], log: Path, name: str, out: queue.Queue[tuple[str, str]]) -> None:
    with open(log, "ab") as handle:
        while True:
            chunk = os.read(stream.fileno(), 65536)
            if not chunk:
                break
            handle.write(chunk)
            handle.flush()
            out.put((name, chunk.decode("utf-8", errors="replace")))
    out.put((name, ""))


@contextlib.contextmanager
def _signals_set_flag(flag: threading.Event) -> Iterator[None]:
    """While inside, SIGINT/SIGTERM set ``flag`` instead of raising (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, lambda *_: flag.set())
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def stop_group(proc: subprocess.Popen[bytes], grace: float = GRACE_SECONDS) -> None:
    """Stop a process started in its own session: SIGTERM to its group, SIGKILL after ``grace``."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # the leader and any worker left behind
    proc.wait()


def supervise(
    argv: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    logs: Path,
    on_output: Callable[[str, str], None],
    on_tick: Callable[[], None],
    on_start: Callable[[int], None] = lambda _: None,
    tick_seconds: float = 0.5,
) -> Outcome:
    """Run ``argv`` to the end, or until Ctrl-C/SIGTERM.

    Args:
        argv: Program and arguments (no shell).
        cwd: Working directory.
        env: Full environment of the process.
        logs: Folder for ``stdout.log`` and ``stderr.log`` (complete, appended).
        on_output: Called with (stream name, text chunk) as output arrives.
        on_tick: Called about every ``tick_seconds`` (to poll files, refresh progress).
        on_start: Called with the process id (also its process group id) once it started.
        tick_seconds: Polling period.

    Returns:
        Exit code, duration, whether it was interrupted, and the output's last lines.
    """
    logs.mkdir(parents=True, exist_ok=True)
    stop = threading.Event()
    lines: deque[str] = deque(maxlen=200)
    partial = {"stdout": "", "stderr": ""}
    chunks: queue.Queue[tuple[str, str]] = queue.Queue()
    start = time.monotonic()
    with _signals_set_flag(stop):
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        assert proc.stdout is not None and proc.stderr is not None
        on_start(proc.pid)
        pumps = [
            threading.Thread(
                target=_pump, args=(proc.stdout, logs / "stdout.log", "stdout", chunks), daemon=True
            ),
            threading.Thread(
                target=_pump, args=(proc.stderr, logs / "stderr.log", "stderr", chunks), daemon=True
            ),
        ]
        for pump in pumps:
            pump.start()
        open_streams = 2
        interrupted = False
        next_tick = time.monotonic() + tick_seconds
        while open_streams:
            if stop.is_set() and not interrupted:
                interrupted = True
                stop_group(proc)
            # Tick by the clock, not on silence: a chatty backend never leaves the queue empty.
            if time.monotonic() >= next_tick:
                on_tick()
                next_tick = time.monotonic() + tick_seconds
            try:
                name, text = chunks.get(timeout=max(0.0, next_tick - time.monotonic()))
            except queue.Empty:
                continue
            if not text:
                open_streams -= 1
                continue
            on_output(name, text)
            pieces = (partial[name] + text).replace("\r", "\n").split("\n")
            partial[name] = pieces.pop()
            lines.extend(pieces)
        returncode = proc.wait()
        if stop.is_set() and not interrupted:
            interrupted = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # nothing of the group may outlive the run
        on_tick()
    for name in partial:
        if partial[name]:
            lines.append(partial[name])
    return Outcome(returncode, time.monotonic() - start, interrupted, list(lines))
