"""YAML and file I/O: line-aware loading for error messages, and atomic writes."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import yaml

from seshat.errors import ConfigError

KeyPath = tuple[str | int, ...]


@contextlib.contextmanager
def atomic_writer(path: Path) -> Iterator[IO[str]]:
    """Open a temp file next to ``path`` for text; rename it over ``path`` only if the block succeeds.

    A crash at any moment leaves either the old file or the new one, never a torn file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _sweep_orphans(path)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent
    )
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _sweep_orphans(path: Path) -> None:
    """Remove temp files of ``path`` left by writers that were killed (their process is gone)."""
    for orphan in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        pid = orphan.name[len(path.name) + 2 :].split(".", 1)[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            with contextlib.suppress(FileNotFoundError):
                orphan.unlink()
        except PermissionError:  # alive, another user's
            continue


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically (see :func:`atomic_writer`)."""
    with atomic_writer(path) as handle:
        handle.write(text)


def dump_yaml(data: Any) -> str:
    """Serialise ``data`` as block-style YAML, keeping key order."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)


def _line_map(
    node: yaml.Node, path: KeyPath, out: dict[KeyPath, int], twice: list[str] | None = None
) -> None:
    """Fill ``out`` with the line of every key path; note keys given twice in one mapping."""
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            line = key_node.start_mark.line + 1
            if key in seen and twice is not None:
                dotted = ".".join(str(p) for p in (*path, key))
                twice.append(f"`{dotted}` at lines {seen[key]} and {line}")
            seen[key] = line
            out[(*path, key)] = key_node.start_mark.line + 1
            _line_map(value_node, (*path, key), out, twice)
            out[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _line_map(item, (*path, index), out, twice)


MAX_CONFIG_BYTES = 1_000_000
MAX_DEPTH = 32


def _refuse_aliases_and_depth(text: str, path: Path) -> None:
    """A config uses no YAML aliases (an alias bomb grows exponentially) and no deep nesting.

    Read from the parser's events, before anything is built.

    Raises:
        ConfigError: An alias, or nesting deeper than :data:`MAX_DEPTH`.
    """
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            line = event.start_mark.line + 1
            raise ConfigError(
                f"{path}:{line} uses a YAML alias (*{event.anchor}); a project config writes "
                "every value out (aliases can make a small file expand without end).",
                "write the value again instead of the alias",
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise ConfigError(
                    f"{path}:{event.start_mark.line + 1} nests more than {MAX_DEPTH} levels deep.",
                    "a project config is a few levels deep, as `seshat init` writes it",
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def load_yaml_with_lines(path: Path) -> tuple[Any, dict[KeyPath, int]]:
    """Load a YAML file and map every key path to its line number.

    Args:
        path: The YAML file.

    Returns:
        The parsed data and a ``{key path: line}`` map for error messages.

    Raises:
        ConfigError: The file is missing, not UTF-8, or not valid YAML (with the line and column).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(
            f"{path} does not exist.", "run `seshat init DIR` to create a project"
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path} is not valid UTF-8 (byte {exc.start}).",
            "re-save the file as UTF-8 in your editor",
        ) from None
    if len(text) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"{path} is {len(text):,} characters long; a project config is a few kilobytes "
            f"(the limit is {MAX_CONFIG_BYTES:,}).",
            "list your data under `sources:` and keep the data itself in files under data/raw/",
        )
    try:
        _refuse_aliases_and_depth(text, path)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except RecursionError:
        raise ConfigError(
            f"{path} nests too deeply to be a project config.",
            f"keep it under {MAX_DEPTH} levels, as `seshat init` writes it",
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context_mark", None)
        opened = ""
        if context is not None and (mark is None or context.line != mark.line):
            what = getattr(exc, "context", None) or "started"
            opened = f" ({what} at line {context.line + 1}, column {context.column + 1})"
        raise ConfigError(
            f"{where} is not valid YAML: {problem}{opened}.",
            "fix the indentation or quoting at that line (a value containing ': ' or '#' needs quotes)",
        ) from None
    lines: dict[KeyPath, int] = {}
    twice: list[str] = []
    if node is not None:
        _line_map(node, (), lines, twice)
    if twice:
        raise ConfigError(
            f"{path} gives a key twice ({'; '.join(twice)}); YAML would silently keep the last one.",
            "keep one of them",
        )
    return data, lines


def replace_dir(scratch: Path, target: Path) -> None:
    """Put the finished folder ``scratch`` in place of ``target``.

    The previous ``target`` stays whole until the new one is in place; a crash in between leaves
    it under a hidden ``.NAME.old-PID`` name next to it, never a half-written ``target``.
    """
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        target.rename(old)
    scratch.rename(target)
    remove_tree(old)


def remove_tree(path: Path) -> None:
    """Remove the folder, file or link at ``path`` (a link itself, never what it points to).

    Scratch folders (``.exporting``, ``*.partial``, ``*.building``) are removed with this before
    they are made again, so a link planted in their place can neither redirect the writes nor
    stop the command.
    """
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
