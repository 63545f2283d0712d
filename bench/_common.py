"""Helpers shared by the benchmarks: timing commands and printing tables."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def time_command(
    argv: list[str], runs: int, env: dict[str, str] | None = None, cwd: Path | None = None
) -> tuple[float, float]:
    """Median and min wall time (s) of ``argv`` over ``runs`` runs (after one warm-up run)."""
    full_env = dict(os.environ) | (env or {})
    subprocess.run(argv, capture_output=True, env=full_env, cwd=cwd, check=False)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, env=full_env, cwd=cwd, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(
                f"{' '.join(argv)} failed:\n{done.stdout.decode()}\n{done.stderr.decode()}"
            )
    return statistics.median(times), min(times)


def sample_project() -> Path:
    """A fresh scaffolded project in a temp dir."""
    from seshat.scaffold import scaffold

    folder = Path(tempfile.mkdtemp(prefix="seshat-bench-")) / "proj"
    scaffold(folder, name="Shipibo-Konibo", code="shp")
    return folder


def table(title: str, header: list[str], rows: list[list[str]]) -> None:
    """Print a plain-text table."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
