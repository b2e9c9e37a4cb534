"""One connection to the PostgreSQL state, and the workspace's apply lock held on it.

The apply lock is a session-level advisory lock on a key derived from the
workspace, held on the very connection that writes the state: if the runner
dies, its session ends and the server releases the lock, so it never goes
stale; and if the session is ended under a live apply (`idle_session_timeout`,
`pg_terminate_backend`, `state unlock`), that apply can write nothing more and
`ensure_locked` (or the next write) raises LockLost, so it stops launching. A
row in `reconciler.lock` names the holder (for messages and `current_lock`);
a row whose advisory lock is not held is ignored. `force_unlock` terminates
the backend that holds the lock when it has the rights to, and deletes the
row either way. Every error text is scrubbed of the password.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TypeVar

import psycopg
import psycopg.conninfo

from reconciler.core.ports import LockHeld, LockInfo, LockLost, StateError
from reconciler.state import _common as common
from reconciler.state.postgres_schema import ParsedUrl, advisory_key

log = logging.getLogger("reconciler.state.postgres")

T = TypeVar("T")

#: How long `force_unlock` waits for a terminated backend to let go of the lock.
TERMINATE_WAIT = 5.0
_LOCK_COLUMNS = common.LOCK_COLUMNS
#: The backend holding the advisory lock on a key (a bigint shows as classid/objid, objsubid 1).
_HOLDER_SQL = """SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND classid::bigint = %s AND objid::bigint = %s AND objsubid = 1"""


class PgSession:
    """The connection, its plumbing, and the advisory lock of one workspace."""

    def __init__(self, parsed: ParsedUrl) -> None:
        self._conninfo = parsed.conninfo
        self._password = parsed.password
        self._url = parsed.display
        self._workspace = parsed.workspace
        self._key = advisory_key(f"workspace:{parsed.workspace}")
        unsigned = self._key & 0xFFFFFFFFFFFFFFFF
        self._key_parts = (unsigned >> 32, unsigned & 0xFFFFFFFF)
        self._lock_id: str | None = None
        self._created = False
        self._batching = False
        self._conn = self._connect()

    # -- plumbing ---------------------------------------------------------------------------

    def _scrub(self, text: str) -> str:
        return common.scrub(text, [self._password] if self._password else [])

    def _connect(self) -> psycopg.Connection[tuple[object, ...]]:
        extra: dict[str, str | int] = {"application_name": "testsigma-reconciler"}
        if "connect_timeout" not in self._conninfo:
            extra["connect_timeout"] = 10
        if self._password is not None:
            extra["password"] = self._password
        try:
            # make_conninfo merges the parameters as connect(**extra) would, typed.
            conninfo = psycopg.conninfo.make_conninfo(self._conninfo, **extra)
            return psycopg.connect(conninfo, autocommit=True)
        except psycopg.Error as exc:
            raise StateError(
                self._scrub(f"cannot connect to the state database {self._url}: {exc}")
            ) from None

    def _fail(self, exc: psycopg.Error) -> StateError | LockLost:
        if self._lock_id is not None and (self._conn.broken or self._conn.closed):
            return self._lost()  # the session that held the lock is gone
        return StateError(self._scrub(f"the state database {self._url} failed: {exc}"))

    def _lost(self) -> LockLost:
        return LockLost(
            f"this run lost its lock on the state {self._url} (its database session ended: "
            "idle_session_timeout, a restart, pg_terminate_backend or `reconciler state "
            "unlock`): it started nothing more. Requests already sent may not be recorded; "
            "the next plan or apply resolves them from the journal"
        )

    def _write(self, body: Callable[[psycopg.Connection[tuple[object, ...]]], T]) -> T:
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

    def _one(self, sql: str, params: Sequence[object] = ()) -> tuple[object, ...] | None:
        try:
            return self._conn.execute(sql, params).fetchone()
        except psycopg.Error as exc:
            raise self._fail(exc) from exc

    def _all(self, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except psycopg.Error as exc:
            raise self._fail(exc) from exc

    # -- lock -------------------------------------------------------------------------------

    def lock(self, *, operation: str, timeout: float = 0.0) -> AbstractContextManager[LockInfo]:
        return self._hold(operation, timeout)

    @contextmanager
    def _hold(self, operation: str, timeout: float) -> Iterator[LockInfo]:
        mine = common.new_lock_info(operation)
        deadline = time.monotonic() + max(timeout, 0.0)
        announced = False
        # On the connection that writes: the lock lives and dies with the writing session.
        while self._lock_id is not None or not self._try_lock():
            holder = self.current_lock() or self._unknown_holder()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LockHeld(holder)
            if not announced:
                log.info(
                    "the state %s is locked by %s; waiting up to %.0fs",
                    self._url,
                    holder.owner,
                    timeout,
                )
                announced = True
            time.sleep(min(common.LOCK_POLL_INTERVAL, remaining))
        try:
            self._write(lambda conn: self._name_holder(conn, mine))
        except BaseException:
            self._unlock(mine.id)
            raise
        self._lock_id = mine.id
        try:
            yield mine
        finally:
            self._lock_id = None
            self._unlock(mine.id)

    def _name_holder(self, conn: psycopg.Connection[tuple[object, ...]], mine: LockInfo) -> None:
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

    def _unlock(self, lock_id: str) -> None:
        try:
            self._conn.execute(
                "DELETE FROM reconciler.lock WHERE workspace = %s AND id = %s",
                (self._workspace, lock_id),
            )
            self._conn.execute("SELECT pg_advisory_unlock(%s)", (self._key,))
        except psycopg.Error as exc:  # the session ended: the server already let go
            log.warning(
                "state %s: lock %s was lost before release (%s)",
                self._url,
                lock_id,
                self._scrub(str(exc)),
            )

    def _try_lock(self) -> bool:
        row = self._one("SELECT pg_try_advisory_lock(%s)", (self._key,))
        return bool(row and row[0])

    def ensure_locked(self) -> None:
        lost = self._lock_id is None
        if not lost:
            try:
                row = self._conn.execute(
                    "SELECT l.id FROM reconciler.lock l WHERE l.workspace = %s AND EXISTS ("
                    " SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND pid = pg_backend_pid() AND classid::bigint = %s"
                    " AND objid::bigint = %s AND objsubid = 1)",
                    (self._workspace, *self._key_parts),
                ).fetchone()
                lost = row is None or row[0] != self._lock_id
            except psycopg.Error as exc:
                log.warning("state %s: %s", self._url, self._scrub(str(exc).strip()))
                lost = True
        if lost:
            raise self._lost()

    def _holder_pid(self) -> int | None:
        row = self._one(_HOLDER_SQL, self._key_parts)
        return None if row is None else common.int_column(row[0], "the lock holder's backend pid")

    def _unknown_holder(self) -> LockInfo:
        return common.unknown_holder(f"PostgreSQL backend {self._holder_pid() or 0}")

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
        return (
            common.unknown_holder(f"PostgreSQL backend {pid}")
            if row is None
            else common.lock_from_row(row)
        )

    def force_unlock(self, lock_id: str) -> bool:
        """Terminate the backend holding lock `lock_id` (if allowed) and delete its row."""
        row = self._one(
            "SELECT backend_pid FROM reconciler.lock WHERE workspace = %s AND id = %s",
            (self._workspace, lock_id),
        )
        if row is None:
            return False
        backend = common.int_column(row[0], "the lock's backend pid")
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
