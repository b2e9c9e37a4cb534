"""The PostgreSQL state store: several independent states (workspaces) in one database.

For teams whose CI runners share nothing. The tables live in a `reconciler`
schema and carry a `workspace` column; `?workspace=NAME` in the URL picks
one (default `default`). The table layout is database-wide, so its version
is kept once (`reconciler.schema_info`) and migrations run under a
transaction-level advisory lock, so two runners never migrate at once.

The connection, the apply lock held on it and the password handling live in
`postgres_session`; the layout and URL parsing in `postgres_schema`.

This module imports psycopg; `reconciler.state.open_store` imports it only
when a postgresql URL is opened, so start-up stays fast.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import psycopg

from reconciler.core.model import RecordedSchedule, SchedulePayload
from reconciler.core.ports import (
    JournalEntry,
    StateError,
    WorkspaceSummary,
)
from reconciler.state import _common as common
from reconciler.state import postgres_schema as schema
from reconciler.state.postgres_schema import parse_url
from reconciler.state.postgres_session import PgSession

log = logging.getLogger(__name__)


_JOURNAL_COLUMNS = common.JOURNAL_COLUMNS


class PostgresStore(PgSession):
    """One workspace of the state in a PostgreSQL database."""

    @classmethod
    def open(cls, url: str, *, workspace: str | None = None) -> PostgresStore:
        """Connect, check the layout (never writing a newer or foreign one), migrate, create."""
        store = cls(parse_url(url, workspace=workspace))
        try:
            version = store._inspect_version()
            store._migrate(version)
        except BaseException:
            store.close()
            raise
        return store

    def _inspect_version(self) -> int:
        """The layout version (0: none yet), checked before anything is written."""
        tables = {
            common.text_column(r[0], "a table name")
            for r in self._all(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'reconciler'"
            )
        }
        if not tables:
            return 0
        if "schema_info" not in tables:
            raise StateError(
                f"{self._url}: the schema `reconciler` holds tables that are not a reconciler "
                f"state ({', '.join(sorted(tables))}); they were left untouched"
            )
        row = self._one("SELECT schema_version FROM reconciler.schema_info")
        version = common.int_column(row[0], "the schema version") if row else 0
        if version > schema.latest_version():
            raise StateError(
                f"{self._url}: written by a newer reconciler (state schema version {version}, "
                f"this one knows up to {schema.latest_version()}); upgrade testsigma-reconciler. "
                "The database was left untouched."
            )
        return version

    def _migrate(self, seen: int) -> None:
        ws = self._workspace

        def run(conn: psycopg.Connection[tuple[object, ...]]) -> bool:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (schema.advisory_key("migrate"),))
            if seen < schema.latest_version():
                conn.execute("CREATE SCHEMA IF NOT EXISTS reconciler")
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS reconciler.schema_info ("
                    " singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),"
                    " schema_version INTEGER NOT NULL)"
                )
                row = conn.execute("SELECT schema_version FROM reconciler.schema_info").fetchone()
                current = common.int_column(row[0], "the schema version") if row else 0
                for version in range(current, schema.latest_version()):
                    for statement in schema.MIGRATIONS[version]:
                        conn.execute(statement)
                    log.info("state %s: migrated schema to version %d", self._url, version + 1)
                conn.execute(
                    "INSERT INTO reconciler.schema_info (schema_version) VALUES (%s)"
                    " ON CONFLICT (singleton)"
                    " DO UPDATE SET schema_version = excluded.schema_version",
                    (schema.latest_version(),),
                )
                conn.execute(
                    "UPDATE reconciler.meta SET schema_version = %s", (schema.latest_version(),)
                )
            inserted = conn.execute(
                "INSERT INTO reconciler.meta (workspace, schema_version, lineage, serial,"
                " created_at, tool_version, plan_key) VALUES (%s, %s, %s, 0, %s, %s, %s)"
                " ON CONFLICT (workspace) DO NOTHING",
                (
                    ws,
                    schema.latest_version(),
                    common.new_lineage(),
                    common.utc_now(),
                    common.TOOL_VERSION,
                    common.new_plan_key(),
                ),
            ).rowcount
            return inserted > 0

        self._created = self._write(run)

    def _meta(self, column: str) -> object:
        row = self._one(
            f"SELECT {column} FROM reconciler.meta WHERE workspace = %s", (self._workspace,)
        )
        if row is None:
            raise StateError(f"the state {self._url} has lost its meta row")
        return row[0]

    def _finish_entry(
        self,
        conn: psycopg.Connection[tuple[object, ...]],
        entry: int,
        outcome: str,
        detail: str | None,
    ) -> None:
        cursor = conn.execute(
            "UPDATE reconciler.journal SET outcome = %s, detail = %s, finished_at = %s"
            " WHERE id = %s AND workspace = %s",
            (outcome, detail, common.utc_now(), entry, self._workspace),
        )
        if cursor.rowcount != 1:
            raise StateError(f"journal entry {entry} does not exist in the state {self._url}")

    # -- the StateStore protocol ------------------------------------------------------------

    @property
    def url(self) -> str:
        return self._url

    @property
    def workspace(self) -> str:
        return self._workspace

    @property
    def created(self) -> bool:
        return self._created

    @property
    def lineage(self) -> str:
        return str(self._meta("lineage"))

    def plan_key(self) -> bytes:
        return bytes.fromhex(str(self._meta("plan_key")))

    @property
    def serial(self) -> int:
        return common.int_column(self._meta("serial"), "the state's serial")

    def read_all(self) -> dict[str, RecordedSchedule]:
        rows = self._all(
            "SELECT name, id, payload, applied_at FROM reconciler.schedules"
            " WHERE workspace = %s ORDER BY name",
            (self._workspace,),
        )
        return {(r := common.recorded_from_row(*row)).name: r for row in rows}

    def get(self, name: str) -> RecordedSchedule | None:
        row = self._one(
            "SELECT name, id, payload, applied_at FROM reconciler.schedules"
            " WHERE workspace = %s AND name = %s",
            (self._workspace, name),
        )
        return None if row is None else common.recorded_from_row(*row)

    def record(self, schedule: RecordedSchedule, *, journal_entry: int | None = None) -> None:
        payload = common.dump_payload(schedule.payload)

        def run(conn: psycopg.Connection[tuple[object, ...]]) -> None:
            conn.execute(
                "INSERT INTO reconciler.schedules (workspace, name, id, payload, applied_at)"
                " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (workspace, name) DO UPDATE"
                " SET id = excluded.id, payload = excluded.payload,"
                " applied_at = excluded.applied_at",
                (self._workspace, schedule.name, schedule.id, payload, schedule.applied_at),
            )
            if journal_entry is not None:
                self._finish_entry(conn, journal_entry, "ok", None)

        self._write(run)

    def forget(self, name: str, *, journal_entry: int | None = None) -> bool:
        def run(conn: psycopg.Connection[tuple[object, ...]]) -> bool:
            gone = conn.execute(
                "DELETE FROM reconciler.schedules WHERE workspace = %s AND name = %s",
                (self._workspace, name),
            ).rowcount
            if journal_entry is not None:
                self._finish_entry(conn, journal_entry, "ok", None)
            return gone > 0

        return self._write(run)

    def bump_serial(self) -> int:
        def run(conn: psycopg.Connection[tuple[object, ...]]) -> int:
            row = conn.execute(
                "UPDATE reconciler.meta SET serial = serial + 1 WHERE workspace = %s"
                " RETURNING serial",
                (self._workspace,),
            ).fetchone()
            assert row is not None
            return common.int_column(row[0], "the id the database returned")

        return self._write(run)

    def replace_all(self, *, lineage: str, serial: int, schedules: list[RecordedSchedule]) -> None:
        ws = self._workspace
        rows = [(ws, s.name, s.id, common.dump_payload(s.payload), s.applied_at) for s in schedules]

        def run(conn: psycopg.Connection[tuple[object, ...]]) -> None:
            conn.execute("DELETE FROM reconciler.schedules WHERE workspace = %s", (ws,))
            with conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO reconciler.schedules (workspace, name, id, payload, applied_at)"
                    " VALUES (%s, %s, %s, %s, %s)",
                    rows,
                )
            conn.execute(
                "UPDATE reconciler.meta SET lineage = %s, serial = %s WHERE workspace = %s",
                (lineage, serial, ws),
            )

        self._write(run)

    # -- workspaces -------------------------------------------------------------------------

    def workspaces(self) -> list[WorkspaceSummary]:
        rows = self._all(
            "SELECT m.workspace, m.serial, m.lineage,"
            " (SELECT count(*) FROM reconciler.schedules s WHERE s.workspace = m.workspace),"
            " (SELECT count(*) FROM reconciler.journal j WHERE j.workspace = m.workspace"
            "  AND j.outcome IS NULL)"
            " FROM reconciler.meta m ORDER BY m.workspace"
        )
        return common.workspace_summaries(rows)

    def managed_elsewhere(self, names: Iterable[str]) -> dict[str, str]:
        rows = self._all(
            "SELECT name, min(workspace) FROM reconciler.schedules"
            " WHERE workspace <> %s AND name = ANY(%s) GROUP BY name",
            (self._workspace, list(set(names))),
        )
        return {str(r[0]): str(r[1]) for r in rows}

    def rename(self, old: str, new: str) -> None:
        def run(conn: psycopg.Connection[tuple[object, ...]]) -> None:
            taken = conn.execute(
                "SELECT 1 FROM reconciler.schedules WHERE workspace = %s AND name = %s",
                (self._workspace, new),
            ).fetchone()
            if taken:
                raise StateError(f"{new!r} is already recorded: `reconciler state rm {new}` first")
            moved = conn.execute(
                "UPDATE reconciler.schedules SET name = %s WHERE workspace = %s AND name = %s",
                (new, self._workspace, old),
            ).rowcount
            if not moved:
                raise StateError(f"no schedule named {old!r} is recorded")

        self._write(run)

    # -- journal ----------------------------------------------------------------------------

    def journal_intent(
        self,
        *,
        action: str,
        name: str,
        schedule_id: int | None,
        payload: SchedulePayload | None,
    ) -> int:
        text = common.dump_payload(payload)

        def run(conn: psycopg.Connection[tuple[object, ...]]) -> int:
            row = conn.execute(
                "INSERT INTO reconciler.journal (workspace, action, name, schedule_id, payload,"
                " started_at) VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
                (self._workspace, action, name, schedule_id, text, common.utc_now()),
            ).fetchone()
            assert row is not None
            return common.int_column(row[0], "the id the database returned")

        return self._write(run)

    def journal_outcome(self, entry_id: int, *, outcome: str, detail: str | None = None) -> None:
        common.check_outcome(outcome)
        self._write(lambda conn: self._finish_entry(conn, entry_id, outcome, detail))

    def journal_unresolved(self) -> list[JournalEntry]:
        rows = self._all(
            f"SELECT {_JOURNAL_COLUMNS} FROM reconciler.journal"
            " WHERE workspace = %s AND outcome IS NULL ORDER BY id",
            (self._workspace,),
        )
        return [common.journal_from_row(row) for row in rows]

    def journal_resolve(self, entry_id: int, *, detail: str) -> None:
        self._write(lambda conn: self._finish_entry(conn, entry_id, common.RESOLVED, detail))

    def export(self) -> dict[str, object]:
        def run(conn: psycopg.Connection[tuple[object, ...]]) -> dict[str, object]:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            return common.export_data(
                lineage=self.lineage,
                serial=self.serial,
                schedules=self.read_all().values(),
                unresolved=self.journal_unresolved(),
            )

        return self._write(run)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
