"""Load ``seshat.yaml`` (plus overrides) into a validated :class:`Project`, with clear errors."""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from seshat.config.models import AccessPolicy, Project
from seshat.config.overrides import apply_overrides
from seshat.errors import ConfigError
from seshat.yamlio import KeyPath, load_yaml_with_lines

CONFIG_NAME = "seshat.yaml"


@dataclass(frozen=True)
class LoadedProject:
    """A validated project with where it came from.

    Attributes:
        spec: The validated config.
        path: The ``seshat.yaml`` it was read from.
        overrides: The ``key=value`` overrides applied on top.
    """

    spec: Project
    path: Path
    overrides: tuple[str, ...] = ()

    @property
    def root(self) -> Path:
        """The project folder (where ``seshat.yaml`` lives)."""
        return self.path.parent


def find_config(start: Path) -> Path:
    """Find ``seshat.yaml`` in ``start`` (a folder or the file itself).

    Args:
        start: A project folder or a config file path.

    Returns:
        The config file's path.

    Raises:
        ConfigError: No config there.
    """
    start = Path(start)
    candidate = start if start.suffix in {".yaml", ".yml"} else start / CONFIG_NAME
    if not candidate.is_file():
        raise ConfigError(
            f"No project config at {candidate}.",
            f"run `seshat init {start if start.suffix not in {'.yaml', '.yml'} else start.parent} "
            "--language NAME --code CODE`, or pass `--project DIR` pointing at an existing project",
        )
    return candidate


def load_project(start: Path, overrides: list[str] | tuple[str, ...] = ()) -> LoadedProject:
    """Read, override and validate a project config.

    Args:
        start: A project folder or a config file path.
        overrides: ``key=value`` items applied before validation.

    Returns:
        The validated project.

    Raises:
        ConfigError: The file is missing or invalid; the message names the file, line, key path,
            bad value and accepted values.
    """
    path = find_config(start)
    data, lines = load_yaml_with_lines(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}: the top level must be a mapping of keys (name:, language:, model: ...), "
            f"not a {type(data).__name__}.",
            "compare with a fresh scaffold from `seshat init /tmp/example --language X --code x`",
        )
    merged = apply_overrides(data, list(overrides))
    try:
        spec = Project.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(
            format_validation_error(exc, path, lines, merged, overrides),
            "fix the keys above, or see every accepted key with `seshat config schema`",
        ) from None
    if overrides:
        _refuse_rules_loosened_without_a_reason(data, spec, path)
    return LoadedProject(spec=spec, path=path.resolve(), overrides=tuple(overrides))


def _refuse_rules_loosened_without_a_reason(
    data: dict[str, Any], spec: Project, path: Path
) -> None:
    """A rule loosened on the command line needs an override's reason, as any exception does.

    Raises:
        ConfigError: A destination allows more closed data than seshat.yaml says, with no reason.
    """
    from seshat.kinds import LEVELS

    try:
        written = AccessPolicy.model_validate(data.get("access") or {})
    except ValidationError:
        written = AccessPolicy()  # the file's own section is invalid: compare with the defaults
    for destination, level in spec.access.rules.items():
        before = written.limit(destination)
        if LEVELS.index(level.value) > LEVELS.index(before.value) and (
            destination not in spec.access.overrides
        ):
            raise ConfigError(
                f"access.rules.{destination.value}={level.value} on the command line allows more "
                f"than {path} does ({before.value}), with no reason given.",
                f'give the reason as for any exception: `access.overrides.{destination.value}="who '
                'agreed, when"` (every use is logged), or change the rule in seshat.yaml',
            )


def format_validation_error(
    exc: ValidationError,
    path: Path,
    lines: dict[KeyPath, int],
    data: dict[str, Any],
    overrides: list[str] | tuple[str, ...] = (),
) -> str:
    """Turn a pydantic error into lines naming file:line, key path, bad value and accepted values."""
    problems = []
    override_keys = {item.partition("=")[0].strip() for item in overrides}
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        key = _dotted(loc)
        line = _nearest_line(lines, loc)
        origin = (
            "command line" if key in override_keys else (f"{path}:{line}" if line else str(path))
        )
        value = error.get("input")
        etype = error["type"]
        if etype == "extra_forbidden":
            accepted = _accepted_keys(loc[:-1])
            close = difflib.get_close_matches(str(loc[-1]), accepted, n=1)
            guess = f" Did you mean {close[0]!r}?" if close else ""
            problems.append(
                f"{origin}: {key}: unknown key.{guess} Accepted here: {', '.join(accepted)}."
            )
            continue
        accepted = ""
        ctx = error.get("ctx") or {}
        if "expected" in ctx:
            accepted = f" Accepted: {ctx['expected']}."
        shown = "(missing)" if etype == "missing" else repr(value)
        message = error["msg"]
        if etype == "missing":
            message = "required key is missing"
        problems.append(f"{origin}: {key}: {shown}: {message}.{accepted}")
    return f"{path} is not a valid Seshat project config:\n" + "\n".join(
        f"  - {p}" for p in problems
    )


def _dotted(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif part in {"int", "str", "float", "bool", "literal['auto']"} or str(part).startswith(
            ("function-", "literal[", "list[")
        ):
            continue  # pydantic adds the union member it tried; the user never typed it
        else:
            parts.append(("." if parts else "") + str(part))
    return "".join(parts) or "(top level)"


def _nearest_line(lines: dict[KeyPath, int], loc: tuple[Any, ...]) -> int | None:
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in lines:
            return lines[loc[:cut]]
    return None


def _accepted_keys(loc: tuple[Any, ...]) -> list[str]:
    """Accepted keys of the model that sits at ``loc`` (list indices skipped)."""
    model: type[BaseModel] | None = Project
    for part in loc:
        if model is None:
            return []
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            field = next((f for f in model.model_fields.values() if f.alias == part), None)
        if field is None:
            return []
        model = _model_in(field.annotation)
    if model is None:
        return []
    return sorted(f.alias or name for name, f in model.model_fields.items())


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (list, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None
