"""A create says it sends another `nextInterval` exactly when the anchor is not more than
the send margin ahead: the quick answer for anchors still ahead agrees with the body sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reconciler.core.model import Action, ActionKind, Cause
from reconciler.engine.plan import SEND_MARGIN, body_to_send
from reconciler.render.common import rolled_forward
from reconciler.timekeeping import format_api

NOW = datetime(2031, 6, 1, 12, 0, tzinfo=UTC)


def create(anchor: datetime, schedule_type: str = "DAILY") -> Action:
    payload = {
        "name": "s",
        "executionId": 1,
        "scheduleType": schedule_type,
        "nextInterval": format_api(anchor),
        "timezone": "UTC",
        "status": "ACTIVE",
    }
    return Action(ActionKind.CREATE, "s", None, None, payload, cause=Cause.DECLARED)


@pytest.mark.parametrize(
    "ahead", [timedelta(0), SEND_MARGIN - timedelta(milliseconds=1), SEND_MARGIN]
)
def test_an_anchor_within_the_margin_is_rolled_forward(ahead: timedelta) -> None:
    action = create((NOW + ahead).replace(tzinfo=None))
    assert action.after is not None
    sent = body_to_send(action.after, now=NOW)["nextInterval"]
    assert sent != action.after["nextInterval"]
    assert rolled_forward(action, now=NOW) == (
        f'sends nextInterval "{sent}", the next occurrence: the declared time has passed '
        "and Testsigma refuses past times"
    )


@pytest.mark.parametrize("schedule_type", ["DAILY", "ONCE", "HOURLY"])
def test_an_anchor_beyond_the_margin_is_sent_as_declared(schedule_type: str) -> None:
    action = create(
        (NOW + SEND_MARGIN + timedelta(milliseconds=1)).replace(tzinfo=None), schedule_type
    )
    assert rolled_forward(action, now=NOW) is None


def test_a_passed_once_says_nothing_here() -> None:
    assert rolled_forward(create(datetime(2031, 1, 1), "ONCE"), now=NOW) is None
