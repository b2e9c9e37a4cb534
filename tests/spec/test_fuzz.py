"""Fuzzing: whatever bytes or YAML-ish text arrive, the only failure is an `InputError`."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.core.errors import InputError
from reconciler.spec import Source, load_desired

KEYS = [
    "version",
    "defaults",
    "schedules",
    "runs",
    "name",
    "executionId",
    "executionConfig",
    "scheduleType",
    "nextInterval",
    "timezone",
    "status",
    "comments",
    "environmentId",
    "buildNo",
    "runtimeData",
    "id",
    "<<",
]
TOKENS = [
    *KEYS,
    ":",
    ": ",
    "- ",
    "\n",
    "\n  ",
    "\n    ",
    "\t",
    "&a ",
    "*a",
    "&b ",
    "*b",
    "!!str ",
    "!x ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "'",
    '"',
    "#",
    "---\n",
    "? ",
    "|\n",
    "1",
    "0",
    "-1",
    "0x10",
    "DAILY",
    "ONCE",
    "ACTIVE",
    "UTC",
    "EST",
    "Asia/Kolkata",
    "America/New_York",
    "2026-03-08T02:30:00",
    "2026-11-01T01:30:00",
    "2026-02-30T10:00:00",
    "2030-12-01T17:30:00Z",
    "9999-12-31T23:59:59+14:00",
    "0001-01-01T00:00:00-12:00",
    "~",
    "null",
    "true",
    ".inf",
    "\x00",
    "\u00e9",
    "\ufeff",
]

yamlish = st.lists(st.sampled_from(TOKENS), max_size=60).map("".join)


def check(data: bytes) -> None:
    try:
        load_desired([Source("fuzz.yaml", data)])
    except InputError as exc:
        assert exc.problems
        assert all(p.location.file == "fuzz.yaml" for p in exc.problems)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_nothing_but_input_error(data: bytes) -> None:
    check(data)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(yamlish)
def test_yaml_ish_text_raises_nothing_but_input_error(text: str) -> None:
    check(text.encode("utf-8"))


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(KEYS),
        st.one_of(st.none(), st.integers(), st.text(max_size=30), st.sampled_from(TOKENS)),
        max_size=8,
    )
)
def test_schedules_with_arbitrary_fields_raise_nothing_but_input_error(
    fields: dict[str, object],
) -> None:
    import json

    text = "schedules:\n  - " + json.dumps(fields) + "\n"
    check(text.encode("utf-8"))
