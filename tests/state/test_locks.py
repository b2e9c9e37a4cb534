"""A lock that is taken away (state unlock, a killed session, idle_session_timeout) is noticed."""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import pytest
from pg_server import with_query

from reconciler.state import LockLost, StateStore, open_store


def test_ensure_locked_holds_only_inside_the_lock(store: StateStore) -> None:
    with pytest.raises(LockLost):
        store.ensure_locked()
    with store.lock(operation="apply"):
        store.ensure_locked()
    with pytest.raises(LockLost):
        store.ensure_locked()


def test_state_unlock_against_a_live_holder_makes_it_stop(
    store: StateStore, store_url: str
) -> None:
    other = open_store(store_url)
    try:
        with store.lock(operation="apply") as held:
            assert other.force_unlock(held.id) is True
            with pytest.raises(LockLost, match="started nothing more"):
                store.ensure_locked()
            with other.lock(operation="apply", timeout=5) as mine:  # a new run may go on
                other.ensure_locked()
                current = other.current_lock()
                assert current is not None and current.id == mine.id
        # the first holder's release did not remove the second one's record
    finally:
        other.close()


def urlsplit_db(url: str) -> str:
    """A workspace URL without its workspace, for psycopg."""
    return url.split("?", 1)[0]


def wait_until_gone(url: str, backend: int, *, within: float = 30.0) -> None:
    """Poll pg_stat_activity (a condition, bounded) until the backend has ended."""
    deadline = time.monotonic() + within
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (backend,))
            if row.fetchone() is None:
                return
            time.sleep(0.05)
    pytest.fail(f"backend {backend} did not end within {within}s")


@pytest.mark.postgres
def test_a_session_ended_by_idle_session_timeout_loses_the_lock(
    pg_workspace_url: str, postgres_url: str
) -> None:
    url = with_query(pg_workspace_url, options="-c%20idle_session_timeout%3D300")
    store, other = open_store(url), open_store(pg_workspace_url)
    try:
        with store.lock(operation="apply"):
            assert other.current_lock() is not None
            with psycopg.connect(urlsplit_db(pg_workspace_url), autocommit=True) as conn:
                row = conn.execute(
                    "SELECT backend_pid FROM reconciler.lock WHERE workspace = %s",
                    (store.workspace,),
                ).fetchone()
            assert row is not None
            wait_until_gone(postgres_url, int(row[0]))
            assert other.current_lock() is None  # the server let go with the session
            with pytest.raises(LockLost, match="session ended"):
                store.ensure_locked()
            with other.lock(operation="apply", timeout=0):
                other.ensure_locked()
    finally:
        store.close()
        other.close()


def test_a_v1_sqlite_state_is_migrated_into_the_default_workspace(tmp_path: Path) -> None:
    import sqlite3
    from contextlib import closing

    from reconciler.state import sqlite_schema

    path = tmp_path / "state.db"
    with closing(sqlite3.connect(path)) as conn:
        for statement in sqlite_schema.MIGRATIONS[0]:
            conn.execute(statement)
        conn.execute("INSERT INTO meta VALUES (1, 1, 'lin-1', 5, 't', '0.1')")
        conn.execute(
            'INSERT INTO schedules VALUES (\'nightly\', 4, \'{"name": "nightly", '
            '"scheduleType": "DAILY", "nextInterval": "2026-12-01T17:30:00.000", '
            '"status": "ACTIVE"}\', \'t\')'
        )
        conn.execute(
            "INSERT INTO journal (action, name, started_at) VALUES ('create', 'hourly', 't')"
        )
        conn.commit()
    store = open_store(str(path))
    try:
        assert (store.workspace, store.lineage, store.serial) == ("default", "lin-1", 5)
        assert not store.created
        assert list(store.read_all()) == ["nightly"]
        assert [e.name for e in store.journal_unresolved()] == ["hourly"]
        assert len(store.plan_key()) == 32
    finally:
        store.close()
    assert (tmp_path / "state.db.bak-v1").is_file()
