"""On-demand partial runs: trigger, wait for the verdict, save the reports (shell).

The other half of Testsigma's partial-run API (docs/API.md "Test plans,
favourites and runs"). This module holds the pieces; `reconciler.app.run_flow`
sequences them for `reconciler run`; it prints nothing. Its pieces:

- `RunRequest` (what to post) comes from `reconciler.app.run_requests`;
- `trigger` posts it and returns a `RunHandle` (id, link, name);
- `wait_for_runs` polls every unfinished run with a growing interval until
  each completes, the timeout passes (the run is left running) or `stop` is
  set (Ctrl-C stops the waiting, never the run). Progress goes to an
  `on_change` callback so the CLI decides how to show it. The clock and the
  sleep are injectable, and the default sleep is `stop.wait`, so Ctrl-C is
  prompt and tests need no real waiting;
- `exit_code_for` turns outcomes into the exit code README.md "Exit codes" defines;
- `save_junit` / `write_run_ids` write files atomically (temp file + rename),
  so a CI step never reads half a report.
"""

from __future__ import annotations

import logging
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from reconciler.app.fileio import write_atomically
from reconciler.app.run_requests import RunRequest
from reconciler.core.errors import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TIMEOUT,
    ReconcilerError,
)
from reconciler.core.payload import JsonValue, RunBody
from reconciler.testsigma.errors import (
    ApiError,
    BadResponseError,
    ServerError,
    TransportError,
)
from reconciler.testsigma.responses import require_id

log = logging.getLogger(__name__)

COMPLETED = "STATUS_COMPLETED"
PASSING_RESULTS = frozenset({"SUCCESS", "PASSED"})
#: Consecutive failed polls of one run (each already retried by the client) before giving up.
MAX_POLL_FAILURES = 3
_TRANSIENT = (ServerError, TransportError, BadResponseError)
_LINK_KEYS = ("app_url", "appUrl", "url", "link", "runUrl")
_COUNTERS = (
    ("passedCount", "passed"),
    ("failedCount", "failed"),
    ("abortedCount", "aborted"),
    ("stoppedCount", "stopped"),
    ("notExecutedCount", "not executed"),
    ("queuedCount", "queued"),
)


class RunsClient(Protocol):
    """The calls this module makes (`TestsigmaClient` has them)."""

    def trigger_run(self, body: RunBody) -> dict[str, JsonValue]: ...

    def get_run(self, run_id: int) -> dict[str, JsonValue]: ...

    def get_junit(self, run_id: int) -> bytes: ...


class RunWaitError(ReconcilerError):
    """Polling a run kept failing; the run itself may well still be going."""


@dataclass(frozen=True, slots=True)
class RunHandle:
    """A triggered run: its id, the link Testsigma gave (if any), and the declared name."""

    id: int
    link: str | None
    name: str | None

    @property
    def label(self) -> str:
        """How messages name the run: `smoke-on-merge (run 90001)` or `run 90001`."""
        return f"{self.name} (run {self.id})" if self.name else f"run {self.id}"


class RunState(StrEnum):
    PASSED = "PASSED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    WAIT_STOPPED = "WAIT_STOPPED"


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """How waiting for one run ended: the last run JSON seen, the verdict, one line."""

    handle: RunHandle
    run: Mapping[str, JsonValue]
    state: RunState
    summary: str

    @property
    def passed(self) -> bool:
        return self.state is RunState.PASSED


# --- trigger and wait ------------------------------------------------------------


def trigger(client: RunsClient, request: RunRequest) -> RunHandle:
    """POST the request; the handle of the run Testsigma started."""
    run = client.trigger_run(request.body)
    link = next((v for k in _LINK_KEYS if isinstance(v := run.get(k), str) and v), None)
    run_id = require_id(run, "POST /execution_results", what="the started run")
    handle = RunHandle(id=run_id, link=link, name=request.name)
    log.info("triggered %s: %s", handle.label, link or "no link given")
    return handle


def wait_for_runs(
    client: RunsClient,
    handles: Sequence[RunHandle],
    *,
    timeout: float,
    poll_interval: float,
    max_interval: float = 30.0,
    on_change: Callable[[RunHandle, dict[str, JsonValue]], None] | None = None,
    stop: threading.Event | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], object] | None = None,
) -> list[RunOutcome]:
    """Poll every unfinished run until all complete, `timeout` passes, or `stop` is set.

    The interval starts at `poll_interval` and grows x1.5 per round, capped
    at `max_interval`. `on_change(handle, run)` is called whenever a run's
    status, result or counters differ from the last poll (and on the first).
    Outcomes come back in the order of `handles`. Raises RunWaitError when
    one run cannot be read `MAX_POLL_FAILURES` times in a row.
    """
    if poll_interval <= 0:
        raise ReconcilerError(f"the poll interval must be positive, not {poll_interval}")
    if timeout < 0:
        raise ReconcilerError(f"the timeout must not be negative, not {timeout}")
    stop = stop or threading.Event()
    pause = sleep or stop.wait
    deadline = clock() + timeout
    interval = poll_interval
    rounds = _Rounds(client, on_change, stop)
    outcomes, last = rounds.outcomes, rounds.last
    while True:
        rounds.poll(handles)
        if len(outcomes) == len({h.id for h in handles}):
            break
        if stop.is_set():
            _settle_rest(handles, outcomes, last, RunState.WAIT_STOPPED, timeout=timeout)
            break
        remaining = deadline - clock()
        if remaining <= 0:
            _settle_rest(handles, outcomes, last, RunState.TIMED_OUT, timeout=timeout)
            break
        pause(min(interval, remaining))
        interval = min(interval * 1.5, max_interval)
        if stop.is_set():
            _settle_rest(handles, outcomes, last, RunState.WAIT_STOPPED, timeout=timeout)
            break
    return [outcomes[h.id] for h in handles]


class _Rounds:
    """What the wait knows between rounds: last answers, signatures, failures, verdicts."""

    def __init__(
        self,
        client: RunsClient,
        on_change: Callable[[RunHandle, dict[str, JsonValue]], None] | None,
        stop: threading.Event,
    ) -> None:
        self.client, self.on_change, self.stop = client, on_change, stop
        self.last: dict[int, dict[str, JsonValue]] = {}
        self.seen: dict[int, tuple[object, ...]] = {}
        self.failures: dict[int, int] = {}
        self.outcomes: dict[int, RunOutcome] = {}

    def poll(self, handles: Sequence[RunHandle]) -> None:
        """One round: read every unfinished run once (until `stop` is set)."""
        for handle in handles:
            if self.stop.is_set():
                break
            if handle.id in self.outcomes:
                continue
            run = _poll(self.client, handle, self.failures)
            if run is None:
                continue
            self.last[handle.id] = run
            signature = _signature(run)
            if self.seen.get(handle.id) != signature:
                self.seen[handle.id] = signature
                if self.on_change is not None:
                    self.on_change(handle, run)
            if run.get("status") == COMPLETED:
                self.outcomes[handle.id] = _verdict(handle, run)


def _poll(
    client: RunsClient, handle: RunHandle, failures: dict[int, int]
) -> dict[str, JsonValue] | None:
    try:
        run = client.get_run(handle.id)
    except _TRANSIENT as exc:
        failures[handle.id] = failures.get(handle.id, 0) + 1
        if failures[handle.id] >= MAX_POLL_FAILURES:
            raise RunWaitError(
                f"could not read {handle.label} {failures[handle.id]} times in a row "
                f"(last: {exc}); the run may still be going on Testsigma"
                + (f": {handle.link}" if handle.link else "")
            ) from exc
        log.warning("could not read %s (%s); will try again", handle.label, exc)
        return None
    except ApiError as exc:
        raise RunWaitError(
            f"could not read {handle.label}: {exc}; the run was not cancelled"
        ) from exc
    failures[handle.id] = 0
    return run


def _signature(run: Mapping[str, JsonValue]) -> tuple[object, ...]:
    counters = tuple(sorted((k, repr(v)) for k, v in run.items() if k.endswith("Count")))
    return (run.get("status"), run.get("result"), counters)


def _verdict(handle: RunHandle, run: dict[str, JsonValue]) -> RunOutcome:
    passed = run.get("result") in PASSING_RESULTS
    state = RunState.PASSED if passed else RunState.FAILED
    return RunOutcome(handle=handle, run=run, state=state, summary=describe_run(run))


def _settle_rest(
    handles: Iterable[RunHandle],
    outcomes: dict[int, RunOutcome],
    last: Mapping[int, dict[str, JsonValue]],
    state: RunState,
    *,
    timeout: float,
) -> None:
    for handle in handles:
        if handle.id in outcomes:
            continue
        run = last.get(handle.id, {"id": handle.id})
        timed_out = state is RunState.TIMED_OUT
        why = f"timed out after {timeout:g}s" if timed_out else "stopped waiting"
        summary = f"{why} ({describe_run(run)}); {handle.label} was left running on Testsigma" + (
            f": {handle.link}" if handle.link else ""
        )
        outcomes[handle.id] = RunOutcome(handle=handle, run=run, state=state, summary=summary)


def describe_run(run: Mapping[str, JsonValue]) -> str:
    """One line: status, result and counters, e.g. `STATUS_COMPLETED, SUCCESS: 12 passed ...`."""
    status = run.get("status") or "status unknown"
    result = run.get("result") or "no result yet"
    always = ("passedCount", "failedCount")
    counts = [
        f"{run[key]} {word}"
        for key, word in _COUNTERS
        if key in run and (key in always or run[key] not in (None, 0))
    ]
    if "totalCount" in run:
        counts.append(f"{run['totalCount']} total")
    return f"{status}, {result}" + (f": {', '.join(counts)}" if counts else "")


def exit_code_for(outcomes: Iterable[RunOutcome]) -> int:
    """0 when every run passed; 1 when any failed; else 130 if the wait was
    stopped; else 4 when any timed out (README.md "Exit codes")."""
    states = {o.state for o in outcomes}
    if RunState.FAILED in states:
        return EXIT_ERROR
    if RunState.WAIT_STOPPED in states:
        return EXIT_INTERRUPTED
    if RunState.TIMED_OUT in states:
        return EXIT_TIMEOUT
    return EXIT_OK


# --- files -------------------------------------------------------------------------


def save_junit(client: RunsClient, run_id: int, path: Path | str) -> Path:
    """Fetch the run's JUnit XML and write it to `path` atomically.

    Refuses (BadResponseError) an answer that is not XML, leaving `path` alone.
    """
    report = client.get_junit(run_id)
    try:
        ET.fromstring(report)
    except ET.ParseError as exc:
        raise BadResponseError(
            f"GET /reports/junit/{run_id}", f"the JUnit report is not valid XML ({exc})"
        ) from None
    write_atomically(Path(path), report)
    return Path(path)


def write_run_ids(path: Path | str, ids: Iterable[int]) -> Path:
    """Write run ids to `path`, one per line, atomically (for later CI steps)."""
    write_atomically(Path(path), "".join(f"{run_id}\n" for run_id in ids))
    return Path(path)
