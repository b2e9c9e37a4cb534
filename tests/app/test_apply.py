"""The executor against a real SQLite state and a scripted API (unit level: no HTTP)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from reconciler.app.apply import Outcome, apply_plan
from reconciler.app.refresh import LiveReader
from reconciler.core.errors import Location
from reconciler.core.model import (
    DesiredSchedule,
    DesiredSet,
    RecordedSchedule,
)
from reconciler.engine.plan import compute_plan
from reconciler.state.sqlite import SqliteStore
from reconciler.testsigma.errors import OutcomeUnknownError

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
BASE = {
    "executionId": 3857,
    "scheduleType": "DAILY",
    "nextInterval": "2026-12-01T17:30:00.000",
    "timezone": "Asia/Kolkata",
    "status": "ACTIVE",
}


class Killed(BaseException):
    """Stands for the process dying between two requests."""


class ScriptedApi:
    """Records calls; `die_on_create` makes the POST the moment the process is killed."""

    def __init__(self, *, die_on_create: bool = False, unknown_creates: int = 0) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.die_on_create = die_on_create
        self.unknown_creates = unknown_creates
        self.next_id = 500
        self.lock = threading.Lock()

    def create_schedule(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.calls.append(("POST", body["name"]))
            if self.die_on_create:
                raise Killed
            self.next_id += 1
            if self.unknown_creates:
                self.unknown_creates -= 1
                raise OutcomeUnknownError("POST /schedule_executions", "502", status=502)
            return {"id": self.next_id, **body}

    def update_schedule(self, schedule_id: int, body: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("PUT", schedule_id))
        return {"id": schedule_id, **body}

    def delete_schedule(self, schedule_id: int) -> None:
        self.calls.append(("DELETE", schedule_id))


@pytest.fixture
def store(locked_store: SqliteStore) -> SqliteStore:
    """The state locked as an apply holds it (tests/app/conftest.py)."""
    return locked_store


def desired(**payload: Any) -> DesiredSet:
    return DesiredSet(schedules=(DesiredSchedule("a", payload, Location("f.yaml", 1, 1)),))


def test_a_kill_between_the_delete_and_the_create_of_a_replace_loses_nothing(
    store: SqliteStore,
) -> None:
    with_config = {"name": "a", **BASE, "executionConfig": {"name": "fav"}}
    store.record(RecordedSchedule("a", 7, with_config, "x"))
    plan = compute_plan(desired(name="a", **BASE), store.read_all(), now=NOW)
    assert [a.kind.value for a in plan.actions] == ["replace"]
    api = ScriptedApi(die_on_create=True)
    with pytest.raises(Killed):
        apply_plan(plan, client=api, store=store, clock=lambda: NOW)
    assert api.calls == [("DELETE", 7), ("POST", "a")]
    # The delete is recorded; the create's intent is open: the next run resolves it by name.
    assert store.get("a") is None
    assert [e.action for e in store.journal_unresolved()] == ["create"]
    again = compute_plan(desired(name="a", **BASE), store.read_all(), now=NOW)
    assert [a.kind.value for a in again.actions] == ["create"]


def test_journal_intents_are_group_committed(store: SqliteStore) -> None:
    names = [f"s{i}" for i in range(8)]
    plan = compute_plan(
        DesiredSet(
            schedules=tuple(
                DesiredSchedule(n, {"name": n, **BASE}, Location("f.yaml", 1, 1)) for n in names
            )
        ),
        {},
        now=NOW,
    )
    commits: list[str] = []
    store._conn.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
    report = apply_plan(plan, client=ScriptedApi(), store=store, parallelism=8, clock=lambda: NOW)
    assert report.count(Outcome.OK) == 8
    # One wave of 8 intents, results in batches, two serial bumps: far fewer than 16 commits.
    assert len(commits) < 12
    assert sorted(store.read_all()) == names


def test_without_a_reader_unknown_creates_stay_in_the_journal(store: SqliteStore) -> None:
    plan = compute_plan(desired(name="a", **BASE), {}, now=NOW)
    report = apply_plan(plan, client=ScriptedApi(unknown_creates=1), store=store, clock=lambda: NOW)
    assert report.count(Outcome.UNKNOWN) == 1
    assert [e.name for e in store.journal_unresolved()] == ["a"]
    assert store.read_all() == {}


class EmptyListing:
    """A server that lists schedules and has none: the lookup says "certainly absent"."""

    def list_schedules(self) -> list[dict[str, Any]]:
        return []

    def get_schedule(self, schedule_id: int) -> object:
        raise AssertionError("not asked")


class Refusing500(ScriptedApi):
    """Every create answers a plain 500 (a permanent refusal more often than not)."""

    def create_schedule(self, body: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("POST", body["name"]))
        raise OutcomeUnknownError(
            "POST /schedule_executions", "Internal Server Error: FK_test_plan", status=500
        )


def test_a_plain_500_then_certainly_absent_fails_with_the_servers_words_and_is_not_resent(
    store: SqliteStore,
) -> None:
    plan = compute_plan(desired(name="a", **BASE), {}, now=NOW)
    api = Refusing500()
    report = apply_plan(
        plan, client=api, store=store, clock=lambda: NOW, reader=LiveReader(EmptyListing())
    )
    assert report.count(Outcome.FAILED) == 1
    (result,) = report.results
    assert result.message.endswith(
        "Internal Server Error: FK_test_plan (not created: no schedule of that name exists)"
    )
    assert api.calls == [("POST", "a")]  # looked up, never sent again
    assert store.journal_unresolved() == []
