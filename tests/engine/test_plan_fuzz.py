"""Fuzz: whatever the recorded state and the live server hold, planning raises nothing but
the documented errors (InputError for the user's input), and never crashes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.core.errors import InputError, Location
from reconciler.core.model import (
    DesiredSchedule,
    DesiredSet,
    Live,
    RecordedSchedule,
)
from reconciler.engine.plan import compute_plan
from reconciler.testsigma.errors import BadResponseError
from reconciler.testsigma.live import to_live

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(
        [
            "DAILY",
            "ONCE",
            "HOURLY",
            "Asia/Kolkata",
            "2026-12-01T17:30:00.000",
            "ACTIVE",
            "IN_ACTIVE",
            "Nowhere/Zone",
            "2026-13-45T99:00:00.000",
        ]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
KEYS = [
    "name",
    "executionId",
    "scheduleType",
    "nextInterval",
    "timezone",
    "status",
    "comments",
    "executionConfig",
    "nextIntervalUTC",
    "id",
]
payloads = st.dictionaries(st.sampled_from(KEYS), values, max_size=len(KEYS))

GOOD = {
    "name": "a",
    "executionId": 3857,
    "scheduleType": "DAILY",
    "nextInterval": "2026-12-01T17:30:00.000",
    "timezone": "Asia/Kolkata",
    "status": "ACTIVE",
}


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    recorded_payload=st.one_of(payloads, st.just(GOOD)),
    live=st.one_of(st.none(), payloads),
    declared=st.booleans(),
    prune=st.booleans(),
    gone=st.booleans(),
)
def test_plan_never_crashes_on_hostile_state_or_server(
    recorded_payload: dict[str, Any],
    live: dict[str, Any] | None,
    declared: bool,
    prune: bool,
    gone: bool,
) -> None:
    desired = DesiredSet(
        schedules=(DesiredSchedule("a", GOOD, Location("f.yaml", 1, 1)),) if declared else ()
    )
    recorded = {"a": RecordedSchedule("a", 7, recorded_payload, "x")}
    try:
        # The adapter refuses what it cannot trust; the engine only sees typed schedules.
        schedule = None if live is None or gone else to_live({"id": 7, **live}, "GET")
    except BadResponseError:
        return
    views = None if live is None else {"a": Live(schedule)}
    try:
        plan = compute_plan(desired, recorded, now=NOW, prune=prune, live=views)
    except InputError:
        return
    assert len(plan.actions) == 1
