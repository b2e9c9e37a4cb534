"""The apply use case: the order of its moments, and what each answer does (over loopback)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers import API_KEY

from reconciler.app.apply import ActionResult
from reconciler.app.apply_flow import (
    ApplyHooks,
    ApplyOutcome,
    ApplyRequest,
    PlanOptions,
    run_apply,
)
from reconciler.core.errors import Location, UnsafeError
from reconciler.core.model import DesiredSchedule, DesiredSet, Plan
from reconciler.engine.safety import Limits
from reconciler.sandbox import Sandbox
from reconciler.state.sqlite import SqliteStore
from reconciler.testsigma.client import TestsigmaClient

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def now() -> datetime:
    return NOW


def schedule(name: str, test_plan: int) -> DesiredSchedule:
    payload = {
        "name": name,
        "executionId": test_plan,
        "scheduleType": "DAILY",
        "nextInterval": "2026-12-01T17:30:00.000",
        "timezone": "UTC",
        "status": "ACTIVE",
    }
    return DesiredSchedule(name=name, payload=payload, location=Location("team.yaml", 2, 3))


class Moments:
    """Hooks that record the order of the moments and answer the question as told."""

    def __init__(self, *, answer: bool) -> None:
        self.answer = answer
        self.seen: list[str] = []
        self.results: list[ActionResult] = []

    def hooks(self) -> ApplyHooks:
        return ApplyHooks(self.show, self.confirm, self.seen.append, self.results.append, self.run)

    def show(self, plan: Plan) -> None:
        self.seen.append(f"show {len(plan.changing_actions)}")

    def confirm(self, plan: Plan) -> bool:
        self.seen.append("confirm")
        return self.answer

    def run(self, plan: Plan, stop: threading.Event) -> AbstractContextManager[object]:
        self.seen.append("executing")
        return nullcontext()


def apply_two(
    sandbox: Sandbox, tmp_path: Path, moments: Moments, limits: Limits | None = None
) -> tuple[SqliteStore, ApplyOutcome]:
    request = ApplyRequest(
        desired=DesiredSet(schedules=(schedule("a", 3857), schedule("b", 3858))),
        plan_file=None,
        options=PlanOptions(preflight=False),
        limits=limits or Limits(),
    )
    store = SqliteStore.open(tmp_path / "state.db")

    @contextmanager
    def open_client() -> Iterator[TestsigmaClient]:
        with TestsigmaClient(base_url=sandbox.url, api_key=API_KEY) as client:
            yield client

    try:
        return store, run_apply(request, store, open_client, moments.hooks(), now=now)
    except BaseException:
        store.close()
        raise


def test_a_confirmed_apply_shows_asks_then_executes_and_records(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    moments = Moments(answer=True)
    store, outcome = apply_two(sandbox, tmp_path, moments)
    with store:
        assert moments.seen == ["show 2", "confirm", "executing"]
        assert sorted(s["name"] for s in sandbox.schedules()) == ["a", "b"]
        assert sorted(store.read_all()) == ["a", "b"]
        assert [r.outcome.value for r in moments.results] == ["ok", "ok"]
        assert outcome.report is not None


def test_an_apply_answered_no_sends_nothing(sandbox: Sandbox, tmp_path: Path) -> None:
    moments = Moments(answer=False)
    store, outcome = apply_two(sandbox, tmp_path, moments)
    with store:
        assert moments.seen == ["show 2", "confirm"]
        assert outcome.cancelled is True
        assert sandbox.schedules() == [] and store.read_all() == {}
        assert [r.method for r in sandbox.requests() if r.method != "GET"] == []


def test_an_unsafe_plan_is_refused_before_the_question(sandbox: Sandbox, tmp_path: Path) -> None:
    first = Moments(answer=True)
    store, _ = apply_two(sandbox, tmp_path, first)
    store.close()
    # Both recorded; now declare neither with --prune: deleting 100% is over a 30% limit.
    moments = Moments(answer=True)
    request = ApplyRequest(
        desired=DesiredSet(schedules=()),
        plan_file=None,
        options=PlanOptions(prune=True, preflight=False),
        limits=Limits(max_delete_percent=30.0),
    )

    @contextmanager
    def open_client() -> Iterator[TestsigmaClient]:
        with TestsigmaClient(base_url=sandbox.url, api_key=API_KEY) as client:
            yield client

    with SqliteStore.open(tmp_path / "state.db") as again, pytest.raises(UnsafeError):
        run_apply(request, again, open_client, moments.hooks(), now=now)
    assert "confirm" not in moments.seen
    assert sorted(s["name"] for s in sandbox.schedules()) == ["a", "b"]
