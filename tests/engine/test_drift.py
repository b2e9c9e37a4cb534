"""Drift: what changed on the server outside the reconciler, and what is only time passing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from reconciler.core.model import FieldChange, LiveSchedule
from reconciler.engine.drift import live_as_payload_values, live_drift, stuck_for
from reconciler.testsigma.errors import BadResponseError
from reconciler.testsigma.live import to_live

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
RECORDED: dict[str, Any] = {
    "name": "nightly",
    "executionId": 3857,
    "executionConfig": {"name": "smoke"},
    "scheduleType": "DAILY",
    "nextInterval": "2026-12-01T17:30:00.000",  # Asia/Kolkata (+05:30): 12:00 UTC
    "timezone": "Asia/Kolkata",
    "status": "ACTIVE",
    "comments": "owned by checkout",
}


def ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp() * 1000)


ANCHOR_MS = ms("2026-12-01T12:00:00+00:00")


def live(**over: Any) -> LiveSchedule:
    """RECORDED as the adapter hands it over from the server's JSON (epoch ms, no zone)."""
    return to_live(raw(**over), "GET /schedule_executions/42")


def raw(**over: Any) -> dict[str, Any]:
    """The server's JSON for RECORDED: epoch ms, no timezone, no executionConfig, extra ids."""
    body: dict[str, Any] = {
        "id": 42,
        "name": "nightly",
        "executionId": 3857,
        "scheduleType": "DAILY",
        "nextInterval": ANCHOR_MS,
        "status": "ACTIVE",
        "comments": "owned by checkout",
        "createdDate": 1764000000000,
    }
    body.update(over)
    return {k: v for k, v in body.items() if v is not ...}


def fields(changes: tuple[FieldChange, ...]) -> dict[str, tuple[Any, Any]]:
    return {c.field: (c.before, c.after) for c in changes}


def test_the_server_as_recorded_is_no_drift() -> None:
    assert live_drift(RECORDED, live(), now=NOW) == ()


def test_fields_the_server_does_not_report_are_not_drift() -> None:
    """Testsigma returns neither timezone nor executionConfig; their absence is not a change."""
    body = raw()
    assert "timezone" not in body and "executionConfig" not in body
    assert live_drift(RECORDED, live(), now=NOW) == ()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "nightly-renamed"),
        ("executionId", 1),
        ("scheduleType", "WEEKLY"),
        ("status", "IN_ACTIVE"),
        ("comments", "edited in the UI"),
    ],
)
def test_a_field_edited_in_testsigma_is_drift_recorded_to_live(field: str, value: Any) -> None:
    changes = fields(live_drift(RECORDED, live(**{field: value}), now=NOW))
    assert changes[field] == (RECORDED[field], value)


def test_a_removed_comment_is_drift_but_null_and_empty_are_the_same() -> None:
    assert fields(live_drift(RECORDED, live(comments=None), now=NOW)) == {
        "comments": ("owned by checkout", None)
    }
    no_comment = {k: v for k, v in RECORDED.items() if k != "comments"}
    for value in (None, "", ...):
        assert live_drift(no_comment, live(comments=value), now=NOW) == ()


def test_an_execution_id_sent_back_as_text_is_the_same_id() -> None:
    assert live_drift(RECORDED, live(executionId="3857"), now=NOW) == ()
    assert live_drift(RECORDED, live(executionId=" 3857 "), now=NOW) == ()
    assert "executionId" in fields(live_drift(RECORDED, live(executionId="3858"), now=NOW))


def test_a_missing_status_means_active() -> None:
    assert live_drift(RECORDED, live(status=...), now=NOW) == ()
    paused = {**RECORDED, "status": "IN_ACTIVE"}
    assert "status" in fields(live_drift(paused, live(status=...), now=NOW))


def test_a_recurrence_the_server_advanced_after_firing_is_in_sync() -> None:
    for days in (1, 2, 30):
        later = ANCHOR_MS + days * 86_400_000
        assert live_drift(RECORDED, live(nextInterval=later), now=NOW) == ()


def test_a_time_moved_in_testsigma_is_drift_shown_as_wall_time_in_the_zone() -> None:
    moved = ANCHOR_MS + 86_400_000 + 30 * 60_000  # next day, half an hour later
    assert fields(live_drift(RECORDED, live(nextInterval=moved), now=NOW)) == {
        "nextInterval": ("2026-12-01T17:30:00.000", "2026-12-02T18:00:00.000")
    }


def test_a_time_the_server_no_longer_reports_is_drift() -> None:
    changes = fields(live_drift(RECORDED, live(nextInterval=None), now=NOW))
    assert changes == {"nextInterval": ("2026-12-01T17:30:00.000", None)}


def test_a_once_that_fired_reads_inactive_without_drift() -> None:
    once = {**RECORDED, "scheduleType": "ONCE", "nextInterval": "2026-11-20T09:00:00.000"}
    fired = live(scheduleType="ONCE", status="IN_ACTIVE", nextInterval=ms("2026-11-20T03:30Z"))
    assert live_drift(once, fired, now=NOW) == ()


def test_a_once_paused_before_it_fired_is_drift() -> None:
    once = {**RECORDED, "scheduleType": "ONCE", "nextInterval": "2026-12-20T09:00:00.000"}
    paused = live(scheduleType="ONCE", status="IN_ACTIVE", nextInterval=ms("2026-12-20T03:30Z"))
    assert fields(live_drift(once, paused, now=NOW)) == {"status": ("ACTIVE", "IN_ACTIVE")}


def test_a_recurring_schedule_paused_is_drift_even_after_its_anchor() -> None:
    assert "status" in fields(
        live_drift(RECORDED, live(status="IN_ACTIVE"), now=NOW.replace(year=2027))
    )


def test_an_unreadable_recorded_time_is_an_error_not_silence() -> None:
    """A damaged record is a bug or a corrupt state: it must surface (the plan names the fix)."""
    broken = {**RECORDED, "timezone": "Not/AZone"}
    with pytest.raises(ValueError):
        live_drift(broken, live(nextInterval=ANCHOR_MS + 1), now=NOW)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"nextInterval": ANCHOR_MS}, ANCHOR_MS),
        ({"nextInterval": str(ANCHOR_MS)}, ANCHOR_MS),
        ({"nextInterval": " 1764590400000 "}, 1764590400000),
        ({}, None),
        ({"nextIntervalUTC": "2026-12-01T12:00:00Z"}, ANCHOR_MS),
        ({"nextIntervalUTC": "2026-12-01T17:30:00+05:30"}, ANCHOR_MS),
        ({"nextIntervalUTC": "2026-12-01T12:00:00"}, ANCHOR_MS),
        ({"nextInterval": ANCHOR_MS + 5, "nextIntervalUTC": "2026-12-01T12:00:00Z"}, ANCHOR_MS + 5),
    ],
)
def test_the_live_time_is_read_from_epoch_ms_or_the_utc_text(
    body: dict[str, Any], expected: int | None
) -> None:
    full = {**raw(nextInterval=...), **body}
    assert to_live(full, "GET").next_ms == expected


@pytest.mark.parametrize("value", [True, "soon", 1.5, "2026-12-01 17:30:00", {"ms": 1}])
def test_a_live_time_in_any_other_form_is_refused_by_the_adapter(value: Any) -> None:
    with pytest.raises(BadResponseError, match="nextInterval"):
        to_live(raw(nextInterval=value), "GET")


def test_a_schedule_a_whole_period_behind_is_stuck() -> None:
    day_ms = 86_400_000
    stuck = live(nextInterval=ms("2026-11-27T12:00:00+00:00"))
    assert stuck_for(RECORDED, stuck, now=NOW) == 2 * 86400 - 4 * 3600
    assert stuck_for(RECORDED, live(nextInterval=ms("2026-11-28T09:00:00+00:00")), now=NOW) is None
    assert stuck_for(RECORDED, live(nextInterval=ANCHOR_MS), now=NOW) is None
    paused = live(nextInterval=ms("2026-11-27T12:00:00+00:00"), status="IN_ACTIVE")
    assert stuck_for(RECORDED, paused, now=NOW) is None
    once = {**RECORDED, "scheduleType": "ONCE"}
    assert stuck_for(once, live(nextInterval=ANCHOR_MS - 9 * day_ms), now=NOW) is None


def test_live_values_in_payload_form_put_the_time_in_the_recorded_zone() -> None:
    values = live_as_payload_values(RECORDED, live(status="IN_ACTIVE"))
    assert values == {
        "name": "nightly",
        "executionId": 3857,
        "scheduleType": "DAILY",
        "status": "IN_ACTIVE",
        "comments": "owned by checkout",
        "nextInterval": "2026-12-01T17:30:00.000",
    }


def test_live_values_without_a_readable_time_leave_the_time_out() -> None:
    assert "nextInterval" not in live_as_payload_values(RECORDED, live(nextInterval=None))
