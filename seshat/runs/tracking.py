"""One W&B run per Seshat run: resolved config, the parsed metrics, the logs; offline by default.

W&B is fed from a background thread, so its start-up (about 1.5 s) overlaps the backend's and a
W&B failure never stops or slows the training: it is written to ``logs/wandb.log`` and reported.
All W&B files stay inside the run dir (``runs/<id>/wandb/``); nothing reaches the network unless
``tracking.wandb.mode`` is ``online`` or the user runs ``seshat runs sync``. Git metadata, code,
console capture and system metadata are off: a git remote URL can carry a token.
"""

from __future__ import annotations

import netrc
import os
import queue
import threading
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from seshat.errors import ConfigError
from seshat.runs.rundir import RunDir

_FINISH = object()


def has_api_key() -> bool:
    """Whether W&B can authenticate: WANDB_API_KEY, or a ``wandb login`` entry in ~/.netrc."""
    from seshat.secrets import secret

    if secret("WANDB_API_KEY"):
        return True
    try:
        found = netrc.netrc().authenticators("api.wandb.ai")
    except (FileNotFoundError, netrc.NetrcParseError, OSError):
        return False
    return found is not None


def check_online(settings: dict[str, Any]) -> None:
    """Refuse an online W&B run without credentials, before any training starts.

    Raises:
        ConfigError: ``mode: online`` and no API key.
    """
    if settings.get("mode") == "online" and not has_api_key():
        raise ConfigError(
            "tracking.wandb.mode is 'online' but no W&B API key was found (WANDB_API_KEY or "
            "`wandb login`).",
            "run `wandb login`, or keep `tracking.wandb.mode=offline` and upload later with "
            "`seshat runs sync RUN`",
        )


def wandb_environment(project_root: Path) -> dict[str, str]:
    """W&B's cache, config and data folders, inside the project (nothing in the home folder)."""
    base = project_root / ".seshat" / "wandb"
    return {
        "WANDB_CACHE_DIR": str(base / "cache"),
        "WANDB_CONFIG_DIR": str(base / "config"),
        "WANDB_DATA_DIR": str(base / "data"),
    }


def open_wandb_run(
    run: RunDir, settings: dict[str, Any], config: dict[str, Any] | None = None
) -> Any:
    """Start (or resume) the W&B run of ``run``: its id is the Seshat run id.

    Git, code, console and system metadata capture are off: W&B gets what Seshat hands it.
    """
    import wandb

    return wandb.init(
        dir=str(run.path),
        project=settings.get("project", "seshat"),
        entity=settings.get("entity"),
        id=run.run_id,
        name=run.run_id,
        mode=settings.get("mode", "offline"),
        resume="allow",
        config=config,
        settings=wandb.Settings(
            console="off",
            disable_git=True,
            save_code=False,
            x_disable_meta=True,
            x_disable_stats=True,
            silent=True,
        ),
    )


class Tracker:
    """A W&B run fed from a background thread.

    Args:
        run: The Seshat run (its id is the W&B run id, so a resume continues the same W&B run).
        settings: ``tracking.wandb`` of the run's spec (mode, project, entity).
        config: What to log as the W&B config (resolved spec, plan, command).
        save_logs: Whether the backend's logs may go into the W&B record: they can quote
            training examples, so the access gate decides (``wandb_samples``).
    """

    def __init__(
        self,
        run: RunDir,
        settings: dict[str, Any],
        config: dict[str, Any],
        save_logs: bool = False,
    ) -> None:
        self.run = run
        self.settings = settings
        self.config = config
        self.save_logs = save_logs
        self.rows: queue.Queue[object] = queue.Queue()
        self.error: str | None = None
        self.thread: threading.Thread | None = None
        self.closing = False  # the finish request was taken off the queue

    @property
    def enabled(self) -> bool:
        """Whether W&B is on for this run."""
        return self.settings.get("mode", "offline") != "disabled"

    def start(self) -> None:
        """Start the W&B run in the background (the environment is set here, in the caller)."""
        if not self.enabled:
            return
        os.environ.update(wandb_environment(self.run.root))
        self.thread = threading.Thread(target=self._work, name="seshat-wandb", daemon=True)
        self.thread.start()

    def log(self, row: dict[str, Any]) -> None:
        """Queue one metrics row (``step`` becomes the W&B step)."""
        if self.thread is not None:
            self.rows.put(row)

    def finish(self, status: dict[str, Any], timeout: float = 60.0) -> str | None:
        """Log the final status and the logs, close the run; return an error text, if any."""
        if self.thread is None:
            return None
        self.rows.put((_FINISH, status))
        self.thread.join(timeout)
        if self.thread.is_alive():
            return f"W&B did not finish within {timeout:.0f} s; see {self.run.logs / 'wandb.log'}"
        return self.error

    def _work(self) -> None:
        try:
            self._stream()
        except Exception:
            self.error = f"W&B failed; see {self.run.logs / 'wandb.log'}"
            self.run.logs.mkdir(parents=True, exist_ok=True)
            with open(self.run.logs / "wandb.log", "a", encoding="utf-8") as handle:
                handle.write(traceback.format_exc())
            while not self.closing:  # keep draining until the finish request, so finish() returns
                item = self.rows.get()
                if isinstance(item, tuple) and item and item[0] is _FINISH:
                    return

    def _stream(self) -> None:
        wb = open_wandb_run(self.run, self.settings, self.config)
        exit_code = 1
        try:
            while True:
                item = self.rows.get()
                if isinstance(item, tuple) and item and item[0] is _FINISH:
                    self.closing = True
                    status = item[1]
                    exit_code = 0 if status.get("state") == "succeeded" else 1
                    for key in ("state", "exit_code", "duration_s", "last_checkpoint"):
                        wb.summary[key] = status.get(key)
                    for log in ("stdout.log", "stderr.log") if self.save_logs else ():
                        if (self.run.logs / log).is_file():
                            wb.save(str(self.run.logs / log), base_path=str(self.run.path))
                    break
                assert isinstance(item, dict)
                row = {k: v for k, v in item.items() if k != "step"}
                wb.log(row, step=int(item.get("step", 0)))
        finally:
            wb.finish(exit_code=exit_code)


def _settings(run: RunDir) -> dict[str, Any]:
    launch = run.read_json("launch.json") if (run.path / "launch.json").is_file() else {}
    return launch.get("tracking") or {}


def tracking_enabled(run: RunDir) -> bool:
    """Whether the run has a W&B record (``tracking.wandb.mode`` is not ``disabled``)."""
    return _settings(run).get("mode", "offline") != "disabled"


def log_summary(
    run: RunDir,
    values: dict[str, Any],
    tables: dict[str, tuple[Sequence[str], list[list[Any]]]] | None = None,
) -> str | None:
    """Add ``values`` to the summary of the run's W&B record (same id: the same W&B run).

    Args:
        run: The run.
        values: Numbers and flags (scores).
        tables: ``{name: (columns, rows)}``: rows the caller's access gate let through.

    Returns an error text if W&B failed; a W&B failure never fails the caller.
    """
    settings = _settings(run)
    if not tracking_enabled(run):
        return None
    saved = {k: os.environ.get(k) for k in wandb_environment(run.root)}
    try:
        os.environ.update(wandb_environment(run.root))
        wb = open_wandb_run(run, settings)
        wb.summary.update(values)
        if tables:
            import wandb

            wb.log({name: wandb.Table(columns=list(c), data=r) for name, (c, r) in tables.items()})
        wb.finish()
        return None
    except Exception:
        run.logs.mkdir(parents=True, exist_ok=True)
        with open(run.logs / "wandb.log", "a", encoding="utf-8") as handle:
            handle.write(traceback.format_exc())
        return f"W&B failed; see {run.logs / 'wandb.log'}"
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def sync_run(run: RunDir) -> str:
    """Upload the offline W&B runs of ``run`` with ``wandb sync``; return a one-line summary.

    Raises:
        SeshatError: Nothing to sync, no credentials, or ``wandb sync`` failed (with its output).
    """
    import sys

    from seshat.errors import SeshatError
    from seshat.process.runner import run_logged
    from seshat.stamps import utc_now

    offline = sorted((run.path / "wandb").glob("offline-run-*"))
    if not offline:
        raise SeshatError(
            f"Run {run.run_id} has no offline W&B run in {run.path / 'wandb'}.",
            "runs with `tracking.wandb.mode=disabled` are not tracked; online runs need no sync",
        )
    if not has_api_key():
        raise ConfigError(
            "No W&B API key was found (WANDB_API_KEY or `wandb login`); nothing was uploaded.",
            f"run `wandb login`, then `seshat runs sync {run.run_id}` again",
        )
    program = Path(sys.executable).parent / "wandb"
    done = run_logged(
        [program, "sync", *offline],
        run.logs / "wandb-sync.log",
        env=wandb_environment(run.root),
    )
    if not done.ok:
        tail = "\n    ".join(done.tail[-8:])
        raise SeshatError(
            f"`wandb sync` failed for run {run.run_id} (exit code {done.returncode}):\n    {tail}",
            f"check the network and your W&B login; the full log is {run.logs / 'wandb-sync.log'}",
        )
    run.set_status(run.status()["state"], synced_at=utc_now())
    return f"Uploaded {len(offline)} offline W&B run(s) of {run.run_id}."
