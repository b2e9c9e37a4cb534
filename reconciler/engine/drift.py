"""What changed outside the reconciler: recorded payload vs live schedule (pure).

Like kubectl's last-applied, only fields the server reports are compared
(Testsigma returns neither `timezone` nor `executionConfig`), server-only
fields (`id`, `createdDate`...) are ignored, and time follows SPEC §3: a live
`nextInterval` that Testsigma advanced after firing is in sync when it is an
occurrence of the recorded recurrence, and a ONCE that fired reads
`IN_ACTIVE` without that being drift.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from reconciler import timekeeping as tk
from reconciler.core.model import FieldChange, Payload

#: Fields the server reports and the reconciler owns, compared as they are.
PLAIN_FIELDS = ("name", "executionId", "scheduleType", "status", "comments")


def live_drift(
    recorded: Payload, live: Mapping[str, Any], *, now: datetime
) -> tuple[FieldChange, ...]:
    """Fields whose live value differs from the recorded one, as (recorded -> live)."""
    changes: list[FieldChange] = []
    fired = _once_fired(recorded, now=now)
    for field in PLAIN_FIELDS:
        want = _normal(field, recorded.get(field))
        have = _normal(field, live.get(field))
        if field == "status" and fired and have == "IN_ACTIVE":
            continue  # a ONCE that fired is marked IN_ACTIVE by Testsigma: not drift
        if want != have:
            changes.append(FieldChange(field, recorded.get(field), live.get(field)))
    moved = _next_interval_drift(recorded, live)
    if moved is not None:
        changes.append(moved)
    return tuple(changes)


def live_as_payload_values(recorded: Payload, live: Mapping[str, Any]) -> dict[str, Any]:
    """The server's current values in payload form (nextInterval as wall time in the zone)."""
    values = {f: live.get(f) for f in PLAIN_FIELDS}
    wall = _live_wall(recorded, live)
    if wall is not None:
        values["nextInterval"] = wall
    return values


def _once_fired(recorded: Payload, *, now: datetime) -> bool:
    if recorded.get("scheduleType") != "ONCE":
        return False
    try:
        zone = tk.resolve_zone(str(recorded["timezone"]))
        return tk.has_fired(tk.parse_api(str(recorded["nextInterval"])), "ONCE", zone, now)
    except (KeyError, ValueError):
        return False


def _normal(field: str, value: Any) -> Any:
    if field == "comments":
        return value or None  # absent, null and "" all mean "no comment"
    if field == "executionId" and isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if field == "status" and value is None:
        return "ACTIVE"
    return value


def live_epoch_ms(live: Mapping[str, Any]) -> int | None:
    value = live.get("nextInterval")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    utc = live.get("nextIntervalUTC")
    if isinstance(utc, str):
        try:
            return int(datetime.fromisoformat(utc.replace("Z", "+00:00")).timestamp() * 1000)
        except ValueError:
            return None
    return None


def _live_wall(recorded: Payload, live: Mapping[str, Any]) -> str | None:
    ms = live_epoch_ms(live)
    if ms is None:
        return None
    try:
        zone = tk.resolve_zone(str(recorded["timezone"]))
    except (KeyError, ValueError):
        return None
    return tk.format_api(tk.wall_from_ms(ms, zone))


def _next_interval_drift(recorded: Payload, live: Mapping[str, Any]) -> FieldChange | None:
    ms = live_epoch_ms(live)
    if ms is None:
        return FieldChange("nextInterval", recorded.get("nextInterval"), live.get("nextInterval"))
    try:
        zone = tk.resolve_zone(str(recorded["timezone"]))
        anchor = tk.parse_api(str(recorded["nextInterval"]))
        in_sync = tk.is_in_sync(ms, anchor, str(recorded["scheduleType"]), zone)
    except (KeyError, ValueError):
        return None  # a recorded payload we cannot read: nothing sound to compare
    if in_sync:
        return None
    return FieldChange(
        "nextInterval", recorded.get("nextInterval"), tk.format_api(tk.wall_from_ms(ms, zone))
    )
