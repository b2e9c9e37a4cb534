"""SIGINT and SIGTERM for the whole of a command that holds the state lock.

Installed from the start of `apply`, not only around the executor: before
the executor runs, either signal raises KeyboardInterrupt in the main
thread, so every `with` unwinds (the state lock is released and its record
removed) and the command exits 130; while the executor runs, it is asked to
start nothing new and to record what is in flight. The lock itself is an OS
or database-session lock, so even a SIGKILL leaves none behind; the handlers
make a terminated apply end cleanly and say so.

`cancel` (the client's) ends hung calls: at once before the executor runs,
and `IN_FLIGHT_GRACE` seconds after the first signal while it runs (the
requests still unanswered then stay in the journal as unknown), so a hung
server cannot hold a stopped command until --timeout.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from reconciler.cli.common import info

#: Seconds the requests in flight get to answer after a stop, before they are cancelled.
IN_FLIGHT_GRACE = 1.5


class CommandSignals:
    """Context manager: handle SIGINT/SIGTERM for the block (main thread only)."""

    def __init__(self) -> None:
        self.stop: threading.Event | None = None
        self.cancel: Callable[[], None] | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> CommandSignals:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self.stop is None:
            info(f"Received {name}: stopping; the state lock is released.")
            if self.cancel is not None:
                self.cancel()
            raise KeyboardInterrupt
        if not self.stop.is_set():
            info(
                f"Received {name}: finishing the requests in flight, starting no new ones "
                f"(any still unanswered in {IN_FLIGHT_GRACE:g} s are cancelled and kept in "
                "the journal as unknown)."
            )
            if self.cancel is not None:
                grace = threading.Timer(IN_FLIGHT_GRACE, self.cancel)
                grace.daemon = True
                grace.start()
        self.stop.set()
