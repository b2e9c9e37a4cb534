"""Helpers both state backends share: clocks, lock owners, JSON, export and import shapes.

The backends differ in SQL and in how they lock, not in what a lock owner,
a timestamp, a stored payload or an exported state looks like; keeping those
here makes a state exported from SQLite import into PostgreSQL unchanged.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import secrets
import socket
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import quote, quote_plus, unquote

from reconciler import __version__
from reconciler.core.model import RecordedSchedule
from reconciler.core.payload import SchedulePayload, payload_problem, read_payload
from reconciler.core.ports import JournalEntry, LockInfo, StateError, WorkspaceSummary

#: The `format_version` of `export()` data that this code writes and reads.
EXPORT_FORMAT_VERSION = 1

#: Seconds between two attempts to take a lock someone else holds.
LOCK_POLL_INTERVAL = 0.05

TOOL_VERSION = __version__

JOURNAL_OUTCOMES = ("ok", "failed")
#: The outcome `journal_resolve` records (the entry was handled by a later run).
RESOLVED = "resolved"


def utc_now() -> str:
    """Now, ISO 8601 in UTC with a `Z`, to the second (for people reading it)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def new_lineage() -> str:
    return str(uuid.uuid4())


def new_plan_key() -> str:
    """A fresh secret for signing saved plans (hex; 256 bits from the OS)."""
    return secrets.token_hex(32)


def unknown_holder(where: str) -> LockInfo:
    """A LockInfo for a lock that is held but whose holder left no record (yet)."""
    return LockInfo(
        id="unknown",
        owner=f"another process ({where})",
        host="",
        pid=0,
        created_at=utc_now(),
        operation="unknown",
    )


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return f"uid{os.getuid()}"


def new_lock_info(operation: str) -> LockInfo:
    """A lock for this process: who, where, since when, doing what."""
    host = socket.gethostname()
    pid = os.getpid()
    return LockInfo(
        id=str(uuid.uuid4()),
        owner=f"{_user()}@{host} pid {pid}",
        host=host,
        pid=pid,
        created_at=utc_now(),
        operation=operation,
    )


def dump_payload(payload: SchedulePayload | None) -> str | None:
    """A payload as stored: JSON text, keys in the order they are sent."""
    if payload is None:
        return None
    try:
        return json.dumps(dict(payload), ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise StateError(f"cannot record a payload that is not plain JSON: {exc}") from exc


def load_payload(text: str, *, what: str, fix: str = "") -> SchedulePayload:
    """A stored payload read back into its typed shape; StateError naming `what` when
    it does not fit (a corrupt state is one message, never a traceback)."""
    try:
        return read_payload(json.loads(text))
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        raise StateError(f"{what} is damaged ({exc}){fix}") from None


# --- columns as the drivers hand them over (rows are `tuple[object, ...]`) -------------
# Each value a store reads is checked here, at the store's edge: a damaged store is
# one StateError naming what is damaged, never a wrongly typed value further in.


def int_column(value: object, what: str) -> int:
    """An integer column (`int()` of what the driver returned, as the stores always read it)."""
    if isinstance(value, int | str | bytes | float | Decimal):
        try:
            return int(value)
        except ValueError:
            pass
    raise StateError(f"{what} is damaged: {value!r} is not an integer")


def text_column(value: object, what: str) -> str:
    """A text column."""
    if isinstance(value, str):
        return value
    raise StateError(f"{what} is damaged: {value!r} is not text")


def optional_text(value: object, what: str) -> str | None:
    """A text column that may be NULL."""
    return None if value is None else text_column(value, what)


def lock_from_row(row: tuple[object, ...]) -> LockInfo:
    """A lock row (id, owner, host, pid, created_at, operation)."""
    id_, owner, host, pid, created_at, operation = row
    what = "the state's lock row"
    return LockInfo(
        text_column(id_, what),
        text_column(owner, what),
        text_column(host, what),
        int_column(pid, what),
        text_column(created_at, what),
        text_column(operation, what),
    )


def recorded_from_row(
    name: object, id_: object, payload: object, applied_at: object
) -> RecordedSchedule:
    """A schedules row (name, id, payload, applied_at)."""
    row = f"the state's row for {name!r}"
    name = text_column(name, row)
    what = f"the recorded payload of {name!r} (id {id_})"
    fix = f": run `reconciler state rm {name}`, then `reconciler import {name} {id_}`"
    return RecordedSchedule(
        name=name,
        id=int_column(id_, row),
        payload=load_payload(text_column(payload, what), what=what, fix=fix),
        applied_at=text_column(applied_at, row),
    )


def journal_from_row(row: tuple[object, ...]) -> JournalEntry:
    """A journal row (id, action, name, schedule_id, payload, started_at, outcome, detail)."""
    id_, action, name, schedule_id, payload, started_at, outcome, detail = row
    what = f"the payload of journal entry {id_} ({action} {name!r})"
    entry = f"journal entry {id_}"
    return JournalEntry(
        id=int_column(id_, entry),
        action=text_column(action, entry),
        name=text_column(name, entry),
        schedule_id=None if schedule_id is None else int_column(schedule_id, entry),
        payload=None if payload is None else load_payload(text_column(payload, what), what=what),
        started_at=text_column(started_at, entry),
        outcome=optional_text(outcome, entry),
        detail=optional_text(detail, entry),
    )


def check_outcome(outcome: str) -> None:
    if outcome not in JOURNAL_OUTCOMES:
        raise ValueError(f"journal outcome must be one of {JOURNAL_OUTCOMES}, not {outcome!r}")


def export_data(
    *,
    lineage: str,
    serial: int,
    schedules: Iterable[RecordedSchedule],
    unresolved: Iterable[JournalEntry],
) -> dict[str, object]:
    """The JSON-able export every backend returns (schedules in name order)."""
    return {
        "format_version": EXPORT_FORMAT_VERSION,
        "lineage": lineage,
        "serial": serial,
        "schedules": [
            {"name": s.name, "id": s.id, "payload": dict(s.payload), "applied_at": s.applied_at}
            for s in sorted(schedules, key=lambda s: s.name)
        ],
        "journal_unresolved": [
            {
                "id": e.id,
                "action": e.action,
                "name": e.name,
                "schedule_id": e.schedule_id,
                "payload": None if e.payload is None else dict(e.payload),
                "started_at": e.started_at,
                "outcome": e.outcome,
                "detail": e.detail,
            }
            for e in unresolved
        ],
    }


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_export(data: object) -> tuple[str, int, list[RecordedSchedule]]:
    """Validate exported state data; every problem found is reported at once."""
    if not isinstance(data, Mapping):
        raise StateError("state data to import must be a JSON object (as `state export` writes)")
    problems: list[str] = []
    version = data.get("format_version")
    if version != EXPORT_FORMAT_VERSION:
        problems.append(
            f"format_version must be {EXPORT_FORMAT_VERSION} (got {version!r}); "
            "this reconciler cannot read it"
        )
    lineage = data.get("lineage")
    if not isinstance(lineage, str) or not lineage.strip():
        problems.append("lineage must be a non-empty string")
    serial = data.get("serial")
    if not isinstance(serial, int) or isinstance(serial, bool) or serial < 0:
        problems.append(f"serial must be a whole number >= 0 (got {serial!r})")
    raw = data.get("schedules")
    schedules: list[RecordedSchedule] = []
    if not isinstance(raw, list):
        problems.append("schedules must be a list")
        raw = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        where = f"schedules[{index}]"
        if not isinstance(item, Mapping):
            problems.append(f"{where} must be an object with name, id, payload, applied_at")
            continue
        name, id_, payload, applied_at = (
            item.get(k) for k in ("name", "id", "payload", "applied_at")
        )
        problem = payload_problem(payload) if isinstance(payload, Mapping) else None
        bad = [
            msg
            for ok, msg in (
                (isinstance(name, str) and bool(name), "name must be a non-empty string"),
                (_is_int(id_), f"id must be a whole number (got {id_!r})"),
                (isinstance(payload, Mapping), "payload must be an object"),
                (problem is None, f"payload does not fit: {problem}"),
                (isinstance(applied_at, str), "applied_at must be a string"),
            )
            if not ok
        ]
        problems.extend(f"{where}: {msg}" for msg in bad)
        if bad:
            continue
        assert isinstance(name, str) and isinstance(payload, Mapping)
        assert isinstance(id_, int) and isinstance(applied_at, str)
        if name in seen:
            problems.append(f"{where}: schedule {name!r} appears twice")
            continue
        seen.add(name)
        record = RecordedSchedule(name, id_, read_payload(payload), applied_at=applied_at)
        schedules.append(record)
    if problems:
        raise StateError(
            "the state data cannot be imported:\n" + "\n".join(f"  - {p}" for p in problems)
        )
    assert isinstance(lineage, str) and isinstance(serial, int)
    return lineage, serial, schedules


# -- workspaces and URLs ----------------------------------------------------------------------

DEFAULT_WORKSPACE = "default"
_WORKSPACE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")


def check_workspace(workspace: str, *, where: str) -> str:
    """`workspace` when it is a valid name, else StateError naming `where`."""
    if not _WORKSPACE_RE.match(workspace):
        raise StateError(
            f"{where}: workspace {workspace!r} is not valid: use 1 to 63 letters, digits, "
            "'_', '.' or '-', starting with a letter or digit"
        )
    return workspace


def pick_workspace(from_url: str | None, given: str | None, *, where: str) -> str:
    """The workspace to use: the URL's `?workspace=` or `--workspace`; both must agree."""
    if from_url and given and from_url != given:
        raise StateError(
            f"{where}: the URL names workspace {from_url!r} but --workspace (or "
            f"RECONCILER_WORKSPACE) names {given!r}: give one of them"
        )
    return check_workspace(from_url or given or DEFAULT_WORKSPACE, where=where)


def url_password(url: str) -> str | None:
    """The password in a URL's userinfo, as written (None when there is none).

    Read leniently: the userinfo ends at the last `@`, so a password holding an
    unencoded `?`, `/` or `#` is still found (and can then be scrubbed).
    """
    if "://" not in url:
        return None
    rest = url.split("://", 1)[1]
    if "@" not in rest:
        return None
    userinfo = rest.rsplit("@", 1)[0]
    if ":" not in userinfo:
        return None
    password = userinfo.split(":", 1)[1]
    return password or None


def secret_forms(secret: str) -> list[str]:
    """Every spelling of `secret` a message may carry: raw, decoded, re-encoded, repr'd."""
    decoded = unquote(secret)
    forms = {secret, decoded}
    for value in (secret, decoded):
        forms.update({quote(value, safe=""), quote_plus(value, safe=""), quote(value)})
        forms.add(repr(value)[1:-1])
        forms.add(json.dumps(value)[1:-1])
    return sorted((f for f in forms if f), key=len, reverse=True)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with every form of every secret replaced by `***`."""
    for secret in secrets:
        for form in secret_forms(secret):
            text = text.replace(form, "***")
    return text


#: The columns of a journal entry and of a lock holder, as both stores select them.
JOURNAL_COLUMNS = "id, action, name, schedule_id, payload, started_at, outcome, detail"
LOCK_COLUMNS = "id, owner, host, pid, created_at, operation"


def workspace_summaries(rows: Iterable[Sequence[object]]) -> list[WorkspaceSummary]:
    """Rows of (workspace, serial, lineage, schedules, open journal entries), as both stores
    select them, as summaries."""
    return [
        WorkspaceSummary(
            name=str(r[0]),
            serial=int_column(r[1], f"workspace {r[0]}'s serial"),
            lineage=str(r[2]),
            schedules=int_column(r[3], f"workspace {r[0]}'s schedule count"),
            open_journal=int_column(r[4], f"workspace {r[0]}'s journal count"),
        )
        for r in rows
    ]
