"""The executor: sends changing actions, journals them, records each result (shell).

Workers only make HTTP calls; the calling thread alone writes the state, so a
single-threaded store (SQLite) is safe. The journal rule: an action's intent is
durable before its request leaves; its result is durable before it is reported.
Commits stay off the requests' path: intents are journalled up to `parallelism`
steps ahead (the *window*), a freed slot is refilled from the window at once, and
only then does the cycle commit, in one transaction, the results that arrived and
the intents that refill the window. Commits (fsyncs) grow with cycles, not
actions: apply follows the network, not the disk.

The window's price: a kill (or a lost lock) can leave up to `parallelism` intents
open that were never sent. The next run resolves them as any unknown
(app/refresh.py `resolve_journal`): a create is looked up by name (absent: planned
again); an update, rename, delete or a replace's DELETE is planned again from the
current state. A stop sends nothing from the window and closes its entries as not
sent (certain: only this thread sends).

A rename (`moved:`) is one PUT to the recorded id with the full body under the new
name; on success the old record goes and the new one is written in one
transaction. A replace is a DELETE then a CREATE: after the DELETE the record is
forgotten (journal closed) before the CREATE's intent is written, so a kill
between the two leaves a declared-but-unrecorded schedule that the next plan
creates after checking by name that it does not exist. A create answered with an
id we already record under another name is an unknown, never a record.

At most `parallelism` requests are in flight; a failed action never stops the
others. `stop` (SIGINT/SIGTERM) stops launching; the in-flight requests finish and
are recorded. The lock is confirmed (`ensure_locked`, a read) before every launch
and every journalling; once lost, nothing more is sent and LockLost is raised
after the results that arrived are committed.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime

from reconciler.app.results import ActionResult, Outcome, ScheduleApi, refusal_message
from reconciler.core.errors import ReconcilerError
from reconciler.core.model import Action, ActionKind, RecordedSchedule, SchedulePayload
from reconciler.core.payload import JsonValue
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


#: How a journal entry is closed for a step of the window that a stop kept from being sent.
NOT_SENT = "not sent: the apply was stopped before this request left"

_InFlight = dict[Future[dict[str, JsonValue] | None], tuple[_Step, int]]
_Window = deque[tuple[_Step, int]]  # journalled steps (intents committed), not yet sent


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
        self._ids: dict[str, int] = {}  # the reverse of _owners
        self._told: set[int] = set()  # ids of the results in _reported (which keeps them)

    def owner_of(self, schedule_id: int) -> str | None:
        """The name `schedule_id` is recorded under (this run's writes included)."""
        if self._owners is None:
            self._ids = {r.name: r.id for r in self.store.read_all().values()}
            self._owners = {i: n for n, i in self._ids.items()}
        return self._owners.get(schedule_id)

    def _disown(self, name: str | None) -> None:
        if self._owners is not None and name is not None and name in self._ids:
            del self._owners[self._ids.pop(name)]

    def tell(self, result: ActionResult) -> None:
        """Report `result` to the caller's callback, once."""
        if id(result) in self._told:
            return
        self._told.add(id(result))
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
        pending: list[Action | _Step] = list(reversed(actions))  # pop() keeps plan order
        finished: list[ActionResult] = []
        in_flight: _InFlight = {}
        window: _Window = deque()
        done: set[Future[dict[str, JsonValue] | None]] = set()
        with ThreadPoolExecutor(self.parallelism, thread_name_prefix="apply") as pool:
            while True:
                arrived = [(future, *in_flight.pop(future)) for future in done]
                lost = self._launch(window, in_flight, pool)  # intents committed already
                settled: list[ActionResult] = []  # then the results ready without a request
                # One transaction (one fsync): the results that arrived (durable before they
                # are reported) and the intents that refill the window (before they are sent).
                with self.store.batch():
                    for future, step, entry in arrived:
                        result = self._settle(step, future, entry)
                        if isinstance(result, _Step):
                            pending.append(result)  # the CREATE half of a replace, next
                        else:
                            settled.append(result)
                    if lost is None:
                        try:
                            settled += self._journal(pending, window, in_flight)
                        except LockLost as exc:  # the results above are still committed
                            lost = exc
                if lost is None:
                    lost = self._launch(window, in_flight, pool)  # the first wave; a replace
                self._report(settled, finished)
                if lost is not None:
                    raise lost  # the window's intents stay open: the next run resolves them
                if not in_flight:
                    break
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
        self._not_started(window, pending, finished)
        return finished

    def _launch(
        self, window: _Window, in_flight: _InFlight, pool: ThreadPoolExecutor
    ) -> LockLost | None:
        """Send steps from the window into the free slots (none once stopped), the lock
        confirmed first (a read, no commit); a lost lock is returned, nothing sent."""
        if self.stop.is_set() or not window or len(in_flight) >= self.parallelism:
            return None
        try:
            self.store.ensure_locked()
        except LockLost as exc:
            return exc
        while window and len(in_flight) < self.parallelism and not self.stop.is_set():
            step, entry = window.popleft()
            in_flight[pool.submit(_send, self.client, step)] = (step, entry)
        return None

    def _not_started(
        self, window: _Window, pending: list[Action | _Step], into: list[ActionResult]
    ) -> None:
        """After a stop: close the window's journal entries (never sent); report the rest."""
        if window:
            with self.store.batch():
                for _, entry in window:
                    self.store.journal_resolve(entry, detail=NOT_SENT)
        for item in [step for step, _ in window] + pending[::-1]:
            action = item.action if isinstance(item, _Step) else item
            skipped = ActionResult(action, Outcome.SKIPPED, action.id, "not started: interrupted")
            self._report([skipped], into)

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

    def _journal(
        self, pending: list[Action | _Step], window: _Window, in_flight: _InFlight
    ) -> list[ActionResult]:
        """Journal intents (in the caller's transaction) into the window until it holds the
        free slots plus `parallelism` steps ahead; returns results ready without a request.
        Bodies are made here, as their steps come up, not all before the first request."""
        room = 2 * self.parallelism - len(in_flight) - len(window)
        wave: list[_Step] = []
        ready: list[ActionResult] = []
        while pending and len(wave) < room and not self.stop.is_set():
            popped = pending.pop()
            item = popped if isinstance(popped, _Step) else self._first_step(popped)
            if isinstance(item, ActionResult):
                ready.append(item)
            else:
                wave.append(item)
        if not wave:
            return ready
        # LockLost: launch nothing more (the in-flight requests finish; their journal
        # entries stay open for the next run to resolve).
        self.store.ensure_locked()
        for step in wave:
            entry = self.store.journal_intent(
                action=step.kind.value,
                name=_journal_name(step),
                schedule_id=step.action.id if step.kind is not ActionKind.CREATE else None,
                # The declared payload (anchor as declared): what gets recorded if a
                # later run finds and adopts the schedule this request created.
                payload=step.action.after,
            )
            window.append((step, entry))
        return ready

    def _settle(
        self, step: _Step, future: Future[dict[str, JsonValue] | None], entry: int
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
        self._disown(name)

    def _refused(self, step: _Step, entry: int, exc: ApiError) -> ActionResult:
        self.store.journal_outcome(entry, outcome="failed", detail=exc.message)
        message = refusal_message(step.action, exc)
        return ActionResult(step.action, Outcome.FAILED, step.action.id, message)

    def record(self, action: Action, new_id: int, entry: int) -> None:
        assert action.after is not None
        applied_at = self.clock().astimezone(UTC).isoformat(timespec="seconds")
        record = RecordedSchedule(action.name, new_id, action.after.copy(), applied_at)
        if action.kind is ActionKind.RENAME and action.renamed_from is not None:
            # In the caller's batch: the old record goes with the new one's write, atomically.
            self.store.forget(action.renamed_from)
        self.store.record(record, journal_entry=entry)
        self._disown(action.renamed_from)
        if self._owners is not None:
            self._disown(action.name)
            self._owners[new_id], self._ids[action.name] = action.name, new_id


def _journal_name(step: _Step) -> str:
    """The name a step's journal entry carries: a DELETE's is the name it is recorded under."""
    action = step.action
    if step.kind is ActionKind.DELETE and action.renamed_from is not None:
        return action.renamed_from
    return action.name


def _send(client: ScheduleApi, step: _Step) -> dict[str, JsonValue] | None:
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


def _created_id(step: _Step, answer: dict[str, JsonValue] | None) -> int | None:
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
