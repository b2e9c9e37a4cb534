"""In-process mode: an httpx transport over the sandbox's pipeline, no server thread."""

from __future__ import annotations

import threading

import httpx
import pytest
from sandbox_helpers import API_KEY, AUTH, schedule_body

from reconciler.sandbox import IN_PROCESS_URL, Sandbox, SandboxTransport


def client(sandbox: Sandbox) -> httpx.Client:
    return httpx.Client(transport=sandbox.transport(), base_url=IN_PROCESS_URL, headers=AUTH)


def test_in_process_needs_no_server_and_no_thread() -> None:
    threads = threading.active_count()
    sandbox = Sandbox(api_key=API_KEY)
    with client(sandbox) as http:
        created = http.post("/schedule_executions", json=schedule_body())
        assert created.status_code == 201
        assert http.get(f"/schedule_executions/{created.json()['id']}").json() == created.json()
        assert http.get("/test_plans").json()["totalElements"] == 7
    assert isinstance(sandbox.transport(), SandboxTransport)
    assert threading.active_count() == threads
    with pytest.raises(RuntimeError):
        _ = sandbox.url  # nothing is listening


def test_in_process_has_the_same_quirks() -> None:
    sandbox = Sandbox(api_key=API_KEY)
    with client(sandbox) as http:
        http.post("/schedule_executions", json=schedule_body(name="a"))
        http.post("/schedule_executions", json=schedule_body(name="a"))
        assert (
            http.get("/schedule_executions", params={"query": "name:a,b"}).json()["totalElements"]
            == 2
        )
        assert http.get("/schedule_executions", params={"query": "name:50%off"}).status_code == 500
        anonymous = http.get("/test_plans", headers={"Authorization": "Bearer nope"})
        assert (anonymous.status_code, anonymous.text) == (401, "Incorrect API Key")
        assert http.get("/_sandbox/clock").status_code == 404


def test_in_process_faults_drop_and_commit_then_fail() -> None:
    sandbox = Sandbox(api_key=API_KEY, fault_rate=1.0, faults=("drop_after_commit",))
    with client(sandbox) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            http.post("/schedule_executions", json=schedule_body())
        assert len(sandbox.schedules()) == 1
        sandbox.configure(fault_rate=0, commit_fail_next=1, commit_fail_statuses=[503])
        assert http.post("/schedule_executions", json=schedule_body()).status_code == 503
        assert len(sandbox.schedules()) == 2
