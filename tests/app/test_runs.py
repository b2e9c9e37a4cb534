"""Partial runs and account reads over real HTTP against the sandbox (library level).

Waiting uses an injected clock and sleep (or a tiny real interval with the
stop event's wait), so no test really waits for a run.
"""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import API_KEY

from reconciler.app.account import read_account
from reconciler.app.run_requests import RunRequest, ad_hoc_request, request_for
from reconciler.app.runs import (
    RunHandle,
    RunState,
    RunWaitError,
    exit_code_for,
    save_junit,
    trigger,
    wait_for_runs,
    write_run_ids,
)
from reconciler.core.errors import EXIT_INTERRUPTED, InputError, Location
from reconciler.core.model import DesiredRun, DesiredSchedule, DesiredSet
from reconciler.engine.favourites import describe_favourite
from reconciler.engine.preflight import (
    TestPlanNameError,
    check_account,
    find_favourite,
    resolve_test_plan_name,
)
from reconciler.sandbox import Sandbox, SandboxConfig
from reconciler.testsigma.client import TestsigmaClient
from reconciler.testsigma.errors import NotFoundError, RequestRejected
from reconciler.testsigma.retry import RetryPolicy


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    # page_size_max=5: the seven seeded test plans come in two pages.
    # The account read pages /test_plans with sort=id,asc, so the order (and the order in
    # the ambiguous-name message) holds on a server whose lists are otherwise unordered.
    config = SandboxConfig(page_size_max=5)
    server = Sandbox(api_key=API_KEY, port=0, config=config)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[TestsigmaClient]:
    retry = RetryPolicy(max_attempts=2, base_delay=0.001, max_delay=0.01)
    with TestsigmaClient(base_url=sandbox.url, api_key=API_KEY, retry=retry) as api:
        yield api


class FakeTime:
    """A clock that moves only when slept on; records every pause."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.pauses: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds


def calls(sandbox: Sandbox, method: str, prefix: str) -> list[str]:
    return [r.path for r in sandbox.requests() if r.method == method and r.path.startswith(prefix)]


SMOKE = RunRequest(
    name="smoke", body={"executionId": 3857, "executionConfig": {"name": "smoke only"}}
)


# --- pass, fail, timeout, several ------------------------------------------------------


def test_a_passing_run_is_triggered_and_waited_for(
    client: TestsigmaClient, sandbox: Sandbox
) -> None:
    handle = trigger(client, SMOKE)
    assert handle.name == "smoke"
    assert handle.link == f"{sandbox.url.removesuffix('/api/v1')}/ui/runs/{handle.id}"
    seen: list[str] = []
    fake = FakeTime()
    [outcome] = wait_for_runs(
        client,
        [handle],
        timeout=60,
        poll_interval=2,
        on_change=lambda h, run: seen.append(f"{h.id} {run['status']}"),
        clock=fake.clock,
        sleep=fake.sleep,
    )
    assert outcome.state is RunState.PASSED and outcome.passed
    assert outcome.run["result"] == "SUCCESS"
    assert outcome.summary == "STATUS_COMPLETED, SUCCESS: 12 passed, 0 failed, 12 total"
    assert seen == [
        f"{handle.id} STATUS_QUEUED",
        f"{handle.id} STATUS_PRE_FLIGHT",
        f"{handle.id} STATUS_COMPLETED",
    ]
    assert fake.pauses == [2, 3]
    assert exit_code_for([outcome]) == 0
    assert sandbox.requests()[0].body == SMOKE.body


def test_a_run_of_the_failing_plan_fails_with_exit_1(client: TestsigmaClient) -> None:
    handle = trigger(client, RunRequest(name=None, body={"executionId": 4001}))
    fake = FakeTime()
    [outcome] = wait_for_runs(
        client, [handle], timeout=60, poll_interval=1, clock=fake.clock, sleep=fake.sleep
    )
    assert outcome.state is RunState.FAILED and not outcome.passed
    assert outcome.summary == "STATUS_COMPLETED, FAILURE: 10 passed, 2 failed, 12 total"
    assert exit_code_for([outcome]) == 1


def test_a_timeout_leaves_the_run_running_and_exits_4(
    client: TestsigmaClient, sandbox: Sandbox
) -> None:
    sandbox.configure(run_polls_to_complete=1000)
    handle = trigger(client, SMOKE)
    fake = FakeTime()
    [outcome] = wait_for_runs(
        client,
        [handle],
        timeout=1.0,
        poll_interval=0.1,
        max_interval=0.3,
        clock=fake.clock,
        sleep=fake.sleep,
    )
    # x1.5 per poll, capped at max_interval, the last pause cut to the deadline.
    assert fake.pauses == pytest.approx([0.1, 0.15, 0.225, 0.3, 0.225])
    assert outcome.state is RunState.TIMED_OUT
    assert outcome.run["status"] == "STATUS_IN_PROGRESS"
    assert "timed out after 1s" in outcome.summary
    assert f"smoke (run {handle.id}) was left running on Testsigma: {handle.link}" in (
        outcome.summary
    )
    assert exit_code_for([outcome]) == 4
    assert client.get_run(handle.id)["status"] != "STATUS_COMPLETED"
    assert {r.method for r in sandbox.requests()} == {"POST", "GET"}


def test_several_runs_are_waited_for_together_in_order(
    client: TestsigmaClient, sandbox: Sandbox
) -> None:
    requests = [
        RunRequest(name="a", body={"executionId": 3857}),
        RunRequest(name="b", body={"executionId": 4001}),
        RunRequest(name="c", body={"executionId": 3860, "executionConfig": {"id": 203}}),
    ]
    handles = [trigger(client, r) for r in requests]
    sandbox.configure(run_polls_to_complete=2)
    sandbox.clear_requests()
    fake = FakeTime()
    outcomes = wait_for_runs(
        client, handles, timeout=60, poll_interval=0.01, clock=fake.clock, sleep=fake.sleep
    )
    assert [(o.handle.name, o.state) for o in outcomes] == [
        ("a", RunState.PASSED),
        ("b", RunState.FAILED),
        ("c", RunState.PASSED),
    ]
    # Each run is polled until it completes, and not once more.
    polls = calls(sandbox, "GET", "/execution_results/")
    assert sorted(polls) == sorted(f"/execution_results/{h.id}" for h in handles for _ in range(2))
    assert exit_code_for(outcomes) == 1
    assert exit_code_for([outcomes[0], outcomes[2]]) == 0


def test_a_finished_run_is_not_polled_again_while_others_go_on(
    client: TestsigmaClient, sandbox: Sandbox
) -> None:
    quick = trigger(client, RunRequest(name="quick", body={"executionId": 3857}))
    sandbox.configure(run_polls_to_complete=4)
    slow = trigger(client, RunRequest(name="slow", body={"executionId": 3860}))
    client.get_run(quick.id)
    client.get_run(quick.id)  # two polls ahead: done after two more
    sandbox.clear_requests()
    fake = FakeTime()
    outcomes = wait_for_runs(
        client, [quick, slow], timeout=60, poll_interval=1, clock=fake.clock, sleep=fake.sleep
    )
    assert [o.state for o in outcomes] == [RunState.PASSED, RunState.PASSED]
    polls = calls(sandbox, "GET", "/execution_results/")
    assert polls.count(f"/execution_results/{quick.id}") == 2
    assert polls.count(f"/execution_results/{slow.id}") == 4


# --- Ctrl-C, poll errors ----------------------------------------------------------------


def test_stopping_the_wait_does_not_cancel_the_run(
    client: TestsigmaClient, sandbox: Sandbox
) -> None:
    sandbox.configure(run_polls_to_complete=5)
    handle = trigger(client, SMOKE)
    stop = threading.Event()

    def on_change(h: RunHandle, run: dict[str, Any]) -> None:
        if run["status"] == "STATUS_PRE_FLIGHT":
            stop.set()  # what the CLI's SIGINT handler does

    # The default sleep is stop.wait: a long interval, yet no real waiting once set.
    [outcome] = wait_for_runs(
        client, [handle], timeout=3600, poll_interval=0.01, on_change=on_change, stop=stop
    )
    assert outcome.state is RunState.WAIT_STOPPED
    assert "stopped waiting" in outcome.summary and "left running" in outcome.summary
    assert exit_code_for([outcome]) == EXIT_INTERRUPTED
    assert {r.method for r in sandbox.requests()} == {"POST", "GET"}
    assert len(calls(sandbox, "GET", "/execution_results/")) == 2
    # The run goes on to complete on the server.
    statuses = [client.get_run(handle.id)["status"] for _ in range(3)]
    assert statuses[-1] == "STATUS_COMPLETED"


def test_a_stop_already_set_ends_the_wait_after_one_look(client: TestsigmaClient) -> None:
    handle = trigger(client, SMOKE)
    stop = threading.Event()
    stop.set()
    [outcome] = wait_for_runs(client, [handle], timeout=60, poll_interval=5, stop=stop)
    assert outcome.state is RunState.WAIT_STOPPED


def test_polls_that_keep_failing_give_up_with_a_clear_error(
    client: TestsigmaClient, sandbox: Sandbox
) -> None:
    handle = trigger(client, SMOKE)
    sandbox.configure(fault_rate=1.0, faults=("500",))
    fake = FakeTime()
    with pytest.raises(RunWaitError) as caught:
        wait_for_runs(
            client, [handle], timeout=60, poll_interval=1, clock=fake.clock, sleep=fake.sleep
        )
    assert f"could not read smoke (run {handle.id}) 3 times in a row" in caught.value.message
    assert "the run may still be going on Testsigma" in caught.value.message


def test_a_poll_error_that_clears_up_is_ridden_out(
    client: TestsigmaClient, sandbox: Sandbox
) -> None:
    handle = trigger(client, SMOKE)
    sandbox.configure(fault_rate=1.0, faults=("500",))
    fake = FakeTime()

    def sleep(seconds: float) -> None:
        fake.sleep(seconds)
        if len(fake.pauses) == 2:
            sandbox.configure(fault_rate=0.0)

    [outcome] = wait_for_runs(
        client, [handle], timeout=60, poll_interval=1, clock=fake.clock, sleep=sleep
    )
    assert outcome.state is RunState.PASSED


def test_an_unknown_run_id_fails_at_once(client: TestsigmaClient) -> None:
    with pytest.raises(RunWaitError, match=r"could not read run 424242.*not cancelled"):
        wait_for_runs(
            client, [RunHandle(id=424242, link=None, name=None)], timeout=60, poll_interval=1
        )


# --- ad hoc requests ---------------------------------------------------------------


def test_an_ad_hoc_run_sends_exactly_the_flags(client: TestsigmaClient, sandbox: Sandbox) -> None:
    request = ad_hoc_request(
        execution_id=3857,
        config_name="smoke only",
        environment_id=10,
        build_no="1.9.26",
        runtime=["branch=main", "query=a=b", "empty="],
    )
    handle = trigger(client, request)
    assert handle.name is None and handle.link
    assert sandbox.requests()[-1].body == {
        "executionId": 3857,
        "executionConfig": {"name": "smoke only"},
        "environmentId": 10,
        "buildNo": "1.9.26",
        "runtimeData": {"branch": "main", "query": "a=b", "empty": ""},
    }
    by_id = ad_hoc_request(execution_id=3857, config_id=202)
    assert by_id.body == {"executionId": 3857, "executionConfig": {"id": 202}}


def test_bad_ad_hoc_flags_are_all_reported_together() -> None:
    with pytest.raises(InputError) as caught:
        ad_hoc_request(
            execution_id=0,
            config_name="smoke only",
            config_id=202,
            environment_id=-1,
            runtime=["novalue", "=x", "k=1", "k=2"],
        )
    assert [str(p) for p in caught.value.problems] == [
        "--execution-id: error: must be a positive test plan id, not 0",
        "--config-id: error: give --config-name or --config-id, not both",
        "--environment-id: error: must be a positive environment id, not -1",
        "--runtime: error: expected KEY=VALUE, got 'novalue'",
        "--runtime: error: expected KEY=VALUE, got '=x'",
        "--runtime: error: k is given twice",
    ]
    with pytest.raises(InputError, match="--execution-id: error: an ad hoc run needs"):
        ad_hoc_request(execution_id=None)


def test_an_unknown_favourite_is_refused_by_the_server(client: TestsigmaClient) -> None:
    with pytest.raises(RequestRejected, match="executionConfig"):
        trigger(client, ad_hoc_request(execution_id=3857, config_name="no such favourite"))


def test_a_declared_run_becomes_its_request(client: TestsigmaClient, sandbox: Sandbox) -> None:
    declared = DesiredRun(
        name="smoke-on-merge",
        body={"executionId": 3857, "runtimeData": {"branch": "main"}},
        location=Location("runs.yaml", 3),
    )
    handle = trigger(client, request_for(declared))
    assert handle.label == f"smoke-on-merge (run {handle.id})"
    assert sandbox.requests()[-1].body == {"executionId": 3857, "runtimeData": {"branch": "main"}}


# --- files ---------------------------------------------------------------------------


def test_the_junit_report_is_saved_as_valid_xml(
    client: TestsigmaClient, sandbox: Sandbox, tmp_path: Path
) -> None:
    sandbox.configure(run_polls_to_complete=1)
    handle = trigger(client, RunRequest(name=None, body={"executionId": 4001}))
    client.get_run(handle.id)
    target = tmp_path / "reports" / "junit.xml"
    assert save_junit(client, handle.id, target) == target
    suite = ET.parse(target).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("12", "2")
    assert [p.name for p in target.parent.iterdir()] == ["junit.xml"]  # no temp file left
    assert calls(sandbox, "GET", "/reports/junit/") == [f"/reports/junit/{handle.id}"]


def test_a_missing_report_writes_nothing(client: TestsigmaClient, tmp_path: Path) -> None:
    target = tmp_path / "junit.xml"
    target.write_text("previous", encoding="utf-8")
    with pytest.raises(NotFoundError):
        save_junit(client, 424242, target)
    assert target.read_text(encoding="utf-8") == "previous"


def test_run_ids_are_written_one_per_line(tmp_path: Path) -> None:
    target = write_run_ids(tmp_path / "out" / "run-ids.txt", [90001, 90002])
    assert target.read_text(encoding="utf-8") == "90001\n90002\n"


# --- account reads and preflight --------------------------------------------------------


class Rendezvous:
    """Delegates to the client, but each read first waits for the other to start.

    A barrier that only opens when both reads are in flight proves they run
    concurrently (sequential reads would break it after its timeout).
    """

    def __init__(self, client: TestsigmaClient) -> None:
        self.client = client
        self.barrier = threading.Barrier(2, timeout=5)

    def list_test_plans(self) -> list[dict[str, Any]]:
        self.barrier.wait()
        return self.client.list_test_plans()

    def list_saved_configs(self) -> list[dict[str, Any]]:
        self.barrier.wait()
        return self.client.list_saved_configs()


def test_the_account_is_read_concurrently_once_with_every_page(
    client: TestsigmaClient, sandbox: Sandbox
) -> None:
    account = read_account(Rendezvous(client))
    assert [p["id"] for p in account.test_plans] == [3857, 3858, 3859, 3860, 3861, 3862, 4001]
    assert [c["name"] for c in account.saved_configs] == [
        "fav_config_name",
        "smoke only",
        "reviewed by qa",
    ]
    assert sorted((r.path, r.query.get("page")) for r in sandbox.requests()) == [
        ("/saved_execution_configs", None),
        ("/test_plans", "0"),
        ("/test_plans", "1"),
    ]


def test_a_failed_account_read_raises_and_the_next_read_succeeds(
    client: TestsigmaClient, sandbox: Sandbox
) -> None:
    sandbox.configure(fault_rate=1.0, faults=("500",))
    with pytest.raises(Exception, match="answered 500"):
        read_account(client)
    sandbox.configure(fault_rate=0.0)
    assert len(read_account(client).test_plans) == 7


def test_preflight_against_the_sandbox_account(client: TestsigmaClient) -> None:
    account = read_account(client)
    where = Location("team.yaml", 2, 3)
    desired = DesiredSet(
        schedules=(
            DesiredSchedule(
                name="nightly",
                payload={"name": "nightly", "executionId": 3875},
                location=where,
            ),
        ),
        runs=(
            DesiredRun(
                name="smoke-on-merge",
                body={"executionId": 3857, "executionConfig": {"name": "smoke-only"}},
                location=Location("team.yaml", 9, 3),
            ),
            DesiredRun(
                name="ok",
                body={"executionId": 4001, "executionConfig": {"id": 203}},
                location=Location("team.yaml", 14, 3),
            ),
        ),
    )
    problems = check_account(desired, account.test_plans, account.saved_configs)
    assert [str(p) for p in problems] == [
        "team.yaml:2:3: error: schedule 'nightly': executionId 3875 is not a test plan of "
        "this account; did you mean 3857 ('Checkout regression')?",
        "team.yaml:9:3: error: run 'smoke-on-merge': no saved favourite is named "
        "'smoke-only'; did you mean 'smoke only'?",
    ]
    assert resolve_test_plan_name("Checkout regression", account.test_plans) == 3857
    with pytest.raises(TestPlanNameError, match=r"3858 .*3859"):
        resolve_test_plan_name("Smoke", account.test_plans)
    favourite = find_favourite({"name": "fav_config_name"}, account.saved_configs)
    assert favourite is not None
    assert describe_favourite(favourite) == "excludes suites 132, 130"
    reviewed = find_favourite({"id": 203}, account.saved_configs)
    assert reviewed is not None
    assert describe_favourite(reviewed) == "reviewed by 7; includes suites 101, 132"
