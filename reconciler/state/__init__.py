"""Recorded state: what the reconciler applied, behind one interface (SQLite, PostgreSQL).

`open_store(url)` picks the backend from the URL and is the only way in;
both backends are imported lazily (psycopg only when a postgresql URL is
opened), because every command starts here and start-up time matters.
`import_state` loads data that `StateStore.export()` wrote into any store.

URLs: None -> `sqlite:///.reconciler/state.db` under the working directory;
`sqlite:///rel/path.db` (relative) or `sqlite:////abs/path.db` (absolute),
or a bare file path -> SQLite; `postgresql://user@host:port/db` (or
`postgres://`) -> PostgreSQL. Either takes `?workspace=NAME` (one team's
state in a shared store); `open_store(..., workspace=NAME)` (from
`--workspace` / `RECONCILER_WORKSPACE`) is the same, and both must agree.
The workspace is `default` when none is given.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl

from reconciler.core.ports import (
    JournalEntry,
    LockHeld,
    LockInfo,
    LockLost,
    StateError,
    StateStore,
)

__all__ = [
    "DEFAULT_URL",
    "JournalEntry",
    "LockHeld",
    "LockInfo",
    "LockLost",
    "StateError",
    "StateStore",
    "import_state",
    "open_store",
    "url_secrets",
]

DEFAULT_URL = "sqlite:///.reconciler/state.db"

_SQLITE_PREFIX = "sqlite:///"
_POSTGRES_PREFIXES = ("postgresql://", "postgres://")


def split_sqlite_url(url: str) -> tuple[str, str | None]:
    """(the path part, the `?workspace=` value) of an SQLite URL or bare path."""
    raw = url[len(_SQLITE_PREFIX) :] if url.startswith(_SQLITE_PREFIX) else url
    if "?" not in raw:
        return raw, None
    raw, query = raw.split("?", 1)
    workspace: str | None = None
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key != "workspace":
            raise StateError(
                f"state URL {url!r}: unknown parameter {key!r} (an SQLite URL takes only "
                "?workspace=NAME)"
            )
        workspace = value
    return raw, workspace


def sqlite_path(url: str, *, cwd: Path | None = None) -> Path:
    """The file a `sqlite:///...` URL or bare path names, relative paths under `cwd`."""
    raw, _ = split_sqlite_url(url)
    if not raw:
        raise StateError(f"state URL {url!r} names no file: write sqlite:///path/to/state.db")
    path = Path(raw).expanduser()
    if not path.is_absolute():
        path = (cwd or Path.cwd()) / path
    return path


def url_secrets(url: str | None) -> list[str]:
    """Every spelling of the password a state URL carries (for redacting output)."""
    from reconciler.state._common import secret_forms, url_password

    password = url_password(url or "")
    return secret_forms(password) if password else []


def open_store(
    url: str | None, *, cwd: Path | None = None, workspace: str | None = None
) -> StateStore:
    """Open the state at `url` (created when absent); see the module docstring for URLs."""
    from reconciler.state._common import pick_workspace

    url = url or DEFAULT_URL
    if url.startswith(_POSTGRES_PREFIXES):
        from reconciler.state.postgres import PostgresStore

        return PostgresStore.open(url, workspace=workspace)
    if "://" in url and not url.startswith(_SQLITE_PREFIX):
        scheme = url.split("://", 1)[0]
        raise StateError(
            f"unsupported state URL scheme {scheme!r}: use sqlite:///path/to/state.db "
            "or postgresql://user@host/db"
        )
    from reconciler.state.sqlite import SqliteStore

    path = sqlite_path(url, cwd=cwd)
    chosen = pick_workspace(split_sqlite_url(url)[1], workspace, where=str(path))
    return SqliteStore.open(path, workspace=chosen)


def import_state(store: StateStore, data: object) -> None:
    """Replace the state with exported `data` (its lineage), in one transaction.

    The serial becomes one more than the larger of the current and the
    exported serial. The state's plan key is kept (an export never holds it).

    The data is validated first and every problem is reported together; the
    store is not touched when any is found.
    """
    from reconciler.state._common import parse_export

    lineage, serial, schedules = parse_export(data)
    # Above both: a plan saved against either the current or the imported state is stale
    # afterwards, so importing an older export can never make a refused plan current again.
    store.replace_all(lineage=lineage, serial=max(serial, store.serial) + 1, schedules=schedules)
