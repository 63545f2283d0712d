"""Progress while a managed env builds: a live status line on a terminal, plain lines elsewhere.

A first build takes minutes (llama.cpp's compile 10-30 min on 2 cores). On a terminal the status
line shows the step and pip's last line; when the output is a log file or CI, each step is a
line of its own and a line every minute says the build is still going and for how long.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from rich.console import Console
from rich.markup import escape

TICK_SECONDS = 60.0


@dataclass
class EnvProgress:
    """The two callbacks that ``seshat.environments.install`` takes."""

    on_line: Callable[[str], None]
    on_step: Callable[[str], None]


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"


@contextlib.contextmanager
def env_progress(
    console: Console, name: str, device: str = "cpu", tick: float = TICK_SECONDS
) -> Iterator[EnvProgress]:
    """Show what is being built and for how long; yields the callbacks for ``install``."""
    label = escape(f"[{name}/{device}]")
    started = time.monotonic()
    current = {"step": "checking the cache", "since": started}
    if console.is_terminal:
        with console.status(f"{label} preparing the {name} env...") as status:

            def step(text: str) -> None:
                current.update(step=text, since=time.monotonic())
                status.update(f"{label} {escape(text)}")

            def line(text: str) -> None:
                waited = _minutes(time.monotonic() - current["since"])
                status.update(f"{label} {escape(current['step'])} ({waited}): {escape(text[:70])}")

            yield EnvProgress(line, step)
        return

    stop = threading.Event()

    def plain_step(text: str) -> None:
        current.update(step=text, since=time.monotonic())
        console.print(f"{label} {escape(text)}...", highlight=False, soft_wrap=True)

    def ticker() -> None:
        while not stop.wait(tick):
            console.print(
                f"{label} still at: {escape(current['step'])} "
                f"({_minutes(time.monotonic() - current['since'])} so far, "
                f"{_minutes(time.monotonic() - started)} in all)",
                highlight=False,
                soft_wrap=True,
            )

    thread = threading.Thread(target=ticker, daemon=True)
    thread.start()
    try:
        yield EnvProgress(lambda _text: None, plain_step)
    finally:
        stop.set()
        thread.join(timeout=1)
