"""``seshat serve RUN``: llama-cpp-python's OpenAI-compatible server on the run's GGUF.

The server runs in the llama.cpp runtime env, on 127.0.0.1 unless told otherwise, with the chat
template stored in the GGUF (the one the model was trained with). Seshat waits until it answers,
prints where it listens, and stops it (and only it) on Ctrl-C or when the caller is done.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from seshat.access import Gate, run_holdings
from seshat.config.models import Destination
from seshat.envs.managed import ManagedEnv
from seshat.errors import ModelError, SeshatError
from seshat.runs.rundir import RunDir
from seshat.runs.supervise import stop_group

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class Server:
    """A running server: its process and address."""

    process: subprocess.Popen[bytes]
    host: str
    port: int
    log: Path

    @property
    def url(self) -> str:
        """The OpenAI-compatible base URL."""
        return f"http://{self.host}:{self.port}/v1"


def free_port(host: str = "127.0.0.1") -> int:
    """A port that is free right now on ``host``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def check_port(host: str, port: int) -> None:
    """Refuse a port that something already listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # as the server will: a port left in TIME_WAIT by a stopped server is free, a listener is not
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise SeshatError(
                f"Port {port} on {host} is already in use ({exc.strerror}): another server "
                "(perhaps an earlier `seshat serve`) listens there.",
                f"stop it, or pick another port: port={free_port(host)}",
            ) from None


def _ready(url: str, headers: dict[str, str] | None = None) -> bool:
    try:
        request = urllib.request.Request(url, headers=headers or {})
        with urllib.request.urlopen(request, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def exit_error(
    process: subprocess.Popen[bytes], log: Path, what: str, gguf: Path | None
) -> ModelError:
    """The error for a supervised program that exited: a crash is diagnosed, else the log's tail."""
    from seshat.process.diagnosis import llamacpp_crash

    tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-8:]
    code = process.returncode
    crash = llamacpp_crash(code, gguf, f"The {what}") if code is not None else None
    return ModelError(
        f"The {what} exited with code {code}. "
        + (crash[0] + " " if crash else "")
        + f"Last lines of {log}:\n    "
        + "\n    ".join(tail)
        + "\n",
        crash[1]
        if crash
        else "check the GGUF with `seshat export RUN force=true`, or the log above",
    )


@contextlib.contextmanager
def supervised(
    argv: list[str],
    log: Path,
    ready_url: str,
    what: str,
    startup_timeout: float = 180.0,
    gguf: Path | None = None,
    secret_env: dict[str, str] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Start ``argv`` in its own process group; yield once ``ready_url`` answers 200.

    The whole group is always stopped afterwards: nothing is left running.

    Raises:
        ModelError: The program exits (a crash names the signal, ``gguf`` and the CPU) or does
            not answer in time.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    handle = open(log, "ab")  # noqa: SIM115 (closed in finally, after the process)
    process = subprocess.Popen(
        argv,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env=os.environ
        | {"GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
        | (secret_env or {}),
    )
    try:
        deadline = time.monotonic() + startup_timeout
        key = (secret_env or {}).get("API_KEY")
        headers = {"Authorization": f"Bearer {key}"} if key else None
        while not _ready(ready_url, headers):
            if process.poll() is not None:
                raise exit_error(process, log, what, gguf)
            if time.monotonic() > deadline:
                raise ModelError(
                    f"The {what} did not answer within {startup_timeout:.0f} s; see {log}.",
                    "a large model takes a while to load: try again, or check the log",
                )
            time.sleep(0.3)
        yield process
    finally:
        stop_group(process)
        handle.close()


@contextlib.contextmanager
def running_server(
    runtime: ManagedEnv,
    gguf: Path,
    log: Path,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    n_ctx: int = 4096,
    api_key: str | None = None,
) -> Iterator[Server]:
    """Start the OpenAI-compatible server, wait until it answers, yield it, always stop it.

    Args:
        runtime: The llama.cpp runtime env.
        gguf: The model file.
        log: The server's log.
        host: Where it listens.
        port: Its port (a free one when None).
        n_ctx: Context length.
        api_key: Every request must carry it (``Authorization: Bearer KEY``); handed to the
            server in its environment, never on its command line or in a file.

    Raises:
        SeshatError: The port is taken, or the server exits or does not answer in time.
    """
    port = port or free_port(host)
    check_port(host, port)
    argv = [str(runtime.python), "-m", "llama_cpp.server", "--model", str(gguf)]
    argv += ["--host", host, "--port", str(port), "--n_ctx", str(n_ctx)]
    argv += ["--n_threads", str(os.cpu_count() or 2)]
    url = f"http://{host}:{port}/v1"
    secret = {"API_KEY": api_key} if api_key else None
    with supervised(
        argv, log, f"{url}/models", "llama.cpp server", gguf=gguf, secret_env=secret
    ) as process:
        yield Server(process, host, port, log)


def refuse_public_host(host: str, allow: bool) -> None:
    """Serve on loopback only, unless explicitly allowed (the API then reaches the network)."""
    if host not in LOOPBACK and not allow:
        raise SeshatError(
            f"Serving on {host} would make the model reachable from other machines.",
            "serve on 127.0.0.1 (the default), or pass public=true if the data's access level "
            "allows it",
        )


def admit(gate: Gate, run: RunDir, destination: Destination, host: str) -> str:
    """Ask the access gate whether run's model may be served (and on ``host``); return its level.

    The model carries the most closed level of its training data; ``destination`` (``served_api``
    or ``demo_ui``) must allow it, and so must ``network`` when ``host`` is not loopback.

    Raises:
        AccessError: The policy refuses it (sources, records and the override key named).
    """
    held = run_holdings(run.path, ("train",))
    what = f"the model of run {run.run_id} ({destination.value.replace('_', ' ')})"
    gate.require(destination, held, what, run.path)
    if host not in LOOPBACK:
        gate.require(Destination.network, held, f"{what} on {host}", run.path)
    return held.level
