"""One schedule's timing read from its canonical payload, and live values shown as wall time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reconciler.timekeeping import TimeError, instant_ms, resolve_zone, wall_from_ms
from reconciler.timekeeping.timing import ScheduleTiming

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def payload(**fields: object) -> dict[str, object]:
    return {
        "name": "checkout-nightly",
        "executionId": 3857,
        "scheduleType": "DAILY",
        "nextInterval": "2026-12-01T17:30:00.000",
        "timezone": "Asia/Kolkata",
        **fields,
    }


def test_a_canonical_payload_reads_as_anchor_type_and_zone() -> None:
    timing = ScheduleTiming.from_payload(payload())
    assert timing.anchor == datetime(2026, 12, 1, 17, 30)
    assert timing.schedule_type == "DAILY"
    assert timing.zone == resolve_zone("Asia/Kolkata")
    assert timing.recurring
    assert timing.instant() == datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert timing.instant(datetime(2026, 12, 2, 6, 0)) == datetime(2026, 12, 2, 0, 30, tzinfo=UTC)


def test_a_short_id_is_kept_as_written_and_means_its_zone() -> None:
    timing = ScheduleTiming.from_payload(payload(timezone="PST"))
    assert (timing.zone.name, timing.zone.key) == ("PST", "America/Los_Angeles")
    assert timing.instant() == datetime(2026, 12, 2, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize("timezone", [None, ""])
def test_a_record_adopted_without_a_timezone_is_utc_wall_time(timezone: str | None) -> None:
    """The API does not report `timezone`: an adopted record keeps nextInterval as UTC."""
    fields = payload(timezone=timezone)
    timing = ScheduleTiming.from_payload(fields)
    assert timing.zone.key == "UTC"
    assert timing.instant() == datetime(2026, 12, 1, 17, 30, tzinfo=UTC)
    del fields["timezone"]
    assert ScheduleTiming.from_payload(fields).zone.key == "UTC"


def test_next_after_and_has_fired_follow_the_recurrence() -> None:
    daily = ScheduleTiming.from_payload(payload(nextInterval="2026-01-01T17:30:00.000"))
    assert daily.next_after(NOW) == datetime(2026, 6, 1, 17, 30)
    assert not daily.has_fired(NOW)
    once = ScheduleTiming.from_payload(payload(scheduleType="ONCE"))
    assert not once.recurring
    assert once.next_after(NOW) == datetime(2026, 12, 1, 17, 30)
    assert not once.has_fired(NOW)
    later = datetime(2026, 12, 1, 12, 0, 1, tzinfo=UTC)
    assert once.next_after(later) is None
    assert once.has_fired(later)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"scheduleType": "FORTNIGHTLY"}, TimeError),
        ({"nextInterval": "2026-12-01T17:30:00"}, TimeError),  # not the API form
        ({"timezone": "Asia/Kolkatta"}, TimeError),
    ],
)
def test_a_payload_that_is_not_canonical_is_refused(
    fields: dict[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error):
        ScheduleTiming.from_payload(payload(**fields))


@pytest.mark.parametrize("missing", ["scheduleType", "nextInterval"])
def test_a_payload_missing_its_time_is_a_key_error(missing: str) -> None:
    fields = payload()
    del fields[missing]
    with pytest.raises(KeyError):
        ScheduleTiming.from_payload(fields)


def test_a_live_value_shows_as_wall_time_in_the_zone() -> None:
    ist = resolve_zone("Asia/Kolkata")
    ms = instant_ms(datetime(2026, 12, 1, 17, 30, 5, 250000), ist)
    assert ms == 1_796_126_405_250  # 2026-12-01T12:00:05.250Z
    assert wall_from_ms(ms, ist) == datetime(2026, 12, 1, 17, 30, 5, 250000)
    assert wall_from_ms(ms, resolve_zone("UTC")) == datetime(2026, 12, 1, 12, 0, 5, 250000)
