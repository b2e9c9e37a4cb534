"""The recorded payload for a schedule adopted with `reconciler import` (pure).

Two ways in: `adopted_payload` for `import NAME ID` (described below), and
`declared_record` for `import --all`, which records the declaration itself
where the server cannot contradict it.

Testsigma reports neither `timezone` nor `executionConfig`, so an adopted
schedule's record leaves them out: the next plan then shows them as changes
and the next apply sends the full declared body once, after which the server
is exactly what the YAML says. `nextInterval` is recorded as the live instant
in UTC wall time (`declared` is accepted for callers that know the YAML; the
zone cannot be learned from the server).
"""

from __future__ import annotations

from datetime import datetime

from reconciler import timekeeping as tk
from reconciler.core.errors import ReconcilerError
from reconciler.core.model import FieldChange, LiveSchedule, Payload
from reconciler.core.payload import payload_problem, read_payload
from reconciler.engine.drift import live_as_payload_values, live_drift

UTC_ZONE = tk.resolve_zone("UTC")


def adopted_payload(name: str, live: LiveSchedule, declared: Payload | None) -> Payload:
    """What to record for the live schedule adopted under `name`."""
    if live.execution_id is None or live.schedule_type is None:
        raise ReconcilerError(
            f"the schedule Testsigma returned (id {live.id}) has no executionId or scheduleType"
        )
    try:
        tk.check_schedule_type(live.schedule_type)
    except ValueError as exc:
        raise ReconcilerError(f"the schedule Testsigma returned is not readable: {exc}") from None
    # The server does not say which zone the schedule is in: the record keeps the
    # instant as UTC wall time and no `timezone`, which reads as UTC (see
    # ScheduleTiming.from_payload). The next plan then shows the declared zone and
    # anchor as changes, and the next apply sends the full declared body once.
    built: dict[str, object] = {
        "name": name,
        "executionId": live.execution_id,
        "scheduleType": live.schedule_type,
        "status": live.status or "ACTIVE",
    }
    if live.next_ms is not None:
        built["nextInterval"] = tk.format_api(tk.wall_from_ms(live.next_ms, UTC_ZONE))
    if live.comments:
        built["comments"] = live.comments
    problem = payload_problem(built)
    if problem is not None:
        raise ReconcilerError(f"the schedule Testsigma returned is not readable: {problem}")
    return read_payload(built)


def declared_record(
    declared: Payload, live: LiveSchedule, *, now: datetime
) -> tuple[Payload, tuple[FieldChange, ...]]:
    """What `import --all` records for a declared schedule found live under its name.

    The fields the server reports are recorded as the server has them, so a
    difference from the YAML is planned as an update, never hidden. The fields
    it does not report (`timezone`, `executionConfig`) cannot be checked: they
    are recorded as the YAML declares them (the YAML is trusted), so adopting
    an exported account plans no change. Returns the record and the differences
    (YAML value -> server value) the next plan will show.
    """
    differences = live_drift(declared, live, now=now)
    record: dict[str, object] = dict(declared)
    if differences:
        server = live_as_payload_values(declared, live)
        for change in differences:
            value = server.get(change.field, change.after)
            if value is None or (change.field == "comments" and not value):
                record.pop(change.field, None)
            else:
                record[change.field] = value
    try:
        return read_payload(record), differences
    except ValueError as exc:
        raise ReconcilerError(
            f"the schedule Testsigma returned (id {live.id}) cannot be recorded: {exc}"
        ) from None
