"""Scheduled executions: validation, storage and updates, as the server does them.

`ScheduleBook` is plain single-threaded logic; `SandboxState` serialises access
to it. A schedule keeps what the API never returns (`timezone`,
`executionConfig`, the scheduler's queue status) next to what it does, and
stores `nextInterval` as an instant. By default PUT merges (absent and null
fields keep their values) and names are not unique; `replacing_put` and
`unique_names` switch on the friendlier documented behaviours. Column limits
and permanent errors answer 500, as the strict server does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from reconciler.sandbox import seeds
from reconciler.sandbox.apierror import ApiError, field_error, not_found
from reconciler.sandbox.clockwork import (
    SCHEDULE_TYPES,
    epoch_ms,
    format_utc,
    parse_request_time,
    wall_to_instant,
    zone_like_java,
)

FIRST_ID = 1001
#: Ids of the "huge" oddity start here (above a signed 64-bit long).
HUGE_ID_BASE = 2**63
STATUSES = ("ACTIVE", "IN_ACTIVE")
REQUIRED = ("name", "executionId", "scheduleType", "nextInterval", "timezone")
#: Keys `ScheduleBook.edit` accepts (the request body's keys).
EDITABLE = (*REQUIRED, "executionConfig", "status", "comments")
#: What `query=` and `sort=` may name: the attributes the API returns.
ATTRIBUTES = frozenset(
    (
        "id",
        "executionId",
        "name",
        "comments",
        "scheduleType",
        "nextInterval",
        "nextIntervalUTC",
        "status",
        "createdById",
        "createdDate",
        "updatedById",
        "updatedDate",
    )
)
NAME_MAX = 125
COMMENTS_MAX = 45
DUPLICATE_MESSAGE = "Entity with same name already exists, Please use different name"


@dataclass(slots=True)
class Schedule:
    """One stored schedule (mutable: firing and updates change it in place).

    `queued` is the scheduler's queue status: True from the poll that picked the
    schedule until it fired. A schedule skipped because its test plan was busy
    stays queued, and is never picked again (stuck)."""

    id: int
    name: str
    execution_id: int
    execution_config: dict[str, Any] | None
    schedule_type: str
    timezone: str
    zone: tzinfo
    next_instant: datetime
    status: str
    comments: str | None
    created_by: int
    created: datetime
    updated_by: int
    updated: datetime
    fires: int = 0
    queued: bool = False
    id_as_text: bool = False

    def to_json(self) -> dict[str, Any]:
        """The schedule as the API returns it (no `timezone`, no `executionConfig`)."""
        return {
            "id": str(self.id) if self.id_as_text else self.id,
            "executionId": self.execution_id,
            "name": self.name,
            "comments": self.comments,
            "scheduleType": self.schedule_type,
            "nextInterval": epoch_ms(self.next_instant),
            "nextIntervalUTC": format_utc(self.next_instant),
            "status": self.status,
            "createdById": self.created_by,
            "createdDate": epoch_ms(self.created),
            "updatedById": self.updated_by,
            "updatedDate": epoch_ms(self.updated),
        }

    def to_request(self) -> dict[str, Any]:
        """The schedule as a full request body (what a PUT would send to keep it)."""
        body: dict[str, Any] = {
            "name": self.name,
            "executionId": self.execution_id,
            "scheduleType": self.schedule_type,
            "nextInterval": _wall(self.next_instant, self.zone),
            "timezone": self.timezone,
            "status": self.status,
            "comments": self.comments,
        }
        if self.execution_config is not None:
            body["executionConfig"] = dict(self.execution_config)
        return body


def _wall(instant: datetime, zone: tzinfo) -> str:
    wall = instant.astimezone(zone).replace(tzinfo=None)
    return wall.strftime("%Y-%m-%dT%H:%M:%S.") + f"{wall.microsecond // 1000:03d}"


@dataclass(frozen=True, slots=True)
class _Valid:
    name: str
    execution_id: int
    execution_config: dict[str, Any] | None
    schedule_type: str
    timezone: str
    zone: tzinfo
    instant: datetime
    status: str
    comments: str | None


def _as_int(value: Any) -> int | None:
    """Jackson's coercion to a Long: ints and numeric strings."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _data_error(column: str, problem: str) -> ApiError:
    """A database refusal, answered as the server does: a 500 that looks like a fault."""
    return ApiError(
        500,
        f"could not execute statement; SQL [n/a]; {problem} for column '{column}' at row 1; "
        "nested exception is org.hibernate.exception.DataException: could not execute statement",
        code="INTERNAL_ERROR",
    )


def _column_limits(name: str, comments: str | None) -> None:
    """`name VARCHAR(125)`, `comments VARCHAR(45)`, 3-byte utf8 (no astral characters)."""
    for column, text, limit in (("name", name, NAME_MAX), ("comments", comments, COMMENTS_MAX)):
        if text is None:
            continue
        if any(ord(c) > 0xFFFF for c in text):
            raise _data_error(column, "Incorrect string value")
        if len(text) > limit:
            raise _data_error(column, "Data too long")


def _shape_errors(body: dict[str, Any]) -> list[dict[str, Any]]:
    """What the request binding refuses (400): missing fields, wrong types, bad enums."""
    errors = [
        field_error(key, f"{key} is required")
        for key in REQUIRED
        if body.get(key) is None or body.get(key) == ""
    ]
    missing = {e["field"] for e in errors}

    def check(key: str, ok: bool, message: str) -> None:
        if key not in missing and not ok:
            errors.append(field_error(key, message, body.get(key)))

    name = body.get("name")
    check("name", isinstance(name, str) and name.strip() != "", "name must be a non-empty string")
    execution_id = _as_int(body.get("executionId"))
    check("executionId", execution_id is not None, "executionId must be a test plan id")
    schedule_type = body.get("scheduleType")
    check(
        "scheduleType",
        schedule_type in SCHEDULE_TYPES,
        f"scheduleType must be one of {', '.join(SCHEDULE_TYPES)}",
    )
    status = body.get("status") or "ACTIVE"
    if status not in STATUSES:
        errors.append(field_error("status", "status must be ACTIVE or IN_ACTIVE", status))
    timezone_name = body.get("timezone")
    check("timezone", isinstance(timezone_name, str), "timezone must be a string")
    config = body.get("executionConfig")
    if config is not None and seeds.config_by_ref(config) is None:
        errors.append(
            field_error(
                "executionConfig", "No saved execution config matches {name} or {id}", config
            )
        )
    comments = body.get("comments")
    if comments is not None and not isinstance(comments, str):
        errors.append(field_error("comments", "comments must be a string", comments))
    return errors


def validate(body: Any) -> _Valid:
    """Check a complete body: shape problems are one 400, the rest the server's 500s."""
    if not isinstance(body, dict):
        raise ApiError(400, "Request body must be a JSON object", code="BAD_REQUEST")
    errors = _shape_errors(body)
    if errors:
        raise ApiError(400, "Validation failed", code="VALIDATION_FAILED", field_errors=errors)
    name, timezone_name = body["name"], body["timezone"]
    execution_id, schedule_type = _as_int(body["executionId"]), body["scheduleType"]
    config, comments = body.get("executionConfig"), body.get("comments")
    assert isinstance(name, str) and isinstance(timezone_name, str)
    assert execution_id is not None and isinstance(schedule_type, str)
    # Jackson reads any scalar as the time's string; the parser then yields null (NPE).
    wall = parse_request_time(str(body.get("nextInterval")))
    if wall is None:
        raise ApiError(500, "java.lang.NullPointerException", code="INTERNAL_ERROR")
    _column_limits(name, comments)
    if seeds.plan_by_id(execution_id) is None:
        raise ApiError(
            500,
            "could not execute statement; SQL [n/a]; constraint "
            "[fk_schedule_test_plans_test_plan_id]; "
            "nested exception is org.hibernate.exception.ConstraintViolationException",
            code="INTERNAL_ERROR",
        )
    zone = zone_like_java(timezone_name)
    return _Valid(
        name=name,
        execution_id=execution_id,
        execution_config=dict(config) if config is not None else None,
        schedule_type=schedule_type,
        timezone=timezone_name,
        zone=zone,
        instant=wall_to_instant(wall, zone),
        status=str(body.get("status") or "ACTIVE"),
        comments=comments,
    )


class ScheduleBook:
    """Every schedule by id; ids start at 1001 and only grow."""

    def __init__(self) -> None:
        self._by_id: dict[int, Schedule] = {}
        self._next_id = FIRST_ID

    def _checked(
        self, body: Any, *, now: datetime, own_id: int | None, past: bool, unique: bool
    ) -> _Valid:
        valid = validate(body)
        if unique and any(o.name == valid.name and o.id != own_id for o in self._by_id.values()):
            raise ApiError(
                422,
                DUPLICATE_MESSAGE,
                code="UNPROCESSABLE_ENTITY",
                field_errors=[field_error("name", DUPLICATE_MESSAGE, valid.name)],
            )
        if past and valid.instant < now:
            raise ApiError(500, "Current time is greater than given time", code="INTERNAL_ERROR")
        return valid

    def create(
        self,
        body: Any,
        *,
        now: datetime,
        user: int,
        unique: bool = False,
        oddity: str | None = None,
    ) -> dict[str, Any]:
        """Store a new schedule; `oddity` bends the id it is stored or answered under."""
        valid = self._checked(body, now=now, own_id=None, past=True, unique=unique)
        ident = HUGE_ID_BASE + self._next_id if oddity == "huge" else self._next_id
        schedule = Schedule(
            id=ident,
            name=valid.name,
            execution_id=valid.execution_id,
            execution_config=valid.execution_config,
            schedule_type=valid.schedule_type,
            timezone=valid.timezone,
            zone=valid.zone,
            next_instant=valid.instant,
            status=valid.status,
            comments=valid.comments,
            created_by=user,
            created=now,
            updated_by=user,
            updated=now,
            id_as_text=oddity == "string",
        )
        others = sorted(self._by_id)
        self._next_id += 1
        self._by_id[schedule.id] = schedule
        answer = schedule.to_json()
        if oddity == "reused" and others:
            answer["id"] = others[-1]  # the id of another, older schedule
        return answer

    def update(
        self,
        schedule_id: int,
        body: Any,
        *,
        now: datetime,
        user: int,
        replacing: bool = False,
        unique: bool = False,
        past: bool = True,
    ) -> dict[str, Any]:
        """PUT: merge the non-null fields of `body` (or replace, with `replacing`)."""
        schedule = self._get(schedule_id)
        if not isinstance(body, dict):
            raise ApiError(400, "Request body must be a JSON object", code="BAD_REQUEST")
        if replacing:
            merged = body
        else:
            merged = schedule.to_request()
            merged.update({k: v for k, v in body.items() if v is not None})
            past = past and body.get("nextInterval") is not None
        valid = self._checked(merged, now=now, own_id=schedule_id, past=past, unique=unique)
        schedule.name = valid.name
        schedule.execution_id = valid.execution_id
        schedule.execution_config = valid.execution_config
        schedule.schedule_type = valid.schedule_type
        schedule.timezone = valid.timezone
        schedule.zone = valid.zone
        schedule.next_instant = valid.instant
        schedule.status = valid.status
        schedule.comments = valid.comments
        schedule.updated_by = user
        schedule.updated = now
        if replacing:
            schedule.queued = False
        return schedule.to_json()

    def edit(
        self, schedule_id: int, fields: dict[str, Any], *, now: datetime, unique: bool = False
    ) -> dict[str, Any]:
        """Change some fields as a human in the UI would (no past-time check, so a test
        can put a schedule in any state). `nextInterval` may also be epoch milliseconds."""
        unknown = sorted(set(fields) - set(EDITABLE))
        if unknown:
            raise ApiError(
                400, f"Cannot edit {unknown}; editable: {', '.join(EDITABLE)}", code="BAD_REQUEST"
            )
        schedule = self._get(schedule_id)
        body = schedule.to_request()
        body.update(fields)
        millis = body.get("nextInterval")
        if isinstance(millis, int) and not isinstance(millis, bool):
            zone = zone_like_java(str(body.get("timezone")))
            body["nextInterval"] = _wall(datetime.fromtimestamp(millis / 1000, UTC), zone)
        queued = schedule.queued  # the UI's edit goes through the merging update
        answer = self.update(
            schedule_id,
            body,
            now=now,
            user=seeds.UI_USER_ID,
            replacing=True,
            unique=unique,
            past=False,
        )
        schedule.queued = queued
        return answer

    def delete(self, schedule_id: int) -> None:
        self._get(schedule_id)
        del self._by_id[schedule_id]

    def get(self, schedule_id: int) -> dict[str, Any]:
        return self._get(schedule_id).to_json()

    def _get(self, schedule_id: int) -> Schedule:
        schedule = self._by_id.get(schedule_id)
        if schedule is None:
            raise not_found(f"Schedule {schedule_id}")
        return schedule

    def all(self) -> list[dict[str, Any]]:
        """Every schedule as the API returns it, by id (for inspection, not the API list)."""
        return [self._by_id[k].to_json() for k in sorted(self._by_id)]

    def stored(self) -> list[Schedule]:
        """The stored schedules themselves, in no particular order (for the scheduler)."""
        return list(self._by_id.values())

    def stored_body(self, schedule_id: int) -> dict[str, Any]:
        return self._get(schedule_id).to_request()

    def fires(self, schedule_id: int) -> int:
        return self._get(schedule_id).fires

    def queued(self, schedule_id: int) -> bool:
        return self._get(schedule_id).queued
