"""The SQLite state store (the default): one file, stdlib `sqlite3`, WAL mode.

Shaped around one rule: a file that is not ours, or that we do not
understand, is never written. `SqliteStore.open` inspects the file through
a read-only connection first (header, integrity, tables, schema version)
and only then opens it for writing; an older schema is copied to
`<file>.bak-v<N>` before its migration runs. Every write is one explicit
transaction (`BEGIN IMMEDIATE` ... `COMMIT`), so a killed apply keeps what
it recorded. One file holds several workspaces (`?workspace=NAME`), each
with its own lineage, serial, journal, plan key and lock. The apply lock is
an `flock` on a file beside the database (see `filelock`), so it dies with
its process; the `lock` table only names the holder for messages.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TypeVar

from reconciler.core.model import RecordedSchedule, SchedulePayload
from reconciler.core.ports import (
    JournalEntry,
    LockInfo,
    LockLost,
    StateError,
    WorkspaceSummary,
)
from reconciler.state import _common as common
from reconciler.state import sqlite_schema as schema
from reconciler.state.filelock import FileLock
from reconciler.state.sqlite_schema import (
    check_usable,
)

log = logging.getLogger(__name__)

T = TypeVar("T")


class SqliteStore:
    """One workspace of a state in one SQLite file. Use from one thread; processes may share it."""

    def __init__(self, path: Path, conn: sqlite3.Connection, *, workspace: str) -> None:
        self._path = path
        self._conn = conn
        self._batching = False
        self._ws = workspace
        lock_name = (
            f"{path.name}.lock"
            if workspace == common.DEFAULT_WORKSPACE
            else f"{path.name}.{workspace}.lock"
        )
        self._flock = FileLock(path.with_name(lock_name))
        self._lock_id: str | None = None
        self._created = False

    @classmethod
    def open(cls, path: Path, *, workspace: str = common.DEFAULT_WORKSPACE) -> SqliteStore:
        """Open (creating or migrating when needed) the state file at `path`."""
        check_usable(path.expanduser())  # named as given (a symlink says where it points)
        path = path.expanduser().resolve()
        schema.back_up_before_migrating(path)
        conn = schema.connect(path)
        store = cls(path, conn, workspace=workspace)
        try:
            store._created = store._write(lambda c: schema.migrate(c, path, workspace))
        except sqlite3.Error as exc:
            conn.close()
            raise StateError(f"cannot open the state file {path}: {exc}") from exc
        except BaseException:
            conn.close()
            raise
        return store

    # -- plumbing ---------------------------------------------------------------------------

    def _write(self, body: Callable[[sqlite3.Connection], T]) -> T:
        """Run `body` in one write transaction (taken at once: BEGIN IMMEDIATE).

        Inside `batch()` the body joins the batch's transaction instead.
        """
        conn = self._conn
        if self._batching:
            return body(conn)
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            check_usable(self._path)
            raise StateError(f"cannot write the state {self._path}: {exc}") from exc
        try:
            result = body(conn)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return result

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Every write of the block in one transaction: one commit, one fsync (group commit)."""
        if self._batching:
            yield
            return
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StateError(f"cannot write the state {self._path}: {exc}") from exc
        self._batching = True
        try:
            yield
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        finally:
            self._batching = False

    def _one(self, sql: str, params: Sequence[object] = ()) -> tuple[object, ...] | None:
        row: tuple[object, ...] | None = self._conn.execute(sql, params).fetchone()
        return row

    def _meta(self, column: str) -> object:
        row = self._one(f"SELECT {column} FROM meta WHERE workspace = ?", (self._ws,))
        if row is None:
            raise StateError(f"the state {self.url} has lost its meta row (damaged)")
        return row[0]

    def _finish_entry(
        self, conn: sqlite3.Connection, entry: int, outcome: str, detail: str | None
    ) -> None:
        cursor = conn.execute(
            "UPDATE journal SET outcome = ?, detail = ?, finished_at = ?"
            " WHERE id = ? AND workspace = ?",
            (outcome, detail, common.utc_now(), entry, self._ws),
        )
        if cursor.rowcount != 1:
            raise StateError(f"journal entry {entry} does not exist in the state")

    # -- the StateStore protocol ------------------------------------------------------------

    @property
    def url(self) -> str:
        suffix = "" if self._ws == common.DEFAULT_WORKSPACE else f"?workspace={self._ws}"
        return f"sqlite:///{self._path}{suffix}"

    @property
    def path(self) -> Path:
        return self._path

    @property
    def workspace(self) -> str:
        return self._ws

    @property
    def created(self) -> bool:
        return self._created

    @property
    def lineage(self) -> str:
        return str(self._meta("lineage"))

    @property
    def serial(self) -> int:
        return common.int_column(self._meta("serial"), "the state's serial")

    def plan_key(self) -> bytes:
        return bytes.fromhex(str(self._meta("plan_key")))

    def read_all(self) -> dict[str, RecordedSchedule]:
        rows = self._conn.execute(
            "SELECT name, id, payload, applied_at FROM schedules WHERE workspace = ? ORDER BY name",
            (self._ws,),
        ).fetchall()
        return {row[0]: common.recorded_from_row(*row) for row in rows}

    def get(self, name: str) -> RecordedSchedule | None:
        row = self._one(
            "SELECT name, id, payload, applied_at FROM schedules WHERE workspace = ? AND name = ?",
            (self._ws, name),
        )
        return None if row is None else common.recorded_from_row(*row)

    def record(self, schedule: RecordedSchedule, *, journal_entry: int | None = None) -> None:
        payload = common.dump_payload(schedule.payload)

        def run(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO schedules (workspace, name, id, payload, applied_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (workspace, name) DO UPDATE SET"
                " id = excluded.id, payload = excluded.payload, applied_at = excluded.applied_at",
                (self._ws, schedule.name, schedule.id, payload, schedule.applied_at),
            )
            if journal_entry is not None:
                self._finish_entry(conn, journal_entry, "ok", None)

        self._write(run)

    def forget(self, name: str, *, journal_entry: int | None = None) -> bool:
        def run(conn: sqlite3.Connection) -> bool:
            gone = conn.execute(
                "DELETE FROM schedules WHERE workspace = ? AND name = ?", (self._ws, name)
            ).rowcount
            if journal_entry is not None:
                self._finish_entry(conn, journal_entry, "ok", None)
            return gone > 0

        return self._write(run)

    def rename(self, old: str, new: str) -> None:
        def run(conn: sqlite3.Connection) -> None:
            if self.get(new) is not None:
                raise StateError(f"{new!r} is already recorded: `reconciler state rm {new}` first")
            moved = conn.execute(
                "UPDATE schedules SET name = ? WHERE workspace = ? AND name = ?",
                (new, self._ws, old),
            ).rowcount
            if not moved:
                raise StateError(f"no schedule named {old!r} is recorded")

        self._write(run)

    def bump_serial(self) -> int:
        def run(conn: sqlite3.Connection) -> int:
            conn.execute("UPDATE meta SET serial = serial + 1 WHERE workspace = ?", (self._ws,))
            return common.int_column(self._meta("serial"), "the state's serial")

        return self._write(run)

    def replace_all(self, *, lineage: str, serial: int, schedules: list[RecordedSchedule]) -> None:
        rows = [
            (self._ws, s.name, s.id, common.dump_payload(s.payload), s.applied_at)
            for s in schedules
        ]

        def run(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM schedules WHERE workspace = ?", (self._ws,))
            conn.executemany(
                "INSERT INTO schedules (workspace, name, id, payload, applied_at)"
                " VALUES (?, ?, ?, ?, ?)",
                rows,
            )
            conn.execute(
                "UPDATE meta SET lineage = ?, serial = ? WHERE workspace = ?",
                (lineage, serial, self._ws),
            )

        self._write(run)

    # -- workspaces -------------------------------------------------------------------------

    def workspaces(self) -> list[WorkspaceSummary]:
        rows = self._conn.execute(
            "SELECT m.workspace, m.serial, m.lineage,"
            " (SELECT count(*) FROM schedules s WHERE s.workspace = m.workspace),"
            " (SELECT count(*) FROM journal j WHERE j.workspace = m.workspace"
            "  AND j.outcome IS NULL)"
            " FROM meta m ORDER BY m.workspace"
        ).fetchall()
        return common.workspace_summaries(rows)

    def managed_elsewhere(self, names: Iterable[str]) -> dict[str, str]:
        wanted = set(names)
        rows = self._conn.execute(
            "SELECT name, workspace FROM schedules WHERE workspace <> ? ORDER BY workspace",
            (self._ws,),
        ).fetchall()
        found: dict[str, str] = {}
        for name, workspace in rows:
            if name in wanted:
                found.setdefault(name, workspace)
        return found

    # -- lock -------------------------------------------------------------------------------

    def lock(self, *, operation: str, timeout: float = 0.0) -> AbstractContextManager[LockInfo]:
        return self._hold(operation, timeout)

    @contextmanager
    def _hold(self, operation: str, timeout: float) -> Iterator[LockInfo]:
        mine = common.new_lock_info(operation)
        self._flock.acquire_within(
            timeout,
            holder=lambda: self.current_lock() or common.unknown_holder(str(self._flock.path)),
            what=f"the state {self.url}",
        )
        try:
            self._write(lambda conn: self._name_holder(conn, mine))
            self._lock_id = mine.id
            yield mine
        finally:
            self._lock_id = None
            try:
                self._write(
                    lambda conn: conn.execute(
                        "DELETE FROM lock WHERE workspace = ? AND id = ?", (self._ws, mine.id)
                    )
                )
            finally:
                self._flock.release()

    def _name_holder(self, conn: sqlite3.Connection, mine: LockInfo) -> None:
        conn.execute(
            f"INSERT OR REPLACE INTO lock (workspace, {common.LOCK_COLUMNS})"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (self._ws, mine.id, mine.owner, mine.host, mine.pid, mine.created_at, mine.operation),
        )

    def ensure_locked(self) -> None:
        row = self._one("SELECT id FROM lock WHERE workspace = ?", (self._ws,))
        if self._lock_id is None or not self._flock.still_held() or row != (self._lock_id,):
            raise LockLost(
                f"this run no longer holds the lock on the state {self.url} (someone ran "
                "`reconciler state unlock`): it started nothing more. Check what the other "
                "run did, then plan again"
            )

    def current_lock(self) -> LockInfo | None:
        if not self._flock.is_taken():
            return None  # a row left by a killed run names nobody alive
        row = self._one(f"SELECT {common.LOCK_COLUMNS} FROM lock WHERE workspace = ?", (self._ws,))
        return common.lock_from_row(row) if row else common.unknown_holder(str(self._flock.path))

    def force_unlock(self, lock_id: str) -> bool:
        def run(conn: sqlite3.Connection) -> bool:
            return (
                conn.execute(
                    "DELETE FROM lock WHERE workspace = ? AND id = ?", (self._ws, lock_id)
                ).rowcount
                > 0
            )

        released = self._write(run)
        if released:
            self._flock.break_()
            log.warning("state %s: lock %s forcibly released", self.url, lock_id)
        return released

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

        def run(conn: sqlite3.Connection) -> int:
            cursor = conn.execute(
                "INSERT INTO journal (workspace, action, name, schedule_id, payload, started_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (self._ws, action, name, schedule_id, text, common.utc_now()),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

        return self._write(run)

    def journal_outcome(self, entry_id: int, *, outcome: str, detail: str | None = None) -> None:
        common.check_outcome(outcome)
        self._write(lambda conn: self._finish_entry(conn, entry_id, outcome, detail))

    def journal_unresolved(self) -> list[JournalEntry]:
        rows = self._conn.execute(
            f"SELECT {common.JOURNAL_COLUMNS} FROM journal WHERE workspace = ? AND outcome IS NULL"
            " ORDER BY id",
            (self._ws,),
        ).fetchall()
        return [common.journal_from_row(row) for row in rows]

    def journal_resolve(self, entry_id: int, *, detail: str) -> None:
        self._write(lambda conn: self._finish_entry(conn, entry_id, common.RESOLVED, detail))

    def export(self) -> dict[str, object]:
        self._conn.execute("BEGIN")  # one consistent snapshot
        try:
            return common.export_data(
                lineage=self.lineage,
                serial=self.serial,
                schedules=self.read_all().values(),
                unresolved=self.journal_unresolved(),
            )
        finally:
            self._conn.execute("COMMIT")

    def close(self) -> None:
        self._flock.release()
        self._conn.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
