"""`nextInterval`: accepted forms, refused forms, DST gaps and folds, the API format."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reconciler.timekeeping import (
    TimeError,
    format_api,
    format_clock,
    format_wall,
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


@pytest.mark.parametrize(
    ("text", "wall"),
    [
        ("1970-01-01T00:00:00", datetime(1970, 1, 1)),  # the first year accepted
        ("2027-01-15T09:00:00", datetime(2027, 1, 15, 9)),  # January is month 01
        ("2026-12-31T23:59:59.999", datetime(2026, 12, 31, 23, 59, 59, 999000)),
        ("1970-01-01T05:30:00+05:30", datetime(1970, 1, 1, 5, 30)),  # the epoch itself
        ("2026-12-01T23:30:00+18:00", datetime(2026, 12, 1, 11, 0)),  # the largest offset
        ("2026-12-02T10:58:00-05:59", datetime(2026, 12, 2, 22, 27)),  # minutes up to 59
    ],
)
def test_the_edges_of_each_field_are_accepted(text: str, wall: datetime) -> None:
    assert parse_next_interval(text, IST).wall == wall


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2026-12-01T17:30:60", "17:30:60 is not a time of day"),
        ("2026-00-10T10:00:00", "month 00 is not between 01 and 12"),
        ("2026-12-01T17:30:00+18:01", "offset +18:01 is out of range"),
        ("2026-12-01T17:30:00+18:30", "offset +18:30 is out of range"),
        ("2026-12-01T17:30:00+05:60", "offset +05:60 is out of range"),
        ("1970-01-01T00:30:00+01:00", "is before 1970"),  # an instant in 1969
    ],
)
def test_refusals_quote_the_value_as_written(text: str, says: str) -> None:
    with pytest.raises(TimeError) as caught:
        parse_next_interval(text, IST)
    message = str(caught.value)
    assert message.startswith(f'nextInterval "{text}"')
    assert says in message


def test_fold_warnings_give_each_offset_with_its_sign() -> None:
    (new_york,) = parse_next_interval("2026-11-01T01:30:00", NY).warnings
    assert "(UTC-04:00), again at 2026-11-01T06:30Z (UTC-05:00)" in new_york
    (london,) = parse_next_interval("2026-10-25T01:30:00", resolve_zone("Europe/London")).warnings
    assert "(UTC+01:00), again at 2026-10-25T01:30Z (UTC+00:00)" in london


def test_a_two_hour_fold_says_hours_in_the_plural() -> None:
    # Antarctica/Troll goes from UTC+02:00 back to UTC+00:00.
    anchor = parse_next_interval("2026-10-25T00:00:00Z", resolve_zone("Antarctica/Troll"))
    assert anchor.wall == datetime(2026, 10, 25, 2, 0)
    (warning,) = anchor.warnings
    assert warning.endswith("uses the second, 2026-10-25T02:00Z, which is 2 hours later")


@pytest.mark.parametrize(
    ("wall", "clock", "text"),
    [
        (datetime(2026, 12, 1, 17, 30), "17:30", "2026-12-01T17:30"),
        (datetime(2026, 12, 1, 17, 30, 5), "17:30:05", "2026-12-01T17:30:05"),
        (datetime(2026, 12, 1, 17, 30, 0, 250000), "17:30:00.250", "2026-12-01T17:30:00.250"),
        (datetime(2026, 12, 1, 17, 30, 5, 7000), "17:30:05.007", "2026-12-01T17:30:05.007"),
    ],
)
def test_messages_show_seconds_and_milliseconds_only_when_set(
    wall: datetime, clock: str, text: str
) -> None:
    assert format_clock(wall) == clock
    assert format_wall(wall) == text


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2026-12-01T17:30:00", 'expected yyyy-MM-ddTHH:mm:ss.SSS, got "2026-12-01T17:30:00"'),
        ("2026-02-30T17:30:00.000", '"2026-02-30T17:30:00.000" is not a valid date and time'),
    ],
)
def test_parse_api_refusals_quote_the_value(text: str, says: str) -> None:
    with pytest.raises(TimeError) as caught:
        parse_api(text)
    assert says in str(caught.value)
