"""The `run` use case (`app.run_flow.run_runs`) over the sandbox's in-process transport.

The clock and the sleep are injected, so no test waits for a run; what the
user would see arrives through the hooks and is recorded here.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from helpers import API_KEY

from reconciler.app.run_flow import OnChange, RunHooks, RunOrder, run_runs
from reconciler.app.run_requests import AdHocFlags, RunRequest, requests_for
from reconciler.app.runs import RunHandle, RunState
from reconciler.core.errors import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TIMEOUT,
    InputError,
    Location,
    ReconcilerError,
)
from reconciler.core.model import DesiredRun, DesiredSet
from reconciler.sandbox import IN_PROCESS_URL, Sandbox, SandboxConfig
from reconciler.testsigma.client import TestsigmaClient
from reconciler.testsigma.retry import RetryPolicy

SMOKE = RunRequest(name="smoke", body={"executionId": 3857})
FLAKY = RunRequest(name="flaky", body={"executionId": 4001})


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(api_key=API_KEY, config=SandboxConfig(run_polls_to_complete=3))


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[TestsigmaClient]:
    retry = RetryPolicy(max_attempts=2, base_delay=0.001, max_delay=0.01)
    with TestsigmaClient(
        base_url=IN_PROCESS_URL, api_key=API_KEY, retry=retry, transport=sandbox.transport()
    ) as api:
        yield api


class Seen:
    """The hooks, recording what the user would be shown, in order."""

    def __init__(self, *, stop_after: int | None = None, on_stop: Any = None) -> None:
        self.lines: list[str] = []
        self.stop_after = stop_after  # set the stop (as a signal would) after N changes
        self.on_stop = on_stop
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def hooks(self) -> RunHooks:
        @contextmanager
        def waiting(handles: Sequence[RunHandle], stop: threading.Event) -> Iterator[OnChange]:
            self.lines.append(f"waiting for {len(handles)}")

            def on_change(handle: RunHandle, line: str) -> None:
                self.lines.append(f"{handle.label}: {line}")
                changes = sum(1 for x in self.lines if ": STATUS_" in x)
                if self.stop_after is not None and changes >= self.stop_after:
                    stop.set()
                    if self.on_stop is not None:
                        self.on_stop()

            yield on_change
            self.lines.append("stopped" if stop.is_set() else "done")

        return RunHooks(
            triggered=lambda h: self.lines.append(f"triggered {h.label}"),
            waiting=waiting,
            saved_report=lambda h, p: self.lines.append(f"saved {h.name} {p.name}"),
        )


def posts(sandbox: Sandbox) -> list[Any]:
    return [r for r in sandbox.requests() if r.method == "POST"]


def order(*requests: RunRequest, **kw: Any) -> RunOrder:
    return RunOrder(requests=requests, poll_interval=1, **kw)


def test_two_runs_are_checked_triggered_waited_for_and_reported(
    client: TestsigmaClient, sandbox: Sandbox, tmp_path: Path
) -> None:
    seen = Seen()
    result = run_runs(
        order(SMOKE, FLAKY, wait=True, junit=tmp_path / "junit.xml", run_ids_file=tmp_path / "ids"),
        client,
        seen.hooks(),
        clock=seen.clock,
        sleep=seen.sleep,
    )
    smoke, flaky = result.handles
    assert [o.state for o in result.outcomes] == [RunState.PASSED, RunState.FAILED]
    assert result.exit_code == EXIT_ERROR and not result.stopped
    started = [f"triggered {smoke.label}", f"triggered {flaky.label}"]
    assert seen.lines[:3] == [*started, "waiting for 2"]
    assert seen.lines[-3:] == ["done", "saved smoke junit-smoke.xml", "saved flaky junit-flaky.xml"]
    assert (tmp_path / "ids").read_text() == f"{smoke.id}\n{flaky.id}\n"
    assert (tmp_path / "junit-smoke.xml").read_bytes().startswith(b"<?xml")
    assert [p.body for p in posts(sandbox)] == [SMOKE.body, FLAKY.body]


def test_without_wait_the_runs_are_triggered_and_never_polled(
    client: TestsigmaClient, sandbox: Sandbox
) -> None:
    seen = Seen()
    result = run_runs(order(SMOKE), client, seen.hooks())
    assert result.exit_code == EXIT_OK and not result.waited and result.outcomes == ()
    assert seen.lines == [f"triggered {result.handles[0].label}"]
    assert not [r for r in sandbox.requests() if r.path.startswith("/execution_results/")]


def test_a_stop_ends_the_wait_not_the_run_and_the_client_works_again(
    client: TestsigmaClient, sandbox: Sandbox, tmp_path: Path
) -> None:
    """What SIGINT/SIGTERM do during `run --wait`: the CLI's handler sets `stop` and cancels
    the client's calls; the result says WAIT_STOPPED (exit 130), no run is cancelled, no
    report is fetched for an unfinished run, and the client's calls are allowed again."""
    sandbox.configure(run_polls_to_complete=10_000, run_seconds_to_complete=10_000)
    seen = Seen(stop_after=1, on_stop=client.cancel)
    result = run_runs(
        order(SMOKE, wait=True, junit=tmp_path / "j.xml"),
        client,
        seen.hooks(),
        clock=seen.clock,
        sleep=seen.sleep,
    )
    (outcome,) = result.outcomes
    assert result.stopped and outcome.state is RunState.WAIT_STOPPED
    assert result.exit_code == EXIT_INTERRUPTED
    assert "left running on Testsigma" in outcome.summary
    assert seen.lines[-1] == "stopped" and not (tmp_path / "j.xml").exists()
    assert not [r for r in sandbox.requests() if r.method == "DELETE"]
    assert client.get_run(outcome.handle.id)["status"] != "STATUS_COMPLETED"


def test_a_timeout_leaves_the_run_and_exits_4(client: TestsigmaClient, sandbox: Sandbox) -> None:
    sandbox.configure(run_polls_to_complete=10_000, run_seconds_to_complete=10_000)
    seen = Seen()
    result = run_runs(
        order(SMOKE, wait=True, timeout=5), client, seen.hooks(), clock=seen.clock, sleep=seen.sleep
    )
    assert [o.state for o in result.outcomes] == [RunState.TIMED_OUT]
    assert result.exit_code == EXIT_TIMEOUT and not result.stopped


def test_the_preflight_refuses_every_bad_run_before_any_starts(
    client: TestsigmaClient, sandbox: Sandbox
) -> None:
    bad = DesiredRun(
        name="no-plan",
        body={"executionId": 999999},
        location=Location("runs.yaml", 4, 5),
        field_locations={"executionId": Location("runs.yaml", 5, 18)},
    )
    ghost = RunRequest(name="no-plan", body=bad.body, declared=bad)
    with pytest.raises(InputError) as caught:
        run_runs(order(SMOKE, ghost), client, Seen().hooks())
    assert "runs.yaml:5:18" in str(caught.value.problems[0].location)
    assert posts(sandbox) == []


def test_a_test_plan_named_not_numbered_is_resolved_even_without_the_preflight(
    client: TestsigmaClient, sandbox: Sandbox
) -> None:
    named = DesiredRun(
        name="by-name", body={}, location=Location("r.yaml", 2, 5), test_plan="Flaky checkout"
    )
    request = RunRequest(name="by-name", body={}, test_plan="Flaky checkout", declared=named)
    run_runs(order(request, preflight=False), client, Seen().hooks())
    assert [p.body for p in posts(sandbox)] == [{"executionId": 4001}]


def test_a_failed_trigger_still_reports_the_runs_already_started(
    client: TestsigmaClient, sandbox: Sandbox
) -> None:
    """Triggering is not atomic: a user must learn the id of every run that did start."""
    seen = Seen()
    missing = RunRequest(name="gone", body={"executionId": 999999})
    with pytest.raises(ReconcilerError):
        run_runs(order(SMOKE, missing, preflight=False), client, seen.hooks())
    assert len(posts(sandbox)) == 2 and seen.lines == [seen.lines[0]]
    assert seen.lines[0].startswith("triggered smoke (run ")


# --- from the command line's words to requests ----------------------------------------

DECLARED = DesiredSet(
    runs=(
        DesiredRun(name="smoke", body={"executionId": 3857}, location=Location("r.yaml", 3, 5)),
        DesiredRun(name="full", body={"executionId": 3857}, location=Location("r.yaml", 6, 5)),
    )
)


def loader(calls: list[list[Path]]) -> Any:
    def load(paths: list[Path]) -> DesiredSet:
        calls.append(paths)
        return DECLARED

    return load


def test_names_and_paths_become_the_declared_requests_in_the_order_named(tmp_path: Path) -> None:
    calls: list[list[Path]] = []
    requests = requests_for(["full", str(tmp_path), "smoke"], ad_hoc=None, load=loader(calls))
    assert [r.name for r in requests] == ["full", "smoke"]
    assert calls == [[tmp_path]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["smoke"], "no YAML given"),
        ([], "name the runs to trigger"),
        (["smok", "."], "no run named 'smok' is declared under `runs:` (declared: full, smoke)"),
    ],
)
def test_what_cannot_be_resolved_is_named(args: list[str], message: str) -> None:
    with pytest.raises(ReconcilerError) as caught:
        requests_for(args, ad_hoc=None, load=loader([]))
    assert message in caught.value.message


def test_ad_hoc_flags_make_one_request_and_do_not_mix_with_names() -> None:
    flags = AdHocFlags(execution_id=3857, config_name="smoke only", runtime=("branch=main",))
    (request,) = requests_for([], ad_hoc=flags, load=loader([]))
    assert request.name is None
    assert request.body == {
        "executionId": 3857,
        "executionConfig": {"name": "smoke only"},
        "runtimeData": {"branch": "main"},
    }
    with pytest.raises(ReconcilerError, match="cannot be mixed with declared run names"):
        requests_for(["smoke"], ad_hoc=flags, load=loader([]))
