"""Start-up time: `seshat --help` next to `axolotl --help` and `llamafactory-cli version`.

Target (issue: Seshat core): `seshat --help` under 0.3 s. The backends are timed in their own
managed envs when installed (`seshat backend install NAME`); otherwise they are listed as missing.
"""

from __future__ import annotations

import shutil
import sys

from _common import table, time_command

from seshat.environments import find_env

RUNS = 10


def main() -> None:
    """Time the commands and print one table."""
    seshat = shutil.which("seshat") or f"{sys.prefix}/bin/seshat"
    rows = []
    ours, best = time_command([seshat, "--help"], RUNS)
    verdict = "met" if ours < 0.3 else "MISSED"
    rows.append(
        ["seshat --help", f"{ours:.3f}", f"{best:.3f}", str(RUNS), f"target < 0.3 s: {verdict}"]
    )
    for backend, argv in (
        ("axolotl", ["axolotl", "--help"]),
        ("llamafactory", ["llamafactory-cli", "version"]),
    ):
        env = find_env(backend, "cpu")
        if env is None:
            rows.append(
                [" ".join(argv), "-", "-", "0", f"env missing: seshat backend install {backend}"]
            )
            continue
        runs = 3
        quiet = {"DISABLE_VERSION_CHECK": "1", "DO_NOT_TRACK": "1"}
        median, best = time_command([str(env.bin(argv[0])), *argv[1:]], runs, env=quiet)
        rows.append(
            [
                " ".join(argv),
                f"{median:.3f}",
                f"{best:.3f}",
                str(runs),
                f"{median / ours:.0f}x seshat",
            ]
        )
    table(
        "Start-up time (wall seconds, median and best)",
        ["command", "median", "best", "runs", "note"],
        rows,
    )


if __name__ == "__main__":
    main()
