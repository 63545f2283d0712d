"""The hostile and broken inputs of the adversarial suite, one row each.

A case changes a fresh canary project (tests/canary.py: closed sources hold canary strings) and
runs one command. Its row says what must come out: exit 0 (handled) or 1 (one paragraph that
names ``needle`` and says what to do next). The test adds the checks every row shares: no
traceback, no source changed, nothing written outside the project, no canary or planted secret
in any produced file the policy does not allow.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

Setup = Callable[[Path], None]


@dataclass(frozen=True)
class Case:
    """One hostile input: what to change, what to run, what must come out."""

    name: str
    setup: Setup
    argv: tuple[str, ...] = ("data", "run")
    exit: int = 1
    needle: str = ""  # must appear in the output (the file, key or reason named)
    absent: tuple[str, ...] = field(default_factory=tuple)  # must not appear in the output
    check: Callable[[Path], None] | None = None  # more to assert on the project afterwards


def no_hub_upload(project: Path) -> None:
    """The rendered trainer config uploads nothing (the injected keys stayed inside a value)."""
    for path in (project / ".seshat" / "render").rglob("backend.yaml"):
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert "push_to_hub" not in config and "hub_model_id" not in config


# --- helpers that edit the project ----------------------------------------------------------


def _config(project: Path) -> dict:
    return yaml.safe_load((project / "seshat.yaml").read_text(encoding="utf-8"))


def _save(project: Path, data: dict) -> None:
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    (project / "seshat.yaml").write_text(text, encoding="utf-8")


def edit(change: Callable[[dict], None]) -> Setup:
    """A setup that edits the parsed seshat.yaml."""

    def setup(project: Path) -> None:
        data = _config(project)
        change(data)
        _save(project, data)

    return setup


def raw_config(text: str) -> Setup:
    """A setup that replaces seshat.yaml with ``text``."""

    def setup(project: Path) -> None:
        (project / "seshat.yaml").write_text(text, encoding="utf-8")

    return setup


def append_config(text: str) -> Setup:
    def setup(project: Path) -> None:
        with open(project / "seshat.yaml", "a", encoding="utf-8") as handle:
            handle.write(text)

    return setup


def add_source(source: dict, files: dict[str, bytes | str] | None = None) -> Setup:
    """A setup that adds one source (and writes its files under the project)."""

    def setup(project: Path) -> None:
        for rel, content in (files or {}).items():
            path = project / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        data = _config(project)
        data["sources"].append({"access": "public", **source})
        _save(project, data)

    return setup


def set_key(path: str, value: object) -> Setup:
    def change(data: dict) -> None:
        node = data
        *parents, last = path.split(".")
        for part in parents:
            node = node.setdefault(part, {}) if isinstance(node, dict) else node[int(part)]
        node[last] = value

    return edit(change)


def source_option(index: int, **options: object) -> Setup:
    def change(data: dict) -> None:
        data["sources"][index].setdefault("options", {}).update(options)

    return edit(change)


def source_key(index: int, **keys: object) -> Setup:
    def change(data: dict) -> None:
        data["sources"][index].update(keys)

    return edit(change)


def both(*setups: Setup) -> Setup:
    def setup(project: Path) -> None:
        for one in setups:
            one(project)

    return setup


def write(rel: str, content: bytes | str) -> Setup:
    def setup(project: Path) -> None:
        path = project / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")

    return setup


def symlink(rel: str, target: str) -> Setup:
    def setup(project: Path) -> None:
        link = project / rel
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target)

    return setup


def fifo(rel: str) -> Setup:
    def setup(project: Path) -> None:
        os.mkfifo(project / rel)

    return setup


def profile_env(name: str, value: str) -> Setup:
    """A project profile (a copy of the shipped CPU one) that sets one environment variable."""

    def setup(project: Path) -> None:
        shipped = Path(__file__).parents[2] / "profiles" / "strix-halo-cpu.yaml"
        profile = yaml.safe_load(shipped.read_text(encoding="utf-8"))
        profile["name"] = "evil"
        profile.setdefault("env", {})[name] = value
        folder = project / "profiles"
        folder.mkdir(exist_ok=True)
        (folder / "evil.yaml").write_text(yaml.safe_dump(profile), encoding="utf-8")

    return setup


def task_template(name: str, text: str) -> Setup:
    return write(f"templates/tasks/{name}.j2", text)


def backend_template(text: str) -> Setup:
    def setup(project: Path) -> None:
        shipped = Path(__file__).parents[2] / "seshat/backends/axolotl/templates/sft.yaml.j2"
        own = project / "templates" / "axolotl" / "sft.yaml.j2"
        own.parent.mkdir(parents=True, exist_ok=True)
        own.write_text(text + "\n" + shipped.read_text(encoding="utf-8"), encoding="utf-8")

    return setup


def run_folder(name: str, files: dict[str, str]) -> Setup:
    """A run folder as a tampered or damaged copy would leave it."""

    def setup(project: Path) -> None:
        run = project / "runs" / name
        run.mkdir(parents=True, exist_ok=True)
        for rel, content in files.items():
            (run / rel).write_text(content, encoding="utf-8")

    return setup


GOOD_RUN = {
    "status.json": json.dumps({"state": "succeeded", "run_id": "r1"}),
    "spec.yaml": "model:\n  base: Qwen/Qwen3-0.6B\n",
    "access.json": json.dumps(
        {"splits": {"train": {"sources": {"village-words": {"community": 10}}}}}
    ),
}

# --- the table --------------------------------------------------------------------------------

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)
LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lift [<!ENTITY a "aaaaaaaaaa">'
    + "".join(
        f'<!ENTITY {c} "{("&" + p + ";") * 10}">'
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + ']>\n<lift version="0.13"><entry id="e"><lexical-unit><form lang="qks"><text>&i;</text>'
    "</form></lexical-unit></entry></lift>\n"
)
XXE = (
    '<?xml version="1.0"?>\n<!DOCTYPE lift [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    '<lift version="0.13"><entry id="e"><lexical-unit><form lang="qks"><text>&x;</text></form>'
    '</lexical-unit><sense><gloss lang="es"><text>g</text></gloss></sense></entry></lift>\n'
)

CONFIG = [
    Case("yaml alias bomb", raw_config(BOMB), needle="seshat.yaml"),
    Case(
        "yaml 20000-deep nesting",
        raw_config("a: " + "[" * 20000 + "]" * 20000),
        needle="seshat.yaml",
    ),
    Case("yaml not a mapping", raw_config("- just\n- a list\n"), needle="seshat.yaml"),
    Case("yaml syntax error", raw_config("name: [unclosed\n"), needle="seshat.yaml"),
    Case("yaml binary garbage", write("seshat.yaml", b"\x00\xff\xfe" * 100), needle="seshat.yaml"),
    Case("unknown top-level key", set_key("push_to_hub", True), needle="push_to_hub"),
    Case("unknown nested key", set_key("splits.shuffle", True), needle="shuffle"),
    Case("splits share out of range", set_key("splits.dev", 2), needle="dev"),
    Case("unknown access level", source_key(0, access="secret"), needle="access"),
    Case("format without a reader", source_key(0, format="chat_jsonl"), needle="format"),
    Case("source id with a slash", source_key(0, id="../evil"), needle="id"),
    Case("misspelled option encodng", source_option(0, encodng="latin-1"), needle="encoding"),
    Case("misspelled option aling", source_option(0, aling=True), needle="align"),
    Case("option of the wrong type", source_option(0, align="maybe"), needle="align"),
    Case("option of another format", source_option(0, record_marker="ref"), needle="record_marker"),
    Case("two-character delimiter", source_option(1, delimiter="||"), needle="delimiter"),
    Case("record kind unknown", source_option(1, kind="secret_kind"), needle="kind"),
    Case(
        "record_access unknown level",
        source_key(0, record_access={"x:1": "open"}),
        needle="record_access",
    ),
    Case(
        "record_access key matching nothing",
        source_key(0, record_access={"./data/raw/public.txt:5": "sacred"}),
        needle="match no record",
    ),
    Case(
        "record_access key with zero",
        source_key(0, record_access={"public.txt:05": "sacred"}),
        needle="match no record",
    ),
    Case(
        "override reason 'ok'",
        set_key("access.overrides", {"dataset_export": "ok"}),
        needle="reason",
    ),
    Case(
        "override reason 'n/a'",
        set_key("access.overrides", {"model_export": "n/a"}),
        needle="reason",
    ),
    Case(
        "override reason 'TODO'",
        set_key("access.overrides", {"cloud_launch": "TODO"}),
        needle="reason",
    ),
    Case("override reason 'x'", set_key("access.overrides", {"served_api": "x"}), needle="reason"),
    Case(
        "override reason 'none'", set_key("access.overrides", {"network": "none"}), needle="reason"
    ),
    Case(
        "override of unknown destination",
        set_key("access.overrides", {"everywhere": "Council 2026-01-01"}),
        needle="everywhere",
    ),
    Case(
        "rule of unknown destination",
        set_key("access.rules", {"internet": "sacred"}),
        needle="internet",
    ),
    Case(
        "language name with newline injection",
        set_key("language.name", "Kaniwa\npush_to_hub: true\nhub_model_id: x/y"),
        argv=("check", "--strict-only"),
        exit=0,
        check=no_hub_upload,
    ),
    Case("language code with spaces", set_key("language.code", "q ks"), needle="code"),
    Case(
        "profile env LD_PRELOAD",
        profile_env("LD_PRELOAD", "/tmp/x.so"),
        argv=("render", "profile=evil"),
        needle="LD_PRELOAD",
    ),
    Case(
        "profile env PYTHONPATH",
        profile_env("PYTHONPATH", "/tmp/evil"),
        argv=("render", "profile=evil"),
        needle="PYTHONPATH",
    ),
    Case(
        "profile env WANDB_MODE online",
        profile_env("WANDB_MODE", "online"),
        argv=("render", "profile=evil"),
        needle="WANDB_MODE",
    ),
    Case(
        "profile env proxy",
        profile_env("HTTPS_PROXY", "http://evil:8080"),
        argv=("render", "profile=evil"),
        needle="HTTPS_PROXY",
    ),
    Case(
        "third-party model without a level",
        set_key("access.models", {"models/x": "open"}),
        needle="models",
    ),
    Case(
        "trust_remote_code string",
        set_key("model.trust_remote_code", "yes please"),
        needle="trust_remote_code",
    ),
]

SOURCES = [
    Case(
        "source /etc/passwd",
        source_key(0, path="/etc/passwd", options={}),
        needle="outside the project",
    ),
    Case(
        "source ../ escape",
        source_key(0, path="../" * 24 + "etc/passwd", options={}),
        needle="outside the project",
    ),
    Case(
        "source /proc/self/environ",
        source_key(0, path="/proc/self/environ", format="plain", options={}),
        needle="outside the project",
    ),
    Case(
        "source symlink to /etc/shadow",
        both(
            symlink("data/raw/shadow.txt", "/etc/shadow"),
            source_key(0, path="data/raw/shadow.txt", format="plain", options={}),
        ),
        needle="outside the project",
    ),
    Case(
        "source symlink to a file outside",
        both(
            symlink("data/raw/out.txt", "../../../outside/secret.txt"),
            source_key(0, path="data/raw/out.txt", format="plain", options={}),
        ),
        needle="outside the project",
    ),
    Case(
        "source FIFO",
        both(
            fifo("data/raw/pipe.txt"),
            source_key(0, path="data/raw/pipe.txt", format="plain", options={}),
        ),
        needle="FIFO",
    ),
    Case(
        "source /dev/zero",
        source_key(0, path="/dev/zero", format="plain", options={}),
        needle="/dev/zero",
    ),
    Case("source missing", source_key(0, path="data/raw/nope.txt"), needle="does not exist"),
    Case(
        "source outside that does not exist",
        source_key(0, path="../nope/x.txt"),
        needle="outside the project",
        absent=("does not exist",),
    ),
    Case(
        "translation file outside",
        source_option(0, translation="../../outside/secret.txt"),
        needle="outside",
    ),
    Case(
        "reviews: a forged judgement line",
        add_source(
            {"id": "fixes", "path": "data/reviews", "format": "reviews"},
            {"data/reviews/r1/ana.jsonl": '{"run": "r1", "item": "test:1", "score": 900}\n'},
        ),
        needle="not a valid judgement",
    ),
    Case(
        "reviews: binary garbage",
        add_source(
            {"id": "fixes", "path": "data/reviews", "format": "reviews"},
            {"data/reviews/r1/ana.jsonl": b"\xff\xfe\x00garbage" * 50},
        ),
        needle="not UTF-8",
    ),
    Case(
        "latin-1 file read as UTF-8",
        add_source(
            {"id": "latin", "path": "data/raw/l.txt", "format": "plain"},
            {"data/raw/l.txt": "ni\xf1o\n".encode("latin-1")},
        ),
        needle="not valid utf-8",
    ),
    Case(
        "latin-1 with the option",
        add_source(
            {
                "id": "latin",
                "path": "data/raw/l.txt",
                "format": "plain",
                "options": {"encoding": "latin-1"},
            },
            {"data/raw/l.txt": "ni\xf1o jakon\n".encode("latin-1")},
        ),
        exit=0,
    ),
    Case(
        "unknown encoding name",
        add_source(
            {
                "id": "enc",
                "path": "data/raw/e.txt",
                "format": "plain",
                "options": {"encoding": "klingon-8"},
            },
            {"data/raw/e.txt": "a\n"},
        ),
        needle="klingon-8",
    ),
    Case(
        "binary file as plain",
        add_source(
            {"id": "bin", "path": "data/raw/b.txt", "format": "plain"},
            {"data/raw/b.txt": bytes(range(256)) * 4},
        ),
        needle="b.txt",
    ),
    Case(
        "17 MB single line",
        add_source(
            {"id": "long", "path": "data/raw/long.txt", "format": "plain"},
            {"data/raw/long.txt": b"a" * (17 << 20)},
        ),
        needle="MB long",
    ),
    Case(
        "NUL bytes in a text",
        add_source(
            {"id": "nul", "path": "data/raw/n.txt", "format": "plain"},
            {"data/raw/n.txt": "jakon\x00 nete\nbueno\n"},
        ),
        exit=0,
    ),
    Case(
        "parallel line counts differ",
        write("data/raw/public.es.txt", "uno\n"),
        needle="line-aligned",
    ),
    Case("parallel without translation", source_key(0, options={}), needle="translation"),
    Case(
        "malformed LIFT",
        add_source(
            {"id": "lift", "path": "data/raw/x.lift", "format": "lift"},
            {"data/raw/x.lift": "<lift><entry>"},
        ),
        needle="x.lift",
    ),
    Case(
        "LIFT entity bomb",
        add_source(
            {"id": "lift", "path": "data/raw/x.lift", "format": "lift"}, {"data/raw/x.lift": LAUGHS}
        ),
        needle="x.lift",
    ),
    Case(
        "LIFT entity bomb in UTF-16",
        add_source(
            {"id": "lift", "path": "data/raw/x.lift", "format": "lift"},
            {
                "data/raw/x.lift": LAUGHS.replace('"1.0"?>', '"1.0" encoding="UTF-16"?>').encode(
                    "utf-16"
                )
            },
        ),
        needle="x.lift",
    ),
    Case(
        "LIFT external entity",
        add_source(
            {"id": "lift", "path": "data/raw/x.lift", "format": "lift"}, {"data/raw/x.lift": XXE}
        ),
        needle="x.lift",
        absent=("root:",),
    ),
    Case(
        "ELAN tier that is not there",
        add_source(
            {
                "id": "eaf",
                "path": "data/raw/t.eaf",
                "format": "elan",
                "options": {"translation_tier": "nope"},
            },
            {
                "data/raw/t.eaf": (
                    Path(__file__).parents[1] / "fixtures/real/turkish.eaf"
                ).read_bytes()
            },
        ),
        needle="nope",
    ),
    Case(
        "toolbox without record marker",
        add_source(
            {"id": "tb", "path": "data/raw/t.sfm", "format": "toolbox"},
            {"data/raw/t.sfm": "\\x one\n\\y two\n"},
        ),
        needle="record marker",
    ),
    Case(
        "CLDF folder without tables",
        add_source(
            {"id": "cldf", "path": "data/raw/cldf", "format": "cldf"}, {"data/raw/cldf/README": "x"}
        ),
        needle="cldf",
    ),
    Case(
        "folder with no readable file",
        add_source(
            {"id": "docs", "path": "data/raw/docs", "format": "plain"},
            {"data/raw/docs/a.doc": b"x"},
        ),
        exit=0,
    ),
    Case(
        "file declared twice, public and sacred",
        add_source(
            {
                "id": "again",
                "path": "data/raw/public.txt",
                "format": "parallel",
                "access": "sacred",
                "options": {"translation": "data/raw/public.es.txt"},
            }
        ),
        exit=0,
    ),
    Case(
        "empty source file",
        add_source(
            {"id": "empty", "path": "data/raw/empty.txt", "format": "plain"},
            {"data/raw/empty.txt": ""},
        ),
        exit=0,
    ),
    Case(
        "TSV row wider than header",
        add_source(
            {"id": "wide", "path": "data/raw/w.tsv", "format": "tsv"},
            {"data/raw/w.tsv": "qks\tspanish\na\tb\tc\td\n"},
        ),
        needle="w.tsv",
    ),
]

OUTPUTS = [
    Case(
        "train written outside",
        set_key("data.train", "../../outside/train.jsonl"),
        needle="data.train",
    ),
    Case(
        "train absolute path",
        set_key("data.train", "/tmp/seshat-adversarial-train.jsonl"),
        needle="data.train",
    ),
    Case(
        "test over a raw source", set_key("data.test", "data/raw/public.es.txt"), needle="data.test"
    ),
    Case("train inside data/raw", set_key("data.train", "data/raw/train.jsonl"), needle="data/raw"),
    Case(
        "dev onto train's sidecar",
        set_key("data.dev", "data/formatted/train.meta.jsonl"),
        needle="data.dev",
    ),
    Case(
        "dev equal to train", set_key("data.dev", "data/formatted/train.jsonl"), needle="data.dev"
    ),
    Case("test_file missing", set_key("splits.test_file", "data/nope.jsonl"), needle="test_file"),
    Case(
        "test_file with NUL", set_key("splits.test_file", "data/te\x00st.jsonl"), needle="test_file"
    ),
    Case(
        "test_file not JSON",
        both(
            write("data/own-test.jsonl", "{broken\n"),
            set_key("splits.test_file", "data/own-test.jsonl"),
        ),
        needle="own-test.jsonl",
    ),
    Case(
        "test_file as plain text",
        both(
            write("data/own-test.txt", "kani wasi-pas\n"),
            set_key("splits.test_file", "data/own-test.txt"),
        ),
        exit=0,
    ),
    Case(
        "partial path a symlink",
        both(
            write("../outside/keep.txt", "mine"),
            symlink("data/formatted/.train.jsonl.partial", "../../../outside/keep.txt"),
        ),
        exit=0,
    ),
    Case(
        "splits strict cannot meet",
        both(set_key("splits.group_by", "document"), set_key("splits.strict", True)),
        needle="splits.strict",
    ),
]

TEMPLATES = [
    Case(
        "task template lipsum globals",
        task_template("system", "{{ lipsum.__globals__['os'].popen('touch PWNED').read() }}"),
        needle="template",
    ),
    Case(
        "task template cycler os.environ",
        task_template("system", "{{ cycler.__init__.__globals__.os.environ['HF_TOKEN'] }}"),
        needle="template",
    ),
    Case(
        "task template class mro",
        task_template("system", "{{ ''.__class__.__mro__[1].__subclasses__() }}"),
        needle="template",
    ),
    Case(
        "task template include /etc/passwd",
        task_template("system", "{% include '/etc/passwd' %}"),
        needle="template",
    ),
    Case(
        "task template include ../ escape",
        task_template("system", "{% include '../../../etc/passwd' %}"),
        needle="template",
    ),
    Case("task template syntax error", task_template("system", "{% if %}"), needle="template"),
    Case(
        "task template context reach",
        task_template("system", "{{ self._TemplateReference__context }}"),
        needle="template",
    ),
    Case(
        "backend template lipsum",
        backend_template("{{ lipsum.__globals__['os'].popen('touch PWNED').read() }}"),
        argv=("render",),
        needle="cannot be rendered",
    ),
    Case(
        "backend template environ",
        backend_template("x: {{ cycler.__init__.__globals__.os.environ }}"),
        argv=("render",),
        needle="cannot be rendered",
    ),
    Case(
        "backend template push_to_hub",
        backend_template("push_to_hub: true\nhub_model_id: someone/model"),
        argv=("check", "--strict-only"),
        needle="push_to_hub",
    ),
    Case(
        "backend template hub_strategy",
        backend_template("hub_strategy: every_save\nhub_model_id: someone/model"),
        argv=("check", "--strict-only"),
        needle="hub_model_id",
    ),
]

RUNS = [
    Case(
        "runs list with torn status",
        run_folder("r-torn", {"status.json": '{"state": "succ'}),
        argv=("runs", "list"),
        exit=0,
    ),
    Case(
        "runs show torn status",
        run_folder("r-torn", {"status.json": '{"state": "succ'}),
        argv=("runs", "show", "r-torn"),
        needle="status.json",
    ),
    Case(
        "runs show mistyped status",
        run_folder("r-typed", {"status.json": '["not", "a", "dict"]'}),
        argv=("runs", "show", "r-typed"),
        needle="status.json",
    ),
    Case("runs show unknown run", lambda p: None, argv=("runs", "show", "r-none"), needle="r-none"),
    Case(
        "audit run without access.json",
        run_folder(
            "r-noacc", {"status.json": GOOD_RUN["status.json"], "spec.yaml": GOOD_RUN["spec.yaml"]}
        ),
        argv=("audit", "r-noacc"),
        exit=0,
        needle="sacred",
    ),
    Case(
        "audit run with torn access.json",
        run_folder("r-tornacc", {**GOOD_RUN, "access.json": "{"}),
        argv=("audit", "r-tornacc"),
        exit=0,
        needle="damaged",
    ),
    Case(
        "audit continued run inherits",
        both(
            run_folder("r-parent", GOOD_RUN),
            run_folder(
                "r-child",
                {
                    **GOOD_RUN,
                    "status.json": json.dumps({"state": "succeeded", "parent": "r-parent"}),
                    "access.json": json.dumps(
                        {"splits": {"train": {"sources": {"pub": {"public": 3}}}}}
                    ),
                },
            ),
        ),
        argv=("audit", "r-child"),
        exit=0,
        needle="community",
    ),
    Case(
        "audit run whose parent is gone",
        run_folder(
            "r-orphan",
            {
                **GOOD_RUN,
                "status.json": json.dumps({"state": "succeeded", "parent": "r-gone"}),
                "access.json": json.dumps(
                    {"splits": {"train": {"sources": {"pub": {"public": 3}}}}}
                ),
            },
        ),
        argv=("audit", "r-orphan"),
        exit=0,
        needle="sacred",
    ),
    Case(
        "audit base model from a run",
        both(
            run_folder("r-base", GOOD_RUN),
            write("runs/r-base/merged/config.json", "{}"),
            run_folder(
                "r-on-base",
                {
                    **GOOD_RUN,
                    "spec.yaml": "model:\n  base: runs/r-base/merged\n",
                    "access.json": json.dumps(
                        {"splits": {"train": {"sources": {"pub": {"public": 3}}}}}
                    ),
                },
            ),
        ),
        argv=("audit", "r-on-base"),
        exit=0,
        needle="community",
    ),
    Case(
        "audit garbage GGUF",
        write("model.gguf", b"GGUF" + os.urandom(64)),
        argv=("audit", "model.gguf"),
        needle="model.gguf",
    ),
    Case(
        "audit random file",
        write("notes.bin", os.urandom(128)),
        argv=("audit", "notes.bin"),
        needle="notes.bin",
    ),
    Case(
        "continue from unknown run",
        lambda p: None,
        argv=("train", "continue=r-none"),
        needle="r-none",
    ),
    Case("export unknown run", lambda p: None, argv=("export", "r-none"), needle="r-none"),
    Case("manifest of records damaged", write("data/records/manifest.json", "{not json"), exit=0),
    Case("stamp of clean damaged", write("data/clean/.stamp.json", "[1, 2"), exit=0),
]

OVERRIDES = [
    Case(
        "CLI loosens a rule without reason",
        lambda p: None,
        argv=("data", "run", "access.rules.dataset_export=sacred"),
        needle="reason",
    ),
    Case(
        "CLI unknown key",
        lambda p: None,
        argv=("data", "run", "nonexistent.key=1"),
        needle="nonexistent",
    ),
    Case(
        "CLI wrong type",
        lambda p: None,
        argv=("data", "run", "splits.dev=abc"),
        needle="splits.dev",
    ),
    Case(
        "CLI into a list",
        lambda p: None,
        argv=("data", "run", "sources.0.access=public"),
        needle="sources",
    ),
    Case(
        "CLI without equals",
        lambda p: None,
        argv=("data", "run", "splits.dev"),
        needle="splits.dev",
    ),
    Case(
        "CLI yaml alias in a value",
        lambda p: None,
        argv=("data", "run", "language.name=&a [*a]"),
        needle="language.name",
    ),
    Case(
        "CLI NUL in a value",
        lambda p: None,
        argv=("data", "run", "language.name=Ka\x00niwa"),
        exit=0,
    ),
    Case(
        "CLI negative learning rate",
        lambda p: None,
        argv=("render", "training.learning_rate=-1"),
        needle="learning_rate",
    ),
    Case(
        "CLI replaces the sources",
        lambda p: None,
        argv=("data", "run", "sources=[]"),
        needle="no sources",
    ),
    Case("CLI wandb online", lambda p: None, argv=("render", "tracking.wandb.mode=online"), exit=0),
    Case(
        "CLI serve on all interfaces without public",
        lambda p: None,
        argv=("serve", "r-none", "host=0.0.0.0"),
        needle="0.0.0.0",
    ),
]

CASES: list[Case] = [*CONFIG, *SOURCES, *OUTPUTS, *TEMPLATES, *RUNS, *OVERRIDES]
