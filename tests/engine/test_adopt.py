"""Adopting a live schedule (`reconciler import`): what is recorded, so the next plan is honest."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from reconciler.core.errors import ReconcilerError
from reconciler.engine.adopt import adopted_payload

DECLARED: dict[str, Any] = {
    "name": "nightly",
    "executionId": 3857,
    "executionConfig": {"name": "smoke"},
    "scheduleType": "DAILY",
    "nextInterval": "2026-12-01T17:30:00.000",  # Asia/Kolkata: 12:00 UTC
    "timezone": "Asia/Kolkata",
    "status": "ACTIVE",
}


def ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp() * 1000)


def live(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": 42,
        "name": "Nightly (made in the UI)",
        "executionId": 3857,
        "scheduleType": "DAILY",
        "nextInterval": ms("2026-12-05T12:00:00+00:00"),
        "status": "ACTIVE",
    }
    body.update(over)
    return body


def test_a_live_occurrence_of_the_declared_recurrence_records_the_declared_anchor() -> None:
    """Testsigma advanced the time after firing; adoption must not invent a time change."""
    recorded = adopted_payload("nightly", live(), DECLARED)
    assert recorded["nextInterval"] == DECLARED["nextInterval"]


def test_the_record_takes_the_declared_name_and_the_live_values() -> None:
    recorded = adopted_payload("nightly", live(status="IN_ACTIVE", executionId="3857"), DECLARED)
    assert recorded == {
        "name": "nightly",
        "executionId": 3857,
        "scheduleType": "DAILY",
        "status": "IN_ACTIVE",
        "nextInterval": "2026-12-01T17:30:00.000",
    }


def test_what_the_server_does_not_report_is_left_out_so_the_next_plan_sends_it() -> None:
    recorded = adopted_payload("nightly", live(), DECLARED)
    assert "timezone" not in recorded and "executionConfig" not in recorded


def test_a_live_time_off_the_declared_recurrence_is_recorded_as_live_wall_time() -> None:
    recorded = adopted_payload("nightly", live(nextInterval=ms("2026-12-05T12:30:00Z")), DECLARED)
    assert recorded["nextInterval"] == "2026-12-05T18:00:00.000"


def test_a_live_schedule_of_another_type_keeps_its_own_time() -> None:
    weekly = live(scheduleType="WEEKLY")
    assert adopted_payload("nightly", weekly, DECLARED)["nextInterval"] == "2026-12-05T17:30:00.000"


def test_without_a_declaration_the_time_is_recorded_in_utc() -> None:
    recorded = adopted_payload("nightly", live(), None)
    assert recorded["nextInterval"] == "2026-12-05T12:00:00.000"
    assert recorded["name"] == "nightly"


def test_status_defaults_to_active_and_comments_are_kept_only_when_present() -> None:
    assert adopted_payload("n", live(status=None), DECLARED)["status"] == "ACTIVE"
    assert adopted_payload("n", live(comments="team a"), DECLARED)["comments"] == "team a"
    assert "comments" not in adopted_payload("n", live(comments=""), DECLARED)
    assert "comments" not in adopted_payload("n", live(), DECLARED)


def test_a_live_schedule_without_a_time_is_recorded_without_one() -> None:
    assert "nextInterval" not in adopted_payload("n", live(nextInterval=None), DECLARED)


@pytest.mark.parametrize(
    "broken",
    [
        {"executionId": None},
        {"executionId": "abc"},
        {"scheduleType": "FORTNIGHTLY"},
    ],
)
def test_an_unreadable_live_schedule_is_one_clear_error(broken: dict[str, Any]) -> None:
    with pytest.raises(ReconcilerError, match="the schedule Testsigma returned is not readable"):
        adopted_payload("n", live(**broken), DECLARED)


def test_a_live_schedule_missing_its_type_is_one_clear_error() -> None:
    body = live()
    del body["scheduleType"]
    with pytest.raises(ReconcilerError, match="not readable"):
        adopted_payload("n", body, DECLARED)
