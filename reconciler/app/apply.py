"""The apply executor: sends a plan's changing actions and records each result.

Shell, not core: it talks to the client and the state store, both passed in.
Workers only make HTTP calls; the calling thread alone writes the state, so a
single-threaded store (SQLite) is safe, and each result is recorded the moment
it arrives, in its own transaction — an interrupted apply keeps everything
that completed. Before each request the journal gets the action's intent; a
definite answer (success or a clear refusal) closes the entry, while an
unknown outcome leaves it open for the next run to resolve.

At most `parallelism` requests are in flight; a failed action never stops the
others. Setting `stop` (on SIGINT/SIGTERM) stops launching new actions and
lets the in-flight ones finish and be recorded.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from reconciler.core.errors import ReconcilerError
from reconciler.core.model import Action, ActionKind, Plan, RecordedSchedule
from reconciler.core.ports import StateStore
from reconciler.engine.plan import body_to_send
from reconciler.testsigma.errors import (
    ApiError,
    AuthError,
    DuplicateNameError,
    NotFoundError,
    PastTimeError,
    RateLimited,
    RequestRejected,
    TransportError,
)

log = logging.getLogger(__name__)

#: Errors after which the server has certainly not acted: the journal entry is closed.
DEFINITE_REFUSALS: tuple[type[ApiError], ...] = (
    AuthError,
    DuplicateNameError,
    NotFoundError,
    PastTimeError,
    RateLimited,  # 429 until the deadline: refused every time
    RequestRejected,
    TransportError,  # includes DeadlineExceeded and Cancelled: raised only when nothing was sent
)


class ScheduleApi(Protocol):
    """The part of the Testsigma client the executor needs."""

    def create_schedule(self, body: dict[str, Any]) -> dict[str, Any]: ...

    def update_schedule(self, schedule_id: int, body: dict[str, Any]) -> dict[str, Any] | None: ...

    def delete_schedule(self, schedule_id: int) -> None: ...


class Outcome(StrEnum):
    OK = "ok"
    FAILED = "failed"
    UNKNOWN = "unknown"  # sent, no answer: left in the journal
    SKIPPED = "skipped"  # not launched (stopped by a signal)


@dataclass(frozen=True, slots=True)
class ActionResult:
    """What one action did."""

    action: Action
    outcome: Outcome
    id: int | None
    message: str


@dataclass(frozen=True, slots=True)
class ApplyReport:
    results: tuple[ActionResult, ...]
    serial: int
    interrupted: bool

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome is outcome)

    @property
    def ok(self) -> bool:
        return all(r.outcome is Outcome.OK for r in self.results)


def apply_plan(
    plan: Plan,
    *,
    client: ScheduleApi,
    store: StateStore,
    parallelism: int = 4,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    stop: threading.Event | None = None,
    on_result: Callable[[ActionResult], None] | None = None,
) -> ApplyReport:
    """Send every changing action of `plan`; record each success at once."""
    stop = stop or threading.Event()
    pending = iter(plan.changing_actions)
    results: list[ActionResult] = []
    in_flight: dict[Future[dict[str, Any] | None], tuple[Action, int, dict[str, Any] | None]] = {}

    def finish(result: ActionResult) -> None:
        results.append(result)
        if on_result is not None:
            on_result(result)

    bumped = False

    def changed() -> None:
        # The serial moves before the first record is written (not after the last), so a
        # run killed halfway has already made every plan saved before it stale.
        nonlocal bumped
        if not bumped:
            store.bump_serial()
            bumped = True

    with ThreadPoolExecutor(max_workers=max(1, parallelism), thread_name_prefix="apply") as pool:
        while True:
            while len(in_flight) < max(1, parallelism) and not stop.is_set():
                action = next(pending, None)
                if action is None:
                    break
                launched = _launch(action, pool=pool, client=client, store=store, clock=clock)
                if isinstance(launched, ActionResult):
                    finish(launched)
                else:
                    in_flight[launched[0]] = launched[1]
            if not in_flight:
                break
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                action, entry, body = in_flight.pop(future)
                finish(
                    _settle(
                        action,
                        future,
                        entry=entry,
                        body=body,
                        store=store,
                        clock=clock,
                        changed=changed,
                    )
                )
        for action in list(pending):
            finish(ActionResult(action, Outcome.SKIPPED, action.id, "not started: interrupted"))
    return ApplyReport(results=tuple(results), serial=store.serial, interrupted=stop.is_set())


def _launch(
    action: Action,
    *,
    pool: ThreadPoolExecutor,
    client: ScheduleApi,
    store: StateStore,
    clock: Callable[[], datetime],
) -> ActionResult | tuple[Future[dict[str, Any] | None], tuple[Action, int, dict[str, Any] | None]]:
    body: dict[str, Any] | None = None
    try:
        if action.kind is not ActionKind.DELETE:
            assert action.after is not None
            body = body_to_send(action.after, now=clock())
    except (ValueError, ReconcilerError) as exc:
        return ActionResult(action, Outcome.FAILED, action.id, str(exc))
    # The journal keeps the declared payload (anchor as declared): it is what gets
    # recorded if a later run finds and adopts the schedule this request created.
    entry = store.journal_intent(
        action=action.kind.value, name=action.name, schedule_id=action.id, payload=action.after
    )
    future: Future[dict[str, Any] | None] = pool.submit(_send, client, action, body)
    return future, (action, entry, body)


def _send(
    client: ScheduleApi, action: Action, body: dict[str, Any] | None
) -> dict[str, Any] | None:
    """The one request an action makes (runs on a worker thread)."""
    if action.kind is ActionKind.CREATE:
        assert body is not None
        return client.create_schedule(body)
    assert action.id is not None
    if action.kind is ActionKind.UPDATE:
        assert body is not None
        return client.update_schedule(action.id, body)
    client.delete_schedule(action.id)
    return None


def _settle(
    action: Action,
    future: Future[dict[str, Any] | None],
    *,
    entry: int,
    body: dict[str, Any] | None,
    store: StateStore,
    clock: Callable[[], datetime],
    changed: Callable[[], None],
) -> ActionResult:
    try:
        answer = future.result()
    except DEFINITE_REFUSALS as exc:
        store.journal_outcome(entry, outcome="failed", detail=exc.message)
        return ActionResult(action, Outcome.FAILED, action.id, _hint(action, exc))
    except ReconcilerError as exc:
        changed()  # the server may have acted
        log.warning("%s %s: outcome unknown: %s", action.kind.value, action.name, exc.message)
        return ActionResult(
            action,
            Outcome.UNKNOWN,
            action.id,
            f"{exc.message}; the outcome is unknown and is kept in the journal: "
            "the next run checks before doing anything again",
        )
    changed()
    applied_at = clock().astimezone(UTC).isoformat(timespec="seconds")
    if action.kind is ActionKind.DELETE:
        store.forget(action.name, journal_entry=entry)
        return ActionResult(action, Outcome.OK, action.id, "deleted")
    assert action.after is not None
    schedule_id = action.id
    if action.kind is ActionKind.CREATE:
        assert answer is not None
        schedule_id = int(answer["id"])
    assert schedule_id is not None
    store.record(
        RecordedSchedule(
            name=action.name, id=schedule_id, payload=dict(action.after), applied_at=applied_at
        ),
        journal_entry=entry,
    )
    sent = body["nextInterval"] if body else None
    rolled = (
        f" (anchor {action.after['nextInterval']} has passed; sent next occurrence {sent})"
        if sent is not None and sent != action.after["nextInterval"]
        else ""
    )
    verb = "created" if action.kind is ActionKind.CREATE else "updated"
    return ActionResult(action, Outcome.OK, schedule_id, f"{verb} id {schedule_id}{rolled}")


def _hint(action: Action, exc: ApiError) -> str:
    if isinstance(exc, DuplicateNameError):
        return (
            f"{exc.message}. A schedule named {action.name!r} already exists on the server but "
            f"is not recorded: adopt it with `reconciler import {action.name} ID` "
            "(its id is in the Testsigma UI)"
        )
    return exc.message
