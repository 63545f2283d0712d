"""The Jinja environment for backend templates: strict about undefined names, YAML-safe values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2

from seshat.paths import search_dirs


def yaml_value(value: Any) -> str:
    """Render a value as an inline YAML (JSON-compatible) literal: quoted strings, true/false, null."""
    if isinstance(value, Path):
        value = value.as_posix()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return f"{value:.1f}"
    return json.dumps(value, ensure_ascii=False)


def template_dirs(project_dir: Path | None) -> list[Path]:
    """Template folders, highest priority first: the project's ``templates/``, then the shipped ones."""
    return search_dirs("templates", project_dir)


def environment(project_dir: Path | None) -> jinja2.Environment:
    """A Jinja environment that fails on any undefined variable (``StrictUndefined``)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs(project_dir)]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["yaml"] = yaml_value
    return env


def recipes(backend: str, project_dir: Path | None) -> list[str]:
    """Names of the backend's config templates (``templates/<backend>/<recipe>.yaml.j2``)."""
    names: set[str] = set()
    for folder in template_dirs(project_dir):
        names.update(p.name.removesuffix(".yaml.j2") for p in (folder / backend).glob("*.yaml.j2"))
    return sorted(names)
