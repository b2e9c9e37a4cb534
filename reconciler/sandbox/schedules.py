"""Scheduled executions: validation, storage and firing, as the server does them.

`ScheduleBook` is plain single-threaded logic; `SandboxState` serialises access
to it. A schedule keeps what the API never returns (`timezone`,
`executionConfig`) next to what it does, and stores `nextInterval` as an
instant, so firing in the schedule's zone clamps month ends progressively
(Jan 31 -> Feb 28 -> Mar 28) exactly as `ZonedDateTime.plusMonths` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from reconciler.sandbox import seeds
from reconciler.sandbox.apierror import ApiError, field_error, not_found
from reconciler.sandbox.clockwork import (
    SCHEDULE_TYPES,
    add_period,
    epoch_ms,
    format_utc,
    parse_request_time,
    wall_to_instant,
    zone_like_java,
)

FIRST_ID = 1001
STATUSES = ("ACTIVE", "IN_ACTIVE")
REQUIRED = ("name", "executionId", "scheduleType", "nextInterval", "timezone")
#: Keys `ScheduleBook.edit` accepts (the request body's keys).
EDITABLE = (*REQUIRED, "executionConfig", "status", "comments")
_MAX_FIRES_PER_ADVANCE = 1_000_000


@dataclass(slots=True)
class Schedule:
    """One stored schedule (mutable: firing and updates change it in place)."""

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

    def to_json(self) -> dict[str, Any]:
        """The schedule as the API returns it (no `timezone`, no `executionConfig`)."""
        return {
            "id": self.id,
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
        wall = self.next_instant.astimezone(self.zone).replace(tzinfo=None)
        body: dict[str, Any] = {
            "name": self.name,
            "executionId": self.execution_id,
            "scheduleType": self.schedule_type,
            "nextInterval": wall.strftime("%Y-%m-%dT%H:%M:%S.") + f"{wall.microsecond // 1000:03d}",
            "timezone": self.timezone,
            "status": self.status,
            "comments": self.comments,
        }
        if self.execution_config is not None:
            body["executionConfig"] = dict(self.execution_config)
        return body


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


def validate(body: Any) -> _Valid:
    """Check a POST/PUT body; every field problem is reported together in one 400."""
    if not isinstance(body, dict):
        raise ApiError(400, "Request body must be a JSON object", code="BAD_REQUEST")
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
    if execution_id is not None:
        check(
            "executionId",
            seeds.plan_by_id(execution_id) is not None,
            f"No test plan with id {execution_id}",
        )
    schedule_type = body.get("scheduleType")
    check(
        "scheduleType",
        schedule_type in SCHEDULE_TYPES,
        f"scheduleType must be one of {', '.join(SCHEDULE_TYPES)}",
    )
    status = body.get("status") or "ACTIVE"
    if status not in STATUSES:
        errors.append(field_error("status", "status must be ACTIVE or IN_ACTIVE", status))
    wall = parse_request_time(body.get("nextInterval"))
    check("nextInterval", wall is not None, "nextInterval must match yyyy-MM-dd'T'HH:mm:ss.SSS")
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
    if errors:
        raise ApiError(400, "Validation failed", code="VALIDATION_FAILED", field_errors=errors)
    assert isinstance(name, str) and isinstance(timezone_name, str)
    assert execution_id is not None and wall is not None and isinstance(schedule_type, str)
    zone = zone_like_java(timezone_name)
    return _Valid(
        name=name,
        execution_id=execution_id,
        execution_config=dict(config) if config is not None else None,
        schedule_type=schedule_type,
        timezone=timezone_name,
        zone=zone,
        instant=wall_to_instant(wall, zone),
        status=str(status),
        comments=comments,
    )


class ScheduleBook:
    """Every schedule by id; ids start at 1001 and only grow."""

    def __init__(self) -> None:
        self._by_id: dict[int, Schedule] = {}
        self._next_id = FIRST_ID

    def _checked(self, body: Any, *, now: datetime, own_id: int | None, past: bool) -> _Valid:
        valid = validate(body)
        for other in self._by_id.values():
            if other.name == valid.name and other.id != own_id:
                raise ApiError(
                    422,
                    f"A schedule named {valid.name!r} already exists",
                    code="DUPLICATE_NAME",
                    field_errors=[field_error("name", "name must be unique", valid.name)],
                )
        if past and valid.instant < now:
            raise ApiError(500, "Current time is greater than given time", code="INTERNAL_ERROR")
        return valid

    def create(self, body: Any, *, now: datetime, user: int) -> dict[str, Any]:
        valid = self._checked(body, now=now, own_id=None, past=True)
        schedule = Schedule(
            id=self._next_id,
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
        )
        self._next_id += 1
        self._by_id[schedule.id] = schedule
        return schedule.to_json()

    def replace(
        self, schedule_id: int, body: Any, *, now: datetime, user: int, past: bool = True
    ) -> dict[str, Any]:
        schedule = self._get(schedule_id)
        valid = self._checked(body, now=now, own_id=schedule_id, past=past)
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
        return schedule.to_json()

    def edit(self, schedule_id: int, fields: dict[str, Any], *, now: datetime) -> dict[str, Any]:
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
            wall = datetime.fromtimestamp(millis / 1000, UTC).astimezone(zone)
            body["nextInterval"] = (
                wall.strftime("%Y-%m-%dT%H:%M:%S.") + f"{wall.microsecond // 1000:03d}"
            )
        return self.replace(schedule_id, body, now=now, user=seeds.UI_USER_ID, past=False)

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
        return [s.to_json() for s in sorted(self._by_id.values(), key=lambda s: s.id)]

    def fires(self, schedule_id: int) -> int:
        return self._get(schedule_id).fires

    def fire_due(self, now: datetime, *, in_utc: bool) -> int:
        """Fire every ACTIVE schedule as often as it would have by `now`; return the count."""
        fired = 0
        for schedule in self._by_id.values():
            zone = UTC if in_utc else schedule.zone
            while schedule.status == "ACTIVE" and schedule.next_instant <= now:
                schedule.fires += 1
                fired += 1
                if schedule.schedule_type == "ONCE":
                    schedule.status = "IN_ACTIVE"
                elif fired > _MAX_FIRES_PER_ADVANCE:
                    break
                else:
                    schedule.next_instant = add_period(
                        schedule.next_instant, schedule.schedule_type, zone
                    )
        return fired
