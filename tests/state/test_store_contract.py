"""The StateStore contract, run against SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from reconciler.core.model import RecordedSchedule
from reconciler.state import LockHeld, LockInfo, StateError, StateStore, import_state, open_store

REPO = Path(__file__).resolve().parents[2]


def schedule(name: str, id_: int = 1, **extra: Any) -> RecordedSchedule:
    payload = {
        "name": name,
        "executionId": 7,
        "scheduleType": "DAILY",
        "nextInterval": "2026-12-01T17:30:00.000",
        "timezone": "Europe/Paris",
        "status": "ACTIVE",
        **extra,
    }
    return RecordedSchedule(name=name, id=id_, payload=payload, applied_at="2026-11-01T10:00:00Z")


def test_a_new_state_is_empty_with_a_lineage_and_serial_zero(store: StateStore) -> None:
    assert store.read_all() == {}
    assert store.get("nightly") is None
    assert store.serial == 0
    assert len(store.lineage) == 36  # a uuid4
    assert store.current_lock() is None
    assert store.journal_unresolved() == []


def test_record_get_forget_and_serial(store: StateStore) -> None:
    store.record(schedule("nightly", 11))
    store.record(schedule("hourly", 12, comments="x"))
    store.record(schedule("nightly", 13))  # replaces
    assert store.get("nightly") == schedule("nightly", 13)
    assert list(store.read_all()) == ["hourly", "nightly"]
    assert store.read_all()["hourly"].payload["comments"] == "x"
    assert store.forget("hourly") is True
    assert store.forget("hourly") is False
    assert list(store.read_all()) == ["nightly"]
    assert store.bump_serial() == 1
    assert store.bump_serial() == 2
    assert store.serial == 2


def test_every_write_and_the_lineage_survive_a_reopen(store_url: str) -> None:
    first = open_store(store_url)
    lineage = first.lineage
    first.record(schedule("a", 1, executionConfig={"name": "chrome"}))
    first.record(schedule("b", 2))
    first.forget("b")
    first.bump_serial()
    done = first.journal_intent(
        action="create", name="a", schedule_id=None, payload=schedule("a").payload
    )
    first.journal_outcome(done, outcome="failed", detail="HTTP 400")
    pending = first.journal_intent(action="delete", name="b", schedule_id=2, payload=None)
    first.close()

    again = open_store(store_url)
    try:
        assert again.lineage == lineage
        assert again.serial == 1
        assert again.read_all() == {"a": schedule("a", 1, executionConfig={"name": "chrome"})}
        assert [e.id for e in again.journal_unresolved()] == [pending]
    finally:
        again.close()


def test_record_marks_its_journal_entry_ok_in_the_same_transaction(store: StateStore) -> None:
    entry = store.journal_intent(
        action="create", name="a", schedule_id=None, payload=schedule("a").payload
    )
    store.record(schedule("a", 5), journal_entry=entry)
    assert store.journal_unresolved() == []

    with pytest.raises(StateError, match="journal entry 999999"):
        store.record(schedule("b", 6), journal_entry=999999)
    assert store.get("b") is None  # rolled back with the failed journal update

    gone = store.journal_intent(action="delete", name="a", schedule_id=5, payload=None)
    with pytest.raises(StateError):
        store.forget("a", journal_entry=999999)
    assert store.get("a") is not None
    assert store.forget("a", journal_entry=gone) is True
    assert store.journal_unresolved() == []


def test_journal_lists_only_unresolved_entries(store: StateStore) -> None:
    ok = store.journal_intent(
        action="create", name="a", schedule_id=None, payload=schedule("a").payload
    )
    failed = store.journal_intent(
        action="update", name="b", schedule_id=2, payload=schedule("b").payload
    )
    open_ = store.journal_intent(action="delete", name="c", schedule_id=3, payload=None)
    store.journal_outcome(ok, outcome="ok")
    store.journal_outcome(failed, outcome="failed", detail="HTTP 500")
    with pytest.raises(ValueError, match="outcome"):
        store.journal_outcome(open_, outcome="maybe")

    (entry,) = store.journal_unresolved()
    assert (entry.id, entry.action, entry.name, entry.schedule_id) == (open_, "delete", "c", 3)
    assert entry.payload is None and entry.outcome is None and entry.started_at
    store.journal_resolve(open_, detail="not found on the server: already deleted")
    assert store.journal_unresolved() == []


# -- the lock ----------------------------------------------------------------------------------


def test_a_held_lock_refuses_a_second_store_at_once(store: StateStore, store_url: str) -> None:
    other = open_store(store_url)
    try:
        with store.lock(operation="apply") as held:
            assert held.operation == "apply" and held.pid == os.getpid()
            assert other.current_lock() == held
            with pytest.raises(LockHeld) as refused, other.lock(operation="apply", timeout=0):
                pytest.fail("took a lock that is held")
            assert refused.value.info == held
            assert "still running" in str(refused.value)
            assert held.id in str(refused.value)
            assert other.read_all() == {}  # reads still work while locked
        assert other.current_lock() is None
    finally:
        other.close()


def test_a_waiting_store_gets_the_lock_when_it_is_released(
    store: StateStore, store_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    waiting = threading.Event()

    class NoticeWaiting(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "waiting" in record.getMessage():
                waiting.set()

    caplog.set_level(logging.INFO, logger="reconciler.state")
    notice = NoticeWaiting()
    logging.getLogger("reconciler.state").addHandler(notice)
    outcome: list[LockInfo | BaseException] = []

    def second() -> None:
        other = open_store(store_url)  # its own connection, in its own thread
        try:
            with other.lock(operation="apply", timeout=30) as info:
                outcome.append(info)
        except BaseException as exc:
            outcome.append(exc)
        finally:
            other.close()

    try:
        with store.lock(operation="apply") as first:
            thread = threading.Thread(target=second)
            thread.start()
            assert waiting.wait(timeout=30), "the second store never started waiting"
        thread.join(timeout=30)
    finally:
        logging.getLogger("reconciler.state").removeHandler(notice)
    assert len(outcome) == 1
    got = outcome[0]
    assert isinstance(got, LockInfo), got
    assert got.id != first.id
    assert store.current_lock() is None


def test_the_lock_is_released_when_the_block_raises(store: StateStore, store_url: str) -> None:
    with pytest.raises(RuntimeError), store.lock(operation="apply"):
        raise RuntimeError("apply failed")
    assert store.current_lock() is None
    other = open_store(store_url)
    try:
        with other.lock(operation="apply", timeout=0):
            pass
    finally:
        other.close()


def test_force_unlock_frees_a_held_lock(store: StateStore, store_url: str) -> None:
    other = open_store(store_url)
    try:
        first = store.lock(operation="apply")
        held = first.__enter__()
        assert other.force_unlock("no-such-lock") is False
        assert other.force_unlock(held.id) is True
        with other.lock(operation="apply", timeout=0) as mine:
            first.__exit__(None, None, None)  # the forced-out holder ends quietly...
            current = other.current_lock()
            assert current is not None and current.id == mine.id  # ...without freeing ours
        assert other.current_lock() is None
    finally:
        other.close()


HOLDER = """
import sys
from reconciler.state import open_store
store = open_store(sys.argv[1])
with store.lock(operation="apply") as info:
    print(info.id, flush=True)
    sys.stdin.read()
"""


def killed_holder(url: str) -> str:
    """Take the lock in another process, kill it with SIGKILL; return the lock id it held."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        lock_id = proc.stdout.readline().strip()
        assert lock_id, "the holder process did not take the lock"
        store = open_store(url)
        try:
            # another live process holds it: refused
            with pytest.raises(LockHeld) as held, store.lock(operation="apply", timeout=0):
                pass
            assert held.value.info.id == lock_id and "still running" in str(held.value)
            assert store.read_all() == {}  # reads still work
        finally:
            store.close()
    finally:
        proc.kill()
        proc.wait()
    return lock_id


def test_a_killed_holder_leaves_no_lock_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/state.db"
    killed_holder(url)
    store = open_store(url)
    try:
        assert store.current_lock() is None  # its record names nobody alive: ignored
        with store.lock(operation="apply", timeout=0) as mine:  # no `state unlock` needed
            current = store.current_lock()
            assert current is not None and current.id == mine.id
    finally:
        store.close()


@pytest.mark.postgres
def test_a_killed_holder_frees_the_postgres_lock(pg_workspace_url: str) -> None:
    killed_holder(pg_workspace_url)
    store = open_store(pg_workspace_url)
    try:
        # The server ends the dead session and its advisory lock; wait with the product's loop.
        with store.lock(operation="apply", timeout=30) as mine:
            current = store.current_lock()
            assert current is not None and current.id == mine.id
    finally:
        store.close()


# -- export and import -------------------------------------------------------------------------


def populate(store: StateStore) -> None:
    store.record(schedule("nightly", 11, executionConfig={"name": "ünïcode"}))
    store.record(schedule("hourly", 12))
    store.bump_serial()
    store.bump_serial()
    store.journal_intent(action="delete", name="hourly", schedule_id=12, payload=None)


def test_export_then_import_round_trip(store: StateStore, other_url: str) -> None:
    populate(store)
    data = json.loads(json.dumps(store.export()))
    assert data["format_version"] == 1
    assert [s["name"] for s in data["schedules"]] == ["hourly", "nightly"]
    assert [e["name"] for e in data["journal_unresolved"]] == ["hourly"]

    target = open_store(other_url)
    try:
        target.record(schedule("left-over", 99))
        import_state(target, data)
        assert target.lineage == store.lineage
        assert target.serial == 3  # above both the current (0) and the imported (2)
        assert target.read_all() == store.read_all()
        assert target.export() == {**data, "serial": 3, "journal_unresolved": []}
        assert "plan_key" not in json.dumps(data) and target.plan_key() != store.plan_key()
    finally:
        target.close()


def test_import_reports_every_problem_and_changes_nothing(store: StateStore) -> None:
    store.record(schedule("kept", 1))
    bad: dict[str, Any] = {
        "format_version": 2,
        "lineage": "",
        "serial": -1,
        "schedules": [{"name": "", "id": "x", "payload": [], "applied_at": 3}, "nope"],
    }
    with pytest.raises(StateError) as refused:
        import_state(store, bad)
    message = str(refused.value)
    for words in ("format_version", "lineage", "serial", "schedules[0]: id", "schedules[1]"):
        assert words in message
    assert list(store.read_all()) == ["kept"]


def test_an_imported_payload_must_fit_the_schedule_shape(store: StateStore) -> None:
    good = schedule("a", 1)
    data = {
        "format_version": 1,
        "lineage": "lin",
        "serial": 1,
        "schedules": [
            {"name": "a", "id": 1, "payload": dict(good.payload), "applied_at": "t"},
            {
                "name": "b",
                "id": 2,
                "payload": {**good.payload, "status": "PAUSED"},
                "applied_at": "t",
            },
            {"name": "c", "id": 3, "payload": {"name": "c", "extra": 1}, "applied_at": "t"},
        ],
    }
    with pytest.raises(StateError) as refused:
        import_state(store, data)
    message = str(refused.value)
    assert "schedules[1]: payload does not fit: status must be one of ACTIVE, IN_ACTIVE" in message
    assert "schedules[2]: payload does not fit: unknown key(s) extra" in message
    assert "schedules[0]" not in message
    assert store.read_all() == {}


@pytest.mark.postgres
def test_export_from_sqlite_imports_into_postgres(tmp_path: Path, pg_workspace_url: str) -> None:
    source = open_store(f"sqlite:///{tmp_path}/state.db")
    target = open_store(pg_workspace_url)
    try:
        populate(source)
        import_state(target, source.export())
        assert (target.lineage, target.serial) == (source.lineage, source.serial + 1)
        assert target.read_all() == source.read_all()
    finally:
        source.close()
        target.close()
