"""`nextInterval`: accepted forms, refused forms, DST gaps and folds, the API format."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reconciler.timekeeping import (
    TimeError,
    format_api,
    instant_ms,
    parse_api,
    parse_next_interval,
    resolve_zone,
    to_instant,
)

NY = resolve_zone("America/New_York")
IST = resolve_zone("Asia/Kolkata")
SYDNEY = resolve_zone("Australia/Sydney")
LORD_HOWE = resolve_zone("Australia/Lord_Howe")


@pytest.mark.parametrize(
    ("text", "wall"),
    [
        ("2026-12-01T17:30:00", datetime(2026, 12, 1, 17, 30)),
        ("2026-12-01 17:30:00", datetime(2026, 12, 1, 17, 30)),
        ("2026-12-01T17:30", datetime(2026, 12, 1, 17, 30)),
        ("2026-12-01T17:30:05.123", datetime(2026, 12, 1, 17, 30, 5, 123000)),
        ("2026-12-01T17:30:05.5", datetime(2026, 12, 1, 17, 30, 5, 500000)),
        ("2026-12-01T17:30:05.05", datetime(2026, 12, 1, 17, 30, 5, 50000)),
        # instants, converted to wall time in Asia/Kolkata
        ("2026-12-01T12:00:00Z", datetime(2026, 12, 1, 17, 30)),
        ("2026-12-01T17:30:00+05:30", datetime(2026, 12, 1, 17, 30)),
        ("2026-12-01T04:00:00-0800", datetime(2026, 12, 1, 17, 30)),
        ("2026-12-01 12:00:00.250Z", datetime(2026, 12, 1, 17, 30, 0, 250000)),
    ],
)
def test_accepted_forms(text: str, wall: datetime) -> None:
    anchor = parse_next_interval(text, IST)
    assert anchor.wall == wall
    assert anchor.warnings == ()


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-01 5pm",
        "2026-12-01",
        "2026/12/01T17:30:00",
        "2026-12-01T17:30:00z",
        "2026-12-01T17:30:00 Z",
        "2026-12-01T17:30:00+05",
        "1 Dec 2026 17:30",
        "2026-12-1T17:30:00",
        "2026-12-01T17:30:00.",
        "",
    ],
)
def test_malformed_values_say_the_expected_form(text: str) -> None:
    with pytest.raises(TimeError) as caught:
        parse_next_interval(text, IST)
    assert "expected yyyy-MM-ddTHH:mm:ss[.SSS] with an optional Z or ±HH:MM offset" in str(
        caught.value
    )
    assert f'got "{text}"' in str(caught.value)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2026-02-30T10:00:00", "February 2026 has 28 days"),
        ("2027-02-29T10:00:00", "February 2027 has 28 days"),
        ("2026-04-31T10:00:00", "April 2026 has 30 days"),
        ("2026-13-01T10:00:00", "month 13"),
        ("2026-12-01T24:00:00", "not a time of day"),
        ("2026-12-01T23:60:00", "not a time of day"),
        ("2026-12-01T17:30:00.1234", "milliseconds"),
        ("1969-12-31T23:00:00", "before 1970"),
        ("2026-12-01T17:30:00+19:00", "out of range"),
        ("2026-12-01T17:30:00+05:75", "out of range"),
    ],
)
def test_impossible_values_say_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(TimeError, match=says):
        parse_next_interval(text, IST)


def test_leap_day_is_a_date() -> None:
    assert parse_next_interval("2028-02-29T10:00:00", IST).wall == datetime(2028, 2, 29, 10)


def test_gap_is_an_error_naming_the_jump() -> None:
    with pytest.raises(TimeError) as caught:
        parse_next_interval("2026-03-08T02:30:00", NY)
    message = str(caught.value)
    assert "2026-03-08T02:30 does not exist in America/New_York" in message
    assert "clocks jump from 02:00 to 03:00" in message
    assert "03:30" in message  # where Testsigma would run it


def test_gap_in_the_southern_hemisphere() -> None:
    with pytest.raises(TimeError, match="clocks jump from 02:00 to 03:00"):
        parse_next_interval("2026-10-04T02:15:00", SYDNEY)


def test_lord_howe_half_hour_gap() -> None:
    with pytest.raises(TimeError, match="clocks jump from 02:00 to 02:30"):
        parse_next_interval("2026-10-04T02:10:00", LORD_HOWE)
    assert parse_next_interval("2026-10-04T02:30:00", LORD_HOWE).warnings == ()


def test_an_instant_never_lands_in_a_gap() -> None:
    anchor = parse_next_interval("2026-03-08T07:30:00Z", NY)
    assert anchor.wall == datetime(2026, 3, 8, 3, 30)


def test_fold_is_a_warning_with_both_instants_and_the_later_chosen() -> None:
    # Java's legacy SimpleDateFormat (what the server parses with) takes standard time.
    anchor = parse_next_interval("2026-11-01T01:30:00", NY)
    assert anchor.wall == datetime(2026, 11, 1, 1, 30)
    (warning,) = anchor.warnings
    assert "happens twice in America/New_York" in warning
    assert "2026-11-01T05:30Z" in warning and "2026-11-01T06:30Z" in warning
    assert "uses the second, 2026-11-01T06:30Z" in warning
    assert to_instant(anchor.wall, NY) == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)


def test_fold_written_as_the_first_instant_warns_it_will_run_later() -> None:
    anchor = parse_next_interval("2026-11-01T05:30:00Z", NY)
    assert anchor.wall == datetime(2026, 11, 1, 1, 30)
    (warning,) = anchor.warnings
    assert "You wrote the first instant" in warning and "1 hour later" in warning
    assert parse_next_interval("2026-11-01T06:30:00Z", NY).warnings[0].endswith("06:30Z")


def test_fold_in_the_southern_hemisphere_and_at_lord_howe() -> None:
    (sydney,) = parse_next_interval("2026-04-05T02:30:00", SYDNEY).warnings
    assert "clocks go back from 03:00 to 02:00" in sydney
    (lord_howe,) = parse_next_interval("2026-04-05T01:45:00", LORD_HOWE).warnings
    assert "clocks go back from 02:00 to 01:30" in lord_howe
    assert "UTC+11:00" in lord_howe and "UTC+10:30" in lord_howe


def test_fixed_offset_zones_have_no_gaps_or_folds() -> None:
    est = resolve_zone("EST")
    assert parse_next_interval("2026-03-08T02:30:00", est).warnings == ()
    assert instant_ms(datetime(2026, 3, 8, 2, 30), est) == 1772955000000


@pytest.mark.parametrize(
    ("wall", "text"),
    [
        (datetime(2026, 12, 1, 17, 30), "2026-12-01T17:30:00.000"),
        (datetime(2026, 1, 2, 3, 4, 5, 6000), "2026-01-02T03:04:05.006"),
    ],
)
def test_api_format_round_trips(wall: datetime, text: str) -> None:
    assert format_api(wall) == text
    assert parse_api(text) == wall


@pytest.mark.parametrize(
    "text", ["2026-12-01T17:30:00", "2026-12-01T17:30:00.000Z", "2026-02-30T17:30:00.000"]
)
def test_parse_api_is_strict(text: str) -> None:
    with pytest.raises(TimeError):
        parse_api(text)
