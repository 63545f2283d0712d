"""A readable list of every key ``seshat.yaml`` accepts (``seshat config schema``)."""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from seshat.config.models import Project


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return " | ".join(repr(a) for a in typing.get_args(annotation))
    if origin in (typing.Union, types.UnionType):
        return " | ".join(_type_name(a) for a in typing.get_args(annotation))
    if origin is not None:
        args = ", ".join(_type_name(a) for a in typing.get_args(annotation))
        return f"{getattr(origin, '__name__', str(origin))}[{args}]"
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return "mapping"
        values = getattr(annotation, "__members__", None)
        if values:
            return " | ".join(values)
        return {"NoneType": "null"}.get(annotation.__name__, annotation.__name__)
    return str(annotation)


def _walk(model: type[BaseModel], prefix: str, lines: list[str]) -> None:
    for name, field in model.model_fields.items():
        key = f"{prefix}{name}"
        alias = f" (alias: {field.alias})" if field.alias and field.alias != name else ""
        default = (
            ""
            if field.default is PydanticUndefined and field.default_factory is None
            else (f" = {field.default!r}" if field.default_factory is None else "")
        )
        required = " (required)" if field.is_required() else ""
        lines.append(f"{key}{alias}: {_type_name(field.annotation)}{default}{required}")
        if field.description:
            lines.append(f"    {field.description}")
        inner = field.annotation
        for candidate in (inner, *typing.get_args(inner)):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                suffix = "[]." if typing.get_origin(inner) is list else "."
                _walk(candidate, key + suffix, lines)
                break


def describe() -> str:
    """Every accepted key, its type, default and description, one block per key."""
    lines: list[str] = []
    _walk(Project, "", lines)
    return "\n".join(lines)
