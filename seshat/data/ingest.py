"""``seshat data ingest``: read every source of ``seshat.yaml`` into ``data/records/<source>.jsonl``.

Each source is read by the reader of its format; a folder source reads the files in it whose
suffix fits the format. A broken file is reported (file, line, what to do) and the other files and
sources are still ingested. A source whose input files and options have not changed since the last
ingest is skipped (``data/records/manifest.json`` keeps their hashes).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seshat import __version__
from seshat.access import withdrawn
from seshat.config.loader import LoadedProject
from seshat.config.models import Source
from seshat.config.reader_options import options_for
from seshat.data.readers.base import ReaderContext, ReaderError
from seshat.data.readers.registry import dependencies, reader_for
from seshat.kinds import LEVELS
from seshat.stamps import file_blocks, sha256_file
from seshat.yamlio import atomic_write_text, atomic_writer

RECORDS = Path("data/records")
MANIFEST = "manifest.json"
SUFFIXES = {
    "plain": (".txt",),
    "parallel": (".txt",),
    "tsv": (".tsv", ".tab", ".txt"),
    "csv": (".csv",),
    "toolbox": (".txt", ".sfm", ".db", ".tbx", ".mdf"),
    "lift": (".lift",),
    "flextext": (".flextext", ".xml"),
    "elan": (".eaf",),
    "cldf": (".json",),
    "xigt": (".xml", ".xigt"),
    "pdf": (".pdf",),
    "image": (".png", ".tif", ".tiff", ".jpg", ".jpeg", ".pnm", ".bmp"),
    "audio": (".wav", ".flac", ".mp3", ".ogg", ".m4a", ".opus"),
    "paradigm": (".tsv", ".tab", ".txt", ".csv"),
    "reviews": (".jsonl",),
}


log = logging.getLogger("seshat.ingest")


@dataclass
class SourceResult:
    """What ingesting one source did."""

    source: str
    output: str
    segments: int = 0
    files: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    skipped: bool = False
    warnings: list[str] = field(default_factory=list)
    left_out: dict[str, int] = field(default_factory=dict)
    languages: dict[str, int] = field(default_factory=dict)


def other_files(root: Path, source: Source) -> dict[str, int]:
    """Files of a folder source that its format does not read, counted by suffix."""
    path = root / source.path
    if source.format.value == "cldf" or not path.is_dir():
        return {}
    suffixes = SUFFIXES.get(source.format.value, ())
    found: Counter[str] = Counter(
        p.suffix.lower() or "(no suffix)"
        for p in path.rglob("*")
        if p.is_file() and p.suffix.lower() not in suffixes and not p.name.startswith(".")
    )
    return dict(sorted(found.items()))


def input_files(root: Path, source: Source) -> list[Path]:
    """The files a source names: the file itself, or the matching files of its folder (sorted).

    Sources are confined to the project: a path (or a link) that leads outside it is read only
    when the source gives a reason in ``outside_project`` (logged), and only regular files are
    read (a FIFO or a device would hang or never end).

    Raises:
        ReaderError: The path does not exist, leads outside the project without a reason, or is
            not a regular file.
    """
    path = root / source.path
    if not path.resolve().is_relative_to(root.resolve()) and not source.outside_project:
        _check_confined(root, source, path)  # refused before saying whether it exists
    if not path.exists():
        raise ReaderError(
            f"source {source.id!r}: {source.path} does not exist (relative to {root}).",
            "put the file under data/raw/ or fix `path` of the source in seshat.yaml",
        )
    if source.format.value == "cldf":
        files = [path]  # the reader takes the whole folder
    elif path.is_dir():
        suffixes = SUFFIXES.get(source.format.value, ())
        files = sorted(
            p for p in path.rglob("*") if not p.is_dir() and p.suffix.lower() in suffixes
        )
    else:
        files = [path]
    for file in files:
        _check_confined(root, source, file)
    if source.outside_project and not path.resolve().is_relative_to(root.resolve()):
        log.warning(
            "source %s reads %s, outside the project: %s", source.id, path, source.outside_project
        )
    return files


# formats read line by line: a line longer than MAX_LINE (16 MB) is no text of sentences (reading it
# whole would take gigabytes)
LINE_FORMATS = frozenset({"plain", "parallel", "tsv", "csv", "toolbox", "paradigm", "reviews"})
MAX_LINE = 16 << 20


def _refuse_endless_lines(source: Source, path: Path) -> None:
    """Refuse a line-based file with a line over :data:`MAX_LINE` bytes (found in 1 MB blocks).

    Raises:
        ReaderError: The first such line, with its number and length.
    """
    if path.stat().st_size <= MAX_LINE:
        return
    line, length = 1, 0
    for block in file_blocks(path):
        start = 0
        while (cut := block.find(b"\n", start)) >= 0:
            if length + cut - start > MAX_LINE:
                break
            line, length, start = line + 1, 0, cut + 1
        else:
            length += len(block) - start
            if length <= MAX_LINE:
                continue
        raise ReaderError(
            f"source {source.id!r}: line {line} of {path} is over {MAX_LINE >> 20} MB long; a "
            f"{source.format.value} file holds lines of text, not one endless line.",
            "check that the file is what the source says (a text file with line breaks), or "
            "pick its real format",
        )


def _most_closed_declaration(project: LoadedProject, source: Source) -> tuple[str, str] | None:
    """Another source naming the same file (or a folder holding it) at a more closed level."""
    mine = (project.root / source.path).resolve()
    found = None
    for other in project.spec.sources:
        if other.id == source.id:
            continue
        theirs = (project.root / other.path).resolve()
        overlaps = mine == theirs or theirs in mine.parents or mine in theirs.parents
        level = project.spec.access_of(other).value
        if overlaps and LEVELS.index(level) > LEVELS.index(
            found[1] if found else project.spec.access_of(source).value
        ):
            found = (other.id, level)
    return found


def _check_confined(root: Path, source: Source, path: Path) -> None:
    """Refuse a path outside the project (without a reason) and anything but regular files."""
    import stat

    resolved = path.resolve()
    if not resolved.is_relative_to(root.resolve()) and not source.outside_project:
        raise ReaderError(
            f"source {source.id!r}: {path} leads outside the project ({resolved}). Seshat "
            "reads only files inside the project folder, so that a mistake or a shared "
            "project cannot pull in other files (secrets, system files).",
            "copy the files under data/raw/, or, for a shared drive, give the reason in "
            f'`outside_project: "who decided, and why"` of source {source.id!r}',
        )
    if resolved.is_dir():
        return
    mode = resolved.stat().st_mode
    if stat.S_ISREG(mode) and source.format.value in LINE_FORMATS:
        _refuse_endless_lines(source, path)
    if not stat.S_ISREG(mode):
        kind = (
            "a FIFO"
            if stat.S_ISFIFO(mode)
            else "a device"
            if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "not a regular file"
        )
        raise ReaderError(
            f"source {source.id!r}: {path} is {kind}; only regular files are read.",
            "point the source at the file itself (a copy under data/raw/)",
        )


def fingerprint(root: Path, source: Source, files: list[Path], ctx: ReaderContext) -> str:
    """A hash of everything a source's records depend on.

    That is its settings, the project's language names and codes (readers use them), the bytes of
    its files, and the bytes of the other files its reader depends on.
    """
    digest = hashlib.sha256(source.model_dump_json().encode())
    digest.update(__version__.encode())
    languages = (ctx.target_name, ctx.translation_name, ctx.target_codes, ctx.translation_codes)
    digest.update(repr(languages).encode())
    digest.update(f"level={ctx.access}".encode())  # raised by another source naming the same file
    if ctx.floor:  # the project's labels (the source's own are in its settings above)
        digest.update(f"floor={ctx.floor}".encode())
    for path in files:
        targets = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        targets += dependencies(source.format.value, path, ctx)
        for target in targets:
            digest.update(
                str(target.relative_to(root) if target.is_relative_to(root) else target).encode()
            )
            if not target.is_file():  # missing: the reader reports it, or it is optional
                digest.update(b"missing")
                continue
            for block in file_blocks(target):
                digest.update(block)
    return digest.hexdigest()


def ingest(
    project: LoadedProject, only: list[str] | None = None, force: bool = False
) -> list[SourceResult]:
    """Ingest the sources (all, or those in ``only``); return one result per source."""
    spec, root = project.spec, project.root
    folder = root / RECORDS
    manifest_path = folder / MANIFEST
    manifest: dict[str, Any] = {}
    if manifest_path.is_file():
        try:
            loaded = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            loaded = {}  # a damaged manifest proves nothing: every source is read again
        manifest = loaded if isinstance(loaded, dict) else {}
    results = []
    gone = withdrawn(root)
    for source in spec.sources:
        if only and source.id not in only:
            continue
        output = RECORDS / f"{source.id}.jsonl"
        result = SourceResult(source.id, output.as_posix())
        results.append(result)
        if source.id in gone:
            note = gone[source.id]
            result.errors.append(
                f"source {source.id!r} was withdrawn on {note.get('at')} ({note.get('reason')}): "
                "its consent no longer holds, so it is not read again. Next: remove it from "
                "seshat.yaml (the withdrawal stays in .seshat/withdrawn.json and the audit)"
            )
            continue
        try:
            files = input_files(root, source)
        except ReaderError as exc:
            result.errors.append(str(exc))
            continue
        ctx = context_for(project, source)
        closest = _most_closed_declaration(project, source)
        if closest is not None:
            other, level = closest
            result.warnings.append(
                f"source {source.id!r} ({source.path}) is also declared by source {other!r} with "
                f"the more closed level {level}: its records get {level} (the most closed level "
                "wins). Next: declare each file once, or give both the same level"
            )
            ctx = dataclasses.replace(ctx, access=level)
        stamp = fingerprint(root, source, files, ctx)
        previous = manifest.get(source.id, {})
        # The records' own hash too: a kill between writing them and the manifest leaves new
        # records beside the old fingerprint, and they must not be taken for up to date.
        if (
            not force
            and previous.get("fingerprint") == stamp
            and (root / output).is_file()
            and previous.get("sha256") == sha256_file(root / output)
        ):
            result.skipped = True
            result.segments, result.files = previous["segments"], previous["files"]
            result.kinds = previous.get("kinds", {})
            result.left_out = previous.get("left_out", {})
            result.languages = previous.get("languages", {})
            continue
        kinds: Counter[str] = Counter()
        for suffix, count in other_files(root, source).items():
            ctx.leave_out(
                f"files ending {suffix} in the folder ({source.format.value} reads "
                f"{' '.join(SUFFIXES.get(source.format.value, ()))})",
                count,
            )
        with atomic_writer(root / output) as handle:
            for path in files:
                try:
                    lines = [s.to_json() for s in reader_for(source.format.value)(path, ctx)]
                except ReaderError as exc:
                    result.errors.append(str(exc))
                    continue
                except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
                    # a shape the reader did not foresee: name the file, keep the other files going
                    result.errors.append(
                        f"{ctx.rel(path)} could not be read as {source.format.value}: "
                        f"{type(exc).__name__}: {exc}. Next: check the file against its format; if it "
                        "is valid, report this with the file (or a cut-down copy)"
                    )
                    continue
                for line in lines:
                    handle.write(line + "\n")
                    kinds[json.loads(line)["kind"]] += 1
                result.files += 1
                result.segments += len(lines)
        result.kinds = dict(sorted(kinds.items()))
        result.left_out = dict(sorted(ctx.left_out.items()))
        result.languages = dict(sorted(ctx.languages.items()))
        unmatched = sorted(set(ctx.record_access) - ctx.matched_access_keys)
        if unmatched and not result.errors:
            # fail closed: a level meant for a record that was not found is not silently dropped
            (root / output).unlink(missing_ok=True)
            result.segments, result.kinds = 0, {}
            result.errors.append(
                f"source {source.id!r}: record_access names {', '.join(map(repr, unmatched))}, which "
                f"match no record of {source.path} (keys: the record's own id, 'file:line' as "
                f"{ctx.rel(files[0]) if files else source.path}:LINE, or the record id Seshat "
                "gives), so the level meant for them could not be applied and nothing of this "
                "source was kept. Next: correct the keys (`seshat data status` and "
                "data/records/ show the records' ids)"
            )
        if result.errors:
            manifest.pop(source.id, None)  # partial: ingest it again next time
        else:
            manifest[source.id] = {
                "fingerprint": stamp,
                "segments": result.segments,
                "files": result.files,
                "kinds": result.kinds,
                "left_out": result.left_out,
                "languages": result.languages,
                "output": result.output,
                "sha256": sha256_file(root / output),
            }
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(manifest_path, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return results


def context_for(project: LoadedProject, source: Source) -> ReaderContext:
    """The reader context of one source: its metadata and the project's language names and codes."""
    spec = project.spec
    return ReaderContext(
        root=project.root,
        source_id=source.id,
        access=spec.access_of(source).value,
        floor=max(
            (label.level().value for label in spec.labels_for(source) if label.level() is not None),
            key=LEVELS.index,
            default=None,
        ),
        communities=list(source.communities),
        license=source.license,
        options=options_for(source.format, source.options),
        target_codes=(spec.language.code, *spec.language.codes.values()),
        translation_codes=(spec.source_language.code, *spec.source_language.codes.values()),
        target_name=spec.language.name,
        translation_name=spec.source_language.name,
        record_access={key: level.value for key, level in source.record_access.items()},
    )
