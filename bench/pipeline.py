"""Data throughput: clean -> split -> format of synthetic segments, streaming, memory measured.

Reports segments/s per stage, the peak memory of each stage (run in its own process), and the
ratio to the floor: a bare read-and-write of the same JSONL (json.loads + json.dumps per line).
Goal (issue: data pipeline): 1,000,000 segments, < 500 MB peak, <= 10x the floor.
Usage: python bench/pipeline.py [SEGMENTS]   (default 1,000,000; 100,000 is a quick look)
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import REPO, table

STAGE = """
import json, resource, sys, time
from seshat.config.loader import load_project
from seshat.data.clean import clean
from seshat.data.split import split
from seshat.data.format import format_splits
project = load_project(sys.argv[1])
start = time.perf_counter()
{call}
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"seconds": seconds, "peak_mb": peak}}))
"""
BARE = """
import json, resource, sys, time
start = time.perf_counter()
with open(sys.argv[1], encoding="utf-8") as src, open(sys.argv[2], "w", encoding="utf-8") as dst:
    for line in src:
        dst.write(json.dumps(json.loads(line), ensure_ascii=False, sort_keys=True) + "\\n")
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak}))
"""


def synthetic(path: Path, count: int) -> None:
    """Segments like a real mix: sentences with translations, dictionary entries, glossed text."""
    from seshat.corpus.segment import Provenance, Segment

    rng = random.Random(1)
    syllables = ["ka", "ne", "te", "ja", "wen", "ino", "ba", "ke", "rao", "shi", "po", "ni"]
    spanish = ["el", "día", "niño", "río", "casa", "bonito", "grande", "de", "allí", "me", "voy"]

    def words(pool: list[str], n: int, glue: int = 1) -> str:
        return " ".join("".join(rng.choice(pool) for _ in range(glue)) for _ in range(n))

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        for i in range(count):
            kind = rng.choices(["sentence", "dictionary_entry", "igt"], [6, 3, 1])[0]
            n = rng.randint(3, 14) if kind != "dictionary_entry" else 1
            text = words(syllables, n, 2)
            segment = Segment(
                kind=kind,
                text=text,
                translation=words(spanish, max(1, int(n * 1.2))),
                morphemes=text.replace("a", "a-", 1) if kind == "igt" else None,
                gloss=words(["3SG", "PST", "PL", "LOC"], n) if kind == "igt" else None,
                pos="n" if kind == "dictionary_entry" else None,
                document=f"doc{i // 20}",
                provenance=Provenance(
                    source="synthetic", file="data/raw/synthetic.txt", line=i + 1
                ),
            )
            out.write(segment.to_json() + "\n")


def run(code: str, *args: str) -> dict[str, float]:
    """Run ``code`` in a fresh Python; return its JSON report."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=REPO, check=False
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    """Generate, measure the floor, then each stage."""
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    from seshat.scaffold import scaffold

    folder = Path(tempfile.mkdtemp(prefix="seshat-bench-pipeline-")) / "proj"
    scaffold(folder, name="Synthetic", code="syn")
    records = folder / "data" / "records" / "synthetic.jsonl"
    synthetic(records, count)
    size = records.stat().st_size / 1e6
    floor = run(BARE, str(records), str(folder / "bare.jsonl"))
    rows = [
        ["bare read + write", f"{count / floor['seconds']:,.0f}", "1.0", f"{floor['peak_mb']:.0f}"]
    ]
    for name, call in (
        ("clean", "clean(project)"),
        ("split", "split(project)"),
        ("format", "format_splits(project)"),
    ):
        result = run(STAGE.format(call=call), str(folder))
        rows.append(
            [
                name,
                f"{count / result['seconds']:,.0f}",
                f"{result['seconds'] / floor['seconds']:.1f}",
                f"{result['peak_mb']:.0f}",
            ]
        )
    table(
        f"{count:,} synthetic segments ({size:.0f} MB of JSONL), one process per stage "
        "(goal: <= 10x the floor, < 500 MB)",
        ["stage", "segments/s", "x floor", "peak MB"],
        rows,
    )
    shutil.rmtree(folder.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
