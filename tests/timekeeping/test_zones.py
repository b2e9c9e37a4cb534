"""`timezone` values: what Java accepts, what it means, and the hints for mistakes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from reconciler.timekeeping import SHORT_IDS, TimeError, resolve_zone
from reconciler.timekeeping.zones import zone_label

# Java's ZoneId.SHORT_IDS, written out independently of the implementation.
JAVA_SHORT_IDS = {
    "ACT": "Australia/Darwin",
    "AET": "Australia/Sydney",
    "AGT": "America/Argentina/Buenos_Aires",
    "ART": "Africa/Cairo",
    "AST": "America/Anchorage",
    "BET": "America/Sao_Paulo",
    "BST": "Asia/Dhaka",
    "CAT": "Africa/Harare",
    "CNT": "America/St_Johns",
    "CST": "America/Chicago",
    "CTT": "Asia/Shanghai",
    "EAT": "Africa/Addis_Ababa",
    "ECT": "Europe/Paris",
    "IET": "America/Indiana/Indianapolis",
    "IST": "Asia/Kolkata",
    "JST": "Asia/Tokyo",
    "MIT": "Pacific/Apia",
    "NET": "Asia/Yerevan",
    "NST": "Pacific/Auckland",
    "PLT": "Asia/Karachi",
    "PNT": "America/Phoenix",
    "PRT": "America/Puerto_Rico",
    "PST": "America/Los_Angeles",
    "SST": "Pacific/Guadalcanal",
    "VST": "Asia/Ho_Chi_Minh",
    "EST": "-05:00",
    "MST": "-07:00",
    "HST": "-10:00",
}
WINTER = datetime(2026, 1, 15, 12)
SUMMER = datetime(2026, 7, 15, 12)


def offset(name: str, when: datetime) -> timedelta | None:
    return when.replace(tzinfo=resolve_zone(name).tzinfo).utcoffset()


def test_all_28_java_short_ids_are_known() -> None:
    assert SHORT_IDS == JAVA_SHORT_IDS
    assert len(SHORT_IDS) == 28


@pytest.mark.parametrize(("short", "iana"), sorted(JAVA_SHORT_IDS.items()))
def test_each_short_id_maps_as_java_does(short: str, iana: str) -> None:
    zone = resolve_zone(short)
    assert zone.name == short  # what gets sent
    assert zone.key == iana
    if not iana.startswith("-"):
        iana_zone = resolve_zone(iana)
        for when in (WINTER, SUMMER):
            assert offset(short, when) == offset(iana, when)
            assert when.replace(tzinfo=iana_zone.tzinfo).utcoffset() == offset(short, when)


@pytest.mark.parametrize(
    ("short", "hours", "meant"),
    [("EST", -5, "America/New_York"), ("MST", -7, "America/Denver"), ("HST", -10, "Honolulu")],
)
def test_fixed_offset_short_ids_never_change_and_warn(short: str, hours: int, meant: str) -> None:
    zone = resolve_zone(short)
    assert offset(short, WINTER) == offset(short, SUMMER) == timedelta(hours=hours)
    assert zone.warning is not None
    assert meant in zone.warning
    assert "daylight saving" in zone.warning


def test_mst_warning_names_phoenix_too() -> None:
    warning = resolve_zone("MST").warning
    assert warning is not None and "America/Phoenix" in warning


def test_ist_pst_cst_jst_follow_their_zone() -> None:
    assert offset("IST", SUMMER) == timedelta(hours=5, minutes=30)
    assert offset("PST", WINTER) == timedelta(hours=-8)
    assert offset("PST", SUMMER) == timedelta(hours=-7)
    assert offset("CST", SUMMER) == timedelta(hours=-5)
    assert offset("JST", SUMMER) == timedelta(hours=9)


@pytest.mark.parametrize("short", ["BST", "CST", "NST", "AST"])
def test_surprising_short_ids_warn_what_java_means(short: str) -> None:
    warning = resolve_zone(short).warning
    assert warning is not None and JAVA_SHORT_IDS[short] in warning


def test_ist_does_not_warn() -> None:
    assert resolve_zone("IST").warning is None
    assert resolve_zone("Asia/Kolkata").warning is None


@pytest.mark.parametrize("name", ["UTC", "GMT", "America/New_York", "Asia/Calcutta", "EST5EDT"])
def test_iana_and_legacy_names_are_accepted(name: str) -> None:
    zone = resolve_zone(name)
    assert (zone.name, zone.key, zone.warning) == (name, name, None)


@pytest.mark.parametrize(
    ("name", "key", "minutes"),
    [
        ("GMT+05:30", "GMT+05:30", 330),
        ("GMT+0530", "GMT+05:30", 330),
        ("GMT-8", "GMT-08:00", -480),
        ("GMT+10", "GMT+10:00", 600),
        ("GMT-03:00", "GMT-03:00", -180),
    ],
)
def test_gmt_custom_ids_are_fixed_offsets_with_a_warning(name: str, key: str, minutes: int) -> None:
    zone = resolve_zone(name)
    assert (zone.name, zone.key) == (name, key)
    assert offset(name, SUMMER) == offset(name, WINTER) == timedelta(minutes=minutes)
    assert zone.warning is not None and "daylight saving" in zone.warning


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("Asia/Kolkatta", "Asia/Kolkata"),
        ("asia/kolkata", "Asia/Kolkata"),
        ("america/new_york", "America/New_York"),
        ("America/New York", "America/New_York"),
        ("Kolkata", "Asia/Kolkata"),
        ("Europe/Londn", "Europe/London"),
        ("ist", "IST"),
        ("utc", "UTC"),
        ("UTC+05:30", "GMT+05:30"),
        ("GMT+5:30", "GMT+05:30"),
        ("+05:30", "GMT+05:30"),
    ],
)
def test_unknown_names_are_errors_with_a_hint_and_the_reason(name: str, hint: str) -> None:
    with pytest.raises(TimeError) as caught:
        resolve_zone(name)
    message = str(caught.value)
    assert f'did you mean "{hint}"' in message
    assert "GMT" in message and "wrong hour" in message


@pytest.mark.parametrize(
    "name", ["Mars/Olympus_Mons", "", " Asia/Kolkata", "GMT+19", "GMT+05:60", "Factory", "Z"]
)
def test_other_values_are_refused(name: str) -> None:
    with pytest.raises(TimeError):
        resolve_zone(name)


def test_etc_gmt_warns_that_the_sign_is_inverted() -> None:
    zone = resolve_zone("Etc/GMT+5")
    assert offset("Etc/GMT+5", SUMMER) == timedelta(hours=-5)
    assert zone.warning is not None and "UTC-05:00" in zone.warning


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("UTC+5", "GMT+05:00"),  # an offset without minutes
        ("Port of Spain", "America/Port_of_Spain"),  # a city of several words
        ("Ushuaia", "America/Argentina/Ushuaia"),  # a city under a country
        ("US/Pacifc", "US/Pacific"),  # the region as written, not Canada/Pacific
        ("Europe/Germany/Berlin", "Europe/Berlin"),  # a country in the path
        ("Asia/Ushuaiaa", "America/Argentina/Ushuaia"),  # a misspelt city in the wrong region
    ],
)
def test_hints_for_cities_offsets_and_wrong_regions(name: str, hint: str) -> None:
    with pytest.raises(TimeError) as caught:
        resolve_zone(name)
    assert f'did you mean "{hint}"' in str(caught.value)


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "Asia/Bangalore"])
def test_a_name_like_no_zone_gets_no_misleading_hint(name: str) -> None:
    """Bangalore is not Singapore: a loose match would send the schedule to the wrong zone."""
    with pytest.raises(TimeError) as caught:
        resolve_zone(name)
    message = str(caught.value)
    assert message.startswith(f'unknown timezone "{name}": Testsigma silently runs')
    assert "did you mean" not in message


@pytest.mark.parametrize("name", ["", "   "])
def test_an_empty_timezone_says_it_is_empty(name: str) -> None:
    with pytest.raises(TimeError) as caught:
        resolve_zone(name)
    assert str(caught.value).startswith("timezone is empty: ")


def test_messages_name_a_short_id_with_the_zone_it_means() -> None:
    assert zone_label(resolve_zone("PST")) == "PST (America/Los_Angeles)"
    assert zone_label(resolve_zone("America/Los_Angeles")) == "America/Los_Angeles"
