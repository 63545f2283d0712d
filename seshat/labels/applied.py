"""The Local Contexts labels a project or a run's sources carry, each with the level it maps to.

The one reader of labels for everything that shows them (the model card, ``seshat audit``, the
demo, the HTML report, ``seshat labels list``): a run's labels come from its ``spec.yaml``, the
resolved spec it was started with, so they are the ones its data was ingested under.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from seshat.kinds import label_level
from seshat.run_records import RunRecordError, read_spec


@dataclass(frozen=True)
class AppliedLabel:
    """One label as applied: to the whole project (``source`` None) or to one source.

    Attributes:
        source: The source id it is applied to; None for a label of the whole project.
        id: Its unique id on the Local Contexts Hub.
        name: Its name ("TK Secret / Sacred (TK SS)").
        text: Its text, as the community wrote it.
        project: The Local Contexts project id.
        level: The level it raises a source to (``LABEL_LEVELS``); None: it raises none.
    """

    source: str | None
    id: str
    name: str
    text: str | None
    project: str | None
    level: str | None

    @property
    def holder(self) -> str:
        """Who carries it, in words: the source id, or "the whole project"."""
        return self.source if self.source is not None else "the whole project"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the demo's config, ``seshat audit --json``)."""
        return asdict(self)


def _read(entries: Any, source: str | None) -> list[AppliedLabel]:
    found = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, Mapping) or not entry.get("name"):
            continue
        name = str(entry["name"])
        kind = entry.get("type")
        found.append(
            AppliedLabel(
                source=source,
                id=str(entry.get("id") or ""),
                name=name,
                text=str(entry["text"]) if entry.get("text") else None,
                project=str(entry["project"]) if entry.get("project") else None,
                level=label_level(name, str(kind) if kind else None),
            )
        )
    return found


def spec_labels(spec: Mapping[str, Any]) -> list[AppliedLabel]:
    """Every label of a spec (``seshat.yaml`` as a dict, or a run's ``spec.yaml``).

    The project's first, then each source's, in the order written.
    """
    found = _read(spec.get("labels"), None)
    for source in spec.get("sources") or []:
        if isinstance(source, Mapping):
            found += _read(source.get("labels"), str(source.get("id")))
    return found


def run_labels(run_path: Path) -> list[AppliedLabel]:
    """The labels of a run's sources and project, from its ``spec.yaml``.

    None if the file is damaged (the gate already counts such a run as sacred).
    """
    try:
        return spec_labels(read_spec(run_path))
    except RunRecordError:
        return []


def per_source(labels: Iterable[AppliedLabel], sources: Iterable[str]) -> dict[str, list[str]]:
    """Each source's label names: the project's labels apply to every source, then its own."""
    labels = list(labels)
    common = [label.name for label in labels if label.source is None]
    return {
        source: [*common, *(label.name for label in labels if label.source == source)]
        for source in sources
    }
