"""``seshat data export OUT``: the formatted splits, as far as the access policy lets them go.

Each example passes the ``dataset_export`` rule (by default only public records leave); the rest
are left out and counted, never named by content. The folder gets the chat JSONL splits, their
``.meta.jsonl`` sidecars, a ``manifest.json`` (hashes, counts per source and level, licences) and a
short ``README.md``. Everything is written into a temporary folder first and renamed into place.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from seshat.access import Gate, row_holdings
from seshat.config.loader import LoadedProject
from seshat.config.models import Destination
from seshat.corpus.jsonl import meta_path, read_json_lines
from seshat.errors import DataError
from seshat.stamps import file_manifest, utc_now
from seshat.yamlio import atomic_write_text, remove_tree


def _split_rows(chat: Path) -> tuple[list[str], list[dict[str, Any]]]:
    """The lines of a formatted split and their meta rows (which must line up)."""
    lines = [line for line in chat.read_text(encoding="utf-8").splitlines() if line.strip()]
    sidecar = meta_path(chat)
    if not sidecar.is_file():
        raise DataError(
            f"{chat} has no {sidecar.name}: without it, the origin and access level of its "
            "examples are unknown, so none of them can be exported.",
            "write the splits with `seshat data format` (it writes the sidecar)",
        )
    rows = read_json_lines(sidecar)
    if len(rows) != len(lines):
        raise DataError(
            f"{chat} has {len(lines)} examples but {sidecar.name} describes {len(rows)}.",
            "write the splits again with `seshat data format`",
        )
    return lines, rows


def export_dataset(project: LoadedProject, out: Path, gate: Gate | None = None) -> dict[str, Any]:
    """Write the exportable part of the formatted splits to ``out``; return its manifest.

    Raises:
        DataError: No formatted split, a split without its sidecar, or ``out`` is not empty.
    """
    gate = gate or Gate(project.root, project.spec.access)
    spec = project.spec
    splits = {
        name: project.root / rel
        for name, rel in (
            ("train", spec.data.train),
            ("dev", spec.data.dev),
            ("test", spec.data.test),
        )
        if rel is not None and (project.root / rel).is_file()
    }
    if not splits:
        raise DataError(
            f"There are no formatted splits to export in {project.root / 'data'}.",
            "run `seshat data run` first",
        )
    if out.exists() and any(out.iterdir()):
        raise DataError(
            f"{out} exists and is not empty; an export never overwrites files.",
            "give a new folder",
        )
    scratch = out.with_name(f".{out.name}.partial")
    remove_tree(scratch)
    scratch.mkdir(parents=True)
    summary: dict[str, Any] = {"splits": {}, "left_out": {}}
    for name, chat in splits.items():
        lines, rows = _split_rows(chat)
        indexed = [dict(row, _n=n) for n, row in enumerate(rows)]
        kept = gate.select(Destination.dataset_export, indexed, f"the {name} split ({chat.name})")
        keep = {row["_n"] for row in kept}
        atomic_write_text(scratch / f"{name}.jsonl", "".join(lines[n] + "\n" for n in sorted(keep)))
        atomic_write_text(
            scratch / f"{name}.meta.jsonl",
            "".join(json.dumps(rows[n], sort_keys=True) + "\n" for n in sorted(keep)),
        )
        summary["splits"][name] = row_holdings([rows[n] for n in sorted(keep)]).to_dict()
        dropped = [rows[n] for n in range(len(rows)) if n not in keep]
        if dropped:
            summary["left_out"][name] = row_holdings(dropped).to_dict()
    summary["files"] = file_manifest(
        scratch, {f"{n}{s}": Path(f"{n}{s}") for n in splits for s in (".jsonl", ".meta.jsonl")}
    )
    summary["sources"] = [
        {
            "id": s.id,
            "license": s.license,
            "communities": s.communities,
            "consent": s.consent,
            "access": spec.access_of(s).value,
            "labels": [
                label.model_dump(mode="json", exclude_none=True) for label in spec.labels_for(s)
            ],
        }
        for s in spec.sources
        if any(s.id in part["sources"] for part in summary["splits"].values())
    ]
    summary |= {
        "project": spec.name,
        "language": spec.language.model_dump(mode="json"),
        "source_language": spec.source_language.model_dump(mode="json"),
        "rule": gate.limit(Destination.dataset_export),
        "override": gate.policy.overrides.get(Destination.dataset_export),
        "exported_at": utc_now(),
    }
    atomic_write_text(scratch / "manifest.json", json.dumps(summary, indent=2) + "\n")
    atomic_write_text(scratch / "README.md", _datasheet(summary))
    if out.exists():
        out.rmdir()
    out.parent.mkdir(parents=True, exist_ok=True)
    scratch.rename(out)
    return summary


def _datasheet(summary: dict[str, Any]) -> str:
    """A short README: what is inside, from which sources, and what was left out."""
    lines = [
        f"# {summary['language']['name']} ↔ {summary['source_language']['name']}: "
        f"chat examples from project {summary['project']}",
        "",
        f"Exported {summary['exported_at']} under the access rule dataset_export = "
        f"{summary['rule']}"
        + (f" (override: {summary['override']})" if summary["override"] else "")
        + ".",
        "",
        "| split | examples | per access level |",
        "|---|---|---|",
    ]
    for name, part in summary["splits"].items():
        total = sum(part["levels"].values())
        levels = ", ".join(f"{k} {v}" for k, v in part["levels"].items()) or "-"
        lines.append(f"| {name} | {total} | {levels} |")
    if summary["left_out"]:
        lines += ["", "Left out by the access policy (counts only):", ""]
        for name, part in summary["left_out"].items():
            levels = ", ".join(f"{k} {v}" for k, v in part["levels"].items())
            lines.append(f"- {name}: {levels}")
    lines += [
        "",
        "## Sources",
        "",
        "| source | licence | communities | consent |",
        "|---|---|---|---|",
    ]
    for source in summary["sources"]:
        lines.append(
            f"| {source['id']} | {source['license'] or 'not stated'} | "
            f"{', '.join(source['communities']) or '-'} | {source['consent'] or 'not stated'} |"
        )
    return "\n".join(lines) + "\n"
