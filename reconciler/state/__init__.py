"""Recorded state: what the reconciler applied, behind one interface (SQLite, PostgreSQL).

`open_store(url)` picks the backend from the URL and is the only way in;
both backends are imported lazily (psycopg only when a postgresql URL is
opened), because every command starts here and start-up time matters.
`import_state` loads data that `StateStore.export()` wrote into any store.

URLs: None -> `sqlite:///.reconciler/state.db` under the working directory;
`sqlite:///rel/path.db` (relative) or `sqlite:////abs/path.db` (absolute),
or a bare file path -> SQLite; `postgresql://user@host:port/db?workspace=NAME`
(or `postgres://`) -> PostgreSQL, workspace `default` when not given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reconciler.core.ports import JournalEntry, LockHeld, LockInfo, StateError, StateStore

__all__ = [
    "DEFAULT_URL",
    "JournalEntry",
    "LockHeld",
    "LockInfo",
    "StateError",
    "StateStore",
    "import_state",
    "open_store",
]

DEFAULT_URL = "sqlite:///.reconciler/state.db"

_SQLITE_PREFIX = "sqlite:///"
_POSTGRES_PREFIXES = ("postgresql://", "postgres://")


def sqlite_path(url: str, *, cwd: Path | None = None) -> Path:
    """The file a `sqlite:///...` URL or bare path names, relative paths under `cwd`."""
    raw = url[len(_SQLITE_PREFIX) :] if url.startswith(_SQLITE_PREFIX) else url
    if not raw:
        raise StateError(f"state URL {url!r} names no file: write sqlite:///path/to/state.db")
    path = Path(raw).expanduser()
    if not path.is_absolute():
        path = (cwd or Path.cwd()) / path
    return path


def open_store(url: str | None, *, cwd: Path | None = None) -> StateStore:
    """Open the state at `url` (created when absent); see the module docstring for URLs."""
    url = url or DEFAULT_URL
    if url.startswith(_POSTGRES_PREFIXES):
        from reconciler.state.postgres import PostgresStore

        return PostgresStore.open(url)
    if "://" in url and not url.startswith(_SQLITE_PREFIX):
        scheme = url.split("://", 1)[0]
        raise StateError(
            f"unsupported state URL scheme {scheme!r}: use sqlite:///path/to/state.db "
            "or postgresql://user@host/db"
        )
    from reconciler.state.sqlite import SqliteStore

    return SqliteStore.open(sqlite_path(url, cwd=cwd))


def import_state(store: StateStore, data: dict[str, Any]) -> None:
    """Replace the state with exported `data` (its lineage and serial), in one transaction.

    The data is validated first and every problem is reported together; the
    store is not touched when any is found.
    """
    from reconciler.state._common import parse_export

    lineage, serial, schedules = parse_export(data)
    store.replace_all(lineage=lineage, serial=serial, schedules=schedules)
