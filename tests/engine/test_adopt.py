"""Adopting a live schedule (`reconciler import`): what is recorded, so the next plan is honest."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from reconciler.core.errors import ReconcilerError
from reconciler.engine.adopt import adopted_payload, declared_record
from reconciler.testsigma.errors import BadResponseError
from reconciler.testsigma.live import to_live
from reconciler.timekeeping.timing import ScheduleTiming

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


def adopt(name: str, body: dict[str, Any], declared: dict[str, Any] | None) -> dict[str, Any]:
    return adopted_payload(name, to_live(body, "GET /schedule_executions/42"), declared)


def test_the_record_keeps_the_live_instant_as_utc_wall_time_without_a_zone() -> None:
    """The server does not say its zone: the record reads as UTC, the same instant."""
    recorded = adopt("nightly", live(), DECLARED)
    assert recorded["nextInterval"] == "2026-12-05T12:00:00.000"
    assert "timezone" not in recorded
    timing = ScheduleTiming.from_payload(recorded)
    assert timing.instant() == datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def test_the_record_takes_the_declared_name_and_the_live_values() -> None:
    recorded = adopt("nightly", live(status="IN_ACTIVE", executionId="3857"), DECLARED)
    assert recorded == {
        "name": "nightly",
        "executionId": 3857,
        "scheduleType": "DAILY",
        "status": "IN_ACTIVE",
        "nextInterval": "2026-12-05T12:00:00.000",
    }


def test_what_the_server_does_not_report_is_left_out_so_the_next_plan_sends_it() -> None:
    recorded = adopt("nightly", live(), DECLARED)
    assert "timezone" not in recorded and "executionConfig" not in recorded


def test_status_defaults_to_active_and_comments_are_kept_only_when_present() -> None:
    assert adopt("n", live(status=None), DECLARED)["status"] == "ACTIVE"
    assert adopt("n", live(comments="team a"), DECLARED)["comments"] == "team a"
    assert "comments" not in adopt("n", live(comments=""), DECLARED)
    assert "comments" not in adopt("n", live(), DECLARED)


def test_a_live_schedule_without_a_time_is_recorded_without_one() -> None:
    assert "nextInterval" not in adopt("n", live(nextInterval=None), DECLARED)


@pytest.mark.parametrize(
    "broken",
    [
        {"executionId": None},
        {"scheduleType": "FORTNIGHTLY"},
        {"scheduleType": None},
    ],
)
def test_an_unreadable_live_schedule_is_one_clear_error(broken: dict[str, Any]) -> None:
    with pytest.raises(ReconcilerError, match="Testsigma returned"):
        adopt("n", live(**broken), DECLARED)


def test_garbage_from_the_server_is_refused_by_the_adapter() -> None:
    with pytest.raises(BadResponseError, match="executionId"):
        adopt("n", live(executionId="abc"), DECLARED)


NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def found(**over: Any) -> Any:
    fields: dict[str, Any] = {"name": "nightly", "nextInterval": ms("2026-12-01T12:00:00+00:00")}
    body = live(**{**fields, **over})
    return to_live(body, "GET /schedules")


def test_a_declared_schedule_found_as_declared_is_recorded_as_the_yaml_says() -> None:
    record, differences = declared_record(DECLARED, found(), now=NOW)
    assert (record, differences) == (DECLARED, ())


def test_what_the_server_has_otherwise_is_recorded_so_the_next_plan_shows_it() -> None:
    declared = {**DECLARED, "comments": "owned by checkout"}
    record, differences = declared_record(
        declared,
        found(status="IN_ACTIVE", executionId=3858, nextInterval=ms("2026-12-02T03:00:00+00:00")),
        now=NOW,
    )
    assert record == {
        **DECLARED,  # timezone and executionConfig: the server does not report them
        "executionId": 3858,
        "status": "IN_ACTIVE",
        "nextInterval": "2026-12-02T08:30:00.000",  # the server's instant, in the YAML's zone
    }
    assert {d.field: (d.before, d.after) for d in differences} == {
        "executionId": (3857, 3858),
        "status": ("ACTIVE", "IN_ACTIVE"),
        "comments": ("owned by checkout", None),
        "nextInterval": ("2026-12-01T17:30:00.000", "2026-12-02T08:30:00.000"),
    }


def test_an_empty_comment_on_the_server_is_recorded_as_none() -> None:
    declared = {**DECLARED, "comments": "x"}
    record, differences = declared_record(declared, found(comments=""), now=NOW)
    assert "comments" not in record and [d.field for d in differences] == ["comments"]
    kept, _ = declared_record(DECLARED, found(comments="from the UI"), now=NOW)
    assert kept["comments"] == "from the UI"
