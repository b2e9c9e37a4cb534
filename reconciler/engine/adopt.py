"""The recorded payload for a schedule adopted with `reconciler import` (pure).

Two ways in: `adopted_payload` for `import NAME ID` (described below), and
`declared_record` for `import --all`, which records the declaration itself
where the server cannot contradict it.

Testsigma reports neither `timezone` nor `executionConfig`, so an adopted
schedule's record leaves them out: the next plan then shows them as changes
and the next apply sends the full declared body once, after which the server
is exactly what the YAML says. A live `nextInterval` that is an occurrence of
the declared recurrence is recorded as the declared anchor, so adoption does
not invent a time change.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from reconciler import timekeeping as tk
from reconciler.core.errors import ReconcilerError
from reconciler.core.model import FieldChange, Payload
from reconciler.engine.drift import live_as_payload_values, live_drift, live_epoch_ms


def adopted_payload(name: str, live: Mapping[str, Any], declared: Payload | None) -> dict[str, Any]:
    """What to record for the live schedule adopted under `name`."""
    try:
        execution_id = int(live["executionId"])
        schedule_type = str(live["scheduleType"])
        tk.check_schedule_type(schedule_type)
    except (KeyError, TypeError, ValueError) as exc:
        raise ReconcilerError(f"the schedule Testsigma returned is not readable: {exc}") from None
    payload: dict[str, Any] = {
        "name": name,
        "executionId": execution_id,
        "scheduleType": schedule_type,
        "status": str(live.get("status") or "ACTIVE"),
    }
    ms = live_epoch_ms(live)
    zone = tk.resolve_zone(str(declared["timezone"]) if declared else "UTC")
    if ms is not None:
        payload["nextInterval"] = tk.format_api(tk.wall_from_ms(ms, zone))
        if declared is not None and declared.get("scheduleType") == schedule_type:
            anchor = tk.parse_api(str(declared["nextInterval"]))
            if tk.is_in_sync(ms, anchor, schedule_type, zone):
                payload["nextInterval"] = declared["nextInterval"]
    comments = live.get("comments")
    if comments:
        payload["comments"] = str(comments)
    return payload


def declared_record(
    declared: Payload, live: Mapping[str, Any], *, now: datetime
) -> tuple[dict[str, Any], tuple[FieldChange, ...]]:
    """What `import --all` records for a declared schedule found live under its name.

    The fields the server reports are recorded as the server has them, so a
    difference from the YAML is planned as an update, never hidden. The fields
    it does not report (`timezone`, `executionConfig`) cannot be checked: they
    are recorded as the YAML declares them (the YAML is trusted), so adopting
    an exported account plans no change. Returns the record and the differences
    (YAML value -> server value) the next plan will show.
    """
    differences = live_drift(declared, live, now=now)
    record = dict(declared)
    if differences:
        server = live_as_payload_values(declared, live)
        for change in differences:
            value = server.get(change.field, change.after)
            if value is None or (change.field == "comments" and not value):
                record.pop(change.field, None)
            else:
                record[change.field] = value
    return record, differences
