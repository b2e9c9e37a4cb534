"""Apply a plan: run the executor, then settle what ended unknown, in the same apply.

A definite answer (success or a clear refusal) closes an action's journal
entry (app/executor.py). An unknown outcome (a 5xx on a changing call, a lost
connection, an answer that cannot be trusted) is resolved in the same apply
when the server can list schedules (`settle_unknowns`): a create is adopted
when its name is found exactly once among schedules we do not own, sent again
only when the complete list shows it absent (a plain 500 is then reported as
failed with the server's words: it is permanent more often than not), and
kept unknown when the lookup fails; a PUT or DELETE is idempotent and is
simply sent again. What is still unknown after the rounds stays in the journal
for the next run. The serial is bumped before the first record and again at
the end, so a plan saved before or during the apply is stale after it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from reconciler.app.executor import Executor
from reconciler.app.refresh import Found, LiveReader
from reconciler.app.results import ActionResult, ApplyReport, Outcome, ScheduleApi
from reconciler.core.model import Action, ActionKind, Plan
from reconciler.core.ports import StateStore

#: How many times one apply looks up and re-sends what ended unknown.
SETTLE_ROUNDS = 3


def apply_plan(
    plan: Plan,
    *,
    client: ScheduleApi,
    store: StateStore,
    parallelism: int = 4,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    stop: threading.Event | None = None,
    on_result: Callable[[ActionResult], None] | None = None,
    reader: LiveReader | None = None,
) -> ApplyReport:
    """Send every changing action of `plan`; record each result; settle unknowns.

    With `reader` (a server that lists schedules), what ends unknown is
    resolved in this same apply (`settle_unknowns`); without it, it stays in
    the journal for the next run.
    """
    stop = stop or threading.Event()
    executor = Executor(
        client=client,
        store=store,
        parallelism=parallelism,
        clock=clock,
        stop=stop,
        on_result=on_result,
        defer_unknown=reader is not None,
    )
    results = executor.run(list(plan.changing_actions))
    if reader is not None:
        results = settle_unknowns(results, executor=executor, reader=reader)
        for result in results:
            executor.tell(result)  # what a round settled, and what is still unknown
    if executor.changed_anything:
        store.bump_serial()  # and again at the end: a plan saved during the apply is stale
    return ApplyReport(results=tuple(results), serial=store.serial, interrupted=stop.is_set())


def settle_unknowns(
    results: list[ActionResult], *, executor: Executor, reader: LiveReader
) -> list[ActionResult]:
    """Resolve unknown outcomes in bounded rounds: adopt, re-send, or keep unknown."""
    for _ in range(SETTLE_ROUNDS):
        unknown = [r for r in results if r.outcome is Outcome.UNKNOWN]
        if not unknown or executor.stop.is_set():
            break
        settled = {id(r): r for r in results if r.outcome is not Outcome.UNKNOWN}
        resend: list[Action] = []
        creates = [r for r in unknown if _creates(r.action)]
        found = reader.find_many({r.action.name for r in creates}, fresh=True) if creates else {}
        owned = {rec.id for rec in executor.store.read_all().values()}
        with executor.store.batch():
            for result in unknown:
                outcome = _settle_one(result, found, owned, executor)
                if outcome is None:
                    resend.append(result.action)
                else:
                    settled[id(result)] = outcome
        again = executor.run(resend) if resend else []
        results = [settled[id(r)] for r in results if id(r) in settled] + again
    return results


def _creates(action: Action) -> bool:
    return action.kind in (ActionKind.CREATE, ActionKind.REPLACE)


def _settle_one(
    result: ActionResult,
    found: dict[str, Found],
    owned: set[int],
    executor: Executor,
) -> ActionResult | None:
    """The settled result of one unknown, or None to send it again."""
    store, action, entry = executor.store, result.action, result.entry
    assert entry is not None
    recorded_as = action.renamed_from or action.name
    if not _creates(action) or (action.kind is ActionKind.REPLACE and store.get(recorded_as)):
        store.journal_resolve(entry, detail="sent again (idempotent)")
        return None
    answer = found.get(action.name)
    if answer is None or answer.ids is None:
        return result  # cannot look: stays unknown, in the journal
    fresh = [i for i in answer.ids if i not in owned]
    if len(fresh) == 1:
        executor.record(action, fresh[0], entry)
        return replace(
            result,
            outcome=Outcome.OK,
            id=fresh[0],
            message=f"created id {fresh[0]} (the answer was lost; found by name)",
        )
    if fresh:
        return result  # several: a person must choose (the next plan shows the conflict)
    if result.status == 500:
        detail = result.detail
        store.journal_outcome(entry, outcome="failed", detail=detail)
        return replace(
            result,
            outcome=Outcome.FAILED,
            message=f"{detail} (not created: no schedule of that name exists)",
        )
    store.journal_resolve(entry, detail="not created; sent again")
    return None


__all__ = ["ActionResult", "ApplyReport", "Outcome", "apply_plan", "settle_unknowns"]
