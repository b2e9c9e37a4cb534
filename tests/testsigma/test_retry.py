"""The client's retry policy, with a mock transport (the one place a mock is allowed)."""

from __future__ import annotations

import random
from collections.abc import Callable

import httpx
import pytest

from reconciler.testsigma.client import TestsigmaClient
from reconciler.testsigma.errors import (
    AuthError,
    BadResponseError,
    DuplicateNameError,
    NotFoundError,
    OutcomeUnknownError,
    PastTimeError,
    RequestRejected,
    ServerError,
    TransportError,
)
from reconciler.testsigma.retry import RetryPolicy, SharedLimiter, parse_retry_after

BODY = {"name": "a", "executionId": 1}


def client_for(
    handler: Callable[[httpx.Request], httpx.Response], *, attempts: int = 4
) -> tuple[TestsigmaClient, list[float]]:
    waits: list[float] = []
    client = TestsigmaClient(
        base_url="http://testsigma.invalid/api/v1",
        api_key="k" * 20,
        transport=httpx.MockTransport(handler),
        retry=RetryPolicy(max_attempts=attempts, max_total_seconds=100, base_delay=0.5),
        sleep=waits.append,
        rng=random.Random(1),
    )
    return client, waits


def sequence(*responses: httpx.Response | Exception) -> Callable[[httpx.Request], httpx.Response]:
    items = list(responses)
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        item = items[min(calls["n"], len(items) - 1)]
        calls["n"] += 1
        if isinstance(item, Exception):
            raise item
        return item

    handler.calls = calls  # type: ignore[attr-defined]
    return handler


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_transient_statuses_are_retried(status: int) -> None:
    handler = sequence(httpx.Response(status), httpx.Response(201, json={"id": 5}))
    client, waits = client_for(handler)
    assert client.create_schedule(BODY)["id"] == 5
    assert handler.calls["n"] == 2  # type: ignore[attr-defined]
    assert len(waits) == 1


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (400, {"error": "bad"}, RequestRejected),
        (401, {"error": "no"}, AuthError),
        (403, {"error": "no"}, AuthError),
        (404, {"error": "gone"}, NotFoundError),
        (409, {"error": "conflict"}, DuplicateNameError),
        (422, {"error": "Duplicate name"}, DuplicateNameError),
        (422, {"error": "invalid"}, RequestRejected),
        (500, {"error": "Current time is greater than given time"}, PastTimeError),
        (500, {"error": "boom"}, ServerError),
    ],
)
def test_definite_answers_are_not_retried(status: int, body: object, error: type) -> None:
    handler = sequence(httpx.Response(status, json=body))
    client, waits = client_for(handler)
    with pytest.raises(error):
        client.create_schedule(BODY)
    assert handler.calls["n"] == 1  # type: ignore[attr-defined]
    assert waits == []


def test_retry_after_is_honoured_and_slows_everyone() -> None:
    handler = sequence(
        httpx.Response(429, headers={"Retry-After": "3"}), httpx.Response(201, json={"id": 9})
    )
    client, waits = client_for(handler)
    client.create_schedule(BODY)
    assert len(waits) == 1 and 2.5 <= waits[0] <= 3.0
    # The pause is shared: the next call of any worker waits for it too (the fake
    # sleep lets no time pass, so the pause is still running).
    client.create_schedule(BODY)
    assert len(waits) == 2 and 2.5 <= waits[1] <= 3.0


def test_gives_up_after_max_attempts() -> None:
    handler = sequence(httpx.Response(503, json={"error": "down"}))
    client, waits = client_for(handler, attempts=3)
    with pytest.raises(ServerError, match="gave up after 3 attempts"):
        client.get_schedule(1)
    assert handler.calls["n"] == 3  # type: ignore[attr-defined]
    assert len(waits) == 2


def test_backoff_grows_and_is_jittered_within_bounds() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0)
    rng = random.Random(3)
    for attempt in range(1, 8):
        ceiling = min(8.0, 2 ** (attempt - 1))
        assert 0 <= policy.delay(attempt, retry_after=None, rng=rng) <= ceiling


def test_total_time_bounds_retries() -> None:
    policy = RetryPolicy(max_attempts=10, max_total_seconds=5)
    assert policy.allows(attempt=1, elapsed=1, wait=2)
    assert not policy.allows(attempt=1, elapsed=4, wait=2)
    assert not policy.allows(attempt=10, elapsed=0, wait=0)


def test_connection_refused_before_sending_is_retried_even_for_post() -> None:
    handler = sequence(httpx.ConnectError("refused"), httpx.Response(201, json={"id": 2}))
    client, _ = client_for(handler)
    assert client.create_schedule(BODY)["id"] == 2


def test_post_timed_out_after_sending_is_not_retried() -> None:
    handler = sequence(httpx.ReadTimeout("slow"), httpx.Response(201, json={"id": 2}))
    client, _ = client_for(handler)
    with pytest.raises(OutcomeUnknownError):
        client.create_schedule(BODY)
    assert handler.calls["n"] == 1  # type: ignore[attr-defined]


def test_get_timed_out_is_retried() -> None:
    handler = sequence(httpx.ReadTimeout("slow"), httpx.Response(200, json={"id": 2}))
    client, _ = client_for(handler)
    assert client.get_schedule(2)["id"] == 2


def test_connection_failure_that_persists_is_a_transport_error() -> None:
    handler = sequence(httpx.ConnectError("refused"))
    client, _ = client_for(handler, attempts=2)
    with pytest.raises(TransportError, match="ConnectError"):
        client.get_schedule(1)


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="<html>oops</html>", headers={"Content-Type": "text/html"}),
        httpx.Response(200, json=[1, 2]),
        httpx.Response(200, json={"name": "no id"}),
        httpx.Response(200, json={"id": "12"}),
        httpx.Response(302, headers={"Location": "https://elsewhere/login"}),
    ],
)
def test_garbage_answers_are_bad_responses_naming_the_call(response: httpx.Response) -> None:
    client, _ = client_for(sequence(response))
    with pytest.raises(BadResponseError, match="POST /schedule_executions"):
        client.create_schedule(BODY)


def test_error_messages_never_contain_the_key() -> None:
    client, _ = client_for(sequence(httpx.Response(401, json={"error": "bad key"})))
    with pytest.raises(AuthError) as info:
        client.get_schedule(1)
    assert "k" * 20 not in str(info.value)
    assert "bad key" in str(info.value)


def test_parse_retry_after_forms() -> None:
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0


def test_shared_limiter_holds_everyone() -> None:
    t = {"now": 100.0}
    limiter = SharedLimiter(clock=lambda: t["now"])
    limiter.hold_off(5)
    limiter.hold_off(2)  # a shorter pause never shortens a longer one
    assert limiter.wait_time() == 5
    t["now"] = 106
    assert limiter.wait_time() == 0


def test_reads_retry_a_plain_500_and_a_garbled_body() -> None:
    handler = sequence(
        httpx.Response(500, json={"error": "boom"}),
        httpx.Response(200, text='{"id": 1, "na'),
        httpx.Response(200, json={"id": 1}),
    )
    client, waits = client_for(handler)
    assert client.get_schedule(1) == {"id": 1}
    assert handler.calls["n"] == 3  # type: ignore[attr-defined]
    assert len(waits) == 2


def test_a_garbled_read_that_persists_is_a_bad_response() -> None:
    client, _ = client_for(sequence(httpx.Response(200, text="<html>")), attempts=3)
    with pytest.raises(BadResponseError, match="GET /schedule_executions/1"):
        client.get_schedule(1)
