"""The shape the code must keep: layers that import only downwards, no package cycle, one list of
each kind of thing. Read from the source (an AST walk of every import), nothing is run."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from conftest import REPO

from seshat.data.readers.registry import READERS
from seshat.kinds import LEVELS, AccessLevel, SourceFormat

PACKAGE = REPO / "seshat"
# bottom to top; a unit may import units of its own layer or below (docs/architecture.md)
LAYERS: list[set[str]] = [
    {  # 0 plumbing: errors, paths, files, processes, machine facts, the lists of kinds
        "errors",
        "paths",
        "stamps",
        "yamlio",
        "machine",
        "secrets",
        "langcodes",
        "gguf_header",
        "templating",
        "process",
        "env_progress",
        "kinds",
        "plugins",
        "packaged_models",
        "run_records",
        "project_justfile",
    },
    {"config", "corpus", "envs"},  # 1 the spec, records, managed venvs
    {"profiles", "model_family", "access", "scaffold", "data", "tokenizer", "plan", "labels"},  # 2
    {"backends"},  # 3 trainer plug-ins behind one interface
    {"environments", "trainer_config"},  # 4 every env by name; render and check
    {"runs"},  # 5 a run: start, follow, resume, merge
    {
        "eval",
        "models",
        "export",
        "serve",
        "audit",
        "withdraw",
        "review",
    },  # 6 what is done with a run's model
    {"ui"},  # 7 the demo
    {"doctor", "quickstart"},  # 8 whole-machine and whole-pipeline commands
    {"cli", "__main__"},  # 9 the one entry point and error boundary
]
SKIP = ("scripts", "probes", "in_env")  # run inside other venvs, never imported by Seshat


def unit_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "seshat" and len(parts) > 1 else None


def imports() -> dict[str, set[tuple[str, str]]]:
    """unit -> {(imported unit, file:line)} for every import of another seshat unit."""
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(REPO)
        if any(part in SKIP for part in rel.parts) or path.parent.name == "templates":
            continue
        source = unit_of(".".join(rel.with_suffix("").parts))
        if source is None:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = (
                    [f"seshat.{a.name}" for a in node.names]
                    if node.module == "seshat"
                    else [node.module]
                )
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            for target in targets:
                unit = unit_of(target)
                if unit and unit != source and unit != "__version__":
                    found[source].add((unit, f"{rel}:{node.lineno}"))
    return found


def layer(unit: str) -> int:
    for index, members in enumerate(LAYERS):
        if unit in members:
            return index
    raise AssertionError(f"seshat.{unit} is in no layer: add it to LAYERS and docs/architecture.md")


def test_every_unit_has_a_layer() -> None:
    units = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()}
    units = {u for u in units if not u.startswith(("_", ".")) or u == "__main__"} - {"__init__"}
    for unit in units:
        layer(unit)


def test_imports_only_go_down() -> None:
    upward = [
        f"{where}: seshat.{source} (layer {layer(source)}) imports seshat.{target} (layer {layer(target)})"
        for source, targets in imports().items()
        for target, where in targets
        if layer(target) > layer(source)
    ]
    assert upward == []


def test_no_package_cycle() -> None:
    graph = {source: {t for t, _ in targets} for source, targets in imports().items()}
    cycles = []
    for start in graph:
        stack, seen = [(start, [start])], set()
        while stack:
            node, path = stack.pop()
            for nxt in graph.get(node, ()):
                if nxt == start:
                    cycles.append(" -> ".join([*path, start]))
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
    assert cycles == []


def test_the_test_can_see_an_upward_import(tmp_path: Path) -> None:
    """The walk finds imports inside functions too (where most of Seshat's lazy imports are)."""
    found = imports()
    assert any(t == "backends" for t, _ in found["runs"])
    assert any(t == "environments" for t, _ in found["cli"])


def test_one_list_of_each_kind() -> None:
    assert set(READERS) == {f.value for f in SourceFormat}, "every format has exactly one reader"
    assert LEVELS == ("public", "community", "restricted", "sacred")
    assert [level.value for level in AccessLevel] == list(LEVELS)


def test_no_main_logic_in_package_faces() -> None:
    """A package's ``__init__.py`` holds its docstring (and at most a re-export), no logic."""
    heavy = []
    for init in PACKAGE.rglob("__init__.py"):
        tree = ast.parse(init.read_text(encoding="utf-8"))
        if any(isinstance(n, ast.FunctionDef | ast.ClassDef) for n in tree.body):
            heavy.append(str(init.relative_to(REPO)))
    assert heavy == []
