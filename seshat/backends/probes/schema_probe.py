"""Runs *inside a backend's own venv* (never imported by Seshat): snapshot and validate.

Usage:
    python schema_probe.py snapshot TRAINER_PROBE.py OUT.json
    python schema_probe.py validate TRAINER_PROBE.py CONFIG.yaml [CONFIG.yaml ...]

``TRAINER_PROBE.py`` is the ``probe.py`` of a trainer's plug-in folder: its ``snapshot()`` walks the
trainer's config classes with :class:`Walker` (pydantic models for Axolotl, argument dataclasses
for LLaMA-Factory) and returns a compact, JSON-only description of every accepted key, its type,
aliases and enumerations, so that Seshat can check configs without importing the backend.
``validate`` runs the backend's own validator on each file (a trainer probe's ``validate`` returns
its errors, or ``{"errors": [...], "notes": [...]}``) and prints one line per file:
``SESHAT-PROBE {"file": ..., "ok": bool, "errors": [...], "notes": [...]}``.
This file must only use the standard library plus the backend itself.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import json
import sys
import types
import typing
from pathlib import PurePath


class Walker:
    """Turns Python type annotations into small JSON type descriptors."""

    def __init__(self) -> None:
        self.models: dict[str, dict] = {}

    def type_of(self, annotation: object) -> dict:
        """The descriptor of one annotation (unknown kinds become ``any``)."""
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        if annotation is typing.Any or annotation is object:
            return {"t": "any"}
        if annotation is type(None) or annotation is None:
            return {"t": "null"}
        if origin is typing.Annotated:
            inner = self.type_of(args[0])
            patterns = [getattr(m, "pattern", None) for m in annotation.__metadata__]
            patterns = [p for p in patterns if isinstance(p, str)]
            if inner == {"t": "str"} and patterns:
                return {"t": "str", "pattern": patterns[0]}
            return inner
        if origin is typing.Literal:
            return {"t": "enum", "values": [_jsonable(a) for a in args]}
        if origin in (typing.Union, types.UnionType):
            return _union([self.type_of(a) for a in args])
        if origin in (list, tuple, set, frozenset) or _is_abc(origin, "Sequence", "Set"):
            items = [a for a in args if a is not Ellipsis]
            return {
                "t": "list",
                "items": _union([self.type_of(a) for a in items]) if items else {"t": "any"},
            }
        if origin is dict or _is_abc(origin, "Mapping"):
            return {
                "t": "dict",
                "values": self.type_of(args[1]) if len(args) == 2 else {"t": "any"},
            }
        if isinstance(annotation, type):
            if annotation is bool:
                return {"t": "bool"}
            if annotation is int:
                return {"t": "int"}
            if annotation is float:
                return {"t": "float"}
            if annotation is str or issubclass(annotation, PurePath):
                return {"t": "str"}
            if issubclass(annotation, enum.Enum):
                return {"t": "enum", "values": [_jsonable(m.value) for m in annotation]}
            if annotation in (list, tuple, set):
                return {"t": "list", "items": {"t": "any"}}
            if annotation is dict:
                return {"t": "dict", "values": {"t": "any"}}
            if _is_pydantic(annotation) or dataclasses.is_dataclass(annotation):
                return self.model(annotation)
        if isinstance(annotation, str):
            return {"t": "any"}
        return {"t": "any"}

    def model(self, cls: type) -> dict:
        """Record a pydantic model or dataclass once; return a reference to it."""
        name = cls.__name__
        if name not in self.models:
            self.models[name] = {}  # placeholder against recursion
            fields: dict[str, dict] = {}
            aliases: dict[str, str] = {}
            if _is_pydantic(cls):
                for field_name, info in cls.model_fields.items():
                    fields[field_name] = self.type_of(info.annotation)
                    for alias in (info.alias, info.validation_alias):
                        if isinstance(alias, str) and alias != field_name:
                            aliases[alias] = field_name
            else:
                hints = typing.get_type_hints(cls)
                for field in dataclasses.fields(cls):
                    if field.init:
                        fields[field.name] = self.type_of(hints.get(field.name, typing.Any))
            self.models[name] = {"fields": fields, "aliases": aliases}
        return {"t": "ref", "name": name}


def _union(members: list[dict]) -> dict:
    flat: list[dict] = []
    for member in members:
        for item in member["of"] if member["t"] == "union" else [member]:
            if item not in flat:
                flat.append(item)
    if any(m["t"] == "any" for m in flat):
        return {"t": "any"}
    return flat[0] if len(flat) == 1 else {"t": "union", "of": flat}


def _is_abc(origin: object, *names: str) -> bool:
    import collections.abc as abc

    return any(origin is getattr(abc, n) for n in names)


def _is_pydantic(cls: type) -> bool:
    return hasattr(cls, "model_fields") and hasattr(cls, "model_validate")


def _jsonable(value: object) -> object:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def enum_type(values: list, nullable: bool = True) -> dict:
    """An enumeration type of ``values`` (or null, unless ``nullable`` is false)."""
    base = {"t": "enum", "values": sorted(set(values), key=str)}
    return {"t": "union", "of": [base, {"t": "null"}]} if nullable else base


def versions(*names: str) -> dict[str, str]:
    """The installed versions of the packages named (those installed)."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in names:
        with contextlib.suppress(PackageNotFoundError):
            found[name] = version(name)
    return found


def assume_target_gpu() -> list[str]:
    """Validate a GPU profile's config on a machine without that GPU.

    The backends' validators also test the *current* machine's hardware (e.g. "Your setup doesn't
    support bf16/gpu"). When the target device (SESHAT_TARGET_DEVICE) is a GPU that this machine
    lacks, answer those hardware questions as the target would; every other check runs as is.
    """
    import os

    target = os.environ.get("SESHAT_TARGET_DEVICE", "cpu")
    if target == "cpu":
        return []
    import torch

    if torch.cuda.is_available():
        return []
    import transformers.training_args as training_args

    training_args.is_torch_bf16_gpu_available = lambda: True
    return [f"hardware checks answered as on the target device ({target})"]


def _load(probe: str) -> types.ModuleType:
    """The trainer's probe module, loaded from its file (it imports this module's helpers)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("seshat_trainer_probe", probe)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str]) -> int:
    """``snapshot PROBE OUT`` or ``validate PROBE CONFIG...``."""
    action, probe, paths = argv[1], _load(argv[2]), argv[3:]
    if action == "snapshot":
        snap = probe.snapshot()
        with open(paths[0], "w", encoding="utf-8") as handle:
            json.dump(snap, handle, indent=1, sort_keys=True)
            handle.write("\n")
        return 0
    load = getattr(probe, "load", None)  # a trainer's own reader of its config, if it has one
    if load is None:
        import yaml

        load = yaml.safe_load
    notes = assume_target_gpu()
    for path in paths:  # one import of the trainer, many configs
        with open(path, encoding="utf-8") as handle:
            config = load(handle.read())
        found = list(notes)
        try:
            answer = probe.validate(config)  # errors, or {"errors": [...], "notes": [...]}
            if isinstance(answer, dict):
                errors = list(answer.get("errors", []))
                found += answer.get("notes", [])
            else:
                errors = list(answer)
        except Exception as exc:  # the trainer's own validator raises many kinds
            errors = [f"{type(exc).__name__}: {exc}"]
        result = {"file": path, "ok": not errors, "errors": errors, "notes": found}
        print("SESHAT-PROBE " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
