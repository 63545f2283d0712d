"""The quickstart end to end in a fresh folder: total wall time and peak memory per stage.

    python bench/quickstart.py [--steps N] [--keep]

Runs ``seshat quickstart`` as a user would (its own process), then prints the stage table that
it wrote into ``quickstart.json``, with the headline scores. Needs the backend envs (built on
first use) and the quickstart's model package (./run installs it). Prints figures only.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, table


def main() -> None:
    """Run the quickstart once and print its stages."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, help="training steps (default: the sample's)")
    parser.add_argument("--keep", action="store_true", help="keep the project folder")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="seshat-bench-quickstart-")) / "qs"
    argv = [sys.executable, "-m", "seshat", "quickstart", str(folder)]
    if args.steps:
        argv += ["--steps", str(args.steps)]
    started = time.monotonic()
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    record_path = folder / "quickstart.json"
    if done.returncode != 0 or not record_path.is_file():
        raise SystemExit(f"quickstart failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    record = json.loads(record_path.read_text(encoding="utf-8"))
    rows = [
        [s["stage"], f"{s['seconds']:.1f}", str(s["peak_rss_mb"] or "-"), s["state"]]
        for s in record["stages"]
    ]
    rows.append(["total (wall, process)", f"{wall:.1f}", "", ""])
    table("seshat quickstart, per stage", ["stage", "seconds", "peak RSS (MB)", "state"], rows)
    for task, v in (record.get("verdicts") or {}).items():
        against = ", ".join(
            f"{name} {row['other']:.1f} ({row['low']:+.1f}..{row['high']:+.1f})"
            for name, row in v["against"].items()
        )
        print(f"{task}: chrF {v['chrf']:.1f} vs {against}; learned: {v['learned']}")
    print(f"learned to translate: {record.get('learned')}")
    if not args.keep:
        shutil.rmtree(folder.parent, ignore_errors=True)
    else:
        print(f"kept: {folder}")


if __name__ == "__main__":
    main()
