"""The shared AIMD limiter: one cut per burst of 429s, slow growth, pacing, bounded waits."""

from __future__ import annotations

import threading

import pytest

from reconciler.testsigma.retry import AdaptiveLimiter, LimiterTimeout


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def never() -> bool:
    return False


def test_a_burst_of_429s_cuts_once_and_successes_grow_it_back_slowly() -> None:
    clock = Clock()
    limiter = AdaptiveLimiter(max_concurrency=16, clock=clock)
    starts = [limiter.acquire(wait_until=1e9, cancelled=never, slice_=0.01) for _ in range(16)]
    for started in starts:  # sixteen workers told "429" by one burst
        limiter.release(started, throttled=True)
    assert limiter.concurrency == 8  # halved once, not sixteen times
    assert limiter.rate is not None and limiter.rate == pytest.approx(16 * 0.7)
    rate = limiter.rate
    clock.now += 10
    for _ in range(8):
        started = limiter.acquire(wait_until=1e9, cancelled=never, slice_=0.01)
        limiter.release(started, throttled=False)
        clock.now += 1
    assert limiter.concurrency == 8  # +1/limit per success: one more after ~8 successes
    assert rate < limiter.rate < rate + 1  # additive, slow


def test_the_cut_starts_from_what_the_server_served_not_from_the_burst() -> None:
    clock = Clock()
    limiter = AdaptiveLimiter(max_concurrency=16, clock=clock)
    starts = [limiter.acquire(wait_until=1e9, cancelled=never, slice_=0.01) for _ in range(13)]
    for started in starts[:8]:  # a bucket of 8 serves eight of the thirteen...
        limiter.release(started, throttled=False)
    for started in starts[8:]:  # ...and answers 429 to the rest
        limiter.release(started, throttled=True)
    # 70 % of the 8 it took, below its limit: not 70 % of the 13 that were sent (9.1/s,
    # above it, which would be told 429 again as soon as the pause ends).
    assert limiter.rate == pytest.approx(8 * 0.7)


def test_a_later_burst_cuts_again() -> None:
    clock = Clock()
    limiter = AdaptiveLimiter(max_concurrency=16, clock=clock)
    first = [limiter.acquire(wait_until=1e9, cancelled=never, slice_=0.01) for _ in range(8)]
    for started in first:
        limiter.release(started, throttled=True)
    clock.now += 5
    later = limiter.acquire(wait_until=1e9, cancelled=never, slice_=0.01)
    limiter.release(later, throttled=True)
    assert limiter.concurrency == 4


def test_retry_after_holds_every_worker_until_it_passes() -> None:
    clock = Clock()
    limiter = AdaptiveLimiter(max_concurrency=4, clock=clock)
    limiter.release(
        limiter.acquire(wait_until=1e9, cancelled=never, slice_=0.01),
        throttled=True,
        retry_after=30,
    )
    with pytest.raises(LimiterTimeout):  # nobody may start before the pause ends
        limiter.acquire(wait_until=clock.now + 10, cancelled=never, slice_=0.01)
    clock.now += 31
    limiter.acquire(wait_until=clock.now + 1, cancelled=never, slice_=0.01)


def test_concurrency_is_bounded_across_threads() -> None:
    limiter = AdaptiveLimiter(max_concurrency=3)
    inside = {"now": 0, "peak": 0}
    lock = threading.Lock()
    go = threading.Barrier(12)

    def worker() -> None:
        go.wait()
        for _ in range(20):
            started = limiter.acquire(wait_until=1e12, cancelled=never, slice_=0.01)
            with lock:
                inside["now"] += 1
                inside["peak"] = max(inside["peak"], inside["now"])
            with lock:
                inside["now"] -= 1
            limiter.release(started, throttled=False)

    threads = [threading.Thread(target=worker) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert inside["peak"] <= 3


def test_a_waiting_worker_gives_up_on_cancellation() -> None:
    limiter = AdaptiveLimiter(max_concurrency=1)
    limiter.acquire(wait_until=1e12, cancelled=never, slice_=0.01)  # the only slot, held
    cancelled = threading.Event()
    threading.Timer(0.1, cancelled.set).start()
    with pytest.raises(LimiterTimeout):
        limiter.acquire(wait_until=1e12, cancelled=cancelled.is_set, slice_=0.02)
