"""Write labels into ``seshat.yaml``: only the ``labels`` list of one source (or of the project).

No other code of Seshat edits ``seshat.yaml``, and PyYAML drops comments when it writes, so this
edits the text: it finds the source's mapping with the parser's positions, replaces the lines of
its ``labels`` list (or adds the list after the source's last key) and leaves every other line,
comments included, as it was. Comments between the old list's items are not kept (those after
its last item stay, after the new list).

The edit is checked before anything is written: the new file must load to exactly the old data
with the new labels, and validate. Then it replaces the file atomically (temp file, rename).
A layout the edit cannot handle is refused with one paragraph, never half-written.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from seshat.config.loader import find_config, load_project
from seshat.config.models import Label, Project
from seshat.errors import ConfigError
from seshat.yamlio import atomic_write_text


@dataclass(frozen=True)
class Written:
    """What a write changed.

    Attributes:
        path: The ``seshat.yaml`` written.
        holder: The source id, or None for the project's own list.
        added: Ids of labels that were not there.
        replaced: Ids of labels that were there and were written again (the Hub's newer text).
    """

    path: Path
    holder: str | None
    added: list[str]
    replaced: list[str]


def merged_labels(
    old: Sequence[dict[str, Any]], new: Sequence[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """``old`` with ``new`` merged in by id; returns the list, the added and the replaced ids.

    A label already there is replaced in place, the others are appended; labels of other
    projects stay.
    """
    result = [dict(label) for label in old]
    where = {str(label.get("id")): n for n, label in enumerate(result)}
    added, replaced = [], []
    for label in new:
        key = str(label["id"])
        if key in where:
            result[where[key]] = dict(label)
            replaced.append(key)
        else:
            where[key] = len(result)
            result.append(dict(label))
            added.append(key)
    return result, added, replaced


def labels_block(labels: Sequence[dict[str, Any]], indent: int = 0) -> str:
    """``labels:`` and its list as block YAML, every line indented by ``indent`` spaces."""
    if not labels:
        return " " * indent + "labels: []\n"
    body = yaml.safe_dump(
        [dict(label) for label in labels],
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=96,
    )
    pad = " " * indent
    lines = [f"{pad}labels:"] + [f"{pad}  {line}" if line else "" for line in body.splitlines()]
    return "\n".join(lines) + "\n"


def _key(node: yaml.Node) -> str | None:
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _target(root: yaml.Node, source: str | None, path: Path) -> yaml.MappingNode:
    """The mapping node of ``source`` (or the top level when None)."""
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError(f"{path}: the top level is not a mapping of keys.")
    if source is None:
        return root
    known = []
    for key, value in root.value:
        if _key(key) != "sources" or not isinstance(value, yaml.SequenceNode):
            continue
        for item in value.value:
            if not isinstance(item, yaml.MappingNode):
                continue
            ids = [_key(v) for k, v in item.value if _key(k) == "id"]
            known += [i for i in ids if i]
            if source in ids:
                return item
    raise ConfigError(
        f"{path} has no source with id {source!r} (its sources: {', '.join(known) or 'none'}).",
        "give one of those ids to --write, or --write-project for labels of the whole project",
    )


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _block_end(lines: list[str], key_line: int, column: int) -> int:
    """The line after the value of the key on ``key_line`` (at ``column``), in a block mapping.

    The value's lines are those indented deeper than the key, or a ``- `` item at the key's own
    column (a compact block list); trailing blank and comment lines are left to what follows.
    """
    end = key_line + 1
    last = key_line + 1
    while end < len(lines):
        line = lines[end]
        stripped = line.strip()
        if not stripped:
            end += 1
            continue
        deeper = _indent(line) > column
        item = _indent(line) == column and (stripped == "-" or stripped.startswith("- "))
        if not (deeper or item):
            break
        end += 1
        if not stripped.startswith("#"):
            last = end
    return last


def _spliced(text: str, node: yaml.MappingNode, labels: list[dict[str, Any]]) -> str:
    """``text`` with the ``labels`` of mapping ``node`` set to ``labels``."""
    pairs = [(k, v) for k, v in node.value if _key(k) == "labels"]
    if node.flow_style:  # {id: x, path: y, ...}: the list goes in as one flow (JSON) value
        flow = json.dumps(labels, ensure_ascii=False)
        if pairs:
            value = pairs[0][1]
            return text[: value.start_mark.index] + flow + text[value.end_mark.index :]
        close = node.end_mark.index - 1
        return text[:close] + f", labels: {flow}" + text[close:]
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    column = node.value[0][0].start_mark.column
    if pairs:
        key = pairs[0][0]
        start_line = key.start_mark.line
        end = _block_end(lines, start_line, column)
        # the key may follow a "- " on its line (the first key of a list item): keep that
        before = lines[start_line][: key.start_mark.column]
        block = labels_block(labels, column)
        replacement = before + block[column:]
        return "".join(lines[:start_line]) + replacement + "".join(lines[end:])
    last_key = node.value[-1][0]
    end = _block_end(lines, last_key.start_mark.line, column)
    return "".join(lines[:end]) + labels_block(labels, column) + "".join(lines[end:])


def write_labels(start: Path, new: Sequence[dict[str, Any]], source: str | None) -> Written:
    """Merge ``new`` into the ``labels`` of ``source`` (None: the project's) in ``seshat.yaml``.

    Args:
        start: The project folder (or its ``seshat.yaml``).
        new: Labels in seshat.yaml's shape (``{id, name, text, project, type}``).
        source: The source id whose list to write; None for the project's own list.

    Raises:
        ConfigError: The config does not validate (before or after), has no such source, or its
            layout could not be edited without changing anything else.
    """
    path = find_config(start)
    load_project(path)  # a valid file to begin with (or its own error, with its line)
    for label in new:
        Label.model_validate(label)
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    node = _target(yaml.compose(text, Loader=yaml.SafeLoader), source, path)
    holder = (
        data
        if source is None
        else next(s for s in data["sources"] if isinstance(s, dict) and s.get("id") == source)
    )
    labels, added, replaced = merged_labels(holder.get("labels") or [], new)
    expected = copy.deepcopy(data)
    target = (
        expected
        if source is None
        else next(s for s in expected["sources"] if isinstance(s, dict) and s.get("id") == source)
    )
    target["labels"] = labels
    edited = _spliced(text, node, labels)
    where = "the project" if source is None else f"source {source!r}"
    try:
        same = yaml.safe_load(edited) == expected
        Project.model_validate(expected)
    except (yaml.YAMLError, ValidationError):
        same = False
    if not same:
        raise ConfigError(
            f"Seshat could not add the labels to {where} in {path} without changing something "
            "else (the layout there is unusual); the file was not touched.",
            "paste the printed labels block under it yourself",
        )
    atomic_write_text(path, edited)
    return Written(path=path, holder=source, added=added, replaced=replaced)
