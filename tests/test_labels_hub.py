"""`seshat labels fetch`: a Local Contexts Hub project's labels, read and written into seshat.yaml.

The Hub (localcontextshub.org) is not reachable from the test machines, so a local HTTP server
(http.server, in a thread) answers in its place with a project in the shape of the Hub's API v2
(``tests/fixtures/localcontexts_project.json``: the fields of the Hub's own serializers,
``api/base/serializers.py`` in github.com/localcontexts/localcontextshub, and of a recorded
answer in github.com/ConservationMetrics/gc-scripts-hub; the texts are made up).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from conftest import REPO

from seshat.cli.main import main
from seshat.config.loader import load_project
from seshat.labels.hub import KEY_NAME, HubError, fetch_project, hub_labels, project_id
from seshat.scaffold import scaffold

PROJECT = "0f4c2b8e-7a61-4d0a-b3f2-9c85e1a6d731"
ANSWER = (REPO / "tests" / "fixtures" / "localcontexts_project.json").read_bytes()
PATH = f"/api/v2/projects/{PROJECT}/"


@dataclass
class Hub:
    """A stand-in for the Hub: path -> (status, body, extra headers, delay in seconds)."""

    url: str
    port: int
    routes: dict[str, tuple[int, bytes, dict[str, str], float]] = field(default_factory=dict)
    seen: list[dict[str, str]] = field(default_factory=list)


def _serve(hub_of: list[Hub]) -> tuple[ThreadingHTTPServer, Hub]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hub = hub_of[0]
            hub.seen.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
            status, body, headers, delay = hub.routes.get(
                self.path, (404, b'{"detail": "Not found."}', {}, 0.0)
            )
            time.sleep(delay)
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the timeout test)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    hub = Hub(url=f"http://127.0.0.1:{port}/api/v2", port=port)
    hub_of.append(hub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, hub


@pytest.fixture
def hub() -> Iterator[Hub]:
    """A local Hub that knows the fixture project."""
    server, found = _serve([])
    found.routes[PATH] = (200, ANSWER, {"Content-Type": "application/json"}, 0.0)
    yield found
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_NAME, raising=False)
    monkeypatch.setattr("seshat.labels.hub.secret", lambda name: None)  # no keyring either


def test_the_projects_labels_and_notices_come_in_seshat_yamls_shape(hub: Hub) -> None:
    found = hub_labels(fetch_project(PROJECT, hub.url, key="the-key"), PROJECT)
    assert hub.seen[0]["path"] == PATH and hub.seen[0]["x-api-key"] == "the-key"
    assert [label["name"] for label in found] == [
        "TK Secret / Sacred (TK SS)",
        "TK Kultural Sensitif (TK KS)",
        "TK Attribution (TK A)",
        "BC Non-Commercial (BC NC)",
        "Traditional Knowledge (TK) Notice",
    ]
    assert found[0] == {
        "id": "2b9d7e41-3c5a-4f60-8e27-b1d4a9c0f532",
        "name": "TK Secret / Sacred (TK SS)",
        "text": "These songs are sung at ceremonies only: ask the committee <before> any use.",
        "project": PROJECT,
        "type": "secret_sacred",
    }
    # a notice has no id of its own in the API
    assert found[-1]["id"] == f"{PROJECT}:traditional_knowledge"
    assert project_id(f"https://localcontextshub.org/projects/{PROJECT.upper()}") == PROJECT


def test_the_key_comes_from_the_environment_and_stays_on_its_host(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("seshat.labels.hub.secret", lambda name: "from-env")
    fetch_project(PROJECT, hub.url)
    assert hub.seen[-1]["x-api-key"] == "from-env"
    # a redirect to another host does not carry the key there
    server, elsewhere = _serve([])
    elsewhere.routes[PATH] = (200, ANSWER, {}, 0.0)
    hub.routes["/moved" + PATH] = (
        302,
        b"",
        {"Location": f"http://localhost:{elsewhere.port}{PATH}"},
        0,
    )
    try:
        fetch_project(PROJECT, hub.url.replace("/api/v2", "/moved/api/v2"))
    finally:
        server.shutdown()
        server.server_close()
    assert elsewhere.seen and "x-api-key" not in elsewhere.seen[0]


@pytest.mark.parametrize(
    ("route", "timeout", "said", "next_step"),
    [
        (None, 5, "HTTP 404", "sandbox"),
        ((401, b'{"detail": "Authentication not provided."}', {}, 0.0), 5, "refused", KEY_NAME),
        ((200, b"<!doctype html><title>Hub</title>", {}, 0.0), 5, "not JSON", "API's address"),
        ((200, b'{"results": []}', {}, 0.0), 5, "not a Local Contexts project", "--hub"),
        ((500, b"oops", {}, 0.0), 5, "HTTP 500", "by hand"),
        ((200, ANSWER, {}, 2.0), 0.3, "did not answer within", "--timeout"),
    ],
)
def test_a_hub_that_fails_is_one_paragraph_with_a_next_step(
    hub: Hub, route: tuple | None, timeout: float, said: str, next_step: str
) -> None:
    if route is None:
        hub.routes.clear()
    else:
        hub.routes[PATH] = route
    with pytest.raises(HubError) as caught:
        fetch_project(PROJECT, hub.url, timeout=timeout)
    assert said in caught.value.message and next_step in (caught.value.hint or "")


def test_offline_wrong_ids_and_plain_http_are_refused_before_anything_is_sent() -> None:
    with pytest.raises(HubError, match="Could not reach") as caught:
        fetch_project(PROJECT, "http://127.0.0.1:9/api/v2", timeout=2)  # nothing listens there
    assert "seshat.yaml by hand" in (caught.value.hint or "")
    with pytest.raises(HubError, match="plain http"):
        fetch_project(PROJECT, "http://hub.example.org/api/v2")
    with pytest.raises(HubError, match="not an http"):
        fetch_project(PROJECT, "file:///etc/passwd")
    with pytest.raises(HubError, match="not a Local Contexts project id"):
        project_id("my-project")


CONFIG_SOURCES = """sources:
  # the songs: recorded in 2025
  - id: songs
    path: data/raw/songs.txt   # one song per line
    format: plain
    access: restricted
  - {id: words, path: data/raw/words.tsv, format: tsv}
  - id: stories
    path: data/raw/stories.txt
    format: plain
    labels:
      - id: old-label
        name: TK Attribution (TK A)
      # a comment in the old list
    # about the stories' consent
    consent: Told for the school, 2024.
"""


def _project(tmp_path: Path) -> Path:
    folder = tmp_path / "proj"
    scaffold(folder, name="Kaniwa", code="qks")
    config = folder / "seshat.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("sources: []\n", CONFIG_SOURCES, 1), encoding="utf-8")
    load_project(folder)  # valid to begin with
    return folder


def _cli(*args: str) -> int:
    return main(list(args))


def test_fetch_prints_the_block_and_writes_only_that_labels_list(
    hub: Hub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _project(tmp_path)
    config = folder / "seshat.yaml"
    before = config.read_text(encoding="utf-8")
    assert _cli("labels", "fetch", PROJECT, "--hub", hub.url, "-C", str(folder)) == 0
    printed = capsys.readouterr().out
    assert config.read_text(encoding="utf-8") == before  # printing writes nothing
    assert "# TK Secret / Sacred (TK SS): raises a source to at least sacred" in printed
    assert "# TK Kultural Sensitif (TK KS): raises a source to at least restricted" in printed
    block = yaml.safe_load(printed)
    assert block["labels"][0]["id"] == "2b9d7e41-3c5a-4f60-8e27-b1d4a9c0f532"

    assert (
        _cli("labels", "fetch", PROJECT, "--hub", hub.url, "-C", str(folder), "--write", "songs")
        == 0
    )
    assert "5 added, 0 updated" in capsys.readouterr().err
    after = config.read_text(encoding="utf-8")
    for comment in (
        "# the songs: recorded in 2025",
        "# one song per line",
        "# a comment in the old list",
    ):
        assert comment in after
    spec = load_project(folder).spec
    songs = next(s for s in spec.sources if s.id == "songs")
    assert len(songs.labels) == 5 and spec.access_of(songs) == "sacred"
    # only lines were added, all of them the songs' new list (indented under it)
    added = list(_added(before.splitlines(), after.splitlines()))
    assert added[0] == "    labels:" and all(line.startswith("      ") for line in added[1:])

    # again: the same labels are updated in place, not added twice
    assert (
        _cli("labels", "fetch", PROJECT, "--hub", hub.url, "-C", str(folder), "--write", "songs")
        == 0
    )
    assert "0 added, 5 updated" in capsys.readouterr().err
    assert config.read_text(encoding="utf-8") == after


def _added(before: list[str], after: list[str]) -> Iterator[str]:
    """The lines of ``after`` that are not ``before``'s, which must all be in it, in order."""
    rest = iter(before)
    wanted = next(rest, None)
    for line in after:
        if line == wanted:
            wanted = next(rest, None)
        else:
            yield line
    assert wanted is None, f"line {wanted!r} was lost"


def test_write_replaces_an_old_list_in_flow_and_block_entries_and_the_project(
    hub: Hub, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _project(tmp_path)
    config = folder / "seshat.yaml"
    for target in (["--write", "stories"], ["--write", "words"], ["--write-project"]):
        assert _cli("labels", "fetch", PROJECT, "--hub", hub.url, "-C", str(folder), *target) == 0
    capsys.readouterr()
    text = config.read_text(encoding="utf-8")
    assert "# about the stories' consent" in text and "# a comment in the old list" in text
    data = yaml.safe_load(text)
    stories, words = data["sources"][2], data["sources"][1]
    assert stories["labels"][0]["id"] == "old-label"  # other labels stay
    assert len(stories["labels"]) == 6 and stories["consent"] == "Told for the school, 2024."
    assert len(words["labels"]) == 5 and "{id: words" in text  # still one flow line
    assert len(data["labels"]) == 5
    spec = load_project(folder).spec
    assert {s.id: spec.access_of(s).value for s in spec.sources} == {
        "songs": "sacred",  # the project's labels apply to every source
        "words": "sacred",
        "stories": "sacred",
    }
    monkeypatch.setenv("COLUMNS", "200")
    assert _cli("labels", "list", "-C", str(folder)) == 0
    listed = capsys.readouterr().out
    assert "the whole project" in listed
    assert re.search(r"TK Kultural Sensitif \(TK KS\) +│ restricted", listed)
    assert "source songs: declared restricted, raised to sacred by labels" in listed


def test_fetch_errors_end_in_one_paragraph_and_leave_the_file(
    hub: Hub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _project(tmp_path)
    config = folder / "seshat.yaml"
    before = config.read_text(encoding="utf-8")
    offline = ["labels", "fetch", PROJECT, "--hub", "http://127.0.0.1:9/api/v2", "-C", str(folder)]
    assert _cli(*offline, "--timeout", "2", "--write", "songs") == 1
    unknown = ["labels", "fetch", PROJECT, "--hub", hub.url, "-C", str(folder), "--write", "nope"]
    assert _cli(*unknown) == 1
    both = ["labels", "fetch", PROJECT, "-C", str(folder), "--write", "songs", "--write-project"]
    assert _cli(*both) == 1
    err = capsys.readouterr().err
    assert "Could not reach the Local Contexts Hub" in err and "Traceback" not in err
    assert "has no source with id 'nope' (its sources: songs, words, stories)" in err
    assert "both given" in err and err.count("Next:") == 3
    assert config.read_text(encoding="utf-8") == before
    assert not list(folder.glob(".seshat.yaml.*.tmp"))


def test_a_project_without_labels_says_so(
    hub: Hub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = json.loads(ANSWER) | {"tk_labels": [], "bc_labels": [], "notice": []}
    hub.routes[PATH] = (200, json.dumps(empty).encode(), {}, 0.0)
    folder = _project(tmp_path)
    assert (
        _cli("labels", "fetch", PROJECT, "--hub", hub.url, "-C", str(folder), "--write", "songs")
        == 0
    )
    assert "has no labels or notices yet" in capsys.readouterr().out
