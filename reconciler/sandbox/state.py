"""Everything the sandbox holds, behind one lock: clock, schedules, runs, log, faults.

Request handlers run on many threads; they take the lock only around the
logic (never around injected latency), so concurrent calls overlap while
each sees a consistent world. The clock is real time plus an offset that
`advance_clock` grows; every locked access first fires the schedules that
came due, as Testsigma's poller would, so real and advanced time behave alike.
"""

from __future__ import annotations

import copy
import random
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from reconciler.sandbox.config import RequestRecord, SandboxConfig
from reconciler.sandbox.runs import RunBook
from reconciler.sandbox.schedules import ScheduleBook

#: The request log keeps the latest calls only, so a long `reconciler sandbox` stays small.
MAX_LOGGED_REQUESTS = 100_000


class SandboxState:
    """The sandbox's world; use `locked()` for any read or change of the books."""

    def __init__(self, config: SandboxConfig) -> None:
        self._lock = threading.RLock()
        self._config = config
        self._offset = timedelta(0)
        self._schedules = ScheduleBook()
        self._runs = RunBook()
        self._requests: deque[RequestRecord] = deque(maxlen=MAX_LOGGED_REQUESTS)
        self._rng = random.Random(config.fault_seed)

    @property
    def config(self) -> SandboxConfig:
        return self._config

    def configure(self, **changes: Any) -> SandboxConfig:
        """Swap in a config with `changes`; a new `fault_seed` restarts the fault sequence."""
        unknown = sorted(set(changes) - SandboxConfig.field_names())
        if unknown:
            raise ValueError(
                f"unknown sandbox setting(s) {unknown}; known: "
                f"{', '.join(sorted(SandboxConfig.field_names()))}"
            )
        coerced = {k: SandboxConfig.coerce(k, v) for k, v in changes.items()}
        with self._lock:
            self._config = replace(self._config, **coerced)
            if "fault_seed" in changes:
                self._rng = random.Random(self._config.fault_seed)
            return self._config

    def _now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def now(self) -> datetime:
        with self._lock:
            return self._now()

    @contextmanager
    def locked(self) -> Iterator[tuple[ScheduleBook, RunBook, datetime]]:
        """Hold the lock with due schedules fired; yields the books and the current time."""
        with self._lock:
            now = self._now()
            self._schedules.fire_due(now, in_utc=self._config.advance_in_utc)
            yield self._schedules, self._runs, now

    def advance_clock(self, seconds: float) -> tuple[datetime, int]:
        """Move the clock forward and fire what came due; returns (now, fires)."""
        if seconds < 0:
            raise ValueError(f"the sandbox clock only moves forward, not by {seconds} s")
        with self._lock:
            self._offset += timedelta(seconds=seconds)
            now = self._now()
            fired = self._schedules.fire_due(now, in_utc=self._config.advance_in_utc)
            return now, fired

    def draw_fault(self) -> tuple[str, int] | None:
        """The fault (and a Retry-After value) for the next API call, if any."""
        with self._lock:
            config = self._config
            if config.fault_rate <= 0 or not config.faults:
                return None
            if self._rng.random() >= config.fault_rate:
                return None
            kind = self._rng.choice(config.faults)
            return kind, self._rng.randint(0, 1)

    def record(self, record: RequestRecord) -> None:
        with self._lock:
            self._requests.append(record)

    def requests(self) -> list[RequestRecord]:
        """Copies of the logged calls, oldest first."""
        with self._lock:
            records = list(self._requests)
        return [replace(r, query=dict(r.query), body=copy.deepcopy(r.body)) for r in records]

    def clear_requests(self) -> int:
        with self._lock:
            count = len(self._requests)
            self._requests.clear()
            return count
