"""The access policy: the one place that decides what may go where.

Levels, from open to closed: ``public``, ``community``, ``restricted``, ``sacred``. A dataset, and
every model trained on it, carries the most closed level present in it. Every path that moves data
or something derived from it (a cloud launch, W&B, a shared report, an exported dataset or model,
the demo, the served API) asks a :class:`Gate` first. A refusal names the sources and records that
caused it and the override key; an override needs a reason and every decision is logged, in
``.seshat/access.jsonl`` and, for a run, in ``runs/<id>/access.jsonl`` (what ``seshat audit`` reads).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seshat.config.models import AccessPolicy, Destination
from seshat.corpus.jsonl import meta_path, read_json_lines
from seshat.errors import SeshatError
from seshat.kinds import LEVELS
from seshat.run_records import read_spec
from seshat.stamps import sha256_file, utc_now

UNKNOWN_SOURCE = "(a split without its .meta.jsonl sidecar: origin unknown)"
ACCESS_FILE = "access.json"
LOG_NAME = "access.jsonl"
WITHDRAWN = Path(".seshat/withdrawn.json")  # sources whose consent was withdrawn
REVOKED = "revoked.json"  # in a run made from a withdrawn source
WITHDRAWN_MARK = "(withdrawn"  # a holding that no rule or override lets go anywhere


def withdrawn(root: Path) -> dict[str, Any]:
    """The sources withdrawn from the project at ``root``, with when and why."""
    path = root / WITHDRAWN
    if not path.is_file():
        return {}
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return found if isinstance(found, dict) else {}


EXAMPLES_KEPT = 5


class AccessError(SeshatError):
    """The access policy refuses to send data (or a model trained on it) somewhere."""


def rank(level: str) -> int:
    """Position of ``level`` from open (0) to closed; an unknown level counts as the most closed."""
    return LEVELS.index(level) if level in LEVELS else len(LEVELS) - 1


def most_closed(levels: Iterable[str]) -> str:
    """The most closed of ``levels`` (``public`` for none; unknown ones count as ``sacred``)."""
    found = [level if level in LEVELS else LEVELS[-1] for level in levels]
    return max(found, key=rank) if found else LEVELS[0]


@dataclass
class Holdings:
    """What a dataset (or an artifact made from it) holds: records per source and level.

    Attributes:
        counts: ``{source: {level: records}}``.
        examples: ``{source: {level: [record ids]}}``, a few per pair, to name in a refusal.
    """

    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    examples: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def add(self, source: str, level: str, record: str | None = None, n: int = 1) -> None:
        """Count ``n`` records of ``source`` at ``level``."""
        level = level if level in LEVELS else LEVELS[-1]
        by_level = self.counts.setdefault(source, {})
        by_level[level] = by_level.get(level, 0) + n
        if record:
            kept = self.examples.setdefault(source, {}).setdefault(level, [])
            if len(kept) < EXAMPLES_KEPT and record not in kept:
                kept.append(record)

    def merge(self, other: Holdings) -> Holdings:
        """Add ``other`` into this one (returns self)."""
        for source, by_level in other.counts.items():
            for level, n in by_level.items():
                self.add(source, level, n=n)
                for record in other.examples.get(source, {}).get(level, []):
                    self.add(source, level, record, n=0)
        return self

    @property
    def level(self) -> str:
        """The inherited level: the most closed one present."""
        return most_closed(level for by in self.counts.values() for level, n in by.items() if n)

    def levels(self) -> dict[str, int]:
        """Records per level, open to closed."""
        total: Counter[str] = Counter()
        for by_level in self.counts.values():
            total.update(by_level)
        return {level: total[level] for level in LEVELS if total[level]}

    def above(self, limit: str) -> Holdings:
        """The part of these holdings that is more closed than ``limit``."""
        part = Holdings()
        for source, by_level in self.counts.items():
            for level, n in by_level.items():
                if rank(level) > rank(limit) and n:
                    part.add(source, level, n=n)
                    for record in self.examples.get(source, {}).get(level, []):
                        part.add(source, level, record, n=0)
        return part

    def describe(self) -> list[str]:
        """One line per source and level: ``source 'x' (sacred): 12 records, e.g. a, b``."""
        lines = []
        for source in sorted(self.counts):
            for level in sorted(self.counts[source], key=rank, reverse=True):
                n = self.counts[source][level]
                named = self.examples.get(source, {}).get(level, [])
                tail = f", e.g. {', '.join(named)}" if named else ""
                lines.append(f"source {source!r} ({level}): {n} record(s){tail}")
        return lines

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"level": self.level, "levels": self.levels(), "sources": self.counts}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Holdings:
        """Read :meth:`to_dict` output (examples are not stored)."""
        held = cls()
        for source, by_level in (data.get("sources") or {}).items():
            for level, n in by_level.items():
                held.add(source, level, n=int(n))
        return held


def row_holdings(rows: Iterable[Mapping[str, Any]]) -> Holdings:
    """Holdings of rows that carry ``source``, ``access`` and ``record`` (meta lines, segments)."""
    held = Holdings()
    for row in rows:
        provenance = row.get("provenance") or {}
        source = row.get("source") or provenance.get("source") or UNKNOWN_SOURCE
        record = row.get("record") or row.get("id")
        held.add(str(source), str(row.get("access") or LEVELS[-1]), record)
    return held


def split_holdings(chat_path: Path) -> Holdings:
    """Holdings of a formatted split, from its ``.meta.jsonl``.

    A split without a sidecar counts as one record of unknown origin, at the most closed level.
    """
    sidecar = meta_path(chat_path)
    if not sidecar.is_file():
        held = Holdings()
        held.add(UNKNOWN_SOURCE, LEVELS[-1], chat_path.name)
        return held
    return row_holdings(read_json_lines(sidecar))


def splits_record(splits: Mapping[str, Path | None]) -> tuple[Holdings, dict[str, Any]]:
    """What each formatted split holds, and the inherited level: a new run's ``access.json``.

    It is the run's record of what flowed into it, kept even if the data files change later.
    """
    record: dict[str, Any] = {"splits": {}}
    total = Holdings()
    for name, path in splits.items():
        if path is None or not path.is_file():
            continue
        held = split_holdings(path)
        total.merge(held)
        record["splits"][name] = {**held.to_dict(), "examples": held.examples}
    record |= {"level": total.level, "levels": total.levels(), "sources": total.counts}
    return total, record


def run_holdings(
    run_path: Path,
    splits: Sequence[str] = ("train", "dev", "test"),
    *,
    _seen: frozenset[str] = frozenset(),
) -> Holdings:
    """What a run was made from: its ``access.json``, and everything its model descends from.

    A model inherits the most closed level of its whole lineage: the runs whose adapter it trained
    further (``continue=``, recorded in ``status.json``) and a base model that is another run's
    output, merge or export (``model.base`` in its ``spec.yaml``). A run without its record, or
    an ancestor that is gone, counts as sacred (fail closed).
    """
    path = run_path / ACCESS_FILE
    revoked = run_path / REVOKED
    if revoked.is_file():
        held = Holdings()
        try:
            note = json.loads(revoked.read_text(encoding="utf-8"))
            why = f"source {note.get('source')} on {note.get('at')}: {note.get('reason')}"
        except (OSError, ValueError, AttributeError):
            why = "see its revoked.json"
        held.add(f"{WITHDRAWN_MARK}: run {run_path.name} was revoked, {why})", LEVELS[-1])
        return held
    if not path.is_file():
        held = Holdings()
        held.add(f"(run {run_path.name} has no {ACCESS_FILE})", LEVELS[-1])
        return held
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(record, dict) or not isinstance(record.get("splits", {}), dict):
            raise ValueError("not a record of splits")
    except (OSError, UnicodeDecodeError, ValueError):
        held = Holdings()
        held.add(f"(run {run_path.name}: its {ACCESS_FILE} is damaged)", LEVELS[-1])
        return held
    held = Holdings()
    disagreement = _recomputed_disagrees(run_path, record)
    if disagreement:
        held.add(f"({disagreement})", LEVELS[-1])
    for name in splits:
        part = record["splits"].get(name)
        if part is None:
            continue
        held.merge(Holdings.from_dict(part))
        for source, by_level in (part.get("examples") or {}).items():
            for level, records in by_level.items():
                for record_id in records:
                    held.add(source, level, record_id, n=0)
    for ancestor in ancestors(run_path):
        if ancestor.name in _seen | {run_path.name}:
            continue
        if not (ancestor / ACCESS_FILE).is_file():
            held.add(
                f"(run {ancestor.name}, which run {run_path.name} descends from, is gone)",
                LEVELS[-1],
            )
            continue
        inherited = run_holdings(ancestor, ("train",), _seen=_seen | {run_path.name})
        for source, by_level in inherited.counts.items():
            for level, count in by_level.items():
                held.add(f"{source} (via run {ancestor.name})", level, n=count)
    base, declared = _base_of(run_path)
    imported = _imported_level(run_path.parent.parent, base, declared)
    if imported is not None:
        held.add(f"({imported[1]})", imported[0])
    return held


def _recomputed_disagrees(run_path: Path, record: Mapping[str, Any]) -> str | None:
    """Why a run's ``access.json`` cannot be trusted, or None when it matches what it records.

    The gate does not trust a level it can recompute: where a split's sidecar is still the one
    the run recorded (its sha256 in ``inputs.json``), the holdings are recomputed from it and
    must equal the stored ones. A split the run recorded but ``access.json`` lacks, or stored
    counts that differ, mean the file was edited: the run then counts as sacred.
    """
    from seshat.run_records import RunRecordError, read_json

    try:
        inputs = read_json(run_path, "inputs.json").get("data") or {}
        data = (read_spec(run_path).get("data") or {}) if inputs else {}
    except (RunRecordError, AttributeError):
        return None  # an older run without the record: nothing to recompute from
    stored = record.get("splits") or {}
    for name, recorded in inputs.items():
        if name not in stored:
            return (
                f"access.json of run {run_path.name} leaves out its {name} split, which the run "
                "recorded in inputs.json: the file was edited"
            )
        rel = data.get(name)
        sidecar = meta_path(run_path.parent.parent / rel) if rel else None
        if sidecar is None or not sidecar.is_file() or not recorded.get("meta_sha256"):
            continue
        if sha256_file(sidecar) != recorded["meta_sha256"]:
            continue  # the data changed since the run: its own record is all there is
        now = row_holdings(read_json_lines(sidecar)).counts
        then = Holdings.from_dict(stored[name]).counts
        if now != then:
            return (
                f"access.json of run {run_path.name} says its {name} split held "
                f"{json.dumps(then, sort_keys=True)}, but the data it recorded holds "
                f"{json.dumps(now, sort_keys=True)}: the file was edited"
            )
    return None


def _base_of(run_path: Path) -> tuple[str, dict[str, str]]:
    """``model.base`` of a run's recorded spec, and its levels of third-party models.

    ('' and none when the spec cannot be read; the levels are ``access.models``.)
    """
    from seshat.run_records import RunRecordError, read_spec

    try:
        spec = read_spec(run_path)
    except RunRecordError:
        return "", {}
    declared = (spec.get("access") or {}).get("models") or {}
    base = str((spec.get("model") or {}).get("base") or "")
    return base, {str(k): str(v) for k, v in declared.items()} if isinstance(declared, dict) else {}


def base_model_holdings(
    root: Path, base: str, declared: Mapping[str, str] | None = None
) -> Holdings:
    """What a base model holds when it is a run's output, merge or export in project ``root``.

    ``declared``: the levels seshat.yaml gives third-party models (``access.models``).
    """
    held = Holdings()
    imported = _imported_level(root, base, declared)
    if imported is not None:
        held.add(f"({imported[1]})", imported[0])
    owner = owner_run(root, base)
    if owner is not None:
        inherited = run_holdings(owner, ("train",))
        for source, by_level in inherited.counts.items():
            for level, count in by_level.items():
                held.add(f"{source} (via the base model, run {owner.name})", level, n=count)
    return held


def _imported_level(
    root: Path, base: str, declared: Mapping[str, str] | None = None
) -> tuple[str, str] | None:
    """The level of a base model imported from a GGUF, and where it comes from, in words.

    A Seshat GGUF carries its level (kept in the folder's ``seshat-model.json``); one shipped in
    a package Seshat knows is public; a third-party GGUF with no level is what seshat.yaml says
    under ``access.models`` (keyed by ``model.base``), else sacred (fail closed).
    """
    folder = root / base
    manifest = folder / "seshat-model.json"
    if not base or not manifest.is_file():
        return None
    try:
        about = json.loads(manifest.read_text(encoding="utf-8"))
        level, run = about.get("access_level"), about.get("from_run") or "?"
        origin, package = about.get("origin"), about.get("package")
    except (OSError, json.JSONDecodeError, AttributeError):
        return LEVELS[-1], f"the base model {base}, whose seshat-model.json is damaged"
    if level is not None:
        level = level if level in LEVELS else LEVELS[-1]
        return level, f"the base model {base}, imported from a GGUF of run {run}"
    if origin != "gguf" or package:
        return None  # pulled from the hub or shipped in a known package: no community data
    stated = (declared or {}).get(base)
    if stated is not None:
        return stated, f"the base model {base}, a third-party GGUF declared {stated} in seshat.yaml"
    return LEVELS[-1], (
        f"the base model {base}, imported from a GGUF that carries no access level: declare its "
        f"level under access.models in seshat.yaml (e.g. `{base}: public` for a published model)"
    )


def ancestors(run_path: Path) -> list[Path]:
    """The runs a run's model descends from: its continued parents, and a base model made by a run."""
    from seshat.run_records import RunRecordError, read_json

    runs = run_path.parent
    found: list[Path] = []
    try:
        status = read_json(run_path, "status.json")
    except RunRecordError:
        status = {}
    for parent in [*status.get("lineage", []), status.get("parent")]:
        if parent and runs / parent not in found:
            found.append(runs / parent)
    owner = owner_run(runs.parent, _base_of(run_path)[0])
    if owner is not None and owner not in found:
        found.append(owner)
    return found


def owner_run(root: Path, base: str) -> Path | None:
    """The run of project ``root`` whose folder holds the model at ``base`` (a local path), if any."""
    runs = (root / "runs").resolve()
    candidate = root / base
    if not base or not candidate.exists():
        return None
    local = candidate.resolve()
    if local == runs or not local.is_relative_to(runs):
        return None
    return runs / local.relative_to(runs).parts[0]


def run_level(run_path: Path) -> str:
    """The inherited access level of a run (sacred when it has no record)."""
    return run_holdings(run_path).level


@dataclass(frozen=True)
class Decision:
    """One answer of the gate.

    Attributes:
        destination: Where the data would go.
        what: What would go there, in words.
        limit: The most closed level the rule allows there.
        allowed: Whether it may go.
        override: The reason of the override that allowed it, if one did.
        blocked: The records above the limit.
    """

    destination: str
    what: str
    limit: str
    allowed: bool
    override: str | None
    blocked: Holdings

    def to_log(self, held: Holdings) -> dict[str, Any]:
        """The line written to the access logs."""
        return {
            "at": utc_now(),
            "destination": self.destination,
            "what": self.what,
            "limit": self.limit,
            "allowed": self.allowed,
            "override": self.override,
            "levels": held.levels(),
            "blocked": self.blocked.counts,
        }


class Gate:
    """The access policy of a project, asked before anything moves.

    Args:
        root: The project folder (its ``.seshat/access.jsonl`` logs every decision).
        policy: The policy (``access`` of ``seshat.yaml``).
    """

    def __init__(self, root: Path, policy: AccessPolicy) -> None:
        self.root = root
        self.policy = policy

    @classmethod
    def for_project(cls, root: Path, overrides: Sequence[str] = ()) -> Gate:
        """The gate of the project at ``root`` (``access.*`` overrides from the command line).

        A folder without ``seshat.yaml`` (runs copied elsewhere) gets the cautious defaults.
        """
        from seshat.config.loader import CONFIG_NAME, load_project

        if not (root / CONFIG_NAME).is_file() and not overrides:
            return cls(root, AccessPolicy())
        project = load_project(root, list(overrides))
        return cls(project.root, project.spec.access)

    @classmethod
    def for_run(cls, root: Path, run_path: Path) -> Gate:
        """The policy a run was started with (its ``spec.yaml``), for steps of the run itself."""
        spec = read_spec(run_path)
        return cls(root, AccessPolicy.model_validate(spec.get("access") or {}))

    def limit(self, destination: Destination) -> str:
        """The most closed level allowed to ``destination``."""
        return self.policy.limit(destination).value

    def decide(self, destination: Destination, held: Holdings, what: str) -> Decision:
        """Whether ``held`` may go to ``destination`` (nothing is logged or raised)."""
        limit = self.limit(destination)
        blocked = held.above(limit)
        override = self.policy.overrides.get(destination) if blocked.counts else None
        if any(source.startswith(WITHDRAWN_MARK) for source in held.counts):
            blocked, override = held, None  # consent withdrawn: no rule or override opens it
        return Decision(
            destination=destination.value,
            what=what,
            limit=limit,
            allowed=not blocked.counts or override is not None,
            override=override,
            blocked=blocked,
        )

    def require(
        self, destination: Destination, held: Holdings, what: str, run_path: Path | None = None
    ) -> Decision:
        """Allow ``held`` to go to ``destination`` or raise; the decision is logged either way.

        Raises:
            AccessError: The rule refuses it and no override allows it (sources and records named).
        """
        decision = self.decide(destination, held, what)
        self.log(decision, held, run_path)
        if not decision.allowed:
            lines = "; ".join(decision.blocked.describe())
            raise AccessError(
                f"Refused by the access policy: {what} would go to {destination.value}, which "
                f"allows data up to '{decision.limit}', but it holds more closed records: {lines}.",
                f"leave those sources out (or set their level) in seshat.yaml; or, if the "
                f"community has agreed, allow it explicitly with "
                f'`access.overrides.{destination.value}="who agreed, when"` (in seshat.yaml or '
                "on the command line; every use is logged)",
            )
        return decision

    def select(
        self,
        destination: Destination,
        rows: Sequence[Mapping[str, Any]],
        what: str,
        run_path: Path | None = None,
    ) -> list[Mapping[str, Any]]:
        """The rows (with ``source``/``access``/``record``) that may go to ``destination``.

        Rows above the rule are left out (unless an override allows them); the decision, with what
        was left out, is logged.
        """
        held = row_holdings(rows)
        decision = self.decide(destination, held, what)
        self.log(decision, held, run_path, left_out=not decision.allowed)
        if decision.allowed:
            return list(rows)
        limit = rank(decision.limit)
        return [row for row in rows if rank(str(row.get("access") or LEVELS[-1])) <= limit]

    def log(
        self,
        decision: Decision,
        held: Holdings,
        run_path: Path | None = None,
        left_out: bool = False,
    ) -> None:
        """Append the decision to ``.seshat/access.jsonl`` (and the run's ``access.jsonl``)."""
        line = decision.to_log(held)
        if left_out:
            line |= {"allowed": "partly", "left_out": decision.blocked.counts}
        append_log(line, self.root / ".seshat", run_path)


def append_log(line: Mapping[str, Any], *folders: Path | None) -> None:
    """Append one entry to the access log (``access.jsonl``) of each folder given."""
    text = json.dumps(line, sort_keys=True, ensure_ascii=False) + "\n"
    for folder in folders:
        if folder is None:
            continue
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / LOG_NAME, "a", encoding="utf-8") as handle:  # append-only log
            handle.write(text)


def read_log(path: Path) -> list[dict[str, Any]]:
    """The decisions of an access log (a torn last line, from a crash, is skipped)."""
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return rows
