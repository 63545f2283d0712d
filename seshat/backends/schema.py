"""Strict checking of a rendered backend config against a schema snapshot, without the backend.

A snapshot (JSON, written by ``probes/schema_probe.py`` inside the backend's env at install time,
and shipped for the pinned version) lists every accepted key, its type, aliases and enumerations.
Unlike the backends themselves, this check rejects unknown keys at any depth.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

Type = dict[str, Any]


@dataclass(frozen=True)
class Problem:
    """One rejected key path."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class Snapshot:
    """A loaded schema snapshot of one backend version.

    Args:
        data: The snapshot's JSON content.
        source: Where it was read from (for messages).
    """

    def __init__(self, data: dict[str, Any], source: Path | None = None) -> None:
        self.data = data
        self.source = source
        self.backend: str = data["backend"]
        self.versions: dict[str, str] = data.get("versions", {})
        self.models: dict[str, dict[str, Any]] = data["models"]
        self.root: str = data["root"]

    @property
    def version(self) -> str:
        """The backend package's version the snapshot was taken from."""
        return self.versions.get(self.backend, "?")

    def check(self, config: Any) -> list[Problem]:
        """Every problem in ``config``: unknown keys, wrong types, unknown enumeration values."""
        problems: list[Problem] = []
        _check({"t": "ref", "name": self.root}, config, "", self.models, problems)
        return problems


@lru_cache(maxsize=8)
def load_snapshot(path: Path) -> Snapshot:
    """Read a snapshot file (cached per path)."""
    return Snapshot(json.loads(Path(path).read_text(encoding="utf-8")), source=Path(path))


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def _describe(kind: Type) -> str:
    t = kind["t"]
    if t == "enum":
        values = kind["values"]
        shown = ", ".join(map(str, values[:12])) + (", ..." if len(values) > 12 else "")
        return f"one of: {shown}"
    if t == "union":
        return " or ".join(_describe(member) for member in kind["of"])
    if t == "ref":
        return "a mapping"
    if t == "list":
        return "a list"
    if t == "dict":
        return "a mapping"
    if t == "str" and "pattern" in kind:
        return f"a string matching {kind['pattern']!r}"
    return {
        "int": "an integer",
        "float": "a number",
        "str": "a string",
        "bool": "true/false",
        "null": "null",
    }.get(t, t)


def _scalar_ok(t: str, value: Any) -> bool:
    if t == "null":
        return value is None
    if t == "bool":
        return isinstance(value, bool)
    if t == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if t == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if t == "str":
        return isinstance(value, str)
    return True


def _check(kind: Type, value: Any, path: str, models: dict[str, Any], out: list[Problem]) -> None:
    t = kind["t"]
    if t == "any":
        return
    if t == "union":
        if value is not None:
            non_null = [m for m in kind["of"] if m["t"] != "null"]
            if len(non_null) == 1:
                _check(non_null[0], value, path, models, out)
                return
            kind = {"t": "union", "of": non_null}
        attempts: list[list[Problem]] = []
        for member in kind["of"]:
            found: list[Problem] = []
            _check(member, value, path, models, found)
            if not found:
                return
            attempts.append(found)
        # Report the member that came closest (a mapping whose keys mostly match, say).
        structured = [
            a for a, m in zip(attempts, kind["of"], strict=True) if _shape_matches(m, value)
        ]
        best = min(structured or attempts, key=len)
        enums = [a for a, m in zip(attempts, kind["of"], strict=True) if m["t"] == "enum"]
        if structured:
            out.extend(best)
        elif enums:
            others = [_describe(m) for m in kind["of"] if m["t"] != "enum"]
            extra = f" (or {' or '.join(others)})" if others else ""
            out.extend(Problem(p.path, p.message + extra) for p in enums[0])
        else:
            out.append(Problem(path or "(top level)", f"{value!r} is not {_describe(kind)}"))
        return
    if t == "enum":
        if value not in kind["values"]:
            close = difflib.get_close_matches(str(value), [str(v) for v in kind["values"]], n=3)
            hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            out.append(
                Problem(path, f"unknown value {value!r}.{hint} Accepted: {_describe(kind)[8:]}")
            )
        return
    if t == "list":
        if not isinstance(value, list):
            out.append(Problem(path, f"{value!r} is not a list"))
            return
        for index, item in enumerate(value):
            _check(kind["items"], item, _join(path, index), models, out)
        return
    if t == "dict":
        if not isinstance(value, dict):
            out.append(Problem(path, f"{value!r} is not a mapping"))
            return
        for key, item in value.items():
            _check(kind["values"], item, _join(path, str(key)), models, out)
        return
    if t == "ref":
        model = models[kind["name"]]
        if not isinstance(value, dict):
            out.append(Problem(path or "(top level)", f"{value!r} is not a mapping"))
            return
        fields, aliases = model["fields"], model.get("aliases", {})
        for key, item in value.items():
            name = aliases.get(key, key)
            if name not in fields:
                accepted = list(fields) + list(aliases)
                close = difflib.get_close_matches(str(key), accepted, n=2)
                hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
                out.append(Problem(_join(path, str(key)), f"unknown key.{hint}"))
                continue
            _check(fields[name], item, _join(path, str(key)), models, out)
        return
    if t == "str" and "pattern" in kind and isinstance(value, str):
        if not re.search(kind["pattern"], value):
            out.append(Problem(path, f"{value!r} does not match the pattern {kind['pattern']!r}"))
        return
    if not _scalar_ok(t, value):
        out.append(Problem(path, f"{value!r} ({type(value).__name__}) is not {_describe(kind)}"))


def _shape_matches(kind: Type, value: Any) -> bool:
    t = kind["t"]
    if t in {"ref", "dict"}:
        return isinstance(value, dict)
    if t == "list":
        return isinstance(value, list)
    return False
