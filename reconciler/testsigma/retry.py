"""When to retry a call, and how long to wait: one small, unit-tested policy.

Retried: 429, 502, 503, 504, and connection failures that happened before the
request was sent (nothing reached the server); for reads (GET), which change
nothing, also a plain 500 and a garbled body. Never retried: any other 4xx,
the "past time" 500 (and every other 500 of a changing call: the server may
have acted), and a
changing call whose outcome is unknown (a timeout or reset after sending) —
that one goes to the journal instead. Waits grow exponentially with full
jitter, honour `Retry-After`, and are bounded by attempts and by total time.

A 429 tells us the *account* is over its rate, so `SharedLimiter` makes every
worker of the run wait, not just the one that was told.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

RETRY_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounds and shape of retries."""

    max_attempts: int = 5
    max_total_seconds: float = 60.0
    base_delay: float = 0.5
    max_delay: float = 30.0

    def should_retry_status(self, status: int, *, method: str = "POST") -> bool:
        if method == "GET" and status == 500:
            return True
        return status in RETRY_STATUSES

    def delay(self, attempt: int, *, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait before attempt `attempt + 1` (attempt counts from 1)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return rng.uniform(0, ceiling)

    def allows(self, *, attempt: int, elapsed: float, wait: float) -> bool:
        """Whether another attempt fits the bounds."""
        return attempt < self.max_attempts and elapsed + wait <= self.max_total_seconds


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """`Retry-After` as seconds: delta-seconds or an HTTP date; None when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(when.timestamp() - current, 0.0)


class SharedLimiter:
    """A pause shared by every worker: after a 429, nobody sends until it passes."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._not_before = 0.0

    def hold_off(self, seconds: float) -> None:
        with self._lock:
            self._not_before = max(self._not_before, self._clock() + seconds)

    def wait_time(self) -> float:
        with self._lock:
            return max(0.0, self._not_before - self._clock())
