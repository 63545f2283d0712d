"""``key=value`` overrides on the command line, applied to the raw config before validation."""

from __future__ import annotations

from typing import Any

import yaml

from seshat.errors import ConfigError


def parse_override(item: str) -> tuple[list[str], Any]:
    """Split ``a.b.c=value`` into a key path and a YAML-typed value.

    Args:
        item: One override, e.g. ``training.lr=2e-4`` or ``profile=strix-halo``.

    Returns:
        The key path and the value (``8`` -> int, ``true`` -> bool, ``[a, b]`` -> list).

    Raises:
        ConfigError: The item has no ``=`` or an empty key.
    """
    key, sep, raw = item.partition("=")
    path = [part for part in key.strip().split(".")]
    if not sep or not key.strip() or any(not part for part in path):
        raise ConfigError(
            f"Override {item!r} is not of the form key=value.",
            "write it like `training.lr=2e-4` or `profile=strix-halo-cpu`",
        )
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return path, value


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Return a copy of ``data`` with every override applied in order.

    Args:
        data: The raw config mapping (as loaded from YAML).
        overrides: ``key=value`` items.

    Returns:
        A new mapping; ``data`` is not modified.

    Raises:
        ConfigError: An override walks into a value that is not a mapping.
    """
    result = _deep_copy(data)
    for item in overrides:
        path, value = parse_override(item)
        node = result
        for depth, part in enumerate(path[:-1]):
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            if not isinstance(child, dict):
                where = ".".join(path[: depth + 1])
                raise ConfigError(
                    f"Override {item!r} cannot set a key inside {where!r}, which is a "
                    f"{type(child).__name__}, not a mapping.",
                    f"check the key path with `seshat config show` (the value of {where} is {child!r})",
                )
            node = child
        node[path[-1]] = value
    return result


def _deep_copy(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: _deep_copy(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_deep_copy(value) for value in data]
    return data
