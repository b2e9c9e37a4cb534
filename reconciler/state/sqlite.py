"""The SQLite state store (the default): one file, stdlib `sqlite3`, WAL mode.

Shaped around one rule: a file that is not ours, or that we do not
understand, is never written. `SqliteStore.open` inspects the file through
a read-only connection first (header, integrity, tables, schema version)
and only then opens it for writing; an older schema is copied to
`<file>.bak-v<N>` before its migration runs. Every write is one explicit
transaction (`BEGIN IMMEDIATE` ... `COMMIT`), so a killed apply keeps what
it recorded. The apply lock is a row in the `lock` table, inserted only
when none exists; another process sees it and either waits or reports it
(stale when its holder was on this host and is gone).
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, closing, contextmanager
from pathlib import Path
from typing import Any, TypeVar

from reconciler.core.model import RecordedSchedule
from reconciler.core.ports import JournalEntry, LockHeld, LockInfo, StateError
from reconciler.state import _common as common

log = logging.getLogger(__name__)

T = TypeVar("T")

_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 10_000

#: Migration steps: MIGRATIONS[i] takes the schema from version i to i + 1.
#: Append to add a version; never edit a released step.
MIGRATIONS: list[Sequence[str]] = [
    (
        """CREATE TABLE meta (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            schema_version INTEGER NOT NULL,
            lineage TEXT NOT NULL,
            serial INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            tool_version TEXT NOT NULL
        )""",
        """CREATE TABLE schedules (
            name TEXT PRIMARY KEY,
            id INTEGER NOT NULL,
            payload TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )""",
        """CREATE TABLE journal (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            action TEXT NOT NULL,
            name TEXT NOT NULL,
            schedule_id INTEGER,
            payload TEXT,
            started_at TEXT NOT NULL,
            outcome TEXT,
            detail TEXT,
            finished_at TEXT
        )""",
        "CREATE INDEX journal_unresolved ON journal (id) WHERE outcome IS NULL",
        """CREATE TABLE lock (
            id TEXT PRIMARY KEY,
            slot INTEGER NOT NULL DEFAULT 1 UNIQUE CHECK (slot = 1),
            owner TEXT NOT NULL,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            operation TEXT NOT NULL
        )""",
    ),
]

_JOURNAL_COLUMNS = "id, action, name, schedule_id, payload, started_at, outcome, detail"
_LOCK_COLUMNS = "id, owner, host, pid, created_at, operation"


def latest_version() -> int:
    return len(MIGRATIONS)


def _untouched(path: Path, why: str) -> StateError:
    return StateError(
        f"{path}: {why}. The file was left untouched; "
        "point --state at another file or restore this one from a backup."
    )


def inspect_version(path: Path) -> int:
    """The schema version of the file at `path` (0: new or empty), read without writing.

    Raises StateError for a file that is not SQLite, damaged, not ours, or newer.
    """
    if not path.exists() or path.stat().st_size == 0:
        return 0
    if path.is_dir():
        raise StateError(f"{path} is a directory, not a state file")
    with path.open("rb") as handle:
        if handle.read(len(_HEADER)) != _HEADER:
            raise _untouched(path, "not an SQLite database, so not a reconciler state")
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            check = conn.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise _untouched(path, f"the SQLite database is damaged ({check and check[0]})")
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            tables -= {"sqlite_sequence"}
            if not tables:
                return 0
            if "meta" not in tables:
                listed = ", ".join(sorted(tables))
                raise _untouched(
                    path, f"an SQLite database, but not a reconciler state (tables: {listed})"
                )
            columns = {r[1] for r in conn.execute("PRAGMA table_info(meta)")}
            if not {"schema_version", "lineage", "serial"} <= columns:
                raise _untouched(path, "an SQLite database with a `meta` table not of ours")
            row = conn.execute("SELECT schema_version FROM meta").fetchone()
    except sqlite3.DatabaseError as exc:
        raise _untouched(path, f"the SQLite database cannot be read ({exc})") from exc
    if row is None or not isinstance(row[0], int):
        raise _untouched(path, "the state has no schema version (damaged or foreign)")
    version = row[0]
    if version > latest_version():
        raise _untouched(
            path,
            f"written by a newer reconciler (state schema version {version}, this one knows "
            f"up to {latest_version()}); upgrade testsigma-reconciler to use it",
        )
    return version


class SqliteStore:
    """A state store in one SQLite file. Use from one thread; several processes may share it."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self._path = path
        self._conn = conn
        self._batching = False

    @classmethod
    def open(cls, path: Path) -> SqliteStore:
        """Open (creating or migrating when needed) the state file at `path`."""
        path = path.expanduser().resolve()
        version = inspect_version(path)
        if version and version < latest_version():
            backup = path.with_name(f"{path.name}.bak-v{version}")
            with (
                closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as src,
                closing(sqlite3.connect(backup)) as dst,
            ):
                src.backup(dst)
            log.info("backed up %s to %s before migrating it", path, backup)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        except (OSError, sqlite3.Error) as exc:
            raise StateError(f"cannot open the state file {path}: {exc}") from exc
        store = cls(path, conn)
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            store._migrate()
        except BaseException:
            conn.close()
            raise
        return store

    def _migrate(self) -> None:
        def run(conn: sqlite3.Connection) -> None:
            has_meta = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
            ).fetchone()
            row = conn.execute("SELECT schema_version FROM meta").fetchone() if has_meta else None
            current = int(row[0]) if row else 0
            if current >= latest_version():
                return
            for version in range(current, latest_version()):
                for statement in MIGRATIONS[version]:
                    conn.execute(statement)
                log.info("state %s: migrated schema to version %d", self._path, version + 1)
            if current == 0:
                conn.execute(
                    "INSERT INTO meta (id, schema_version, lineage, serial, created_at,"
                    " tool_version) VALUES (1, ?, ?, 0, ?, ?)",
                    (latest_version(), common.new_lineage(), common.utc_now(), common.TOOL_VERSION),
                )
            else:
                conn.execute(
                    "UPDATE meta SET schema_version = ?, tool_version = ?",
                    (latest_version(), common.TOOL_VERSION),
                )

        self._write(run)

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

    def _one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self._conn.execute(sql, params).fetchone()
        return row

    def _meta(self, column: str) -> Any:
        row = self._one(f"SELECT {column} FROM meta WHERE id = 1")
        if row is None:
            raise StateError(f"the state {self._path} has lost its meta row (damaged)")
        return row[0]

    @staticmethod
    def _finish_entry(conn: sqlite3.Connection, entry: int, outcome: str, detail: Any) -> None:
        cursor = conn.execute(
            "UPDATE journal SET outcome = ?, detail = ?, finished_at = ? WHERE id = ?",
            (outcome, detail, common.utc_now(), entry),
        )
        if cursor.rowcount != 1:
            raise StateError(f"journal entry {entry} does not exist in the state")

    # -- the StateStore protocol ------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"sqlite:///{self._path}"

    @property
    def path(self) -> Path:
        return self._path

    @property
    def lineage(self) -> str:
        return str(self._meta("lineage"))

    @property
    def serial(self) -> int:
        return int(self._meta("serial"))

    def read_all(self) -> dict[str, RecordedSchedule]:
        rows = self._conn.execute(
            "SELECT name, id, payload, applied_at FROM schedules ORDER BY name"
        ).fetchall()
        return {row[0]: common.recorded_from_row(*row) for row in rows}

    def get(self, name: str) -> RecordedSchedule | None:
        row = self._one(
            "SELECT name, id, payload, applied_at FROM schedules WHERE name = ?", (name,)
        )
        return None if row is None else common.recorded_from_row(*row)

    def record(self, schedule: RecordedSchedule, *, journal_entry: int | None = None) -> None:
        payload = common.dump_payload(schedule.payload)

        def run(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO schedules (name, id, payload, applied_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET id = excluded.id,"
                " payload = excluded.payload, applied_at = excluded.applied_at",
                (schedule.name, schedule.id, payload, schedule.applied_at),
            )
            if journal_entry is not None:
                self._finish_entry(conn, journal_entry, "ok", None)

        self._write(run)

    def forget(self, name: str, *, journal_entry: int | None = None) -> bool:
        def run(conn: sqlite3.Connection) -> bool:
            gone = conn.execute("DELETE FROM schedules WHERE name = ?", (name,)).rowcount
            if journal_entry is not None:
                self._finish_entry(conn, journal_entry, "ok", None)
            return gone > 0

        return self._write(run)

    def bump_serial(self) -> int:
        def run(conn: sqlite3.Connection) -> int:
            conn.execute("UPDATE meta SET serial = serial + 1 WHERE id = 1")
            return int(conn.execute("SELECT serial FROM meta WHERE id = 1").fetchone()[0])

        return self._write(run)

    def replace_all(self, *, lineage: str, serial: int, schedules: list[RecordedSchedule]) -> None:
        rows = [(s.name, s.id, common.dump_payload(s.payload), s.applied_at) for s in schedules]

        def run(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM schedules")
            conn.executemany(
                "INSERT INTO schedules (name, id, payload, applied_at) VALUES (?, ?, ?, ?)", rows
            )
            conn.execute("UPDATE meta SET lineage = ?, serial = ? WHERE id = 1", (lineage, serial))

        self._write(run)

    # -- lock -------------------------------------------------------------------------------

    def lock(self, *, operation: str, timeout: float = 0.0) -> AbstractContextManager[LockInfo]:
        return self._hold(operation, timeout)

    @contextmanager
    def _hold(self, operation: str, timeout: float) -> Iterator[LockInfo]:
        mine = common.new_lock_info(operation)
        deadline = time.monotonic() + max(timeout, 0.0)
        announced = False
        while True:
            holder = self._write(lambda conn: self._try_insert_lock(conn, mine))
            if holder is None:
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LockHeld(holder, stale=common.is_stale(holder))
            if not announced:
                log.info(
                    "the state %s is locked by %s; waiting up to %.0fs",
                    self._path,
                    holder.owner,
                    timeout,
                )
                announced = True
            time.sleep(min(common.LOCK_POLL_INTERVAL, remaining))
        try:
            yield mine
        finally:
            self._write(lambda conn: conn.execute("DELETE FROM lock WHERE id = ?", (mine.id,)))

    @staticmethod
    def _try_insert_lock(conn: sqlite3.Connection, mine: LockInfo) -> LockInfo | None:
        row = conn.execute(f"SELECT {_LOCK_COLUMNS} FROM lock").fetchone()
        if row is not None:
            return LockInfo(*row)
        conn.execute(
            f"INSERT INTO lock ({_LOCK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
            (mine.id, mine.owner, mine.host, mine.pid, mine.created_at, mine.operation),
        )
        return None

    def current_lock(self) -> LockInfo | None:
        row = self._one(f"SELECT {_LOCK_COLUMNS} FROM lock")
        return None if row is None else LockInfo(*row)

    def force_unlock(self, lock_id: str) -> bool:
        def run(conn: sqlite3.Connection) -> bool:
            return conn.execute("DELETE FROM lock WHERE id = ?", (lock_id,)).rowcount > 0

        released = self._write(run)
        if released:
            log.warning("state %s: lock %s forcibly released", self._path, lock_id)
        return released

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

        def run(conn: sqlite3.Connection) -> int:
            cursor = conn.execute(
                "INSERT INTO journal (action, name, schedule_id, payload, started_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (action, name, schedule_id, text, common.utc_now()),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

        return self._write(run)

    def journal_outcome(self, entry_id: int, *, outcome: str, detail: str | None = None) -> None:
        common.check_outcome(outcome)
        self._write(lambda conn: self._finish_entry(conn, entry_id, outcome, detail))

    def journal_unresolved(self) -> list[JournalEntry]:
        rows = self._conn.execute(
            f"SELECT {_JOURNAL_COLUMNS} FROM journal WHERE outcome IS NULL ORDER BY id"
        ).fetchall()
        return [common.journal_from_row(row) for row in rows]

    def journal_resolve(self, entry_id: int, *, detail: str) -> None:
        self._write(lambda conn: self._finish_entry(conn, entry_id, common.RESOLVED, detail))

    def export(self) -> dict[str, Any]:
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
        self._conn.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
