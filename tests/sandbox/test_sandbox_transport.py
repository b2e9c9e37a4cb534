"""Transport behaviour: overlapping latency, seeded faults, the request log."""

from __future__ import annotations

import socket
import struct
import threading
import time

import httpx
import pytest
from sandbox_helpers import API_KEY, AUTH, fast_client, schedule_body

from reconciler.sandbox import Sandbox, SandboxConfig


def test_latency_is_added_but_concurrent_calls_overlap(sandbox: Sandbox) -> None:
    sandbox.configure(latency_ms=200)
    callers = 10
    barrier = threading.Barrier(callers + 1)
    statuses: list[int] = []

    def call() -> None:
        with fast_client(sandbox.url, headers=AUTH) as http:
            barrier.wait()
            statuses.append(http.get("/test_plans").status_code)

    threads = [threading.Thread(target=call) for _ in range(callers)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    assert statuses == [200] * callers
    assert elapsed >= 0.2  # the latency is really there...
    assert elapsed < 5 * 0.2  # ...but ten calls overlap (serialised would be 2 s)


def outcomes(seed: int, calls: int = 40) -> list[str]:
    """What a plain client sees for `calls` sequential GETs under a seeded fault mix."""
    config = SandboxConfig(fault_seed=seed, fault_rate=0.5)
    seen: list[str] = []
    with (
        Sandbox(api_key=API_KEY, config=config) as sandbox,
        fast_client(sandbox.url, headers=AUTH) as http,
    ):
        for _ in range(calls):
            try:
                response = http.get("/test_plans")
            except httpx.RemoteProtocolError:
                seen.append("dropped")
                continue
            kind = (
                "json"
                if response.headers["content-type"].startswith("application/json")
                else "text"
            )
            seen.append(f"{response.status_code}/{kind}")
        logged = [r.fault or "-" for r in sandbox.requests()]
    assert len(logged) == calls
    return seen


def test_faults_reproduce_from_a_seed() -> None:
    first = outcomes(seed=7)
    assert first == outcomes(seed=7)
    assert first != outcomes(seed=8)
    assert "200/json" in first
    assert len(set(first)) >= 4  # a mix of faults, not one kind


@pytest.mark.parametrize(
    ("fault", "status"), [("500", 500), ("502", 502), ("503", 503), ("429", 429)]
)
def test_error_faults_answer_that_status_and_change_nothing(
    api: httpx.Client, sandbox: Sandbox, fault: str, status: int
) -> None:
    sandbox.configure(fault_rate=1.0, faults=(fault,), fault_seed=1)
    response = api.post("/schedule_executions", json=schedule_body())
    assert response.status_code == status
    if fault == "429":
        assert response.headers["Retry-After"] in ("0", "1")
    sandbox.configure(fault_rate=0)
    assert sandbox.schedules() == []
    [record] = sandbox.requests()
    assert (record.fault, record.status, record.committed) == (fault, status, False)


def test_garbage_answers_200_with_a_body_that_is_not_the_api_json(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.configure(fault_rate=1.0, faults=("garbage",))
    for _ in range(4):
        response = api.get("/saved_execution_configs")
        assert response.status_code == 200
        with pytest.raises(ValueError):
            response.json()


def test_drop_closes_the_connection_and_changes_nothing(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.configure(fault_rate=1.0, faults=("drop",))
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("/schedule_executions", json=schedule_body())
    assert sandbox.schedules() == []
    [record] = sandbox.requests()
    assert (record.fault, record.status, record.committed) == ("drop", None, False)


def test_drop_after_commit_takes_effect_without_an_answer(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.configure(fault_rate=1.0, faults=("drop_after_commit",))
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("/schedule_executions", json=schedule_body())
    [created] = sandbox.schedules()
    assert created["name"] == "checkout-nightly"
    with pytest.raises(httpx.RemoteProtocolError):
        api.delete(f"/schedule_executions/{created['id']}")
    assert sandbox.schedules() == []
    records = sandbox.requests()
    assert [(r.method, r.status, r.committed) for r in records] == [
        ("POST", None, True),
        ("DELETE", None, True),
    ]


def test_the_request_log_records_api_calls_but_not_control_calls(
    api: httpx.Client, control: httpx.Client, sandbox: Sandbox
) -> None:
    api.post("/schedule_executions", json=schedule_body())
    api.get("/schedule_executions", params={"query": "name:checkout-nightly", "page": "0"})
    api.get("/schedule_executions/4242")
    control.get("/clock")
    records = sandbox.requests()
    assert [(r.method, r.path, r.status) for r in records] == [
        ("POST", "/schedule_executions", 201),
        ("GET", "/schedule_executions", 200),
        ("GET", "/schedule_executions/4242", 404),
    ]
    assert records[0].body == schedule_body()
    assert records[1].query == {"query": "name:checkout-nightly", "page": "0"}
    over_http = control.get("/requests").json()
    assert [r["path"] for r in over_http] == [r.path for r in records]
    assert over_http[0]["body"] == schedule_body()
    assert control.delete("/requests").json() == {"cleared": 3}
    assert sandbox.requests() == []
    api.get("/test_plans")
    sandbox.clear_requests()
    assert sandbox.requests() == []


def test_the_config_can_change_over_http(control: httpx.Client, api: httpx.Client) -> None:
    changed = control.post("/config", json={"reads": False, "fail_plan_ids": [3857]})
    assert changed.status_code == 200
    assert changed.json()["reads"] is False and changed.json()["fail_plan_ids"] == [3857]
    assert api.get("/schedule_executions/1001").status_code == 405
    assert control.post("/config", json={"no_such_knob": 1}).status_code == 400
    assert control.post("/config", json={"faults": ["meteor"]}).status_code == 400


def test_a_client_that_hangs_up_leaves_no_traceback_on_stderr(
    capfd: pytest.CaptureFixture[str],
) -> None:
    """A killed client is routine: the sandbox must not print socketserver's traceback onto
    `sys.stderr`, which is the captured output of any command running in-process then."""
    with Sandbox(api_key=API_KEY, config=SandboxConfig(latency_ms=200)) as sandbox:
        baseline = threading.active_count()
        deadline = time.monotonic() + 10  # hang protection for the bounded polls below
        with socket.create_connection(("127.0.0.1", sandbox.port)) as raw:
            raw.sendall(
                b"GET /api/v1/schedule_executions HTTP/1.1\r\nHost: sandbox\r\n"
                + f"Authorization: Bearer {API_KEY}\r\n\r\n".encode()
            )
            while threading.active_count() == baseline and time.monotonic() < deadline:
                time.sleep(0.01)  # until a handler thread holds the request
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        while threading.active_count() > baseline and time.monotonic() < deadline:
            time.sleep(0.01)  # the handler answers into the reset connection, then ends
        assert threading.active_count() == baseline
    assert "Traceback" not in capfd.readouterr().err
