"""One reader per input format. Each turns a source file into :class:`Segment` records.

A reader is a function ``read(path, ctx) -> Iterator[Segment]``; :data:`READERS` maps the
``format`` of a source in ``seshat.yaml`` to the module that reads it. A module whose output also
depends on files other than the one it reads (a translation file, a sidecar ELAN file, a lexicon)
names them in ``depends(path, ctx) -> list[Path]``, so ingest notices when they change.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from pathlib import Path

from seshat.corpus.segment import Segment
from seshat.data.readers.base import ReaderContext, ReaderError

Reader = Callable[[Path, ReaderContext], Iterator[Segment]]

# every SourceFormat (seshat.kinds) has one reader module; a test holds them equal
READERS = {
    "plain": "seshat.data.readers.plain",
    "parallel": "seshat.data.readers.plain",
    "tsv": "seshat.data.readers.table",
    "csv": "seshat.data.readers.table",
    "toolbox": "seshat.data.readers.toolbox",
    "lift": "seshat.data.readers.lift",
    "flextext": "seshat.data.readers.flextext",
    "elan": "seshat.data.readers.elan",
    "cldf": "seshat.data.readers.cldf",
    "xigt": "seshat.data.readers.xigt",
    "pdf": "seshat.data.readers.pdf",
    "image": "seshat.data.readers.image",
    "audio": "seshat.data.readers.audio",
    "paradigm": "seshat.data.readers.paradigm",
    "reviews": "seshat.data.readers.reviews",
}


def reader_for(fmt: str) -> Reader:
    """The reader function for a source format.

    Raises:
        ReaderError: A format that has no reader.
    """
    module = READERS.get(fmt)
    if module is None:
        raise ReaderError(f"no reader for format {fmt!r}", hint="use one of: " + ", ".join(READERS))
    loaded = importlib.import_module(module)
    return loaded.read_parallel if fmt == "parallel" else loaded.read


def dependencies(fmt: str, path: Path, ctx: ReaderContext) -> list[Path]:
    """Other files the reading of ``path`` depends on (empty for most formats)."""
    module = importlib.import_module(READERS[fmt])
    depends = getattr(module, "depends", None)
    return list(depends(path, ctx)) if depends is not None else []
