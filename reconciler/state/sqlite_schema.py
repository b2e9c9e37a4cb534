"""The SQLite state file's layout: migrations, and the checks made before anything is written.

Kept apart from the store so the rule "a file that is not ours, or that we do
not understand, is never written" reads in one place: `inspect_version` looks
through a read-only connection (header, integrity, tables, version) and
`check_usable` names a path SQLite cannot use (a device, a read-only
directory) for what it is.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path

from reconciler.core.ports import StateError
from reconciler.state import _common as common

log = logging.getLogger(__name__)

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
    (  # version 2: workspaces (one lineage, serial, journal and lock each) and plan keys
        "ALTER TABLE meta RENAME TO meta_v1",
        """CREATE TABLE meta (
            workspace TEXT PRIMARY KEY,
            schema_version INTEGER NOT NULL,
            lineage TEXT NOT NULL,
            serial INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            tool_version TEXT NOT NULL,
            plan_key TEXT NOT NULL
        )""",
        "INSERT INTO meta SELECT 'default', schema_version, lineage, serial, created_at,"
        " tool_version, lower(hex(randomblob(32))) FROM meta_v1",
        "DROP TABLE meta_v1",
        "ALTER TABLE schedules RENAME TO schedules_v1",
        """CREATE TABLE schedules (
            workspace TEXT NOT NULL,
            name TEXT NOT NULL,
            id INTEGER NOT NULL,
            payload TEXT NOT NULL,
            applied_at TEXT NOT NULL,
            PRIMARY KEY (workspace, name)
        )""",
        "INSERT INTO schedules SELECT 'default', name, id, payload, applied_at FROM schedules_v1",
        "DROP TABLE schedules_v1",
        "ALTER TABLE journal ADD COLUMN workspace TEXT NOT NULL DEFAULT 'default'",
        "DROP INDEX journal_unresolved",
        "CREATE INDEX journal_unresolved ON journal (workspace, id) WHERE outcome IS NULL",
        "DROP TABLE lock",
        """CREATE TABLE lock (
            workspace TEXT PRIMARY KEY,
            id TEXT NOT NULL,
            owner TEXT NOT NULL,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            operation TEXT NOT NULL
        )""",
    ),
]


def latest_version() -> int:
    return len(MIGRATIONS)


def _untouched(path: Path, why: str) -> StateError:
    return StateError(
        f"{path}: {why}. The file was left untouched; "
        "point --state at another file or restore this one from a backup."
    )


def check_usable(path: Path) -> None:
    """Refuse, with a message saying what is wrong, a path SQLite cannot use as a state.

    A symlink to /dev/null (or any device, pipe or socket) and a read-only file
    or directory are named as such, not reported as a damaged database.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and stat.S_ISDIR(mode):
        raise StateError(f"{path} is a directory, not a state file")
    if mode is not None and not stat.S_ISREG(mode):
        target = f" (it points to {path.resolve()})" if path.is_symlink() else ""
        raise StateError(
            f"the state path {path}{target} is not a regular file but a device, pipe or "
            "socket: point --state at a file, e.g. sqlite:///.reconciler/state.db"
        )
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StateError(
            f"the directory {folder} is read-only, so the state {path} cannot be opened "
            "(SQLite writes its journal and lock files beside the database; the file itself "
            "was not touched): make the directory writable or point --state elsewhere"
        )
    if mode is not None and not os.access(path, os.R_OK | os.W_OK):
        raise StateError(
            f"the state file {path} is read-only (or unreadable) for this user; the file was "
            "not touched: fix its permissions or point --state elsewhere"
        )


def inspect_version(path: Path) -> int:
    """The schema version of the file at `path` (0: new or empty), read without writing.

    Raises StateError for a file that is not SQLite, damaged, not ours, or newer.
    """
    check_usable(path)
    if not path.exists() or path.stat().st_size == 0:
        return 0
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
            row = conn.execute("SELECT max(schema_version) FROM meta").fetchone()
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


def back_up_before_migrating(path: Path) -> None:
    """Copy a state of an older schema to `<file>.bak-v<N>` before its migration runs."""
    version = inspect_version(path)
    if version and version < latest_version():
        backup = path.with_name(f"{path.name}.bak-v{version}")
        with (
            closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as src,
            closing(sqlite3.connect(backup)) as dst,
        ):
            src.backup(dst)
        log.info("backed up %s to %s before migrating it", path, backup)


def connect(path: Path) -> sqlite3.Connection:
    """The store's connection: autocommit (transactions are explicit), busy timeout, WAL."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    except (OSError, sqlite3.Error) as exc:
        raise StateError(f"cannot open the state file {path}: {exc}") from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
    except sqlite3.Error as exc:
        conn.close()
        raise StateError(f"cannot open the state file {path}: {exc}") from exc
    return conn


def migrate(conn: sqlite3.Connection, path: Path, workspace: str) -> bool:
    """Bring the schema to the latest version and create `workspace`'s meta row.

    Runs inside the caller's write transaction; True when the workspace is new.
    """
    has_meta = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
    ).fetchone()
    row = conn.execute("SELECT max(schema_version) FROM meta").fetchone() if has_meta else None
    current = int(row[0]) if row and row[0] is not None else 0
    for version in range(current, latest_version()):
        for statement in MIGRATIONS[version]:
            conn.execute(statement)
        log.info("state %s: migrated schema to version %d", path, version + 1)
    if current < latest_version():
        conn.execute(
            "UPDATE meta SET schema_version = ?, tool_version = ?",
            (latest_version(), common.TOOL_VERSION),
        )
    created = conn.execute(
        "INSERT INTO meta (workspace, schema_version, lineage, serial, created_at,"
        " tool_version, plan_key) VALUES (?, ?, ?, 0, ?, ?, ?)"
        " ON CONFLICT (workspace) DO NOTHING",
        (
            workspace,
            latest_version(),
            common.new_lineage(),
            common.utc_now(),
            common.TOOL_VERSION,
            common.new_plan_key(),
        ),
    )
    return created.rowcount > 0
