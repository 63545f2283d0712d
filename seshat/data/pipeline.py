"""``seshat data run`` runs only the stale stages; ``seshat data status`` shows where data stands.

Each stage after ingest leaves a stamp (``.stamp.json`` in its output folder): a hash of its input
files and of the settings it uses. A stage whose stamp matches is skipped; the stamp is written
only after the stage finished, so a stage killed half-way runs again. Ingest is incremental per
source on its own (see :mod:`seshat.data.ingest`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seshat import __version__
from seshat.config.loader import LoadedProject
from seshat.data.clean import CLEAN, clean
from seshat.data.format import format_splits
from seshat.data.ingest import RECORDS, ingest
from seshat.data.receipt import write as write_receipt
from seshat.data.split import SPLITS_DIR, split
from seshat.errors import DataError, SeshatError
from seshat.stamps import file_blocks, sha256_file
from seshat.templating import template_dirs
from seshat.yamlio import atomic_write_text

STAMP = ".stamp.json"

log = logging.getLogger("seshat.pipeline")


@dataclass(frozen=True)
class Stage:
    """A stage after ingest: what it reads, which settings it uses, where it writes."""

    name: str
    inputs: Callable[[LoadedProject], list[Path]]
    settings: Callable[[LoadedProject], Any]
    output: Callable[[LoadedProject], Path]
    run: Callable[[LoadedProject], dict[str, Any]]


def _jsonl(folder: Path) -> Callable[[LoadedProject], list[Path]]:
    return lambda p: sorted((p.root / folder).glob("*.jsonl"))


def _format_inputs(project: LoadedProject) -> list[Path]:
    templates = [
        path
        for folder in template_dirs(project.root)
        for path in sorted((folder / "tasks").glob("*.j2"))
    ]
    return [*sorted((project.root / SPLITS_DIR).glob("*.jsonl")), *templates]


STAGES = (
    Stage(
        "clean",
        _jsonl(RECORDS),
        lambda p: [p.spec.language.normalize, p.spec.cleaning.model_dump()],
        lambda p: p.root / CLEAN,
        clean,
    ),
    Stage(
        "split",
        lambda p: [
            *_jsonl(CLEAN)(p),
            *[p.root / f for f in (p.spec.splits.test_file, p.spec.splits.dev_file) if f],
        ],
        lambda p: [
            p.spec.splits.model_dump(mode="json"),
            {s.id: s.split_pin() for s in p.spec.sources},
            p.spec.language.normalize,  # pinned texts are cleaned as the records are
            p.spec.cleaning.punctuation_spacing,
        ],
        lambda p: p.root / SPLITS_DIR,
        split,
    ),
    Stage(
        "format",
        _format_inputs,
        lambda p: [
            p.spec.tasks.model_dump(),
            p.spec.data.model_dump(mode="json"),
            p.spec.language.name,
            p.spec.source_language.name,
        ],
        lambda p: (p.root / p.spec.data.train).parent,
        format_splits,
    ),
)


def stamp(project: LoadedProject, stage: Stage) -> str:
    """The hash of a stage's input files (names and bytes) and settings."""
    digest = hashlib.sha256(__version__.encode())
    digest.update(json.dumps(stage.settings(project), sort_keys=True, default=str).encode())
    for path in stage.inputs(project):
        digest.update(path.name.encode())
        if not path.is_file():  # the stage itself says what is missing
            digest.update(b"\0missing")
            continue
        for block in file_blocks(path):
            digest.update(block)
    return digest.hexdigest()


def state(project: LoadedProject, stage: Stage, current: str | None = None) -> str:
    """``fresh``, ``stale`` (inputs or settings changed) or ``missing`` (never ran).

    ``current`` is the stage's :func:`stamp` when the caller has it already.
    """
    path = stage.output(project) / STAMP
    if not path.is_file():
        return "missing"
    if not stage.inputs(project):
        return "stale"
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return "stale"  # a damaged stamp proves nothing: the stage runs again
    if not isinstance(saved, dict) or saved.get("stamp") != (current or stamp(project, stage)):
        return "stale"
    # the outputs themselves: a kill while the stage rewrote them leaves some new, some old
    return "fresh" if saved.get("outputs") == output_hashes(project, stage) else "stale"


def output_hashes(project: LoadedProject, stage: Stage) -> dict[str, str]:
    """sha256 of every file the stage wrote (its folder, less the stamp and temp files)."""
    folder = stage.output(project)
    return {
        path.name: sha256_file(path)
        for path in sorted(folder.iterdir())
        if path.is_file() and not path.name.startswith(".") and not path.name.endswith(".tmp")
    }


def stage_named(name: str) -> Stage:
    """The stage after ingest called ``name`` (``clean``, ``split``, ``format``)."""
    return next(stage for stage in STAGES if stage.name == name)


def run_stage(project: LoadedProject, stage: Stage, current: str | None = None) -> Any:
    """Run one stage and leave its stamp; return the stage's summary.

    ``seshat data run`` and the single-stage commands (``seshat data clean`` ...) both run a stage
    this way, so a stage run alone (by hand, or by ``dvc repro``) is known fresh afterwards.

    Args:
        project: The project.
        stage: The stage.
        current: The stage's :func:`stamp`, taken before it ran (computed here when None).
    """
    current = current or stamp(project, stage)  # a stage does not change its own inputs
    summary = stage.run(project)
    record = {"stamp": current, "outputs": output_hashes(project, stage)}
    atomic_write_text(
        stage.output(project) / STAMP, json.dumps(record, indent=2, sort_keys=True) + "\n"
    )
    return summary


def run_pipeline(project: LoadedProject, force: bool = False) -> list[tuple[str, str, Any]]:
    """Ingest (incremental), then every stale stage in order; return ``(stage, action, summary)``.

    Raises:
        SeshatError: A source failed to ingest (the later stages would use incomplete data).
    """
    if not project.spec.sources:
        raise DataError(
            "seshat.yaml declares no sources, so there is nothing to ingest.",
            "add your files under `sources:` (`seshat config schema` lists the keys, "
            "`seshat config formats` the formats)",
        )
    results = ingest(project, force=force)
    problems = [e for r in results for e in r.errors]
    if problems:
        raise SeshatError(
            "Ingest failed for some sources, so the later stages were not run:\n  - "
            + "\n  - ".join(problems),
            "fix those files, then `seshat data run` again",
        )
    for warning in (w for r in results for w in r.warnings):
        log.warning("%s", warning)
    if results and sum(r.segments for r in results) == 0:
        found = ", ".join(f"{r.source}: {r.files} file(s), 0 records" for r in results)
        raise DataError(
            f"The sources gave no records at all ({found}), so there is nothing to clean, split "
            "or train on.",
            "check each source's `path` and `format` in seshat.yaml (a folder is read for the "
            "format's file endings, e.g. .txt for plain; `seshat data status` shows what was read)",
        )
    done: list[tuple[str, str, Any]] = [
        ("ingest", "ran", {r.source: "unchanged" if r.skipped else r.segments for r in results})
    ]
    rerun = force
    for stage in STAGES:
        # A stage does not change its own inputs: one stamp serves the check and the record.
        current = stamp(project, stage)
        if not rerun and state(project, stage, current) == "fresh":
            done.append((stage.name, "fresh", None))
            continue
        rerun = True  # everything after a stage that ran runs too
        done.append((stage.name, "ran", run_stage(project, stage, current)))
    write_receipt(project)
    formatted = next((summary for name, action, summary in done if name == "format"), None)
    if formatted is not None:
        _refuse_an_empty_train_split(project, formatted)
    return done


def _refuse_an_empty_train_split(project: LoadedProject, summary: Any) -> None:
    """A run of the pipeline that ends with no training example fails, saying where they went.

    Raises:
        DataError: The train split has no example.
    """
    train = ((summary or {}).get("splits") or {}).get("train") or {}
    if train.get("examples", 0) > 0:
        return
    try:
        split_counts = json.loads(
            (project.root / SPLITS_DIR / "manifest.json").read_text(encoding="utf-8")
        ).get("counts", {})
    except (OSError, json.JSONDecodeError, AttributeError):
        split_counts = {}
    records = int(split_counts.get("train", 0) or 0)
    if records:
        why = (
            f"its {records} records fit no task (a translation task needs a translation, "
            "glossing needs morphemes and glosses, a dictionary task needs a definition; "
            f"{train.get('flagged_records_left_out', 0)} were left out by cleaning flags)"
        )
        hint = (
            "add what the tasks need (a `parallel` source, a dictionary, glossed text), or check "
            "the weights under `tasks:` in seshat.yaml"
        )
    else:
        why = f"the split holds no record at all (records per split: {split_counts or 'none'})"
        hint = (
            "with few documents, split by record (`splits.group_by: record`), or add data; "
            "`seshat data status` shows how the records were split"
        )
    raise DataError(
        f"The formatted train split {project.spec.data.train} has no example: {why}, so there "
        "is nothing to train on.",
        hint,
    )
