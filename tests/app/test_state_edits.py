"""The `state ...` edits as use cases (`app.state_edits`), on real SQLite state files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.app.state_edits import (
    forget,
    import_export,
    move,
    read_export,
    resolve_entry,
    unlock,
)
from reconciler.core.errors import ReconcilerError
from reconciler.core.model import RecordedSchedule, SchedulePayload
from reconciler.core.ports import LockHeld, StateStore
from reconciler.state import open_store

PAYLOAD: SchedulePayload = {
    "name": "nightly",
    "executionId": 3857,
    "scheduleType": "DAILY",
    "nextInterval": "2026-12-01T17:30:00.000",
    "status": "ACTIVE",
}


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/state.db"


@pytest.fixture
def store(url: str) -> Iterator[StateStore]:
    opened = open_store(url)
    opened.record(RecordedSchedule("nightly", 41, PAYLOAD, "2026-11-29T08:00:00+00:00"))
    try:
        yield opened
    finally:
        opened.close()


def test_forget_moves_the_serial_and_suggests_a_near_name(store: StateStore) -> None:
    with pytest.raises(ReconcilerError, match="did you mean 'nightly'"):
        forget(store, "nightlly")
    serial = store.serial
    forget(store, "nightly")
    assert store.get("nightly") is None and store.serial > serial


def test_move_refuses_a_name_another_workspace_manages(store: StateStore, url: str) -> None:
    other = open_store(url, workspace="team-b")
    try:
        other.record(RecordedSchedule("taken", 7, PAYLOAD, "x"))
    finally:
        other.close()
    serial = store.serial
    with pytest.raises(ReconcilerError, match="managed by workspace `team-b`"):
        move(store, "nightly", "taken")
    assert store.get("nightly") is not None and store.serial == serial
    move(store, "nightly", "nightly-eu")
    moved = store.get("nightly-eu")
    assert moved is not None and moved.id == 41 and store.serial > serial


def test_a_held_lock_refuses_an_edit_and_changes_nothing(store: StateStore, url: str) -> None:
    holder = open_store(url)
    try:
        with holder.lock(operation="apply"), pytest.raises(LockHeld):
            forget(store, "nightly")
    finally:
        holder.close()
    assert store.get("nightly") is not None


def test_resolve_closes_only_an_unresolved_entry(store: StateStore) -> None:
    entry = store.journal_intent(action="create", name="n", schedule_id=None, payload=PAYLOAD)
    with pytest.raises(ReconcilerError, match="journal entry 999 is not unresolved"):
        resolve_entry(store, 999)
    resolve_entry(store, entry)
    assert store.journal_unresolved() == []


def test_unlock_names_the_holder_it_took_the_lock_from(store: StateStore, url: str) -> None:
    holder = open_store(url)
    try:
        with holder.lock(operation="apply") as held:
            with pytest.raises(ReconcilerError, match="lock nope is not held"):
                unlock(store, "nope")
            taken = unlock(store, held.id)
            assert taken is not None and taken.id == held.id
    finally:
        holder.close()


def test_an_import_replaces_the_state_above_both_serials(store: StateStore, tmp_path: Path) -> None:
    exported = store.export()
    forget(store, "nightly")
    path = tmp_path / "export.json"
    path.write_text(json.dumps(exported))
    before = store.serial
    import_export(store, read_export(path))
    assert store.get("nightly") is not None and store.serial > before


def test_an_unreadable_export_is_named_before_any_lock(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    with pytest.raises(ReconcilerError, match=r"cannot read .*bad.json as a state export"):
        read_export(path)
