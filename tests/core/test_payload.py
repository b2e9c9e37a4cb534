"""`read_payload`: JSON in, a `SchedulePayload` out, or one sentence saying what does not fit."""

from __future__ import annotations

import re

import pytest

from reconciler.core.payload import (
    payload_problem,
    read_payload,
    schedule_payload,
    with_execution_id,
)

GOOD = {
    "name": "nightly",
    "executionId": 3857,
    "executionConfig": {"name": "smoke"},
    "scheduleType": "DAILY",
    "nextInterval": "2026-12-01T17:30:00.000",
    "timezone": "Asia/Kolkata",
    "status": "ACTIVE",
    "comments": "team",
}


def test_a_canonical_payload_reads_back_equal_and_as_a_copy() -> None:
    read = read_payload(GOOD)
    assert read == GOOD and read is not GOOD
    minimal = {"name": "a", "scheduleType": "ONCE", "status": "IN_ACTIVE"}
    assert read_payload(minimal) == minimal  # an adopted record may lack the optional keys
    assert read_payload({**GOOD, "executionConfig": {"id": 42}})["executionConfig"] == {"id": 42}


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ([GOOD], "not a JSON object (list)"),
        ({**GOOD, "testPlanId": 1}, "unknown key(s) testPlanId"),
        ({k: v for k, v in GOOD.items() if k != "name"}, "name is missing"),
        ({**GOOD, "name": 7}, "name must be text, not 7"),
        ({**GOOD, "nextInterval": 1764590400000}, "nextInterval must be text, not 1764590400000"),
        ({**GOOD, "timezone": None}, "timezone must be text, not None"),
        ({**GOOD, "comments": ["x"]}, "comments must be text, not ['x']"),
        ({**GOOD, "executionId": "3857"}, "executionId must be a whole number, not '3857'"),
        ({**GOOD, "executionId": True}, "executionId must be a whole number, not True"),
        ({**GOOD, "scheduleType": "daily"}, "scheduleType must be one of ONCE, HOURLY, DAILY"),
        ({**GOOD, "status": None}, "status must be one of ACTIVE, IN_ACTIVE, not None"),
        ({**GOOD, "executionConfig": {}}, "executionConfig must be an object with a name or an id"),
        ({**GOOD, "executionConfig": {"id": "42"}}, "executionConfig.id does not fit (got '42')"),
        ({**GOOD, "executionConfig": {"env": "x"}}, "executionConfig.env does not fit"),
    ],
)
def test_what_does_not_fit_is_said(value: object, problem: str) -> None:
    found = payload_problem(value)
    assert found is not None and found.startswith(problem), found
    with pytest.raises(ValueError, match="^" + re.escape(problem)):
        read_payload(value)


def test_payloads_are_built_in_the_order_the_api_documents() -> None:
    built = schedule_payload(
        name="nightly",
        comments="team",
        status="ACTIVE",
        timezone="Asia/Kolkata",
        next_interval="2026-12-01T17:30:00.000",
        schedule_type="DAILY",
        execution_config={"name": "smoke"},
        execution_id=3857,
    )
    assert list(built) == list(GOOD) and built == GOOD
    bare = schedule_payload(
        name="a", schedule_type="ONCE", next_interval="2026-12-01T17:30:00.000", status="ACTIVE"
    )
    assert list(bare) == ["name", "scheduleType", "nextInterval", "status"]
    resolved = with_execution_id(bare, 9)
    assert list(resolved) == ["name", "executionId", "scheduleType", "nextInterval", "status"]
