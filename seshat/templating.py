"""The Jinja environment for every template a project can reach (trainer, task, SkyPilot).

Strict about undefined names, YAML-safe values, and sandboxed: a project's template is data, not
code. Jinja's immutable sandbox refuses attribute tricks (``lipsum.__globals__``,
``cycler.__init__``) and changes to the values it is given, and the context holds only what Seshat
passes in: nothing of the process environment (tokens, keys) is reachable.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from seshat.paths import search_dirs


def yaml_value(value: Any) -> str:
    """Render a value as an inline YAML (JSON-compatible) literal: quoted strings, true/false, null.

    An undefined value raises Jinja's ``UndefinedError`` (the renderer names the template), never
    a ``TypeError`` from the JSON encoder.
    """
    if isinstance(value, jinja2.Undefined):
        str(value)  # StrictUndefined raises UndefinedError here
    if isinstance(value, Path):
        value = value.as_posix()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return f"{value:.1f}"
    return json.dumps(value, ensure_ascii=False)


def template_dirs(project_dir: Path | None) -> list[Path]:
    """Template folders, highest priority first: the project's ``templates/``, then the shipped ones."""
    return search_dirs("templates", project_dir)


def one_line(value: Any) -> Any:
    """A printed string without line breaks: a value can never start a new YAML key."""
    if isinstance(value, str):
        return (
            value.replace("\r", " ")
            .replace("\n", " ")
            .replace("\u2028", " ")
            .replace("\u2029", " ")
        )
    return value


def literal_keys(source: str) -> set[str]:
    """The top-level keys a YAML template writes itself (``key:`` at the start of a line)."""
    return set(re.findall(r"^([A-Za-z_][\w.-]*)\s*:", source, re.MULTILINE))


def environment(
    project_dir: Path | None, packaged: dict[str, Path] | None = None, *, yaml_output: bool = False
) -> ImmutableSandboxedEnvironment:
    """A Jinja environment that fails on any undefined variable (``StrictUndefined``).

    Args:
        project_dir: The project (its ``templates/`` wins over everything shipped).
        packaged: Template folders shipped inside plug-ins, by prefix: ``{"axolotl": DIR}``
            serves ``axolotl/sft.yaml.j2`` from ``DIR/sft.yaml.j2``.
        yaml_output: The templates write YAML: every printed value is kept on one line, so a
            value (a language name with a line break) can never add a key of its own.
    """
    dirs = template_dirs(project_dir)
    loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(str(d)) for d in dirs[:-1]]
    if packaged:
        loaders.append(
            jinja2.PrefixLoader({k: jinja2.FileSystemLoader(str(v)) for k, v in packaged.items()})
        )
    loaders.append(jinja2.FileSystemLoader(str(dirs[-1])))
    env = ImmutableSandboxedEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        finalize=one_line if yaml_output else None,
    )
    env.filters["yaml"] = yaml_value
    return env


def recipes(backend: str, project_dir: Path | None, packaged: Path | None = None) -> list[str]:
    """Names of the backend's config templates (``<backend>/<recipe>.yaml.j2``)."""
    folders = [folder / backend for folder in template_dirs(project_dir)]
    if packaged is not None:
        folders.append(packaged)
    names: set[str] = set()
    for folder in folders:
        names.update(p.name.removesuffix(".yaml.j2") for p in folder.glob("*.yaml.j2"))
    return sorted(names)
