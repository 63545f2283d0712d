"""Wall time and peak memory of each quickstart stage.

Memory is the resident set of Seshat's process and all its children (the trainer, llama.cpp,
transformers), summed and sampled from ``/proc`` twice a second: the figure a user watching
``top`` would see. Where ``/proc`` is missing (not Linux), the peak is left out.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")


def _children(pid: int) -> list[int]:
    found = []
    for task in (PROC / str(pid) / "task").glob("*/children"):
        with contextlib.suppress(OSError):
            found += [int(p) for p in task.read_text().split()]
    return found


def _rss_bytes(pid: int) -> int:
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants."""
    total, pending, seen = 0, [pid], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        total += _rss_bytes(current)
        pending += _children(current)
    return total


@dataclass
class Stage:
    """One stage's name, outcome, wall time and peak memory."""

    name: str
    seconds: float = 0.0
    peak_bytes: int | None = None
    note: str = ""
    state: str = "running"


@dataclass
class StageLog:
    """The stages run so far, each timed and sampled while it runs."""

    stages: list[Stage] = field(default_factory=list)
    interval: float = 0.5

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[Stage]:
        """Time the block and sample the process tree's memory while it runs."""
        current = Stage(name)
        self.stages.append(current)
        stop = threading.Event()
        sampling = PROC.is_dir()
        peak = [0]

        def sample() -> None:
            while not stop.is_set():
                peak[0] = max(peak[0], tree_rss(os.getpid()))
                stop.wait(self.interval)

        thread = threading.Thread(target=sample, daemon=True) if sampling else None
        if thread is not None:
            thread.start()
        started = time.monotonic()
        try:
            yield current
            current.state = "done"
        except BaseException:
            current.state = "failed"
            raise
        finally:
            current.seconds = time.monotonic() - started
            stop.set()
            if thread is not None:
                thread.join()
                current.peak_bytes = peak[0] or None

    def as_dicts(self) -> list[dict[str, object]]:
        """The stages as plain dicts (for ``quickstart.json``)."""
        return [
            {
                "stage": s.name,
                "state": s.state,
                "seconds": round(s.seconds, 1),
                "peak_rss_mb": round(s.peak_bytes / 2**20) if s.peak_bytes else None,
                "note": s.note,
            }
            for s in self.stages
        ]
