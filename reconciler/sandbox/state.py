"""Everything the sandbox holds, behind one lock: clock, books, log, fault draws.

Request handlers run on many threads; they take the lock only around the
logic (never around injected latency), so concurrent calls overlap while
each sees a consistent world. The clock is real time plus an offset that
`advance_clock` grows; every locked access first runs the scheduler's polls
that came due, so real and advanced time behave alike. Every random choice
(faults, commit-then-fail, odd ids, jitter) comes from one generator seeded
with `fault_seed`, so a run reproduces; the rate limiter's bucket runs on a
monotonic clock (injectable for tests), not on the sandbox clock.
"""

from __future__ import annotations

import copy
import math
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from reconciler.sandbox.config import ID_ODDITIES, RequestRecord, SandboxConfig
from reconciler.sandbox.runs import RunBook
from reconciler.sandbox.scheduler import PollRules, Scheduler
from reconciler.sandbox.schedules import ScheduleBook

#: The request log keeps the latest calls only, so a long `reconciler sandbox` stays small.
MAX_LOGGED_REQUESTS = 100_000


class SandboxState:
    """The sandbox's world; use `locked()` for any read or change of the books."""

    def __init__(
        self, config: SandboxConfig, *, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._lock = threading.RLock()
        self._config = config
        self._offset = timedelta(0)
        self._schedules = ScheduleBook()
        self._runs = RunBook()
        self._scheduler = Scheduler(self._now())
        self._requests: deque[RequestRecord] = deque(maxlen=MAX_LOGGED_REQUESTS)
        self._rng = random.Random(config.fault_seed)
        self._monotonic = monotonic
        self._tokens = float(self._burst())
        self._refilled = monotonic()

    @property
    def config(self) -> SandboxConfig:
        return self._config

    def configure(self, **changes: Any) -> SandboxConfig:
        """Swap in a config with `changes`; a new `fault_seed` restarts the random sequence,
        a new `rate_limit` or `rate_limit_burst` refills the bucket."""
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
            if {"rate_limit", "rate_limit_burst"} & set(changes):
                self._tokens = float(self._burst())
                self._refilled = self._monotonic()
            return self._config

    def _now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def now(self) -> datetime:
        with self._lock:
            return self._now()

    def _catch_up(self) -> int:
        config = self._config
        rules = PollRules(
            in_utc=config.advance_in_utc,
            scheduled_run_seconds=config.scheduled_run_seconds,
            run_seconds=config.run_seconds_to_complete,
            run_polls=config.run_polls_to_complete,
        )
        return self._scheduler.catch_up(self._schedules, self._runs, self._now(), rules)

    @contextmanager
    def locked(self) -> Iterator[tuple[ScheduleBook, RunBook, datetime]]:
        """Hold the lock with due polls run; yields the books and the current time."""
        with self._lock:
            self._catch_up()
            yield self._schedules, self._runs, self._now()

    def advance_clock(self, seconds: float) -> tuple[datetime, int]:
        """Move the clock forward and run the polls that came due; returns (now, fires)."""
        if seconds < 0:
            raise ValueError(f"the sandbox clock only moves forward, not by {seconds} s")
        with self._lock:
            self._offset += timedelta(seconds=seconds)
            fired = self._catch_up()
            return self._now(), fired

    # -- fault decisions (each under the lock, from the seeded generator) --------

    def latency_seconds(self) -> float:
        with self._lock:
            config = self._config
            jitter = (
                self._rng.uniform(0, config.latency_jitter_ms) if config.latency_jitter_ms else 0
            )
            return (config.latency_ms + jitter) / 1000

    def _burst(self) -> int:
        config = self._config
        return config.rate_limit_burst or max(1, math.ceil(config.rate_limit))

    def take_token(self) -> int | None:
        """None when the call may go on; else the whole seconds to put in `Retry-After`
        (a 429 window from `throttle_next` first, then the token bucket)."""
        with self._lock:
            config = self._config
            if config.throttle_next > 0:
                self._config = replace(config, throttle_next=config.throttle_next - 1)
                return config.throttle_retry_after
            rate = config.rate_limit
            if rate <= 0:
                return None
            now = self._monotonic()
            burst = self._burst()
            self._tokens = min(burst, self._tokens + (now - self._refilled) * rate)
            self._refilled = now
            if self._tokens >= 1:
                self._tokens -= 1
                return None
            return max(1, math.ceil((1 - self._tokens) / rate))

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

    def draw_commit_failure(self) -> int | None:
        """For a changing call: the gateway status to answer after applying it, if any."""
        with self._lock:
            config = self._config
            if config.commit_fail_next > 0:
                self._config = replace(config, commit_fail_next=config.commit_fail_next - 1)
            elif config.commit_fail_rate <= 0 or self._rng.random() >= config.commit_fail_rate:
                return None
            return self._rng.choice(config.commit_fail_statuses)

    def draw_id_oddity(self) -> str | None:
        """For a create: the id oddity to answer with, if any."""
        with self._lock:
            config = self._config
            if config.id_oddities:
                self._config = replace(config, id_oddities=config.id_oddities[1:])
                return config.id_oddities[0]
            if config.id_oddity_rate <= 0 or self._rng.random() >= config.id_oddity_rate:
                return None
            return self._rng.choice(ID_ODDITIES)

    # -- the request log ---------------------------------------------------------

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
