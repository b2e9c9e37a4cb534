"""The executor: sends changing actions, journals them, records each result (shell).

Workers only make HTTP calls; the calling thread alone writes the state, so a
single-threaded store (SQLite) is safe. The journal rule: an action's intent
is durable before its request leaves, and its result is durable before it is
reported. Both are group-committed: the intents of one launch wave are one
transaction, and the results that arrived together are another, so the
number of commits (fsyncs) grows with waves, not actions, and apply follows
the network rather than the disk.

A rename (`moved:`) is one PUT to the recorded id with the full body under the
new name (journal intent "rename"); on success the old record is removed and
the new one written in the same transaction. A replace is a DELETE then a
CREATE: after the DELETE the record is forgotten (journal closed) before the
CREATE's intent is written, so a kill between the two leaves a
declared-but-unrecorded schedule that the next plan creates, after checking by
name that it does not exist. A create answered with an id we already record
under another name is an unknown, never a record.

At most `parallelism` requests are in flight; a failed action never stops the
others. Setting `stop` (on SIGINT/SIGTERM) stops launching new actions and
lets the in-flight ones finish and be recorded. Before each launch wave the
store confirms it still holds the lock (`ensure_locked`); a lost lock raises
LockLost at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from reconciler.app.results import ActionResult, Outcome, ScheduleApi
from reconciler.core.errors import ReconcilerError
from reconciler.core.model import Action, ActionKind, RecordedSchedule, SchedulePayload
from reconciler.core.ports import LockLost, StateStore
from reconciler.engine.plan import body_to_send
from reconciler.testsigma.errors import (
    ApiError,
    AuthError,
    BadResponseError,
    DuplicateNameError,
    NotFoundError,
    PastTimeError,
    RateLimited,
    RequestRejected,
    TransportError,
)
from reconciler.testsigma.live import schedule_id

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


@dataclass(frozen=True, slots=True)
class _Step:
    """One request of an action: a replace is a DELETE step, then a CREATE step."""

    action: Action
    kind: ActionKind  # CREATE, UPDATE, RENAME or DELETE
    body: SchedulePayload | None


_InFlight = dict[Future[dict[str, Any] | None], tuple[_Step, int]]


class Executor:
    """Runs one plan's actions; see the module docstring for the rules."""

    def __init__(
        self,
        *,
        client: ScheduleApi,
        store: StateStore,
        parallelism: int,
        clock: Callable[[], datetime],
        stop: threading.Event,
        on_result: Callable[[ActionResult], None] | None,
        defer_unknown: bool = False,
    ) -> None:
        self.client = client
        self.store = store
        self.parallelism = max(1, parallelism)
        self.clock = clock
        self.stop = stop
        self.on_result = on_result
        #: Unknown results are reported by the caller once it has tried to settle them.
        self.defer_unknown = defer_unknown
        self.changed_anything = False
        self._reported: list[ActionResult] = []
        #: Recorded ids by owner name, kept current as this run records and forgets.
        self._owners: dict[int, str] | None = None

    def owner_of(self, schedule_id: int) -> str | None:
        """The name `schedule_id` is recorded under (this run's writes included)."""
        if self._owners is None:
            self._owners = {r.id: r.name for r in self.store.read_all().values()}
        return self._owners.get(schedule_id)

    def tell(self, result: ActionResult) -> None:
        """Report `result` to the caller's callback, once."""
        if any(r is result for r in self._reported):
            return
        self._reported.append(result)
        if self.on_result is not None:
            self.on_result(result)

    def changed(self) -> None:
        # The serial moves before the first record is written (not after the last), so a
        # run killed halfway has already made every plan saved before it stale.
        if not self.changed_anything:
            self.store.bump_serial()
            self.changed_anything = True

    def run(self, actions: list[Action]) -> list[ActionResult]:
        """Send `actions`; returns their final results (replaces count once)."""
        pending = [self._first_step(a) for a in actions]
        pending.reverse()  # pop() from the end keeps the plan's order
        finished: list[ActionResult] = []
        in_flight: _InFlight = {}
        with ThreadPoolExecutor(self.parallelism, thread_name_prefix="apply") as pool:
            with self.store.batch():
                wave, ready = self._journal_wave(pending, in_flight)
            self._submit(wave, in_flight, pool)
            self._report(ready, finished)
            while in_flight:
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                settled: list[ActionResult] = []
                lost: LockLost | None = None
                # One transaction (one fsync) for the results that arrived and the intents
                # of the wave they make room for: results are durable before they are
                # reported, intents before their requests leave (both after the COMMIT).
                with self.store.batch():
                    for future in done:
                        step, entry = in_flight.pop(future)
                        result = self._settle(step, future, entry)
                        if isinstance(result, _Step):
                            pending.append(result)  # the CREATE half of a replace, next
                        else:
                            settled.append(result)
                    try:
                        wave, ready = self._journal_wave(pending, in_flight)
                    except LockLost as exc:  # the results above are still committed
                        wave, ready, lost = [], [], exc
                self._submit(wave, in_flight, pool)
                self._report(settled, finished)
                self._report(ready, finished)
                if lost is not None:
                    raise lost
        for item in reversed(pending):
            if isinstance(item, ActionResult):
                self._report([item], finished)
                continue
            skipped = ActionResult(
                item.action, Outcome.SKIPPED, item.action.id, "not started: interrupted"
            )
            self._report([skipped], finished)
        return finished

    def _report(self, results: list[ActionResult], into: list[ActionResult]) -> None:
        for result in results:
            into.append(result)
            if not (self.defer_unknown and result.outcome is Outcome.UNKNOWN):
                self.tell(result)

    def _first_step(self, action: Action) -> _Step | ActionResult:
        if action.kind in (ActionKind.DELETE, ActionKind.REPLACE):
            return _Step(action, ActionKind.DELETE, None)
        return self._body_step(action, action.kind)

    def _body_step(self, action: Action, kind: ActionKind) -> _Step | ActionResult:
        assert action.after is not None
        try:
            # A PUT (update or rename) sends every field: the server merges.
            update = kind in (ActionKind.UPDATE, ActionKind.RENAME)
            body = body_to_send(action.after, now=self.clock(), update=update, anchor=action.anchor)
        except (ValueError, ReconcilerError) as exc:
            return ActionResult(action, Outcome.FAILED, action.id, str(exc))
        return _Step(action, kind, body)

    def _journal_wave(
        self, pending: list[_Step | ActionResult], in_flight: _InFlight
    ) -> tuple[list[tuple[_Step, int]], list[ActionResult]]:
        """Journal the intents of every step that fits, in the caller's transaction.

        Returns the steps with their journal entries (to `_submit` once committed) and
        the results that were ready without a request.
        """
        wave: list[_Step] = []
        ready: list[ActionResult] = []
        while pending and len(in_flight) + len(wave) < self.parallelism and not self.stop.is_set():
            item = pending.pop()
            if isinstance(item, ActionResult):
                ready.append(item)
            else:
                wave.append(item)
        if not wave:
            return [], ready
        # LockLost: launch nothing more (the in-flight requests finish; their journal
        # entries stay open for the next run to resolve).
        self.store.ensure_locked()
        entries = [
            self.store.journal_intent(
                action=step.kind.value,
                name=_journal_name(step),
                schedule_id=step.action.id if step.kind is not ActionKind.CREATE else None,
                # The declared payload (anchor as declared): what gets recorded if a
                # later run finds and adopts the schedule this request created.
                payload=step.action.after,
            )
            for step in wave
        ]
        return list(zip(wave, entries, strict=True)), ready

    def _submit(
        self, wave: list[tuple[_Step, int]], in_flight: _InFlight, pool: ThreadPoolExecutor
    ) -> None:
        """Send the journalled steps (call only once their intents are committed)."""
        for step, entry in wave:
            in_flight[pool.submit(_send, self.client, step)] = (step, entry)

    def _settle(
        self, step: _Step, future: Future[dict[str, Any] | None], entry: int
    ) -> ActionResult | _Step:
        action = step.action
        try:
            answer = future.result()
            created_id = _created_id(step, answer)
        except NotFoundError as exc:
            if step.kind is not ActionKind.DELETE:
                return self._refused(step, entry, exc)
            answer, created_id = None, None  # already gone: what a delete wanted
        except DEFINITE_REFUSALS as exc:
            return self._refused(step, entry, exc)
        except ReconcilerError as exc:
            return self._unknown(step, entry, exc)
        if created_id is not None and self.owner_of(created_id) not in (None, action.name):
            # A "new" id we already record under another name: the answer cannot be
            # trusted, so nothing is recorded from it; the lookup by name settles it.
            return self._unknown(
                step,
                entry,
                BadResponseError(
                    "POST /schedule_executions",
                    f"the server answered id {created_id}, which is already recorded as "
                    f"{self.owner_of(created_id)!r}",
                ),
            )
        self.changed()
        if step.kind is ActionKind.DELETE:
            self.forget(action.renamed_from or action.name, entry)
            if action.kind is ActionKind.REPLACE:
                return self._body_step(action, ActionKind.CREATE)
            return ActionResult(action, Outcome.OK, action.id, "deleted")
        new_id = created_id if created_id is not None else action.id
        assert new_id is not None
        self.record(action, new_id, entry)
        return ActionResult(action, Outcome.OK, new_id, _done_message(step, new_id))

    def _unknown(self, step: _Step, entry: int, exc: ReconcilerError) -> ActionResult:
        action = step.action
        self.changed()  # the server may have acted
        log.warning("%s %s: outcome unknown: %s", step.kind.value, action.name, exc.message)
        status = exc.status if isinstance(exc, ApiError) else None
        message = (
            f"{exc.message}; the outcome is unknown and is kept in the journal: "
            "the next run checks before doing anything again"
        )
        return ActionResult(
            action,
            Outcome.UNKNOWN,
            action.id,
            message,
            entry=entry,
            status=status,
            detail=exc.message,
        )

    def forget(self, name: str, entry: int) -> None:
        self.store.forget(name, journal_entry=entry)
        if self._owners is not None:
            self._owners = {i: n for i, n in self._owners.items() if n != name}

    def _refused(self, step: _Step, entry: int, exc: ApiError) -> ActionResult:
        self.store.journal_outcome(entry, outcome="failed", detail=exc.message)
        return ActionResult(step.action, Outcome.FAILED, step.action.id, _hint(step.action, exc))

    def record(self, action: Action, new_id: int, entry: int) -> None:
        assert action.after is not None
        applied_at = self.clock().astimezone(UTC).isoformat(timespec="seconds")
        record = RecordedSchedule(action.name, new_id, action.after.copy(), applied_at)
        if action.kind is ActionKind.RENAME and action.renamed_from is not None:
            # In the caller's batch: the old record goes with the new one's write, atomically.
            self.store.forget(action.renamed_from)
        self.store.record(record, journal_entry=entry)
        if self._owners is not None:
            self._owners = {i: n for i, n in self._owners.items() if n != action.renamed_from}
            self._owners[new_id] = action.name


def _journal_name(step: _Step) -> str:
    """The name a step's journal entry carries: a DELETE's is the name it is recorded under."""
    action = step.action
    if step.kind is ActionKind.DELETE and action.renamed_from is not None:
        return action.renamed_from
    return action.name


def _send(client: ScheduleApi, step: _Step) -> dict[str, Any] | None:
    """The one request a step makes (runs on a worker thread)."""
    if step.kind is ActionKind.CREATE:
        assert step.body is not None
        return client.create_schedule(step.body)
    assert step.action.id is not None
    if step.kind in (ActionKind.UPDATE, ActionKind.RENAME):
        assert step.body is not None  # the full body: a merging PUT keeps what is left out
        return client.update_schedule(step.action.id, step.body)
    client.delete_schedule(step.action.id)
    return None


def _created_id(step: _Step, answer: dict[str, Any] | None) -> int | None:
    """The id a create was given; an answer we cannot trust makes the outcome unknown."""
    if step.kind is not ActionKind.CREATE:
        return None
    assert answer is not None
    return schedule_id(answer.get("id"), "POST /schedule_executions")


def _done_message(step: _Step, new_id: int) -> str:
    old = step.action.renamed_from
    verb = {"create": "created", "update": "updated", "rename": f"renamed from {old!r}, kept"}[
        step.kind.value
    ]
    if step.action.kind is ActionKind.REPLACE:
        verb = f"replaced (old id {step.action.id} deleted, created"
        if old is not None:
            verb = f"renamed from {old!r} and replaced (old id {step.action.id} deleted, created"
        return f"{verb} id {new_id})" + _rolled(step)
    return f"{verb} id {new_id}" + _rolled(step)


def _rolled(step: _Step) -> str:
    assert step.action.after is not None
    sent = step.body["nextInterval"] if step.body else None
    declared = step.action.after["nextInterval"]
    if sent is None or sent == declared:
        return ""
    return f" (anchor {declared} has passed; sent next occurrence {sent})"


def _hint(action: Action, exc: ApiError) -> str:
    if isinstance(exc, DuplicateNameError):
        return (
            f"{exc.message}. A schedule named {action.name!r} already exists on the server but "
            f"is not recorded: adopt it with `reconciler import {action.name} ID` "
            "(its id is in the Testsigma UI)"
        )
    return exc.message
