"""SIGINT and SIGTERM: the one handler every command uses (`CommandSignals`).

A command runs in two phases as far as signals go:

- **interrupting** (the default): either signal cancels the client's calls in
  flight (`cancel`) and raises KeyboardInterrupt in the main thread, so every
  `with` unwinds (a state lock is released and its record removed) and the
  command exits 130 with "Interrupted." (`cli.common.guard`). `make_client`
  installs this for the life of a client; `apply` for its whole run.
- **stopping** (inside `stopping(stop, grace=..., note=...)`): the signal
  sets `stop` instead, so the use case ends its loop itself and reports.
  `apply`'s executor starts nothing new and records what is in flight, whose
  requests are cancelled only `IN_FLIGHT_GRACE` seconds later (those still
  unanswered stay in the journal as unknown); `run --wait` stops waiting, its
  poll in flight cancelled at once (a grace of 0): the runs go on.

The lock itself is an OS or database-session lock, so even a SIGKILL leaves
none behind; the handlers make a stopped command end cleanly and say so.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from reconciler.cli.common import info

#: A signal's handler as `signal.signal` hands back the one it replaces.
_Handler = Callable[[int, FrameType | None], object] | int | None

#: Seconds the requests in flight get to answer after a stop, before they are cancelled.
IN_FLIGHT_GRACE = 1.5
#: What `apply` says when a signal interrupts it before its executor runs.
LOCK_NOTE = "stopping; the state lock is released."


#: What `apply` says when a signal stops its executor.
APPLY_STOP_NOTE = (
    f"finishing the requests in flight, starting no new ones (any still unanswered in "
    f"{IN_FLIGHT_GRACE:g} s are cancelled and kept in the journal as unknown)."
)


class CommandSignals:
    """Context manager: handle SIGINT/SIGTERM for the block (main thread only)."""

    def __init__(self, *, interrupt_note: str | None = LOCK_NOTE) -> None:
        self.stop: threading.Event | None = None
        self.cancel: Callable[[], None] | None = None
        #: Seconds between a stop and the cancelling of the calls in flight.
        self.grace = IN_FLIGHT_GRACE
        #: Said on the first stop (None: nothing, the command reports on its own).
        self.stop_note: str | None = None
        self._interrupt_note = interrupt_note
        self._previous: dict[int, _Handler] = {}

    def __enter__(self) -> CommandSignals:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        self.restore()

    def restore(self) -> None:
        """Put back the handlers found on enter (idempotent)."""
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()

    @contextmanager
    def stopping(
        self, stop: threading.Event, *, grace: float, note: str | None
    ) -> Iterator[threading.Event]:
        """Within the block a signal sets `stop` (see the module docstring)."""
        saved = self.stop, self.grace, self.stop_note
        self.stop, self.grace, self.stop_note = stop, grace, note
        try:
            yield stop
        finally:
            self.stop, self.grace, self.stop_note = saved

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self.stop is None:
            if self._interrupt_note is not None:
                info(f"Received {name}: {self._interrupt_note}")
            if self.cancel is not None:
                self.cancel()
            raise KeyboardInterrupt
        if not self.stop.is_set():
            if self.stop_note is not None:
                info(f"Received {name}: {self.stop_note}")
            if self.cancel is not None:
                if self.grace <= 0:
                    self.cancel()
                else:
                    grace = threading.Timer(self.grace, self.cancel)
                    grace.daemon = True
                    grace.start()
        self.stop.set()
