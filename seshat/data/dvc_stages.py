"""``seshat data dvc``: a ``dvc.yaml`` whose stages are those of ``seshat data run``.

DVC (https://dvc.org, in Seshat's managed env ``dvc``) then versions the raw data, the records,
the corrections and the formatted sets beside the code in git, pushes them to a remote and
rebuilds them with ``dvc repro``. Each stage calls ``seshat data <stage>``, so the bytes are the
ones ``seshat data run`` writes (stamps included), and its ``deps`` and ``outs`` are what that
stage of Seshat reads and writes:

- ingest: ``seshat.yaml``, every source's path (by absolute path for one outside the project, see
  ``outside_project``), the other files its reader reads (a parallel source's translation file,
  an ELAN file beside a recording...), and ``data/reviews/`` when it exists -> ``data/records/``.
  The output persists between runs: Seshat's ingest skips the sources that did not change (OCR
  and transcription are not done again because another setting changed).
- clean: ``seshat.yaml``, ``data/records/`` -> ``data/clean/``.
- split: ``seshat.yaml``, ``data/clean/``, the pinned test and dev files -> ``data/splits/``.
- format: ``seshat.yaml``, ``data/splits/``, the task templates (the project's and Seshat's
  shipped ones) -> the folder of ``data.train`` (``data/formatted/``) and those of dev and test.

The whole of ``seshat.yaml`` is a dependency of every stage, so any edit of it makes DVC run
every stage again (ingest quickly: it skips the sources that did not change). That is coarser
than Seshat's stamps, which hash only the settings each stage uses, but it misses nothing: DVC's
``params`` could name those settings, but it refuses a key the file leaves to its default.

The file is written atomically and carries the hash of its own body in its first line: a
``dvc.yaml`` that Seshat wrote and nobody edited is replaced freely when seshat.yaml changes; one
edited by hand (or written by something else) only with ``force``.
"""

from __future__ import annotations

import hashlib
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

from seshat.config.loader import CONFIG_NAME, LoadedProject
from seshat.corpus.judgement import REVIEWS_DIR
from seshat.data.clean import CLEAN
from seshat.data.ingest import RECORDS, context_for, input_files
from seshat.data.readers.base import ReaderError
from seshat.data.readers.registry import dependencies
from seshat.data.split import SPLITS_DIR
from seshat.errors import DataError
from seshat.templating import template_dirs
from seshat.yamlio import atomic_write_text, dump_yaml

DVC_FILE = "dvc.yaml"
MARK = "# seshat-dvc sha256="
HEADER = (
    "# Written by `seshat data dvc` from seshat.yaml: the stages of `seshat data run` for DVC.\n"
    "# Run `seshat data dvc` again after changing the sources; an edit by hand makes it refuse\n"
    "# to replace this file without --force.\n"
)


@dataclass(frozen=True)
class DvcStage:
    """One stage of ``dvc.yaml``.

    Attributes:
        name: ``ingest``, ``clean``, ``split`` or ``format``.
        desc: One line that ``dvc stage list`` shows.
        cmd: The command DVC runs in the project folder.
        deps: Paths relative to the project (absolute outside it), files or folders.
        outs: Folders relative to the project.
        persist: DVC leaves the outputs in place before running the stage (ingest: incremental).
    """

    name: str
    desc: str
    cmd: str
    deps: list[str]
    outs: list[str]
    persist: bool = False

    def as_dict(self) -> dict[str, object]:
        """The stage as ``dvc.yaml`` holds it."""
        outs: list[object] = [
            {out: {"persist": True}} if self.persist else out for out in self.outs
        ]
        return {"desc": self.desc, "cmd": self.cmd, "deps": self.deps, "outs": outs}


@dataclass
class Written:
    """What :func:`write` did: ``written`` (new), ``replaced``, or ``unchanged``."""

    path: Path
    state: str
    stages: list[DvcStage] = field(default_factory=list)


def seshat_command() -> list[str]:
    """The command that runs this Seshat: ``<this interpreter> -m seshat``.

    Not the word ``seshat``: DVC runs each stage through a shell with the PATH of whoever runs
    ``dvc repro``, and the ``seshat`` found there may be another install or none at all (DVC
    itself lives in a venv of its own, and Seshat's venv need not be activated). The absolute
    path of the interpreter that runs Seshat now names this Seshat, with its readers and
    templates, whoever starts DVC. The price: ``dvc.yaml`` is written for this machine; on
    another one, ``seshat data dvc`` again rewrites the commands.

    Raises:
        DataError: The interpreter's path is unknown (an embedded Python).
    """
    if not sys.executable:
        raise DataError(
            "The path of the Python that runs Seshat is unknown, and the stages of dvc.yaml "
            "must name it.",
            "run `python -m seshat data dvc` with the Python of Seshat's venv",
        )
    return [sys.executable, "-m", "seshat"]


def dep_path(root: Path, path: Path) -> str:
    """``path`` as ``dvc.yaml`` names it: relative to the project, or absolute outside it."""
    resolved = (root / path).resolve()
    inside = root.resolve()
    if resolved.is_relative_to(inside):
        return resolved.relative_to(inside).as_posix() or "."
    return resolved.as_posix()


def _within(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or inside it (both as :func:`dep_path` gives them)."""
    return folder == "." or path == folder or path.startswith(folder.rstrip("/") + "/")


def _fewest(paths: list[str]) -> list[str]:
    """``paths`` without repeats and without those inside another one (a folder covers them)."""
    kept: list[str] = []
    for path in dict.fromkeys(paths):
        if any(_within(path, other) for other in paths if other != path):
            continue
        kept.append(path)
    return kept


def ingest_deps(project: LoadedProject) -> list[str]:
    """What ingest reads: seshat.yaml, each source's path and its reader's other files, reviews.

    Raises:
        DataError: A source's path is missing or refused (dvc.yaml would name a missing file).
    """
    root = project.root
    found = [dep_path(root, project.path)]
    for source in project.spec.sources:
        try:
            files = input_files(root, source)
        except ReaderError as exc:
            raise DataError(
                f"{exc.message} dvc.yaml cannot name it as a dependency of ingest.",
                (exc.hint or "fix the source in seshat.yaml") + ", then `seshat data dvc` again",
            ) from None
        found.append(dep_path(root, root / source.path))
        ctx = context_for(project, source)
        for file in files:
            found += [
                dep_path(root, other)
                for other in dependencies(source.format.value, file, ctx)
                if other.exists()  # a missing one is optional (the reader said so, or will)
            ]
    if (root / REVIEWS_DIR).is_dir():
        found.append(REVIEWS_DIR.as_posix())
    # another source's records (a parallel source's lexicon) are ingest's own output
    return _fewest([path for path in found if not _within(path, RECORDS.as_posix())])


def formatted_dirs(project: LoadedProject) -> list[str]:
    """The folders ``seshat data format`` writes: those of ``data.train``, ``dev`` and ``test``."""
    data = project.spec.data
    paths = [data.train, data.dev, data.test]
    return list(dict.fromkeys(dep_path(project.root, p.parent) for p in paths if p is not None))


def stages(project: LoadedProject, overrides: tuple[str, ...] | list[str] = ()) -> list[DvcStage]:
    """The stages of ``seshat data run`` as DVC stages, in order.

    Args:
        project: The project (``seshat.yaml`` with ``overrides`` applied).
        overrides: ``key=value`` items each stage's command passes on to Seshat.

    Raises:
        DataError: No source, a source is missing, or the formatted splits share a folder with
            something else (DVC needs each output in a folder of its own).
    """
    if not project.spec.sources:
        raise DataError(
            "seshat.yaml declares no sources, so the stages would have nothing to read.",
            "add your files under `sources:` (`seshat config formats` lists the formats), then "
            "`seshat data dvc` again",
        )
    root = project.root
    config = dep_path(root, project.path)
    prefix = seshat_command()
    where = [] if project.path.name == CONFIG_NAME else ["-C", project.path.name]

    def cmd(stage: str) -> str:
        return shlex.join([*prefix, "data", stage, *where, *overrides])

    templates = [
        dep_path(root, folder / "tasks")
        for folder in template_dirs(root)
        if (folder / "tasks").is_dir()
    ]
    splits = project.spec.splits
    pinned = [dep_path(root, Path(f)) for f in (splits.test_file, splits.dev_file) if f]
    found = [
        DvcStage(
            "ingest",
            "Read every source into data/records/<source>.jsonl (unchanged sources are skipped).",
            cmd("ingest"),
            ingest_deps(project),
            [RECORDS.as_posix()],
            persist=True,
        ),
        DvcStage(
            "clean",
            "Normalise data/records into data/clean and flag what looks wrong.",
            cmd("clean"),
            [config, RECORDS.as_posix()],
            [CLEAN.as_posix()],
        ),
        DvcStage(
            "split",
            "Split data/clean into train/dev/test (no leakage).",
            cmd("split"),
            _fewest([config, CLEAN.as_posix(), *pinned]),
            [SPLITS_DIR.as_posix()],
        ),
        DvcStage(
            "format",
            "Write the chat JSONL splits the trainers read.",
            cmd("format"),
            _fewest([config, SPLITS_DIR.as_posix(), *templates]),
            formatted_dirs(project),
        ),
    ]
    _refuse_overlaps(found)
    return found


def _refuse_overlaps(found: list[DvcStage]) -> None:
    """Refuse outputs DVC cannot take.

    That is the project folder, or a folder that overlaps another output or something its own
    stage or an earlier one reads (DVC would see a cycle).

    Raises:
        DataError: Such an output, with the stage and path it clashes with.
    """
    for index, stage in enumerate(found):
        for out in stage.outs:
            clashes = [
                *(
                    (other.name, "writes", path)
                    for other in found
                    for path in other.outs
                    if other is not stage or path != out
                ),
                *(
                    (other.name, "reads", path)
                    for other in found[: index + 1]
                    for path in other.deps
                ),
            ]
            hit = next(
                (clash for clash in clashes if _within(clash[2], out) or _within(out, clash[2])),
                None,
            )
            if out != "." and hit is None:
                continue
            what = "the project folder itself" if out == "." else f"{out}/"
            also = f", and the {hit[0]} stage {hit[1]} {hit[2]}" if hit and out != "." else ""
            raise DataError(
                f"The {stage.name} stage would write {what}{also}: DVC needs each stage's output "
                "in a folder of its own, apart from the other outputs and from what the stages "
                "read.",
                "keep the formatted splits in a folder of their own (data.train, data.dev and "
                "data.test under data/formatted/, the default) and the sources under data/raw/, "
                "then `seshat data dvc` again",
            )


def render(found: list[DvcStage]) -> str:
    """The text of ``dvc.yaml``: a header with the hash of the body, then the stages."""
    body = dump_yaml({"stages": {stage.name: stage.as_dict() for stage in found}})
    return f"{MARK}{_digest(body)}\n{HEADER}{body}"


def _digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _untouched(text: str) -> bool:
    """Whether ``text`` is a ``dvc.yaml`` that Seshat wrote and nobody edited since."""
    first, _, rest = text.partition("\n")
    if not first.startswith(MARK) or not rest.startswith(HEADER):
        return False
    return first[len(MARK) :] == _digest(rest[len(HEADER) :])


def write(
    project: LoadedProject, overrides: tuple[str, ...] | list[str] = (), force: bool = False
) -> Written:
    """Write ``dvc.yaml`` at the project's root (atomically).

    Args:
        project: The project.
        overrides: ``key=value`` items the stages' commands pass on.
        force: Replace a ``dvc.yaml`` that was edited by hand (or not written by Seshat).

    Raises:
        DataError: ``dvc.yaml`` exists, differs, and was edited by hand (without ``force``).
    """
    found = stages(project, overrides)
    text = render(found)
    path = project.root / DVC_FILE
    state = "written"
    if path.is_file():
        try:
            old = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            old = ""
        if old == text:
            return Written(path, "unchanged", found)
        if not force and not _untouched(old):
            raise DataError(
                f"{path} exists and was edited by hand (or not written by Seshat), so it is "
                "not replaced: those edits would be lost.",
                "move your stages elsewhere or keep a copy, then `seshat data dvc --force`",
            )
        state = "replaced"
    atomic_write_text(path, text)
    return Written(path, state, found)
