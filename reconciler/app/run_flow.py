"""The `run` use case: preflight -> trigger -> run-id file -> wait -> JUnit reports.

The command line turns its arguments into `RunRequest`s
(`app.run_requests.requests_for`), opens the client, and hands both to
`run_runs`, which sequences the I/O and returns a `RunResult`: the handles
triggered, how each wait ended, the reports saved, and the exit code they
mean. It prints nothing and never reads a terminal; what the user sees goes
through `RunHooks`: `triggered` (each run as it starts), `waiting` (a context
entered around the wait: the CLI points its signal handlers at `stop` and
shows its live board; it yields the callback that gets each change as one
line) and `saved_report` (each JUnit file written).

A stop (Ctrl-C or SIGTERM while waiting: `stop` is set and the client's
calls in flight are cancelled) ends the wait, never the runs; the calls are
allowed again afterwards so the reports of the runs already finished are
still saved.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from reconciler.app.run_requests import RunRequest, checked_requests
from reconciler.app.runs import (
    RunHandle,
    RunOutcome,
    RunState,
    describe_run,
    exit_code_for,
    save_junit,
    trigger,
    wait_for_runs,
    write_run_ids,
)
from reconciler.core.errors import EXIT_OK
from reconciler.testsigma.client import TestsigmaClient

#: The callback the wait calls with each change of a run, as one line.
OnChange = Callable[[RunHandle, str], None]


@dataclass(frozen=True, slots=True)
class RunOrder:
    """What `run` was asked: the requests, and how to wait and what to write."""

    requests: Sequence[RunRequest]
    preflight: bool = True
    wait: bool = False
    timeout: float = 3600.0
    poll_interval: float = 5.0
    junit: Path | None = None
    run_ids_file: Path | None = None


@dataclass(frozen=True, slots=True)
class RunHooks:
    """The moments the user sees (see the module docstring)."""

    triggered: Callable[[RunHandle], None]
    waiting: Callable[[Sequence[RunHandle], threading.Event], AbstractContextManager[OnChange]]
    saved_report: Callable[[RunHandle, Path], None]


@dataclass(frozen=True, slots=True)
class RunResult:
    """The runs triggered, and, when waited for, how each wait ended."""

    handles: tuple[RunHandle, ...]
    waited: bool = False
    outcomes: tuple[RunOutcome, ...] = ()
    #: The wait was stopped (a signal): the runs go on in Testsigma.
    stopped: bool = False
    reports: tuple[tuple[RunHandle, Path], ...] = ()

    @property
    def exit_code(self) -> int:
        """0 when not waited for or all passed; else README.md "Exit codes" (`exit_code_for`)."""
        return exit_code_for(self.outcomes) if self.waited else EXIT_OK


def run_runs(
    order: RunOrder,
    client: TestsigmaClient,
    hooks: RunHooks,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], object] | None = None,
) -> RunResult:
    """Check, trigger, and (with `order.wait`) wait and save the reports."""
    requests = checked_requests(order.requests, client, preflight=order.preflight)
    handles: list[RunHandle] = []
    for request in requests:
        handles.append(trigger(client, request))
        hooks.triggered(handles[-1])
    if order.run_ids_file is not None:
        write_run_ids(order.run_ids_file, [h.id for h in handles])
    if not order.wait:
        return RunResult(tuple(handles))
    stop = threading.Event()
    try:
        with hooks.waiting(handles, stop) as on_change:
            outcomes = wait_for_runs(
                client,
                handles,
                timeout=order.timeout,
                poll_interval=order.poll_interval,
                on_change=lambda handle, run: on_change(handle, describe_run(run)),
                stop=stop,
                clock=clock,
                sleep=sleep,
            )
    finally:
        client.cancellation.reset()  # the reports of completed runs can still be fetched
    reports = _save_reports(client, outcomes, order.junit, hooks) if order.junit else ()
    return RunResult(
        tuple(handles),
        waited=True,
        outcomes=tuple(outcomes),
        stopped=stop.is_set(),
        reports=reports,
    )


def _save_reports(
    client: TestsigmaClient, outcomes: Sequence[RunOutcome], junit: Path, hooks: RunHooks
) -> tuple[tuple[RunHandle, Path], ...]:
    """The JUnit report of each finished run; several runs add `-NAME` before the suffix."""
    saved: list[tuple[RunHandle, Path]] = []
    for outcome in outcomes:
        if outcome.state not in (RunState.PASSED, RunState.FAILED):
            continue
        target = junit
        if len(outcomes) > 1:
            label = outcome.handle.name or str(outcome.handle.id)
            target = junit.with_name(f"{junit.stem}-{label}{junit.suffix}")
        save_junit(client, outcome.handle.id, target)
        saved.append((outcome.handle, target))
        hooks.saved_report(outcome.handle, target)
    return tuple(saved)
