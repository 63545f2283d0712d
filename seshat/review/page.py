"""``seshat review RUN``: a small local web page where linguists judge a run's answers.

Seshat serves the page itself (stdlib HTTP server, one HTML file, no framework): the items to
judge come from the run's latest evaluation and from new sentences, and every save appends one
judgement to ``data/reviews/<run>/<reviewer>.jsonl`` (:mod:`seshat.corpus.judgement`). Questions
to the model go to llama.cpp's server on the run's GGUF, started with the page when the run is
exported.

The page listens on 127.0.0.1 unless told otherwise, and the access gate decides: the page shows
held-out records and the model's answers, so the most closed level of the run's data must be
allowed to ``demo_ui`` (and to ``network`` off loopback). Requests whose ``Host`` is not the
page's own (DNS rebinding) and writes from another origin are refused.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import secrets
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from seshat.access import Gate, run_holdings
from seshat.config.loader import LoadedProject
from seshat.config.models import Destination
from seshat.corpus.judgement import Judgement, append_judgement, run_judgements
from seshat.errors import SeshatError
from seshat.review.items import Item, evaluated_items, new_items
from seshat.runs.rundir import RunDir
from seshat.serve.server import LOOPBACK, Server, check_port, free_port
from seshat.stamps import utc_now

PAGE = Path(__file__).with_name("page.html")
MAX_BODY = 256 * 1024
JUDGED = ("reviewer", "spans", "score", "correction", "comment", "verdict")  # what a page sends
ASK_TASKS = ("dictionary", "reverse_dictionary", "grammar")
THINK = re.compile(r"<think>.*?</think>", re.DOTALL)


@dataclass
class Asker:
    """Questions to the run's model through llama.cpp's OpenAI-compatible server."""

    server: Server
    book: dict[str, Any]
    model: str
    asked: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ask(self, task: str, question: str, level: str) -> Item:
        """The model's answer to ``question`` asked as ``task`` (kept for the judgement)."""
        from seshat.serve.prompts import chat

        messages = chat(self.book, task, question)
        body = json.dumps(
            {"messages": messages, "temperature": 0.0, "max_tokens": 256, "seed": 0}
        ).encode("utf-8")
        request = urllib.request.Request(
            f"{self.server.url}/chat/completions",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                answer = json.loads(response.read())["choices"][0]["message"]["content"] or ""
        except (urllib.error.URLError, OSError, KeyError, ValueError) as exc:
            raise SeshatError(
                f"The model did not answer ({exc}); see {self.server.log}.",
                "ask again, or restart `seshat review`",
            ) from None
        answer = THINK.sub("", answer).strip()
        key = "ask:" + hashlib.sha256(f"{task}\x1f{question}\x1f{answer}".encode()).hexdigest()
        item = Item(
            id=key[:24],
            task=task,
            label=self.book["tasks"][task]["label"],
            source_text=question,
            output=answer,
            reference=None,
            prompt=messages,
            access=level,
            model=self.model,
        )
        with self.lock:
            self.asked[item.id] = {"item": item}
        return item


@dataclass
class Review:
    """One review page: the run, its items, who may see them, and the model to ask."""

    project: LoadedProject
    run: RunDir
    items: dict[str, Item]
    level: str
    asker: Asker | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def state(self, reviewer: str) -> dict[str, Any]:
        """Everything the page shows to ``reviewer``: items, their own judgements, what to ask."""
        mine = {
            j.item: j.model_dump(mode="json")
            for j in run_judgements(self.project.root, self.run.run_id)
            if j.reviewer == reviewer
        }
        book_tasks = self.asker.book["tasks"] if self.asker else {}
        return {
            "run": self.run.run_id,
            "level": self.level,
            "items": [i.public() for i in self.items.values()],
            "judgements": mine,
            "ask": [
                {"task": t, "label": book_tasks[t]["label"]} for t in ASK_TASKS if t in book_tasks
            ],
        }

    def save(self, payload: dict[str, Any]) -> Judgement:
        """Store one judgement; what the model was asked and answered is taken from the server.

        Raises:
            ValueError: An unknown item, or a judgement that is not valid.
        """
        unknown = sorted(set(payload) - {"item", *JUDGED})
        if unknown:
            raise ValueError(
                f"unknown fields: {', '.join(unknown)} (the server fills in what the model was "
                "asked and answered)"
            )
        item_id = str(payload.get("item", ""))
        item = self.items.get(item_id)
        if item is None and self.asker is not None:
            item = (self.asker.asked.get(item_id) or {}).get("item")
        if item is None:
            raise ValueError(f"no item {item_id!r} on this page")
        judged = {k: payload.get(k) for k in JUDGED}
        judgement = Judgement.model_validate(
            {
                **judged,
                "spans": judged["spans"] or [],
                "reviewer": str(judged["reviewer"] or "").strip(),
                "correction": (judged["correction"] or "").strip() or None,
                "comment": (judged["comment"] or "").strip() or None,
                "run": self.run.run_id,
                "model": item.model,
                "item": item.id,
                "kind": "answer" if item.id.startswith("ask:") else "translation",
                "task": item.task,
                "source_text": item.source_text,
                "output": item.output,
                "reference": item.reference,
                "prompt": item.prompt,
                "access": item.access,
                "records": item.records,
                "at": utc_now(),
            }
        )
        with self.lock:
            append_judgement(self.project.root, judgement)
        return judgement


def _handler(review: Review, origin: str, key: str | None) -> type[BaseHTTPRequestHandler]:
    hosts = {origin.removeprefix("http://")}
    host, _, port = origin.removeprefix("http://").rpartition(":")
    if host in LOOPBACK:
        hosts |= {f"{name}:{port}" for name in ("127.0.0.1", "localhost", "[::1]")}

    class Handler(BaseHTTPRequestHandler):
        server_version = "seshat-review"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the page's requests are not the user's business."""

        def _send(self, code: int, body: bytes, kind: str) -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("X-Frame-Options", "DENY")
            self.send_header(
                "Content-Security-Policy",
                "default-src 'none'; script-src 'self' 'unsafe-inline'; "
                "style-src 'unsafe-inline'; connect-src 'self'; form-action 'none'",
            )
            self.end_headers()
            self.wfile.write(body)

        def _json(self, code: int, value: Any) -> None:
            self._send(code, json.dumps(value, ensure_ascii=False).encode(), "application/json")

        def _host_ok(self) -> bool:
            if self.headers.get("Host", "") not in hosts:
                self._json(403, {"error": "this page answers only at its own address"})
                return False
            if key is not None:
                from urllib.parse import parse_qs

                given = (
                    self.headers.get("X-Seshat-Key")
                    or (parse_qs(self.path.partition("?")[2]).get("key") or [""])[0]
                )
                if not secrets.compare_digest(given, key):
                    self._json(
                        403, {"error": "open the page with the address `seshat review` printed"}
                    )
                    return False
            return True

        def do_GET(self) -> None:
            """The page, or a reviewer's state."""
            if not self._host_ok():
                return
            path, _, query = self.path.partition("?")
            if path == "/":
                self._send(200, PAGE.read_bytes(), "text/html; charset=utf-8")
            elif path == "/api/state":
                from urllib.parse import parse_qs

                reviewer = (parse_qs(query).get("reviewer") or [""])[0].strip()
                if not reviewer:
                    self._json(400, {"error": "say who you are first"})
                    return
                self._json(200, review.state(reviewer))
            else:
                self._json(404, {"error": "not found"})

        def do_POST(self) -> None:
            """Save a judgement, or ask the model."""
            if not self._host_ok():
                return
            if self.headers.get("Origin") not in (None, origin):
                self._json(403, {"error": "writes come only from the page itself"})
                return
            size = int(self.headers.get("Content-Length") or 0)
            if size > MAX_BODY or "json" not in self.headers.get("Content-Type", ""):
                self._json(400, {"error": "send JSON, at most 256 KB"})
                return
            try:
                payload = json.loads(self.rfile.read(size) or b"{}")
                if not isinstance(payload, dict):
                    raise ValueError("send a JSON object")
                if self.path == "/api/judgement":
                    saved = review.save(payload)
                    self._json(200, saved.model_dump(mode="json"))
                elif self.path == "/api/ask":
                    self._ask(payload)
                else:
                    self._json(404, {"error": "not found"})
            except ValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
                )
                self._json(400, {"error": problems})
            except (ValueError, SeshatError) as exc:
                self._json(400, {"error": str(exc)})

        def _ask(self, payload: dict[str, Any]) -> None:
            task, question = str(payload.get("task", "")), str(payload.get("question", "")).strip()
            if review.asker is None:
                self._json(400, {"error": "this run has no GGUF to ask: `seshat export RUN`"})
            elif task not in ASK_TASKS or task not in review.asker.book["tasks"]:
                self._json(400, {"error": f"ask one of: {', '.join(ASK_TASKS)}"})
            elif not question or len(question) > 2000:
                self._json(400, {"error": "type a question (at most 2000 characters)"})
            else:
                self._json(200, review.asker.ask(task, question, review.level).public())

    return Handler


def admit_review(gate: Gate, run: RunDir, host: str) -> str:
    """Ask the gate whether the run's held-out data and model may be shown on the page.

    Raises:
        AccessError: The policy refuses it.
    """
    held = run_holdings(run.path)
    what = f"the review page of run {run.run_id} (its test data and model answers)"
    gate.require(Destination.demo_ui, held, what, run.path)
    if host not in LOOPBACK:
        gate.require(Destination.network, held, f"{what} on {host}", run.path)
    return held.level


@contextlib.contextmanager
def running_review(
    project: LoadedProject,
    run: RunDir,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    ask: bool = True,
    gate: Gate | None = None,
) -> Iterator[str]:
    """Serve the review page of ``run`` until the caller is done; yield its URL.

    With ``ask`` and an exported GGUF, llama.cpp's server is started for questions to the model
    (and always stopped afterwards).

    Raises:
        AccessError: The policy does not allow the run's data on the page (or on ``host``).
        DataError: There is nothing to review (no evaluation, no new sentences).
        SeshatError: The port is taken.
    """
    from seshat.eval.evaluate import RUNTIME, exported_ggufs, pick_gguf
    from seshat.serve.prompts import prompt_book

    gate = gate or Gate(project.root, project.spec.access)
    level = admit_review(gate, run, host)
    book = prompt_book(project)
    labels = {task: row["label"] for task, row in book["tasks"].items()}
    items: list[Item] = []
    try:
        items = evaluated_items(run, labels)
    except SeshatError:
        if not new_items(run):
            raise
    items += new_items(run)
    port = port or free_port(host)
    check_port(host, port)
    origin = f"http://{host}:{port}"
    # beyond this machine, the page needs the key in the address it prints (never written)
    key = None if host in LOOPBACK else secrets.token_urlsafe(18)
    with contextlib.ExitStack() as stack:
        asker = None
        if ask and exported_ggufs(run):
            from seshat.environments import require_env
            from seshat.serve.server import running_server

            gguf = pick_gguf(run, None)
            runtime = require_env(RUNTIME, "cpu")
            server = stack.enter_context(
                running_server(runtime, gguf, run.logs / "review-model.log")
            )
            asker = Asker(server, book, gguf.name)
        review = Review(project, run, {i.id: i for i in items}, level, asker)
        httpd = ThreadingHTTPServer((host, port), _handler(review, origin, key))
        httpd.daemon_threads = True
        thread = threading.Thread(target=httpd.serve_forever, name="seshat-review", daemon=True)
        thread.start()
        try:
            yield origin + "/" + (f"?key={key}" if key else "")
        finally:
            httpd.shutdown()
            httpd.server_close()
