"""The client's retry policy and answer checks, with a mock transport (unit tests only)."""

from __future__ import annotations

import gzip
import random
import time
from collections.abc import Callable

import httpx
import pytest

from reconciler.testsigma.client import TestsigmaClient, Timeouts
from reconciler.testsigma.errors import (
    AuthError,
    BadResponseError,
    DeadlineExceeded,
    DuplicateNameError,
    NotFoundError,
    OutcomeUnknownError,
    PastTimeError,
    ProtocolError,
    RateLimited,
    ReportNotReady,
    RequestRejected,
    ResponseTooLarge,
    ServerError,
    TransportError,
)
from reconciler.testsigma.retry import RetryPolicy, parse_retry_after

KEY = "k" * 20
BODY = {"name": "a", "executionId": 1}


class Reply:
    """An answer the mock sends as a stream (raw bytes, as a server would)."""

    def __init__(
        self,
        status: int,
        *,
        json: object = None,
        text: str | None = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        import json as _json

        self.status = status
        self.headers = dict(headers or {})
        if json is not None:
            content = _json.dumps(json).encode()
            self.headers.setdefault("Content-Type", "application/json")
        elif text is not None:
            content = text.encode()
        self.content = content or b""

    def response(self) -> httpx.Response:
        return httpx.Response(
            self.status, headers=self.headers, stream=httpx.ByteStream(self.content)
        )


class Script:
    """A mock server answering from a list (the last item repeats); counts calls."""

    def __init__(self, *items: Reply | Exception) -> None:
        self.items = list(items)
        self.calls = 0
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        item = self.items[min(self.calls, len(self.items) - 1)]
        self.calls += 1
        self.requests.append(request)
        if isinstance(item, Exception):
            raise item
        return item.response()


def client_for(
    handler: Callable[[httpx.Request], httpx.Response],
    *,
    attempts: int = 4,
    total: float = 30.0,
) -> TestsigmaClient:
    return TestsigmaClient(
        base_url="http://testsigma.invalid/api/v1",
        api_key=KEY,
        transport=httpx.MockTransport(handler),
        timeouts=Timeouts(total=total),
        retry=RetryPolicy(max_attempts=attempts, base_delay=0.001, max_delay=0.01),
        rng=random.Random(1),
    )


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_changing_call_answered_5xx_is_unknown_and_sent_once(method: str, status: int) -> None:
    script = Script(Reply(status, json={"error": "gateway"}))
    client = client_for(script)
    calls = {
        "POST": lambda: client.create_schedule(BODY),
        "PUT": lambda: client.update_schedule(7, BODY),
        "DELETE": lambda: client.delete_schedule(7),
    }
    with pytest.raises(OutcomeUnknownError, match="may have acted"):
        calls[method]()
    assert script.calls == 1


def test_the_past_time_500_is_a_definite_refusal() -> None:
    script = Script(Reply(500, json={"error": "Current time is greater than given time"}))
    with pytest.raises(PastTimeError):
        client_for(script).create_schedule(BODY)
    assert script.calls == 1


def test_a_run_trigger_answered_5xx_is_never_sent_again_and_says_how_to_check() -> None:
    script = Script(Reply(504), Reply(200, json={"id": 5}))
    with pytest.raises(OutcomeUnknownError) as info:
        client_for(script).trigger_run({"executionId": 3857})
    assert script.calls == 1
    assert "test plan 3857 may have started" in info.value.message
    assert "did not re-trigger" in info.value.message


def test_429_is_retried_for_a_post_until_done() -> None:
    script = Script(Reply(429), Reply(429), Reply(201, json={"id": 5}))
    assert client_for(script, attempts=1).create_schedule(BODY)["id"] == 5
    assert script.calls == 3  # 429s do not count against the attempts


def test_retry_after_is_honoured() -> None:
    script = Script(Reply(429, headers={"Retry-After": "0.3"}), Reply(201, json={"id": 9}))
    client = client_for(script)
    started = time.monotonic()
    client.create_schedule(BODY)
    assert time.monotonic() - started >= 0.3  # waited at least as long as asked
    assert client.limiter.concurrency < 64  # and the shared limiter backed off


def test_429_until_the_deadline_is_a_definite_rate_limited() -> None:
    script = Script(Reply(429, headers={"Retry-After": "0.05"}))
    with pytest.raises(RateLimited, match="did not act"):
        client_for(script, total=1.0).create_schedule(BODY)
    assert script.calls >= 2


def test_a_retry_after_beyond_the_deadline_gives_up_at_once() -> None:
    script = Script(Reply(429, headers={"Retry-After": "3600"}))
    with pytest.raises(RateLimited, match="would wait 3600 s"):
        client_for(script, total=5.0).create_schedule(BODY)
    assert script.calls == 1


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
    ],
)
def test_definite_answers_are_not_retried(status: int, body: object, error: type) -> None:
    script = Script(Reply(status, json=body))
    with pytest.raises(error):
        client_for(script).create_schedule(BODY)
    assert script.calls == 1


def test_a_plain_text_401_is_a_clear_auth_error() -> None:
    script = Script(Reply(401, text="Incorrect API Key"))
    with pytest.raises(AuthError) as info:
        client_for(script).get_schedule(1)
    assert "the API key was refused (Testsigma said: 'Incorrect API Key')" in info.value.message
    assert "TESTSIGMA_API_KEY" in info.value.message


def test_connection_refused_before_sending_is_retried_even_for_post() -> None:
    script = Script(httpx.ConnectError("refused"), Reply(201, json={"id": 2}))
    assert client_for(script).create_schedule(BODY)["id"] == 2


@pytest.mark.parametrize(
    "failure",
    [httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("closed"), httpx.ReadError("reset")],
)
def test_a_post_whose_connection_broke_after_sending_is_unknown(failure: Exception) -> None:
    script = Script(failure, Reply(201, json={"id": 2}))
    with pytest.raises(OutcomeUnknownError):
        client_for(script).create_schedule(BODY)
    assert script.calls == 1


def test_reads_retry_5xx_timeouts_and_garbled_bodies() -> None:
    script = Script(
        Reply(500, json={"error": "boom"}),
        httpx.ReadTimeout("slow"),
        Reply(502),
        Reply(200, text='{"id": 1, "na'),
        Reply(200, json={"id": 1, "name": "nightly"}),
    )
    live = client_for(script, attempts=5).get_schedule(1)
    assert (live.id, live.name) == (1, "nightly")
    assert script.calls == 5


def test_a_read_failure_that_persists_gives_up_after_the_attempts() -> None:
    script = Script(Reply(503, json={"error": "down"}))
    with pytest.raises(ServerError, match="gave up after 3 attempts"):
        client_for(script, attempts=3).get_schedule(1)
    assert script.calls == 3


def test_a_connection_failure_that_persists_is_a_transport_error() -> None:
    script = Script(httpx.ConnectError("refused"))
    with pytest.raises(TransportError, match="could not connect"):
        client_for(script, attempts=2).get_schedule(1)


def test_a_garbled_2xx_to_a_post_is_unknown_not_retried() -> None:
    script = Script(Reply(201, text="<html>"), Reply(201, json={"id": 3}))
    with pytest.raises(OutcomeUnknownError):
        client_for(script).create_schedule(BODY)
    assert script.calls == 1


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ('{"id": "1009"}', "is a string"),
        ('{"id": 9223372036854775808}', "out of range"),
        ('{"id": 99999999999999999999999999}', "out of range"),
        ('{"id": true}', "is a bool"),
        ('{"id": 0}', "out of range"),
        ('{"id": -4}', "out of range"),
        ('{"id": 1.5}', "is a float"),
        ('{"name": "no id"}', "is missing"),
    ],
)
def test_a_hostile_id_is_a_protocol_error_never_an_overflow(answer: str, problem: str) -> None:
    script = Script(Reply(201, text=answer))
    with pytest.raises(ProtocolError, match=problem):
        client_for(script).create_schedule(BODY)
    assert script.calls == 1


@pytest.mark.parametrize("value", ['"2027-03-01T17:30:00.000"', "true", "1.5", "-1", "[1]"])
def test_a_live_next_interval_that_is_not_epoch_ms_is_a_protocol_error(value: str) -> None:
    script = Script(Reply(200, text=f'{{"id": 4, "nextInterval": {value}}}'))
    with pytest.raises(ProtocolError, match="not epoch milliseconds"):
        client_for(script).get_schedule(4)
    assert script.calls == 1


def test_a_body_over_the_cap_is_refused_and_not_retried() -> None:
    script = Script(Reply(200, content=b" " * (9 * 1024 * 1024)))
    with pytest.raises(ResponseTooLarge, match="8 MiB cap"):
        client_for(script).get_schedule(1)
    assert script.calls == 1


def test_a_gzip_bomb_is_stopped_at_the_cap() -> None:
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)
    script = Script(Reply(200, content=bomb, headers={"Content-Encoding": "gzip"}))
    with pytest.raises(ResponseTooLarge, match="decompressed"):
        client_for(script).list_saved_configs()


def test_a_gzip_answer_within_the_cap_is_read() -> None:
    body = gzip.compress(b'[{"id": 1, "name": "smoke"}]')
    script = Script(Reply(200, content=body, headers={"Content-Encoding": "gzip"}))
    assert client_for(script).list_saved_configs() == [{"id": 1, "name": "smoke"}]


def test_the_junit_notice_before_completion_is_report_not_ready() -> None:
    notice = "Report generation failed, Test plan run is not completed"
    script = Script(Reply(200, text=notice))
    with pytest.raises(ReportNotReady, match="not ready"):
        client_for(script).get_junit(12)


def test_garbage_answers_are_bad_responses_naming_the_call() -> None:
    for reply in (
        Reply(200, json=[1, 2]),
        Reply(302, headers={"Location": "https://elsewhere/login"}),
    ):
        with pytest.raises((BadResponseError, OutcomeUnknownError), match="POST /schedule_exec"):
            client_for(Script(reply)).create_schedule(BODY)


@pytest.mark.parametrize(
    "failure",
    [
        httpx.LocalProtocolError(f"Illegal header value b'Bearer {KEY}\\n'"),
        httpx.ConnectError(f"Authorization: Bearer {KEY}"),
        httpx.ReadError(f"headers {{'authorization': 'Bearer {KEY}'}}"),
    ],
)
def test_a_transport_error_text_never_reaches_a_message(failure: Exception) -> None:
    with pytest.raises(TransportError) as info:
        client_for(Script(failure), attempts=1).get_schedule(1)
    assert KEY not in str(info.value) and "Bearer" not in str(info.value)


def test_the_deadline_bounds_a_call_with_its_retries() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        time.sleep(0.05)
        return Reply(503).response()

    client = client_for(slow, attempts=1000, total=1.0)
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded, match="1 s deadline"):
        client.get_schedule(1)
    assert time.monotonic() - started < 1.0 + 0.5


def test_parse_retry_after_forms() -> None:
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("nan") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
