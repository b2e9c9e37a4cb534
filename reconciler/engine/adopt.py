"""The recorded payload for a schedule adopted with `reconciler import` (pure).

Testsigma reports neither `timezone` nor `executionConfig`, so an adopted
schedule's record leaves them out: the next plan then shows them as changes
and the next apply sends the full declared body once, after which the server
is exactly what the YAML says. `nextInterval` is recorded as the live instant
in UTC wall time (`declared` is accepted for callers that know the YAML; the
zone cannot be learned from the server).
"""

from __future__ import annotations

from typing import Any

from reconciler import timekeeping as tk
from reconciler.core.errors import ReconcilerError
from reconciler.core.model import LiveSchedule, Payload

UTC_ZONE = tk.resolve_zone("UTC")


def adopted_payload(name: str, live: LiveSchedule, declared: Payload | None) -> dict[str, Any]:
    """What to record for the live schedule adopted under `name`."""
    if live.execution_id is None or live.schedule_type is None:
        raise ReconcilerError(
            f"the schedule Testsigma returned (id {live.id}) has no executionId or scheduleType"
        )
    try:
        tk.check_schedule_type(live.schedule_type)
    except ValueError as exc:
        raise ReconcilerError(f"the schedule Testsigma returned is not readable: {exc}") from None
    payload: dict[str, Any] = {
        "name": name,
        "executionId": live.execution_id,
        "scheduleType": live.schedule_type,
        "status": live.status or "ACTIVE",
    }
    # The server does not say which zone the schedule is in: the record keeps the
    # instant as UTC wall time and no `timezone`, which reads as UTC (see
    # ScheduleTiming.from_payload). The next plan then shows the declared zone and
    # anchor as changes, and the next apply sends the full declared body once.
    if live.next_ms is not None:
        payload["nextInterval"] = tk.format_api(tk.wall_from_ms(live.next_ms, UTC_ZONE))
    if live.comments:
        payload["comments"] = live.comments
    return payload
