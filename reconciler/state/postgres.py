"""The PostgreSQL state store: several independent states (workspaces) in one database.

For teams whose CI runners share nothing. The tables live in a `reconciler`
schema and carry a `workspace` column; `?workspace=NAME` in the URL picks
one (default `default`). The table layout is database-wide, so its version
is kept once (`reconciler.schema_info`) and migrations run under a
transaction-level advisory lock, so two runners never migrate at once.

The apply lock is a session-level advisory lock on a key derived from the
workspace, held on a dedicated connection for the whole apply: if the
runner dies, its connection ends and the server releases the lock, so a
PostgreSQL lock never goes stale. A row in `reconciler.lock` names the
holder (for messages and `current_lock`); a row whose advisory lock is not
held is stale and ignored. `force_unlock` terminates the backend that
holds the lock (`pg_terminate_backend`, found through `pg_locks`) when it
has the rights to, and deletes the row either way.

This module imports psycopg; `reconciler.state.open_store` imports it only
when a postgresql URL is opened, so start-up stays fast.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg

from reconciler.core.model import RecordedSchedule
from reconciler.core.ports import JournalEntry, LockHeld, LockInfo, StateError
from reconciler.state import _common as common

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_WORKSPACE = "default"
_WORKSPACE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
#: How long `force_unlock` waits for a terminated backend to let go of the lock.
TERMINATE_WAIT = 5.0

#: Migration steps: MIGRATIONS[i] takes the layout from version i to i + 1. Append only.
MIGRATIONS: list[Sequence[str]] = [
    (
        """CREATE TABLE reconciler.meta (
            workspace TEXT PRIMARY KEY,
            schema_version INTEGER NOT NULL,
            lineage TEXT NOT NULL,
            serial BIGINT NOT NULL,
            created_at TEXT NOT NULL,
            tool_version TEXT NOT NULL
        )""",
        """CREATE TABLE reconciler.schedules (
            workspace TEXT NOT NULL REFERENCES reconciler.meta (workspace) ON DELETE CASCADE,
            name TEXT NOT NULL,
            id BIGINT NOT NULL,
            payload TEXT NOT NULL,
            applied_at TEXT NOT NULL,
            PRIMARY KEY (workspace, name)
        )""",
        """CREATE TABLE reconciler.journal (
            id BIGSERIAL PRIMARY KEY,
            workspace TEXT NOT NULL REFERENCES reconciler.meta (workspace) ON DELETE CASCADE,
            action TEXT NOT NULL,
            name TEXT NOT NULL,
            schedule_id BIGINT,
            payload TEXT,
            started_at TEXT NOT NULL,
            outcome TEXT,
            detail TEXT,
            finished_at TEXT
        )""",
        "CREATE INDEX journal_unresolved ON reconciler.journal (workspace, id)"
        " WHERE outcome IS NULL",
        """CREATE TABLE reconciler.lock (
            workspace TEXT PRIMARY KEY REFERENCES reconciler.meta (workspace) ON DELETE CASCADE,
            id TEXT NOT NULL,
            owner TEXT NOT NULL,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            operation TEXT NOT NULL,
            backend_pid INTEGER NOT NULL
        )""",
    ),
]

_JOURNAL_COLUMNS = "id, action, name, schedule_id, payload, started_at, outcome, detail"
_LOCK_COLUMNS = "id, owner, host, pid, created_at, operation"
#: The backend holding the advisory lock on a key (a bigint shows as classid/objid, objsubid 1).
_HOLDER_SQL = """SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND classid::bigint = %s AND objid::bigint = %s AND objsubid = 1"""


def latest_version() -> int:
    return len(MIGRATIONS)


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for `pg_advisory_lock`, from a name."""
    digest = hashlib.sha256(f"testsigma-reconciler:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def parse_url(url: str) -> tuple[str, str, str]:
    """(conninfo for libpq, the URL for messages without any password, the workspace)."""
    parts = urlsplit(url)
    workspace = DEFAULT_WORKSPACE
    rest: list[tuple[str, str]] = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key == "workspace":
            workspace = value
        else:
            rest.append((key, value))
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        netloc = f"{userinfo.split(':', 1)[0]}@{host}"
    shown = [(k, v) for k, v in rest if k != "password"] + [("workspace", workspace)]
    display = urlunsplit((parts.scheme, netloc, parts.path, urlencode(shown), ""))
    if not _WORKSPACE_RE.match(workspace):
        raise StateError(
            f"{display}: workspace {workspace!r} is not valid: use 1 to 63 letters, digits, "
            "'_', '.' or '-', starting with a letter or digit"
        )
    conninfo = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(rest), ""))
    return conninfo, display, workspace


class PostgresStore:
    """One workspace of the state in a PostgreSQL database."""

    def __init__(self, *, conninfo: str, display_url: str, workspace: str) -> None:
        self._conninfo = conninfo
        self._url = display_url
        self._workspace = workspace
        self._key = advisory_key(f"workspace:{workspace}")
        unsigned = self._key & 0xFFFFFFFFFFFFFFFF
        self._key_parts = (unsigned >> 32, unsigned & 0xFFFFFFFF)
        self._batching = False
        self._conn = self._connect()

    @classmethod
    def open(cls, url: str) -> PostgresStore:
        """Connect, check the layout (never writing a newer or foreign one), migrate, create."""
        conninfo, display, workspace = parse_url(url)
        store = cls(conninfo=conninfo, display_url=display, workspace=workspace)
        try:
            version = store._inspect_version()
            store._migrate(version)
        except BaseException:
            store.close()
            raise
        return store

    # -- plumbing ---------------------------------------------------------------------------

    def _connect(self) -> psycopg.Connection[tuple[Any, ...]]:
        extra: dict[str, Any] = {"application_name": "testsigma-reconciler"}
        if "connect_timeout" not in self._conninfo:
            extra["connect_timeout"] = 10
        try:
            return psycopg.connect(self._conninfo, autocommit=True, **extra)
        except psycopg.Error as exc:
            raise StateError(f"cannot connect to the state database {self._url}: {exc}") from exc

    def _fail(self, exc: psycopg.Error) -> StateError:
        return StateError(f"the state database {self._url} failed: {exc}")

    def _write(self, body: Callable[[psycopg.Connection[tuple[Any, ...]]], T]) -> T:
        """Run `body` in one transaction (inside `batch()`, in the batch's transaction)."""
        try:
            if self._batching:
                return body(self._conn)
            with self._conn.transaction():
                return body(self._conn)
        except psycopg.Error as exc:
            raise self._fail(exc) from exc

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Every write of the block in one transaction: one commit (group commit)."""
        if self._batching:
            yield
            return
        try:
            with self._conn.transaction():
                self._batching = True
                try:
                    yield
                finally:
                    self._batching = False
        except psycopg.Error as exc:
            raise self._fail(exc) from exc

    def _one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        try:
            return self._conn.execute(sql, params).fetchone()
        except psycopg.Error as exc:
            raise self._fail(exc) from exc

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except psycopg.Error as exc:
            raise self._fail(exc) from exc

    def _inspect_version(self) -> int:
        """The layout version (0: none yet), checked before anything is written."""
        tables = {
            r[0]
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
        version = int(row[0]) if row else 0
        if version > latest_version():
            raise StateError(
                f"{self._url}: written by a newer reconciler (state schema version {version}, "
                f"this one knows up to {latest_version()}); upgrade testsigma-reconciler. "
                "The database was left untouched."
            )
        return version

    def _migrate(self, seen: int) -> None:
        ws = self._workspace

        def run(conn: psycopg.Connection[tuple[Any, ...]]) -> None:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (advisory_key("migrate"),))
            if seen < latest_version():
                conn.execute("CREATE SCHEMA IF NOT EXISTS reconciler")
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS reconciler.schema_info ("
                    " singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),"
                    " schema_version INTEGER NOT NULL)"
                )
                row = conn.execute("SELECT schema_version FROM reconciler.schema_info").fetchone()
                current = int(row[0]) if row else 0
                for version in range(current, latest_version()):
                    for statement in MIGRATIONS[version]:
                        conn.execute(statement)
                    log.info("state %s: migrated schema to version %d", self._url, version + 1)
                conn.execute(
                    "INSERT INTO reconciler.schema_info (schema_version) VALUES (%s)"
                    " ON CONFLICT (singleton)"
                    " DO UPDATE SET schema_version = excluded.schema_version",
                    (latest_version(),),
                )
                conn.execute("UPDATE reconciler.meta SET schema_version = %s", (latest_version(),))
            conn.execute(
                "INSERT INTO reconciler.meta (workspace, schema_version, lineage, serial,"
                " created_at, tool_version) VALUES (%s, %s, %s, 0, %s, %s)"
                " ON CONFLICT (workspace) DO NOTHING",
                (ws, latest_version(), common.new_lineage(), common.utc_now(), common.TOOL_VERSION),
            )

        self._write(run)

    def _meta(self, column: str) -> Any:
        row = self._one(
            f"SELECT {column} FROM reconciler.meta WHERE workspace = %s", (self._workspace,)
        )
        if row is None:
            raise StateError(f"the state {self._url} has lost its meta row")
        return row[0]

    def _finish_entry(
        self, conn: psycopg.Connection[tuple[Any, ...]], entry: int, outcome: str, detail: Any
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
    def lineage(self) -> str:
        return str(self._meta("lineage"))

    @property
    def serial(self) -> int:
        return int(self._meta("serial"))

    def read_all(self) -> dict[str, RecordedSchedule]:
        rows = self._all(
            "SELECT name, id, payload, applied_at FROM reconciler.schedules"
            " WHERE workspace = %s ORDER BY name",
            (self._workspace,),
        )
        return {row[0]: common.recorded_from_row(*row) for row in rows}

    def get(self, name: str) -> RecordedSchedule | None:
        row = self._one(
            "SELECT name, id, payload, applied_at FROM reconciler.schedules"
            " WHERE workspace = %s AND name = %s",
            (self._workspace, name),
        )
        return None if row is None else common.recorded_from_row(*row)

    def record(self, schedule: RecordedSchedule, *, journal_entry: int | None = None) -> None:
        payload = common.dump_payload(schedule.payload)

        def run(conn: psycopg.Connection[tuple[Any, ...]]) -> None:
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
        def run(conn: psycopg.Connection[tuple[Any, ...]]) -> bool:
            gone = conn.execute(
                "DELETE FROM reconciler.schedules WHERE workspace = %s AND name = %s",
                (self._workspace, name),
            ).rowcount
            if journal_entry is not None:
                self._finish_entry(conn, journal_entry, "ok", None)
            return gone > 0

        return self._write(run)

    def bump_serial(self) -> int:
        def run(conn: psycopg.Connection[tuple[Any, ...]]) -> int:
            row = conn.execute(
                "UPDATE reconciler.meta SET serial = serial + 1 WHERE workspace = %s"
                " RETURNING serial",
                (self._workspace,),
            ).fetchone()
            assert row is not None
            return int(row[0])

        return self._write(run)

    def replace_all(self, *, lineage: str, serial: int, schedules: list[RecordedSchedule]) -> None:
        ws = self._workspace
        rows = [(ws, s.name, s.id, common.dump_payload(s.payload), s.applied_at) for s in schedules]

        def run(conn: psycopg.Connection[tuple[Any, ...]]) -> None:
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

    # -- lock -------------------------------------------------------------------------------

    def lock(self, *, operation: str, timeout: float = 0.0) -> AbstractContextManager[LockInfo]:
        return self._hold(operation, timeout)

    @contextmanager
    def _hold(self, operation: str, timeout: float) -> Iterator[LockInfo]:
        mine = common.new_lock_info(operation)
        deadline = time.monotonic() + max(timeout, 0.0)
        announced = False
        conn = self._connect()  # dedicated: the lock lives and dies with this session
        try:
            while not self._try_lock(conn):
                holder = self.current_lock() or self._unknown_holder()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise LockHeld(holder, stale=common.is_stale(holder))
                if not announced:
                    log.info(
                        "the state %s is locked by %s; waiting up to %.0fs",
                        self._url,
                        holder.owner,
                        timeout,
                    )
                    announced = True
                time.sleep(min(common.LOCK_POLL_INTERVAL, remaining))
            conn.execute(
                f"INSERT INTO reconciler.lock (workspace, {_LOCK_COLUMNS}, backend_pid)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, pg_backend_pid())"
                " ON CONFLICT (workspace) DO UPDATE SET id = excluded.id,"
                " owner = excluded.owner, host = excluded.host, pid = excluded.pid,"
                " created_at = excluded.created_at, operation = excluded.operation,"
                " backend_pid = excluded.backend_pid",
                (
                    self._workspace,
                    mine.id,
                    mine.owner,
                    mine.host,
                    mine.pid,
                    mine.created_at,
                    mine.operation,
                ),
            )
        except psycopg.Error as exc:
            conn.close()
            raise self._fail(exc) from exc
        except BaseException:
            conn.close()
            raise
        try:
            yield mine
        finally:
            try:
                conn.execute(
                    "DELETE FROM reconciler.lock WHERE workspace = %s AND id = %s",
                    (self._workspace, mine.id),
                )
                conn.execute("SELECT pg_advisory_unlock(%s)", (self._key,))
            except psycopg.Error as exc:  # e.g. force-unlocked: the server already let go
                log.warning(
                    "state %s: lock %s was lost before release (%s)", self._url, mine.id, exc
                )
            finally:
                conn.close()

    def _try_lock(self, conn: psycopg.Connection[tuple[Any, ...]]) -> bool:
        row = conn.execute("SELECT pg_try_advisory_lock(%s)", (self._key,)).fetchone()
        return bool(row and row[0])

    def _holder_pid(self) -> int | None:
        row = self._one(_HOLDER_SQL, self._key_parts)
        return None if row is None else int(row[0])

    def _unknown_holder(self) -> LockInfo:
        pid = self._holder_pid() or 0
        return LockInfo(
            id="unknown",
            owner=f"PostgreSQL backend {pid}",
            host="",
            pid=0,
            created_at=common.utc_now(),
            operation="unknown",
        )

    def current_lock(self) -> LockInfo | None:
        """The holder of the advisory lock, from its row (rows of released locks are ignored)."""
        pid = self._holder_pid()
        if pid is None:
            return None
        row = self._one(
            f"SELECT {_LOCK_COLUMNS} FROM reconciler.lock"
            " WHERE workspace = %s AND backend_pid = %s",
            (self._workspace, pid),
        )
        return None if row is None else LockInfo(*row)

    def force_unlock(self, lock_id: str) -> bool:
        """Terminate the backend holding lock `lock_id` (if allowed) and delete its row."""
        row = self._one(
            "SELECT backend_pid FROM reconciler.lock WHERE workspace = %s AND id = %s",
            (self._workspace, lock_id),
        )
        if row is None:
            return False
        backend = int(row[0])
        if self._holder_pid() == backend:
            try:
                self._one("SELECT pg_terminate_backend(%s)", (backend,))
            except StateError as exc:
                log.warning(
                    "state %s: cannot end the session holding lock %s (%s); ask an "
                    "administrator to run pg_terminate_backend(%d)",
                    self._url,
                    lock_id,
                    exc,
                    backend,
                )
            deadline = time.monotonic() + TERMINATE_WAIT
            while self._holder_pid() == backend and time.monotonic() < deadline:
                time.sleep(common.LOCK_POLL_INTERVAL)
        self._write(
            lambda conn: conn.execute(
                "DELETE FROM reconciler.lock WHERE workspace = %s AND id = %s",
                (self._workspace, lock_id),
            )
        )
        log.warning("state %s: lock %s forcibly released", self._url, lock_id)
        return True

    # -- journal ----------------------------------------------------------------------------

    def journal_intent(
        self,
        *,
        action: str,
        name: str,
        schedule_id: int | None,
        payload: Mapping[str, Any] | None,
    ) -> int:
        text = common.dump_payload(payload)

        def run(conn: psycopg.Connection[tuple[Any, ...]]) -> int:
            row = conn.execute(
                "INSERT INTO reconciler.journal (workspace, action, name, schedule_id, payload,"
                " started_at) VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
                (self._workspace, action, name, schedule_id, text, common.utc_now()),
            ).fetchone()
            assert row is not None
            return int(row[0])

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

    def export(self) -> dict[str, Any]:
        def run(conn: psycopg.Connection[tuple[Any, ...]]) -> dict[str, Any]:
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
