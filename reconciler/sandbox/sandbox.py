"""`Sandbox`: the server's lifecycle and the in-process inspection API for tests.

Tests call the methods here directly; the CLI calls `serve`. Inspection
methods return copies, so a test cannot change the server's world by
accident, and raise `ApiError` (with the HTTP status an API client would get)
when asked about something that does not exist.
"""

from __future__ import annotations

import logging
import secrets
import signal
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from types import TracebackType
from typing import Any

from reconciler.sandbox.config import RequestRecord, SandboxConfig
from reconciler.sandbox.pipeline import API_BASE
from reconciler.sandbox.seeds import UI_USER_ID
from reconciler.sandbox.server import SandboxHTTPServer
from reconciler.sandbox.state import SandboxState
from reconciler.sandbox.transport import SandboxTransport

log = logging.getLogger(__name__)

#: How often the serving thread checks for stop(): short, so test teardown is quick.
_POLL_SECONDS = 0.02


class Sandbox:
    """A local Testsigma-compatible API on 127.0.0.1 (port 0 picks a free one).

    `settings` are `SandboxConfig` fields applied over `config`, e.g.
    `Sandbox(api_key="k", unique_names=True, control=True)`."""

    def __init__(
        self,
        *,
        api_key: str,
        port: int = 0,
        config: SandboxConfig | None = None,
        **settings: Any,
    ) -> None:
        if not api_key:
            raise ValueError("the sandbox needs a non-empty API key")
        self.api_key = api_key
        self._requested_port = port
        self._state = SandboxState(config or SandboxConfig())
        if settings:
            self._state.configure(**settings)
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------

    def _bind(self) -> SandboxHTTPServer:
        if self._server is None:
            self._server = SandboxHTTPServer(
                self._requested_port, state=self._state, api_key=self.api_key
            )
        return self._server

    def start(self) -> Sandbox:
        """Serve in a daemon thread; returns once the socket is listening."""
        if self._thread is not None:
            raise RuntimeError("the sandbox is already running")
        server = self._bind()
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": _POLL_SECONDS},
            name=f"sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        log.info("sandbox listening on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving and release the port (idempotent)."""
        server, self._server = self._server, None
        if server is None:
            return
        if self._thread is not None:
            server.shutdown()
            self._thread.join()
            self._thread = None
        server.server_close()

    def serve_forever(self) -> None:
        """Serve on this thread until KeyboardInterrupt, then stop cleanly."""
        server = self._bind()
        log.info("sandbox listening on %s", self.url)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            log.info("sandbox stopped")
        finally:
            self._server = None
            server.server_close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the sandbox is not listening: call start() first")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The API base URL, e.g. `http://127.0.0.1:8765/api/v1`."""
        return f"http://127.0.0.1:{self.port}{API_BASE}"

    @property
    def config(self) -> SandboxConfig:
        return self._state.config

    def transport(self) -> SandboxTransport:
        """An httpx transport answering from this sandbox in-process (no server needed);
        use it with base URL `reconciler.sandbox.IN_PROCESS_URL`."""
        return SandboxTransport(self._state, api_key=self.api_key)

    # -- inspection and out-of-band changes ------------------------------------

    def configure(self, **changes: Any) -> SandboxConfig:
        """Change settings at run time (any `SandboxConfig` field)."""
        return self._state.configure(**changes)

    def now(self) -> datetime:
        """The sandbox clock (aware UTC): real time plus every `advance_clock`."""
        return self._state.now()

    def advance_clock(self, seconds: float) -> int:
        """Move the clock forward, firing what came due; returns how many fires happened."""
        return self._state.advance_clock(seconds)[1]

    def schedules(self) -> list[dict[str, Any]]:
        """Every schedule, as the API returns it, by id."""
        with self._state.locked() as (book, _, _now):
            return book.all()

    def schedule(self, schedule_id: int) -> dict[str, Any]:
        with self._state.locked() as (book, _, _now):
            return book.get(schedule_id)

    def fires(self, schedule_id: int) -> int:
        """How many times a schedule has fired."""
        with self._state.locked() as (book, _, _now):
            return book.fires(schedule_id)

    def stored_body(self, schedule_id: int) -> dict[str, Any]:
        """The schedule as a full request body, with what GET never returns
        (`timezone`, `executionConfig`): what the server really holds."""
        with self._state.locked() as (book, _, _now):
            return book.stored_body(schedule_id)

    def queued(self, schedule_id: int) -> bool:
        """Whether the scheduler holds the schedule as in progress (True while stuck)."""
        with self._state.locked() as (book, _, _now):
            return book.queued(schedule_id)

    def requests(self) -> list[RequestRecord]:
        """Every API call so far (not control calls), oldest first."""
        return self._state.requests()

    def clear_requests(self) -> None:
        self._state.clear_requests()

    def edit_schedule(self, schedule_id: int, **fields: Any) -> dict[str, Any]:
        """Change a schedule as a human in the UI would, keys as in a request body
        (`nextInterval` may also be epoch ms); validated like a PUT minus the past check."""
        with self._state.locked() as (book, _, now):
            return book.edit(schedule_id, fields, now=now, unique=self.config.unique_names)

    def delete_schedule_outside(self, schedule_id: int) -> None:
        """Delete a schedule as a human in the UI would."""
        with self._state.locked() as (book, _, _now):
            book.delete(schedule_id)

    def add_schedule_outside(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create a schedule the reconciler did not make (same rules as the API's POST)."""
        with self._state.locked() as (book, _, now):
            return book.create(body, now=now, user=UI_USER_ID, unique=self.config.unique_names)


def serve(
    *,
    port: int,
    api_key: str | None,
    latency_ms: float = 0,
    config: SandboxConfig | None = None,
    on_ready: Callable[[Sandbox], None] | None = None,
) -> None:
    """Run a sandbox until KeyboardInterrupt (the `reconciler sandbox` command).

    Prints nothing: `on_ready` gets the listening `Sandbox` (its `.url`, and its
    `.api_key`, generated with `secrets.token_urlsafe` when none is given) so the
    CLI can print them. `latency_ms` overrides the one in `config`.
    """
    base = config or SandboxConfig()
    if latency_ms:
        base = replace(base, latency_ms=latency_ms)
    sandbox = Sandbox(api_key=api_key or secrets.token_urlsafe(24), port=port, config=base)
    _stop_on_signals()
    try:
        sandbox._bind()
        if on_ready is not None:
            on_ready(sandbox)
        sandbox.serve_forever()
    except KeyboardInterrupt:  # stopped before serving began
        sandbox.stop()


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _stop_on_signals() -> None:
    """Ctrl-C and SIGTERM stop the server cleanly, even when started with SIGINT ignored
    (a shell's background job inherits that, and Python then never raises KeyboardInterrupt)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _interrupt)
        signal.signal(signal.SIGTERM, _interrupt)
