"""The ingest receipt: what each source gave, what was left out and why, where it all went.

Built from what the stages already record (``data/records/manifest.json``, ``data/clean/
report.json``, ``data/splits/manifest.json``, the formatted manifest) and written to
``data/records/receipt.json``. ``seshat data run`` prints it compactly, ``seshat data status`` in
full. Nothing is dropped without a line here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from seshat.config.loader import LoadedProject
from seshat.data.clean import BLOCKING, CLEAN
from seshat.data.ingest import MANIFEST, RECORDS
from seshat.data.split import SPLITS_DIR
from seshat.langcodes import is_language, language_keys
from seshat.yamlio import atomic_write_text

RECEIPT = RECORDS / "receipt.json"
# tasks a record without a translation still feeds
WITHOUT_TRANSLATION = ("glossing", "grammar", "morphology")


def _read(path: Path) -> dict[str, Any]:
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def build(project: LoadedProject) -> dict[str, Any]:
    """The receipt of the project's data as the stages left it."""
    root = project.root
    ingested = _read(root / RECORDS / MANIFEST)
    cleaned = _read(root / CLEAN / "report.json").get("sources", {})
    language = project.spec.source_language
    codes = [language.code, *language.codes.values()]
    sources: dict[str, Any] = {}
    for source in project.spec.sources:
        entry = ingested.get(source.id, {})
        flags = {k: v for k, v in cleaned.get(source.id, {}).items() if k != "records"}
        languages = entry.get("languages", {})
        others: dict[str, int] = {}
        for key, count in languages.items():
            code = key.rsplit(":", 1)[-1].split(" ")[0].lower()
            if not is_language(code, codes):
                others[key] = others.get(key, 0) + count
        sources[source.id] = {
            "format": source.format.value,
            "files": entry.get("files", 0),
            "records": entry.get("kinds", {}),
            "left_out_by_reader": entry.get("left_out", {}),
            "languages_found": languages,
            "languages_not_used": others,
            "flagged": {
                rule: {"records": n, "left_out_of_training": rule in BLOCKING}
                for rule, n in sorted(flags.items())
            },
            "without_translation": {
                "records": flags.get("untranslated", 0),
                "still_feed": list(WITHOUT_TRANSLATION),
            }
            if flags.get("untranslated")
            else None,
            "ingested": source.id in ingested,
        }
    splits = _read(root / SPLITS_DIR / "manifest.json")
    formatted = _read((root / project.spec.data.train).parent / "manifest.json")
    return {
        "source_language": sorted(language_keys(codes)),
        "sources": sources,
        "splits": {
            k: splits.get(k)
            for k in ("counts", "shares", "targets", "unit", "refined", "pinned", "orthography")
            if k in splits
        },
        "examples": {
            name: {"examples": part.get("examples", 0), "tasks": part.get("tasks", {})}
            for name, part in formatted.get("splits", {}).items()
        },
    }


def write(project: LoadedProject) -> dict[str, Any]:
    """Build the receipt and write it to ``data/records/receipt.json`` (atomically)."""
    receipt = build(project)
    atomic_write_text(
        project.root / RECEIPT, json.dumps(receipt, indent=2, ensure_ascii=False) + "\n"
    )
    return receipt


def lines(receipt: dict[str, Any], full: bool = False) -> list[str]:
    """The receipt in plain lines: one per source, then the splits (``full``: every reason)."""
    out: list[str] = []
    for name, source in receipt["sources"].items():
        records = source["records"]
        read = ", ".join(f"{n} {kind}" for kind, n in records.items()) or "0 records"
        left = sum(source["left_out_by_reader"].values())
        blocked = sum(f["records"] for f in source["flagged"].values() if f["left_out_of_training"])
        parts = [f"{name}: {read} from {source['files']} file(s)"]
        if left:
            parts.append(f"{left} item(s) not read")
        if blocked:
            parts.append(f"{blocked} record(s) flagged out of training")
        if source["without_translation"]:
            parts.append(
                f"{source['without_translation']['records']} without translation (kept for "
                f"{', '.join(source['without_translation']['still_feed'])})"
            )
        if source["languages_not_used"]:
            parts.append(
                "not in the source language: "
                + ", ".join(f"{k} {n}" for k, n in source["languages_not_used"].items())
            )
        out.append("; ".join(parts))
        if full:
            out += [f"    not read: {why}: {n}" for why, n in source["left_out_by_reader"].items()]
            out += [
                f"    flagged {rule}: {f['records']}"
                + (" (left out of training)" if f["left_out_of_training"] else " (note)")
                for rule, f in source["flagged"].items()
            ]
    splits = receipt.get("splits") or {}
    if splits.get("counts"):
        shares = splits.get("shares", {})
        out.append(
            "splits: "
            + ", ".join(
                f"{k} {n} ({shares.get(k, 0) * 100:.1f} %)" for k, n in splits["counts"].items()
            )
            + f", by {splits.get('unit')}"
        )
        if splits.get("refined"):
            out.append(f"    {splits['refined']}")
        for key, pin in (splits.get("pinned") or {}).items():
            if key.endswith("_file"):
                out.append(
                    f"    {key}: {pin['lines']} line(s), {pin['matched_records']} record(s) matched"
                )
            elif pin:
                out.append(f"    pinned sources: {', '.join(f'{s}→{t}' for s, t in pin.items())}")
    for found in (splits.get("orthography") or {}).values():
        if found.get("flag"):
            line = f"    spelling: {found['note']}"
            if found.get("suggest_normalize"):
                mapping = ", ".join(f"{a}: {b}" for a, b in found["suggest_normalize"].items())
                line += f"; to try: `language.normalize: {{{mapping}}}`"
            out.append(line)
    for name, part in (receipt.get("examples") or {}).items():
        tasks = ", ".join(f"{t} {n}" for t, n in part["tasks"].items())
        out.append(f"{name}: {part['examples']} example(s) ({tasks})")
    return out
