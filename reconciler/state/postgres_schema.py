"""The PostgreSQL state's layout and URLs: migrations, advisory keys, and URL parsing.

`parse_url` takes the password out of the URL before libpq sees it (libpq
would echo a URL it cannot parse, password included) and builds the form
shown in messages, which never holds one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from reconciler.state import _common as common

DEFAULT_WORKSPACE = common.DEFAULT_WORKSPACE

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
    (  # version 2: a key per workspace that signs its saved plans
        "ALTER TABLE reconciler.meta ADD COLUMN plan_key TEXT",
        "UPDATE reconciler.meta SET plan_key = encode(sha256(convert_to("
        "gen_random_uuid()::text || gen_random_uuid()::text || workspace, 'UTF8')), 'hex')",
        "ALTER TABLE reconciler.meta ALTER COLUMN plan_key SET NOT NULL",
    ),
]


def latest_version() -> int:
    return len(MIGRATIONS)


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for `pg_advisory_lock`, from a name."""
    digest = hashlib.sha256(f"testsigma-reconciler:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@dataclass(frozen=True, slots=True)
class ParsedUrl:
    conninfo: str  # for libpq, without any password
    password: str | None
    display: str  # for messages
    workspace: str


def parse_url(url: str, *, workspace: str | None = None) -> ParsedUrl:
    """Split a state URL into what libpq gets, the password apart, and what messages show.

    The userinfo ends at the last `@`, so a password holding `?`, `/` or `%`
    (encoded or not) is taken whole and never handed to libpq's URL parser.
    """
    scheme, rest = url.split("://", 1)
    user, password = "", None
    if "@" in rest:
        userinfo, rest = rest.rsplit("@", 1)
        user, colon, raw_password = userinfo.partition(":")
        password = unquote(raw_password) if colon else None
    parts = urlsplit(f"{scheme}://{rest}")
    from_url: str | None = None
    kept: list[tuple[str, str]] = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key == "workspace":
            from_url = value
        elif key == "password":
            password = value
        else:
            kept.append((key, value))
    netloc = f"{user}@{parts.netloc}" if user else parts.netloc
    shown_ws = from_url or workspace or DEFAULT_WORKSPACE
    display = urlunsplit(
        (
            scheme,
            netloc,
            parts.path,
            urlencode([*kept, ("workspace", shown_ws)], quote_via=quote),
            "",
        )
    )
    chosen = common.pick_workspace(from_url, workspace, where=display)
    conninfo = urlunsplit((scheme, netloc, parts.path, urlencode(kept, quote_via=quote), ""))
    return ParsedUrl(conninfo=conninfo, password=password, display=display, workspace=chosen)
