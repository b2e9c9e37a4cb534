"""The deadline and the cancellation inside real sockets (a connect into a full backlog)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from reconciler.testsigma.client import TestsigmaClient, Timeouts
from reconciler.testsigma.errors import Cancelled, DeadlineExceeded
from reconciler.testsigma.retry import RetryPolicy

MARGIN = 1.5  # scheduling noise on a loaded machine


@pytest.fixture
def black_hole() -> Iterator[str]:
    """A listener whose accept queue is full: every further connect hangs (SYNs dropped)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    filler = socket.create_connection(("127.0.0.1", port))  # fills the queue; never accepted
    try:
        yield f"http://127.0.0.1:{port}/api/v1"
    finally:
        filler.close()
        listener.close()


def client_for(url: str, *, total: float) -> TestsigmaClient:
    return TestsigmaClient(
        base_url=url,
        api_key="k" * 20,
        timeouts=Timeouts(connect=60, read=60, total=total),
        retry=RetryPolicy(max_attempts=1),
    )


def test_a_connect_into_a_black_hole_ends_at_the_deadline(black_hole: str) -> None:
    with client_for(black_hole, total=1.0) as client:
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded, match="1 s deadline"):
            client.get_schedule(1)
        assert time.monotonic() - started <= 1.0 + MARGIN


def test_a_cancellation_ends_a_hung_connect_at_once(black_hole: str) -> None:
    with client_for(black_hole, total=100) as client:
        cancel = threading.Timer(0.3, client.cancel)
        started = time.monotonic()
        cancel.start()
        with pytest.raises(Cancelled):
            client.get_schedule(1)
        assert time.monotonic() - started <= 0.3 + MARGIN
