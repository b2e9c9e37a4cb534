"""Fault switches and serving switches: each off by default, each doing what it says.

Real HTTP, except the token bucket's refill, which is checked on the state
with an injected monotonic clock (no timing assertions).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from sandbox_helpers import API_KEY, AUTH, fast_client, schedule_body

from reconciler.sandbox import Sandbox, SandboxConfig
from reconciler.sandbox.state import SandboxState

HUGE = 2**63


@pytest.fixture
def plain() -> Iterator[Sandbox]:
    """A sandbox exactly as it starts with no switch at all."""
    with Sandbox(api_key=API_KEY) as running:
        yield running


def test_everything_is_off_by_default(plain: Sandbox) -> None:
    config = plain.config
    assert not (config.unique_names or config.replacing_put or config.control)
    assert (config.fault_rate, config.commit_fail_rate, config.commit_fail_next) == (0, 0, 0)
    assert (config.rate_limit, config.latency_ms, config.id_oddity_rate) == (0, 0, 0)
    assert config.id_oddities == ()


def test_control_endpoints_answer_404_unless_asked_for(plain: Sandbox) -> None:
    root = plain.url.removesuffix("/api/v1")
    with fast_client(root, headers=AUTH) as http:
        assert http.get("/_sandbox/clock").status_code == 404
        assert http.post("/_sandbox/config", json={"fault_rate": 1}).status_code == 404
        assert plain.config.fault_rate == 0
        plain.configure(control=True)
        assert http.get("/_sandbox/clock").status_code == 200


def test_ordered_lists_switch_pages_in_id_order_without_sort(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    ids = [sandbox.add_schedule_outside(schedule_body(name=f"s{i}"))["id"] for i in range(30)]
    unordered = api.get("/schedule_executions", params={"size": 100}).json()["content"]
    assert [s["id"] for s in unordered] != ids
    sandbox.configure(ordered_lists=True)
    ordered = api.get("/schedule_executions", params={"size": 100}).json()["content"]
    assert [s["id"] for s in ordered] == ids


# -- commit-then-fail ---------------------------------------------------------------


def test_commit_then_fail_for_the_next_n_changes(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.configure(commit_fail_next=2)
    posted = api.post("/schedule_executions", json=schedule_body())
    assert posted.status_code in (502, 503, 504)
    [created] = sandbox.schedules()  # applied although the answer was a gateway error
    assert api.get("/test_plans").status_code == 200  # reads are not counted
    put = api.put(f"/schedule_executions/{created['id']}", json={"comments": "changed"})
    assert put.status_code in (502, 503, 504)
    assert sandbox.schedules()[0]["comments"] == "changed"
    assert api.delete(f"/schedule_executions/{created['id']}").status_code == 202
    assert sandbox.config.commit_fail_next == 0
    records = [(r.method, r.committed, r.fault) for r in sandbox.requests()]
    assert records[0] == ("POST", True, f"commit_then_{posted.status_code}")
    assert records[2] == ("PUT", True, f"commit_then_{put.status_code}")
    assert records[3] == ("DELETE", True, None)


def test_commit_then_fail_by_rate_for_runs_too(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.configure(commit_fail_rate=1.0, commit_fail_statuses=[504], fault_seed=3)
    for _ in range(3):
        assert api.post("/execution_results", json={"executionId": 3857}).status_code == 504
    # Each trigger started a run: ids 90001.. exist.
    assert api.get("/execution_results/90003").status_code == 200


def test_a_refused_change_is_answered_as_refused_not_as_a_gateway_error(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.configure(commit_fail_next=1)
    assert api.post("/schedule_executions", json={"name": "x"}).status_code == 400
    assert sandbox.schedules() == []
    assert sandbox.config.commit_fail_next == 1  # a refusal does not use up the count
    assert api.post("/schedule_executions", json=schedule_body()).status_code >= 502


def commit_outcomes(seed: int) -> list[int]:
    config = SandboxConfig(fault_seed=seed, commit_fail_rate=0.5)
    with (
        Sandbox(api_key=API_KEY, config=config) as sandbox,
        fast_client(sandbox.url, headers=AUTH) as http,
    ):
        return [
            http.post("/schedule_executions", json=schedule_body(name=f"s{i}")).status_code
            for i in range(20)
        ]


def test_commit_then_fail_reproduces_from_its_seed() -> None:
    first = commit_outcomes(5)
    assert first == commit_outcomes(5)
    assert 201 in first and set(first) - {201}


# -- the rate limit -----------------------------------------------------------------


def test_over_the_rate_limit_answers_429_with_retry_after_and_does_nothing(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.configure(rate_limit=0.001, rate_limit_burst=1)  # one call per 1000 s
    assert api.get("/test_plans").status_code == 200
    limited = api.post("/schedule_executions", json=schedule_body())
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "1000"
    assert sandbox.schedules() == []
    assert sandbox.requests()[-1].fault == "rate_limit"


def test_a_429_window_for_the_next_n_calls(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.configure(throttle_next=2, throttle_retry_after=3)
    for _ in range(2):
        throttled = api.post("/schedule_executions", json=schedule_body())
        assert (throttled.status_code, throttled.headers["Retry-After"]) == (429, "3")
    assert sandbox.schedules() == []
    assert api.post("/schedule_executions", json=schedule_body()).status_code == 201


def test_the_token_bucket_refills_at_the_rate() -> None:
    now = [100.0]
    state = SandboxState(SandboxConfig(rate_limit=8), monotonic=lambda: now[0])
    assert [state.take_token() for _ in range(9)] == [None] * 8 + [1]
    now[0] += 0.125  # one token's worth
    assert state.take_token() is None
    assert state.take_token() == 1
    now[0] += 10  # a long pause refills up to the burst only
    assert [state.take_token() for _ in range(9)] == [None] * 8 + [1]


# -- odd ids ------------------------------------------------------------------------


def test_odd_ids_huge_string_and_reused(api: httpx.Client, sandbox: Sandbox) -> None:
    normal = api.post("/schedule_executions", json=schedule_body(name="normal")).json()
    sandbox.configure(id_oddities=["huge", "string", "reused"])
    huge = api.post("/schedule_executions", json=schedule_body(name="huge")).json()
    assert huge["id"] > HUGE
    assert api.get(f"/schedule_executions/{huge['id']}").json()["name"] == "huge"
    text = api.post("/schedule_executions", json=schedule_body(name="text")).json()
    assert isinstance(text["id"], str) and text["id"].isdigit()
    assert api.get(f"/schedule_executions/{text['id']}").json()["id"] == text["id"]
    reused = api.post("/schedule_executions", json=schedule_body(name="reused")).json()
    taken = {normal["id"], huge["id"], int(text["id"])}
    assert reused["id"] in taken  # the answer names another schedule's id...
    assert len(sandbox.schedules()) == 4  # ...while a new one was stored
    plain = api.post("/schedule_executions", json=schedule_body(name="plain")).json()
    assert isinstance(plain["id"], int) and plain["id"] not in taken


def test_odd_ids_by_rate_reproduce_from_the_seed() -> None:
    def ids(seed: int) -> list[object]:
        config = SandboxConfig(fault_seed=seed, id_oddity_rate=0.5)
        with (
            Sandbox(api_key=API_KEY, config=config) as sandbox,
            fast_client(sandbox.url, headers=AUTH) as http,
        ):
            return [
                http.post("/schedule_executions", json=schedule_body(name=f"{i}")).json()["id"]
                for i in range(12)
            ]

    first = ids(11)
    assert first == ids(11)
    assert any(isinstance(i, str) or i > HUGE for i in first)


# -- latency and the plain 504 fault ------------------------------------------------


def test_latency_jitter_is_drawn_from_the_seed_within_bounds() -> None:
    def draws(seed: int) -> list[float]:
        state = SandboxState(SandboxConfig(fault_seed=seed, latency_ms=5, latency_jitter_ms=20))
        return [state.latency_seconds() for _ in range(10)]

    assert draws(1) == draws(1)
    assert all(0.005 <= d <= 0.025 for d in draws(1))
    assert len(set(draws(1))) > 1


def test_a_504_fault_answers_504_and_changes_nothing(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.configure(fault_rate=1.0, faults=["504"])
    assert api.post("/schedule_executions", json=schedule_body()).status_code == 504
    assert sandbox.schedules() == []


# -- the switches on the command lines ----------------------------------------------


def serve(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, *args, "--port", "0", "--api-key", API_KEY],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def listening_url(process: subprocess.Popen[str]) -> str:
    assert process.stderr is not None
    for line in process.stderr:
        found = re.search(r"(http://127\.0\.0\.1:\d+/api/v1)", line)
        if found:
            return found.group(1)
    raise AssertionError("the sandbox exited before listening")


@pytest.mark.parametrize(
    "entry", [["-m", "reconciler.sandbox"], ["-m", "reconciler", "sandbox"]], ids=["module", "cli"]
)
def test_command_line_switches(entry: list[str]) -> None:
    process = serve(*entry, "--unique-names", "--replacing-put", "--control")
    try:
        url = listening_url(process)
        with fast_client(url, headers=AUTH) as http:
            created = http.post("/schedule_executions", json=schedule_body()).json()
            assert http.post("/schedule_executions", json=schedule_body()).status_code == 422
            body = schedule_body(comments=None)
            replaced = http.put(f"/schedule_executions/{created['id']}", json=body).json()
            assert replaced["comments"] is None
            root = url.removesuffix("/api/v1")
            assert http.get(f"{root}/_sandbox/clock").status_code == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) in (0, 130)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
