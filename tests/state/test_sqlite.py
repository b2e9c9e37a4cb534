"""SQLite-only behaviour: a file that is not ours is never written; migrations back up first."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from reconciler.core.model import RecordedSchedule, SchedulePayload
from reconciler.state import StateError, open_store, sqlite_schema
from reconciler.state.sqlite import SqliteStore

PAYLOAD: SchedulePayload = {
    "name": "nightly",
    "scheduleType": "DAILY",
    "nextInterval": "2026-12-01T17:30:00.000",
    "status": "ACTIVE",
}
RECORD = RecordedSchedule(name="nightly", id=4, payload=PAYLOAD, applied_at="t")


def make_state(path: Path) -> str:
    """A real state file with one schedule; returns its lineage."""
    store = open_store(str(path))
    try:
        store.record(RECORD)
        return store.lineage
    finally:
        store.close()


def assert_refused_untouched(path: Path, *words: str) -> None:
    before = path.read_bytes()
    with pytest.raises(StateError) as refused:
        open_store(f"sqlite:///{path}")
    message = str(refused.value)
    assert str(path) in message and "untouched" in message
    for word in words:
        assert word in message
    assert path.read_bytes() == before


def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    path.write_bytes(b"terraform state, not ours\n" * 40)
    assert_refused_untouched(path, "not an SQLite database")


def test_a_truncated_state_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    make_state(path)
    with sqlite3.connect(path) as conn:  # grow it past a few pages, then cut it in half
        conn.execute("CREATE TABLE padding (x TEXT)")
        conn.executemany("INSERT INTO padding VALUES (?)", [("x" * 900,)] * 50)
    conn.close()
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert_refused_untouched(path, "cannot be read")


def test_a_foreign_sqlite_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)")
        conn.execute("INSERT INTO users (email) VALUES ('a@example.com')")
        conn.commit()
    assert_refused_untouched(path, "not a reconciler state", "users")


def test_a_state_from_a_newer_reconciler_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    make_state(path)
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("UPDATE meta SET schema_version = 99")
        conn.commit()
    assert_refused_untouched(path, "newer reconciler", "version 99")


def test_an_empty_file_and_a_missing_directory_are_created(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    nested = tmp_path / "a" / "b" / "state.db"
    for path in (empty, nested):
        store = open_store(str(path))
        try:
            assert store.serial == 0 and store.read_all() == {}
        finally:
            store.close()
        assert path.stat().st_size > 0


def test_migrating_an_older_state_backs_it_up_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.db"
    lineage = make_state(path)
    old = sqlite_schema.latest_version()
    monkeypatch.setattr(
        sqlite_schema,
        "MIGRATIONS",
        [*sqlite_schema.MIGRATIONS, ("ALTER TABLE schedules ADD COLUMN note TEXT",)],
    )
    store = open_store(str(path))
    try:
        assert store.lineage == lineage
        assert store.read_all() == {"nightly": RECORD}
    finally:
        store.close()
    backup = tmp_path / f"state.db.bak-v{old}"
    with closing(sqlite3.connect(backup)) as before, closing(sqlite3.connect(path)) as new:
        assert before.execute("SELECT schema_version FROM meta").fetchone() == (old,)
        assert before.execute("SELECT name FROM schedules").fetchall() == [("nightly",)]
        assert new.execute("SELECT schema_version FROM meta").fetchone() == (old + 1,)
        assert "note" in {row[1] for row in new.execute("PRAGMA table_info(schedules)")}


def test_two_processes_worth_of_connections_share_one_file(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    first, second = open_store(str(path)), open_store(str(path))
    try:
        assert first.lineage == second.lineage
        first.record(RECORD)
        assert second.get("nightly") == RECORD
        assert second.bump_serial() == 1 and first.serial == 1
    finally:
        first.close()
        second.close()


def test_every_commit_waits_for_the_disk(tmp_path: Path) -> None:
    """WAL with synchronous=FULL, set explicitly, not left to how SQLite was compiled."""
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    try:
        assert isinstance(store, SqliteStore)
        conn = store._conn
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
    finally:
        store.close()


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("id", "'not a number'", ("'nightly'", "'not a number' is not an integer")),
        ("applied_at", "X'00'", ("'nightly'", "is not text")),
        ("payload", "X'7B7D'", ("recorded payload of 'nightly'", "is not text")),
    ],
)
def test_a_damaged_column_is_one_state_error_naming_the_row(
    tmp_path: Path, column: str, value: str, words: tuple[str, ...]
) -> None:
    """Rows are read as plain objects and each column checked at the store's edge: a value
    of the wrong kind never travels into the plan as if it were right."""
    path = tmp_path / "state.db"
    make_state(path)
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(f"UPDATE schedules SET {column} = {value}")
    store = open_store(str(path))
    try:
        with pytest.raises(StateError) as damaged:
            store.read_all()
    finally:
        store.close()
    for word in words:
        assert word in str(damaged.value)
