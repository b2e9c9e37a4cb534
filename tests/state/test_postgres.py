"""PostgreSQL-only behaviour: workspaces, the database-wide schema version, migrations."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from reconciler.core.model import RecordedSchedule, SchedulePayload
from reconciler.state import StateError, open_store, postgres_schema

pytestmark = pytest.mark.postgres

PAYLOAD: SchedulePayload = {
    "name": "nightly",
    "scheduleType": "DAILY",
    "nextInterval": "2026-12-01T17:30:00.000",
    "status": "ACTIVE",
}
RECORD = RecordedSchedule(name="nightly", id=4, payload=PAYLOAD, applied_at="t")


def with_workspace(url: str, name: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}workspace={name}"


def test_workspaces_are_independent(postgres_url: str) -> None:
    suffix = uuid.uuid4().hex[:8]
    url_a = with_workspace(postgres_url, f"a-{suffix}")
    url_b = with_workspace(postgres_url, f"b-{suffix}")
    a, b = open_store(url_a), open_store(url_b)
    try:
        a.record(RECORD)
        a.bump_serial()
        assert b.read_all() == {} and b.serial == 0
        assert a.lineage != b.lineage
        assert a.url.endswith(f"workspace=a-{suffix}")
        with a.lock(operation="apply"), b.lock(operation="apply", timeout=0):
            pass  # one workspace's lock does not block another's
    finally:
        a.close()
        b.close()


def test_a_database_from_a_newer_reconciler_is_refused(fresh_database: str) -> None:
    open_store(fresh_database).close()
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        conn.execute("UPDATE reconciler.schema_info SET schema_version = 99")
    with pytest.raises(StateError, match=r"newer reconciler \(state schema version 99"):
        open_store(with_workspace(fresh_database, "another"))
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM reconciler.meta").fetchone()
    assert row == (1,)  # the refused open created nothing


def test_foreign_tables_in_the_reconciler_schema_are_refused(fresh_database: str) -> None:
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA reconciler")
        conn.execute("CREATE TABLE reconciler.things (id int)")
    with pytest.raises(StateError, match="not a reconciler state"):
        open_store(fresh_database)


def test_a_new_migration_step_upgrades_and_keeps_the_data(
    fresh_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(fresh_database)
    store.record(RECORD)
    lineage = store.lineage
    store.close()
    upgraded = postgres_schema.latest_version() + 1
    monkeypatch.setattr(
        postgres_schema,
        "MIGRATIONS",
        [*postgres_schema.MIGRATIONS, ("ALTER TABLE reconciler.schedules ADD COLUMN note TEXT",)],
    )
    store = open_store(fresh_database)
    try:
        assert store.lineage == lineage and store.read_all() == {"nightly": RECORD}
    finally:
        store.close()
    with psycopg.connect(fresh_database) as conn:
        version = conn.execute("SELECT schema_version FROM reconciler.schema_info").fetchone()
        assert version == (upgraded,)
        assert conn.execute("SELECT schema_version FROM reconciler.meta").fetchone() == version


def test_a_version_one_database_gets_a_plan_key_per_workspace(fresh_database: str) -> None:
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA reconciler")
        conn.execute(
            "CREATE TABLE reconciler.schema_info (singleton BOOLEAN PRIMARY KEY DEFAULT TRUE"
            " CHECK (singleton), schema_version INTEGER NOT NULL)"
        )
        for statement in postgres_schema.MIGRATIONS[0]:
            conn.execute(statement)
        conn.execute("INSERT INTO reconciler.schema_info (schema_version) VALUES (1)")
        for workspace in ("default", "team-b"):
            conn.execute(
                "INSERT INTO reconciler.meta VALUES (%s, 1, %s, 3, 't', '0.1')",
                (workspace, f"lin-{workspace}"),
            )
    a, b = open_store(fresh_database), open_store(with_workspace(fresh_database, "team-b"))
    try:
        assert (a.lineage, a.serial, b.lineage) == ("lin-default", 3, "lin-team-b")
        assert not a.created and not b.created
        assert len(a.plan_key()) == 32 and a.plan_key() != b.plan_key()
    finally:
        a.close()
        b.close()
