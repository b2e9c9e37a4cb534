"""The `plan` use case (`app.plan_flow.run_plan`): read-only, shown once, refused limits
told, and saved signed; real SQLite state and the sandbox's in-process transport."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from helpers import API_KEY

from reconciler.app.apply_flow import PlanOptions
from reconciler.app.plan_flow import PlanHooks, PlanRequest, run_plan
from reconciler.core.errors import InputError, Location, UnsafeError
from reconciler.core.model import ActionKind, DesiredSchedule, DesiredSet, Plan, RecordedSchedule
from reconciler.core.ports import StateStore
from reconciler.engine.planfile import plan_from_document
from reconciler.engine.safety import Limits
from reconciler.sandbox import IN_PROCESS_URL, Sandbox
from reconciler.testsigma.client import TestsigmaClient

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
LIMITS = Limits(max_delete_percent=30, max_update_percent=30)


def schedule(name: str, **over: Any) -> DesiredSchedule:
    payload = {
        "name": name,
        "executionId": 3857,
        "scheduleType": "DAILY",
        "nextInterval": "2030-01-31T17:30:00.000",
        "timezone": "UTC",
        "status": "ACTIVE",
        **over,
    }
    return DesiredSchedule(name=name, payload=payload, location=Location("s.yaml", 2, 5))


class Seen:
    def __init__(self) -> None:
        self.plans: list[Plan] = []
        self.told: list[str] = []

    def hooks(self) -> PlanHooks:
        return PlanHooks(show_plan=self.plans.append, tell=self.told.append)


def in_process() -> AbstractContextManager[TestsigmaClient]:
    sandbox = Sandbox(api_key=API_KEY)
    return TestsigmaClient(base_url=IN_PROCESS_URL, api_key=API_KEY, transport=sandbox.transport())


def request(*schedules: DesiredSchedule, **kw: Any) -> PlanRequest:
    options = kw.pop("options", PlanOptions())
    return PlanRequest(DesiredSet(schedules=schedules), options, LIMITS, **kw)


def test_a_plan_is_shown_once_and_writes_nothing(store: StateStore) -> None:
    seen = Seen()
    serial = store.serial
    outcome = run_plan(request(schedule("a")), store, in_process, seen.hooks(), now=NOW)
    assert seen.plans == [outcome.plan]
    assert [a.kind for a in outcome.plan.actions] == [ActionKind.CREATE]
    assert outcome.saved_to is None and outcome.refusals == ()
    assert store.serial == serial and store.read_all() == {}


def test_a_saved_plan_is_signed_for_this_state_and_reads_back(
    store: StateStore, tmp_path: Path
) -> None:
    path = tmp_path / "plan.json"
    outcome = run_plan(request(schedule("a"), save_to=path), store, None, Seen().hooks(), now=NOW)
    assert outcome.saved_to == path
    saved = plan_from_document(
        json.loads(path.read_text()), source=str(path), key=store.plan_key(), lineage=store.lineage
    )
    assert saved.plan.actions == outcome.plan.actions and saved.serial == store.serial


def test_saving_is_refused_while_the_journal_is_open_before_anything_is_shown(
    store: StateStore, tmp_path: Path
) -> None:
    store.journal_intent(action="create", name="a", schedule_id=None, payload=schedule("a").payload)
    seen = Seen()
    path = tmp_path / "plan.json"
    with pytest.raises(UnsafeError, match="unknown outcome"):
        run_plan(request(schedule("b"), save_to=path), store, None, seen.hooks(), now=NOW)
    assert seen.plans == [] and not path.exists()


def test_limits_apply_would_refuse_are_returned_and_force_tells_them(store: StateStore) -> None:
    for i in range(10):
        body = dict(schedule(f"s{i}").payload)
        store.record(RecordedSchedule(f"s{i}", 100 + i, body, "2026-11-01T00:00:00+00:00"))
    pruning = PlanOptions(prune=True, refresh=False)
    outcome = run_plan(request(options=pruning), store, None, Seen().hooks(), now=NOW)
    assert len(outcome.refusals) == 1 and "delete" in outcome.refusals[0]
    seen = Seen()
    forced = run_plan(request(options=pruning, force=True), store, None, seen.hooks(), now=NOW)
    assert forced.refusals == ()
    assert any(t.startswith("Warning (--force):") for t in seen.told)


def test_the_preflight_refuses_an_unknown_test_plan_before_anything_is_shown(
    store: StateStore,
) -> None:
    seen = Seen()
    unknown = request(schedule("a", executionId=999999))
    with pytest.raises(InputError) as caught:
        run_plan(unknown, store, in_process, seen.hooks(), now=NOW)
    assert "999999" in str(caught.value)
    assert seen.plans == []
