"""What changed outside the reconciler: recorded payload vs live schedule (pure).

Like kubectl's last-applied, only fields the server reports are compared
(Testsigma returns neither `timezone` nor `executionConfig`), and time follows
docs/YAML.md "Time": a live `nextInterval` that Testsigma advanced after firing
is in sync when it is an occurrence of the recorded recurrence, and a ONCE that
fired reads `IN_ACTIVE` without that being drift. Times compare at second
precision: the server drops milliseconds when it advances a schedule.

`stuck_for` spots the open-source scheduler's failure mode (docs/API.md,
"Firing, and stuck schedules"): an ACTIVE recurring schedule whose live `nextInterval` is a
whole period or more behind now will never fire again until it is re-created.
"""

from __future__ import annotations

from datetime import datetime

from reconciler import timekeeping as tk
from reconciler.core.model import FieldChange, FieldValue, LiveSchedule, Payload
from reconciler.timekeeping.timing import ScheduleTiming


def _plain_fields(live: LiveSchedule) -> dict[str, FieldValue]:
    return {
        "name": live.name,
        "executionId": live.execution_id,
        "scheduleType": live.schedule_type,
        "status": live.status,
        "comments": live.comments,
    }


def live_drift(recorded: Payload, live: LiveSchedule, *, now: datetime) -> tuple[FieldChange, ...]:
    """Fields whose live value differs from the recorded one, as (recorded -> live)."""
    changes: list[FieldChange] = []
    timing = ScheduleTiming.from_payload(recorded)
    fired = timing.has_fired(now)
    declared = _recorded_fields(recorded)
    for field, have_raw in _plain_fields(live).items():
        want = _normal(field, declared.get(field))
        have = _normal(field, have_raw)
        if field == "status" and fired and have == "IN_ACTIVE":
            continue  # a ONCE that fired is marked IN_ACTIVE by Testsigma: not drift
        if want != have:
            changes.append(FieldChange(field, declared.get(field), have_raw))
    moved = _next_interval_drift(recorded, timing, live)
    if moved is not None:
        changes.append(moved)
    return tuple(changes)


def _recorded_fields(recorded: Payload) -> dict[str, FieldValue]:
    """The recorded values of the fields the server reports (None: absent)."""
    return {
        "name": recorded.get("name"),
        "executionId": recorded.get("executionId"),
        "scheduleType": recorded.get("scheduleType"),
        "status": recorded.get("status"),
        "comments": recorded.get("comments"),
    }


def live_as_payload_values(recorded: Payload, live: LiveSchedule) -> dict[str, FieldValue]:
    """The server's current values in payload form (nextInterval as wall time in the zone)."""
    values = _plain_fields(live)
    if live.next_ms is not None:
        zone = ScheduleTiming.from_payload(recorded).zone
        values["nextInterval"] = tk.format_api(tk.wall_from_ms(live.next_ms, zone))
    return values


def stuck_for(recorded: Payload, live: LiveSchedule, *, now: datetime) -> int | None:
    """Seconds the schedule is behind when the server's scheduler left it stuck, else None.

    Stuck: ACTIVE on the server, recurring, and its live next firing plus one
    whole period is still not after now — the scheduler skipped it at least once
    and (on the open-source server) never will fire it again.
    """
    if live.next_ms is None or (live.status or "ACTIVE") != "ACTIVE":
        return None
    timing = ScheduleTiming.from_payload(recorded)
    if not timing.recurring:
        return None
    due = tk.from_epoch_ms(live.next_ms)
    following = tk.advance(due, timing.schedule_type, timing.zone)
    if following > now:
        return None
    return int((now - due).total_seconds())


def _normal(field: str, value: FieldValue) -> FieldValue:
    if field == "comments":
        return value or None  # absent, null and "" all mean "no comment"
    if field == "status" and value is None:
        return "ACTIVE"
    return value


def _next_interval_drift(
    recorded: Payload, timing: ScheduleTiming, live: LiveSchedule
) -> FieldChange | None:
    if live.next_ms is None:
        return FieldChange("nextInterval", recorded.get("nextInterval"), None)
    # Second precision: the server drops milliseconds when it advances a schedule.
    anchor = timing.anchor.replace(microsecond=0)
    live_ms = live.next_ms - live.next_ms % 1000
    if tk.is_in_sync(live_ms, anchor, timing.schedule_type, timing.zone):
        return None
    return FieldChange(
        "nextInterval",
        recorded.get("nextInterval"),
        tk.format_api(tk.wall_from_ms(live.next_ms, timing.zone)),
    )
