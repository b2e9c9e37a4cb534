"""When to retry a call, how long to wait, and the limiter every worker shares.

What is retried (the outcome of each answer is in docs/API.md):

- 429 for every method: the server refused, so it certainly did not act.
  Retried until the call's deadline (not an attempt count), honouring
  `Retry-After`.
- A connection that failed before the request was sent, for every method.
- For a read (GET) only, which changes nothing: 500, 502, 503, 504, a
  garbled body and a connection broken after sending; up to `max_attempts`.
- Never: a changing call (POST, PUT, DELETE) answered 500/502/503/504 or
  whose connection broke after sending. The server may have acted: that is
  an unknown outcome, resolved by a lookup, never by sending again.

Waits grow exponentially with full jitter. `AdaptiveLimiter` is shared by
every worker of a client: it bounds how many requests are in flight and how
fast they start, halves both on a 429 (once per burst) and raises them slowly
on success (AIMD, as TCP does), so sixteen workers told "429" do not all come
back at the same instant and get told again.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

READ_RETRY_STATUSES = frozenset({500, 502, 503, 504})
#: Answers of a changing call after which the server may have acted.
UNKNOWN_STATUSES = frozenset({500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounds and shape of retries (the deadline itself is the client's `--timeout`)."""

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0

    def retries_status(self, status: int, *, method: str) -> bool:
        """Whether an answer `status` is worth another attempt of the same call."""
        if status == 429:
            return True
        return method == "GET" and status in READ_RETRY_STATUSES

    def delay(self, attempt: int, *, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait before attempt `attempt + 1` (attempt counts from 1)."""
        if retry_after is not None and retry_after > 0:  # "0" would be a tight loop: back off
            return retry_after
        ceiling = min(self.max_delay, self.base_delay * (2 ** (min(attempt, 30) - 1)))
        return rng.uniform(0, ceiling)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """`Retry-After` as seconds: delta-seconds or an HTTP date; None when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    current = time.time() if now is None else now
    return max(when.timestamp() - current, 0.0)


class LimiterTimeout(Exception):
    """No slot was free before the deadline, or the run was cancelled."""


class AdaptiveLimiter:
    """Concurrency and start-rate limits shared by every worker, adapted by AIMD.

    - `acquire` blocks until a slot is free, the pacing interval has passed
      and any `Retry-After` pause is over; it returns the start time.
    - `release(started, throttled=...)`: a 429 halves the concurrency limit
      and sets the start rate to 70 % of the rate measured over the last
      second, once per burst (429s of requests that started before the last
      cut do not cut again). The rate measured is the answers the server
      served in that second when there are at least `MIN_SAMPLE` of them (what
      it just sustained), else the starts; a success adds 1/limit to the
      concurrency and `RATE_STEP`/rate to the start rate (about `RATE_STEP`
      per second).
    """

    RATE_STEP = 0.25
    DECREASE = 0.7
    MIN_RATE = 0.2
    #: Fewer starts than this in the last second say nothing about a rate: back off only.
    MIN_SAMPLE = 4

    def __init__(
        self,
        *,
        max_concurrency: int = 64,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._cond = threading.Condition()
        self._max = float(max_concurrency)
        self._limit = float(max_concurrency)
        self._rate: float | None = None
        self._in_flight = 0
        self._next_start = 0.0
        self._not_before = 0.0
        self._last_cut = -math.inf
        self._starts: deque[float] = deque()
        self._served: deque[float] = deque()  # answers other than 429, last second

    @property
    def concurrency(self) -> int:
        with self._cond:
            return max(1, int(self._limit))

    @property
    def rate(self) -> float | None:
        with self._cond:
            return self._rate

    def _ready_at(self) -> float:
        ready = self._not_before
        if self._rate is not None:
            ready = max(ready, self._next_start)
        return ready

    def acquire(self, *, wait_until: float, cancelled: Callable[[], bool], slice_: float) -> float:
        """A slot, once free; LimiterTimeout when `wait_until` passes first or on cancellation."""
        with self._cond:
            while True:
                if cancelled():
                    raise LimiterTimeout("cancelled")
                now = self._clock()
                ready = self._ready_at()
                if self._in_flight < max(1, int(self._limit)) and now >= ready:
                    break
                if max(ready, now) >= wait_until:
                    raise LimiterTimeout("deadline")
                pause = ready - now if now < ready else slice_
                self._cond.wait(min(pause, slice_, max(wait_until - now, 0.0)))
            self._in_flight += 1
            if self._rate is not None:
                self._next_start = max(now, self._next_start) + 1.0 / self._rate
            self._starts.append(now)
            while self._starts and self._starts[0] < now - 1.0:
                self._starts.popleft()
            return now

    def release(self, started: float, *, throttled: bool, retry_after: float | None = None) -> None:
        """Give the slot back, and adapt to what the answer said."""
        with self._cond:
            self._in_flight = max(0, self._in_flight - 1)
            now = self._clock()
            if throttled:
                if retry_after is not None:
                    self._not_before = max(self._not_before, now + retry_after)
                if started > self._last_cut:
                    self._last_cut = now
                    self._limit = max(1.0, self._limit / 2)
                    served = sum(1 for t in self._served if t >= now - 1.0)
                    recent = sum(1 for t in self._starts if t >= now - 1.0)
                    if served >= self.MIN_SAMPLE:
                        recent = served  # a burst's 429s are not a rate the server took
                    base: float | None = None
                    if recent >= self.MIN_SAMPLE:
                        base = float(recent) if self._rate is None else min(self._rate, recent)
                    elif self._rate is not None:
                        base = self._rate
                    if base is not None:
                        self._rate = max(self.MIN_RATE, base * self.DECREASE)
                        self._next_start = max(self._next_start, now + 1.0 / self._rate)
            else:
                self._served.append(now)
                while self._served and self._served[0] < now - 1.0:
                    self._served.popleft()
                self._limit = min(self._max, self._limit + 1.0 / self._limit)
                if self._rate is not None:
                    self._rate += self.RATE_STEP / self._rate
                    if self._rate > 1000:
                        self._rate = None  # far above anything seen: stop pacing
            self._cond.notify_all()
