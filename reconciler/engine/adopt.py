"""The recorded payload for a schedule adopted with `reconciler import` (pure).

Testsigma reports neither `timezone` nor `executionConfig`, so an adopted
schedule's record leaves them out: the next plan then shows them as changes
and the next apply sends the full declared body once, after which the server
is exactly what the YAML says. A live `nextInterval` that is an occurrence of
the declared recurrence is recorded as the declared anchor, so adoption does
not invent a time change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler import timekeeping as tk
from reconciler.core.errors import ReconcilerError
from reconciler.core.model import Payload
from reconciler.engine.drift import live_epoch_ms


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
