"""Read a project's labels and notices from the Local Contexts Hub's public API (v2).

``GET {hub}/projects/{unique_id}/`` answers one JSON object, the project, whose ``tk_labels`` and
``bc_labels`` lists hold the labels the community applied (``unique_id``, ``name``,
``label_type``, ``label_text``, ``language``, ``community``, ``translations``...) and whose
``notice`` list holds its notices (``notice_type``, ``name``, ``default_text``...). The v2 API
asks for an API key in the ``X-Api-Key`` header: Seshat reads it from ``LOCAL_CONTEXTS_API_KEY``
(the environment, then the keyring), never from the command line or a file it writes.

Sources of that shape: the Hub's own code (github.com/localcontexts/localcontextshub,
``api/versioned/v2/urls.py``, ``views.py``: ``ProjectDetail`` and ``APIKeyAuthentication``;
``api/base/serializers.py``: ``TKLabelSerializer``, ``BCLabelSerializer``, ``NoticeSerializer``)
and a client that reads it (github.com/ConservationMetrics/gc-scripts-hub,
``f/connectors/localcontexts/``, with a recorded answer in its tests). The Hub itself is not
reachable from Seshat's test machines: the tests serve that recorded shape from a local server.

Only stdlib ``urllib``, with a timeout; anything that goes wrong (offline, a refused key, an
unknown project, an answer that is not the Hub's) is one :class:`HubError` paragraph.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from seshat import __version__
from seshat.errors import SeshatError
from seshat.secrets import secret

HUB = "https://localcontextshub.org/api/v2"
SANDBOX = "https://sandbox.localcontextshub.org/api/v2"
KEY_NAME = "LOCAL_CONTEXTS_API_KEY"
TIMEOUT_S = 20.0
MAX_BYTES = 4 << 20  # a project with every label in many languages is far smaller
KEY_HEADER = "X-api-key"  # as urllib stores it (``str.capitalize`` of the name)
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
OFFLINE = (
    "copy the labels from the project's page on the Hub into seshat.yaml by hand (labels: "
    "[{id, name, text, project}] under the source, see docs/access.md), or run `seshat labels "
    "fetch` again when this machine is online; everything else works offline from seshat.yaml"
)


class HubError(SeshatError):
    """The Local Contexts Hub could not be read, or answered something that is not a project."""


def project_id(text: str) -> str:
    """The project's unique id in ``text``: the id itself, or its page's address on the Hub.

    Raises:
        HubError: No id of the Hub's form (a UUID) in it.
    """
    found = UUID.search(text)
    if found is None:
        raise HubError(
            f"{text!r} is not a Local Contexts project id (the Hub's ids look like "
            "6dbf5acc-e602-45a6-a45a-13c14efab38d).",
            "copy the id from the end of the project's page address on the Hub "
            "(https://localcontextshub.org/projects/<id>)",
        )
    return found.group(0).lower()


def project_url(hub: str, project: str) -> str:
    """The API address of one project.

    Raises:
        HubError: ``hub`` is not an http(s) address, or sends the key unencrypted to another
            machine (plain http is accepted for this machine only).
    """
    parts = urlsplit(hub)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise HubError(
            f"--hub {hub!r} is not an http(s) address.",
            f"leave it out (the Hub: {HUB}) or give the sandbox's API ({SANDBOX})",
        )
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        raise HubError(
            f"--hub {hub!r} is plain http: the API key would cross the network unencrypted.",
            f"use its https address (the Hub: {HUB})",
        )
    return f"{hub.rstrip('/')}/projects/{project}/"


class _KeyStaysHome(urllib.request.HTTPRedirectHandler):
    """Follow redirects, but never carry the API key to another host (or from https to http)."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        """The redirected request, without the key when it goes to another host."""
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        old, moved = urlsplit(req.full_url), urlsplit(newurl)
        if new is not None and (moved.scheme, moved.netloc) != (old.scheme, old.netloc):
            new.remove_header(KEY_HEADER)
        return new


def _detail(body: bytes) -> str:
    """The Hub's own words in an error answer (``{"detail": ...}``), if any."""
    try:
        found = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return ""
    detail = found.get("detail") if isinstance(found, dict) else None
    return f": {detail}" if isinstance(detail, str) else ""


def _refused(url: str, exc: urllib.error.HTTPError, key: str | None) -> HubError:
    try:
        said = _detail(exc.read(65536))
    except OSError:
        said = ""
    where = f"The Local Contexts Hub answered HTTP {exc.code} for {url}{said}."
    if exc.code in (401, 403):
        if key:
            hint = (
                f"check the key in {KEY_NAME} (the Hub's account settings list the valid ones); "
                "a private project is shown only to an account it belongs to or names as "
                "contributor"
            )
        else:
            hint = (
                f"the Hub's API v2 needs an API key: make one in your Hub account's settings "
                f"and set {KEY_NAME} in the environment (or `keyring set seshat {KEY_NAME}`)"
            )
        return HubError(f"{where} It refused to show the project.", hint)
    if exc.code == 404:
        return HubError(
            f"{where} It has no such project.",
            "check the id (the end of the project's page address on the Hub); a project of "
            f"the sandbox needs --hub {SANDBOX}",
        )
    return HubError(f"{where}", f"try again later; if it persists, {OFFLINE}")


def fetch_project(
    project: str, hub: str = HUB, *, timeout: float = TIMEOUT_S, key: str | None = None
) -> dict[str, Any]:
    """The project's JSON as the Hub's API v2 gives it.

    Args:
        project: The project's unique id (see :func:`project_id`).
        hub: The API's base address (the Hub, its sandbox, or a local copy in the tests).
        timeout: Seconds to wait for the Hub before giving up.
        key: The API key; default: ``LOCAL_CONTEXTS_API_KEY`` from the environment or keyring.

    Raises:
        HubError: Offline, timed out, refused, no such project, or not the Hub's answer.
    """
    url = project_url(hub, project)
    key = key if key is not None else secret(KEY_NAME)
    request = urllib.request.Request(
        url, headers={"Accept": "application/json", "User-Agent": f"seshat/{__version__}"}
    )
    if key:
        request.add_header(KEY_HEADER, key)
    opener = urllib.request.build_opener(_KeyStaysHome)
    try:
        with opener.open(request, timeout=timeout) as answer:
            body = answer.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise _refused(url, exc, key) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError):
            raise HubError(
                f"The Local Contexts Hub did not answer within {timeout:g} s ({url}).",
                f"try again with a longer --timeout; or {OFFLINE}",
            ) from None
        raise HubError(
            f"Could not reach the Local Contexts Hub at {url} ({reason}): this machine may be "
            "offline, or the address is wrong.",
            OFFLINE,
        ) from None
    if len(body) > MAX_BYTES:
        raise HubError(
            f"The answer from {url} is over {MAX_BYTES >> 20} MB: not a Local Contexts project.",
            f"check --hub (the Hub's API: {HUB})",
        )
    try:
        found = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        start = body[:60].decode("utf-8", "replace")
        raise HubError(
            f"The answer from {url} is not JSON (it starts {start!r}).",
            f"--hub must be the API's address, e.g. {HUB}, not a web page",
        ) from None
    # one project; a list of one (``{"data": [...]}``) is unwrapped
    if isinstance(found, dict) and isinstance(found.get("data"), list) and found["data"]:
        found = found["data"][0]
    if not isinstance(found, dict) or not any(
        key in found for key in ("tk_labels", "bc_labels", "notice")
    ):
        raise HubError(
            f"The answer from {url} is JSON but not a Local Contexts project (no tk_labels, "
            "bc_labels or notice in it).",
            f"check --hub (the Hub's API v2: {HUB})",
        )
    return found


def _text(value: Any) -> str | None:
    """``value`` as stripped text; None for None or blank."""
    return (str(value).strip() or None) if value is not None else None


def hub_labels(found: dict[str, Any], project: str) -> list[dict[str, str]]:
    """The project's TK and BC labels, then its notices, in ``seshat.yaml``'s shape.

    Each is ``{id, name, text, project, type}`` (``type``: the Hub's ``label_type`` or
    ``notice_type``; empty fields left out). A notice has no id of its own in the API: it gets
    ``<project>:<notice_type>``.
    """
    project = _text(found.get("unique_id")) or project
    entries: list[tuple[Any, Any, Any, Any]] = []
    for kind in ("tk_labels", "bc_labels"):
        for item in found.get(kind) or []:
            if isinstance(item, dict):
                entries.append(
                    (
                        item.get("unique_id"),
                        item.get("name"),
                        item.get("label_text"),
                        item.get("label_type"),
                    )
                )
    for item in found.get("notice") or []:
        if isinstance(item, dict):
            kind = _text(item.get("notice_type"))
            own = item.get("unique_id") or f"{project}:{kind or item.get('name')}"
            entries.append((own, item.get("name"), item.get("default_text"), kind))
    labels = []
    for unique_id, name, text, kind in entries:
        if not _text(unique_id) or not _text(name):
            continue  # nothing to name it by
        label = {
            "id": _text(unique_id),
            "name": _text(name),
            "text": _text(text),
            "project": project,
            "type": _text(kind),
        }
        labels.append({k: v for k, v in label.items() if v is not None})
    return labels
