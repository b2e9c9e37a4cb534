"""The executor's window of journalled-but-unsent steps: stop, lost lock, a kill.

The executor journals intents up to `parallelism` steps ahead of the requests, so a
slot that frees is refilled without waiting for a commit. These tests pin what that
window may and may not do: a stop sends nothing from it and closes its entries as not
sent; a lost lock sends nothing from it and leaves its entries for the next run; a
kill leaves its entries open, and the next run resolves them without sending anything
twice. Real SQLite state; the API is scripted (unit level: no HTTP).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from reconciler.app.apply import Outcome, apply_plan
from reconciler.app.executor import NOT_SENT
from reconciler.app.refresh import LiveReader, resolve_journal
from reconciler.core.errors import Location
from reconciler.core.model import DesiredSchedule, DesiredSet, Plan
from reconciler.engine.plan import compute_plan
from reconciler.state import LockLost, open_store
from reconciler.state.sqlite import SqliteStore

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
BASE = {
    "executionId": 3857,
    "scheduleType": "DAILY",
    "nextInterval": "2026-12-01T17:30:00.000",
    "timezone": "Asia/Kolkata",
    "status": "ACTIVE",
}


class Killed(BaseException):
    """Stands for the process dying while a request is out."""


class Api:
    """A server in memory: schedules by id, every call logged; `on_post(n)` runs at the
    n-th POST, on the worker thread, after the server acted."""

    def __init__(self, on_post: dict[int, Any] | None = None) -> None:
        self.schedules: dict[int, dict[str, Any]] = {}
        self.calls: list[str] = []
        self.on_post = on_post or {}
        self.lock = threading.Lock()
        self.next_id = 100

    def create_schedule(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.calls.append(f"POST {body['name']}")
            self.next_id += 1
            self.schedules[self.next_id] = {"id": self.next_id, **body}
            hook = self.on_post.get(sum(c.startswith("POST") for c in self.calls))
        if hook is not None:
            hook()
        return {"id": self.next_id, **body}

    def update_schedule(self, schedule_id: int, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.calls.append(f"PUT {schedule_id}")
            self.schedules[schedule_id] = {"id": schedule_id, **body}
        return {"id": schedule_id, **body}

    def delete_schedule(self, schedule_id: int) -> None:
        with self.lock:
            self.calls.append(f"DELETE {schedule_id}")
            self.schedules.pop(schedule_id, None)

    def list_schedules(self) -> list[dict[str, Any]]:
        """The list as the lookups read it: names and ids are what matter here."""
        keep = ("id", "name", "scheduleType", "executionId")
        return [{k: s[k] for k in keep} for s in self.schedules.values()]

    def get_schedule(self, schedule_id: int) -> object:
        raise AssertionError("the list answers every lookup")


@pytest.fixture
def store(locked_store: SqliteStore) -> SqliteStore:
    """The state locked as an apply holds it (tests/app/conftest.py)."""
    return locked_store


def creates(count: int) -> Plan:
    names = [f"s{i:02d}" for i in range(count)]
    desired = DesiredSet(
        schedules=tuple(
            DesiredSchedule(n, {"name": n, **BASE}, Location("f.yaml", 1, 1)) for n in names
        )
    )
    return compute_plan(desired, {}, now=NOW)


def journal(store: SqliteStore) -> list[tuple[str, str | None, str | None]]:
    """Every journal entry: (name, outcome, detail), in order."""
    rows = store._conn.execute("SELECT name, outcome, detail FROM journal ORDER BY id")
    return [(str(n), o, d) for n, o, d in rows.fetchall()]


def test_a_stop_sends_nothing_from_the_window_and_closes_its_entries(
    store: SqliteStore,
) -> None:
    stop = threading.Event()
    api = Api(on_post={1: stop.set})  # SIGINT arrives while the first request is out
    report = apply_plan(
        creates(10), client=api, store=store, parallelism=2, stop=stop, clock=lambda: NOW
    )
    sent = [c.split()[1] for c in api.calls]
    assert 1 <= len(sent) <= 2  # the first wave only: nothing launched after the stop
    assert report.interrupted
    assert sorted(r.action.name for r in report.results if r.outcome is Outcome.OK) == sent
    skipped = [r for r in report.results if r.outcome is Outcome.SKIPPED]
    assert len(skipped) == 10 - len(sent)
    assert all(r.message == "not started: interrupted" for r in skipped)
    # Sent: recorded and closed. Journalled ahead but never sent: closed as not sent,
    # so the next run has nothing to look up. Never journalled: no entry at all.
    assert store.journal_unresolved() == []
    entries = journal(store)
    assert [(n, o) for n, o, _ in entries if n in sent] == [(n, "ok") for n in sent]
    not_sent = [(n, o, d) for n, o, d in entries if n not in sent]
    assert not_sent and all(o == "resolved" and d == NOT_SENT for _, o, d in not_sent)
    assert len(entries) <= 4  # at most the free slots plus `parallelism` ahead
    assert sorted(store.read_all()) == sorted(sent)


def test_a_lost_lock_sends_nothing_from_the_window_and_leaves_it_to_the_next_run(
    store: SqliteStore, tmp_path: Path
) -> None:
    held = store.current_lock()
    assert held is not None

    def unlock() -> None:  # `reconciler state unlock` while the first request is out
        with open_store(f"sqlite:///{tmp_path}/state.db") as other:
            assert other.force_unlock(held.id)

    api = Api(on_post={1: unlock})
    with pytest.raises(LockLost, match="started nothing more"):
        apply_plan(creates(5), client=api, store=store, parallelism=1, clock=lambda: NOW)
    assert api.calls == ["POST s00"]  # s01 was journalled ahead, and never sent
    assert list(store.read_all()) == ["s00"]  # the result that arrived is recorded
    (left,) = store.journal_unresolved()
    assert left.name == "s01" and left.action == "create"
    # The next run looks it up by name, finds it absent and plans it again: no duplicate.
    resolved = resolve_journal(
        store, reader=LiveReader(api), applied_at=NOW.isoformat(), write=True
    )
    assert resolved.conflicts == {} and resolved.adopted == {}
    assert store.journal_unresolved() == []
    again = compute_plan(
        DesiredSet(
            schedules=tuple(
                DesiredSchedule(n, {"name": n, **BASE}, Location("f.yaml", 1, 1))
                for n in ("s00", "s01")
            )
        ),
        store.read_all(),
        now=NOW,
    )
    assert [(a.kind.value, a.name) for a in again.changing_actions] == [("create", "s01")]


def test_a_kill_leaves_the_window_open_and_the_next_apply_sends_each_once(
    store: SqliteStore,
) -> None:
    def die() -> None:
        raise Killed

    api = Api(on_post={1: die})  # the process dies right after the first POST acted
    with pytest.raises(Killed):
        apply_plan(creates(6), client=api, store=store, parallelism=2, clock=lambda: NOW)
    sent = [c.split()[1] for c in api.calls]
    open_entries = [e.name for e in store.journal_unresolved()]
    never_sent = [n for n in open_entries if n not in sent]
    assert never_sent, "the window held no journalled step: the test proves nothing"
    assert len(open_entries) <= 4  # the first wave and the window, nothing more
    recorded = list(store.read_all())
    resolved = resolve_journal(
        store, reader=LiveReader(api), applied_at=NOW.isoformat(), write=True
    )
    # What was sent is recorded, or adopted now (created, then the answer was lost).
    assert sorted([*recorded, *resolved.adopted]) == sorted(sent)
    assert resolved.conflicts == {}
    plan = compute_plan(
        DesiredSet(
            schedules=tuple(
                DesiredSchedule(f"s{i:02d}", {"name": f"s{i:02d}", **BASE}, Location("f", 1, 1))
                for i in range(6)
            )
        ),
        store.read_all(),
        now=NOW,
    )
    api.on_post = {}
    report = apply_plan(plan, client=api, store=store, parallelism=2, clock=lambda: NOW)
    assert report.count(Outcome.OK) == 6 - len(sent)
    names = sorted(s["name"] for s in api.schedules.values())
    assert names == [f"s{i:02d}" for i in range(6)]  # each exactly once
    assert store.journal_unresolved() == []
