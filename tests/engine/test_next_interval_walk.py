"""`nextInterval` on its walk from YAML to request body: parsed once, formatted once.

The loader parses the YAML text (`parse_next_interval`) and writes the canonical
API text (`format_api`) once; the parsed anchor travels on the declared schedule
and its action, so neither the plan nor the body ever reads the text back
(`parse_api`), and the body writes `nextInterval` again only when the time
actually rolls forward to a new instant. A saved plan is JSON: reading it is its
own edge, where each action's anchor is parsed once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_planfile import KEY, LINEAGE

from reconciler import timekeeping
from reconciler.app.apply import Outcome, apply_plan
from reconciler.core.errors import ReconcilerError
from reconciler.core.model import Action, ActionKind, Cause, DesiredSet, Plan
from reconciler.core.payload import SchedulePayload
from reconciler.engine.plan import body_to_send, compute_plan
from reconciler.engine.planfile import plan_from_document, plan_to_document
from reconciler.spec import desired as desired_module
from reconciler.spec.desired import load_desired
from reconciler.spec.positions import Source
from reconciler.state import open_store
from reconciler.timekeeping import timing as timing_module

YAML = b"""schedules:
  - name: checkout-nightly
    executionId: 3857
    scheduleType: DAILY
    nextInterval: "2026-12-01T17:30:00"
    timezone: Asia/Kolkata
"""
BEFORE = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)  # the anchor is still ahead
AFTER = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)  # three days past the anchor
PAYLOAD = {
    "name": "a",
    "scheduleType": "DAILY",
    "nextInterval": "2026-12-01T17:30:00.000",
    "status": "ACTIVE",
}


class Calls:
    """Counts the calls of the time functions the walk may use."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.parsed: list[str] = []
        self.formatted: list[datetime] = []
        parse, fmt = timekeeping.parse_api, timekeeping.format_api

        def counting_parse(text: str) -> datetime:
            self.parsed.append(text)
            return parse(text)

        def counting_format(wall: datetime) -> str:
            self.formatted.append(wall)
            return fmt(wall)

        # Every binding the product reads them through.
        monkeypatch.setattr(timing_module, "parse_api", counting_parse)
        monkeypatch.setattr(timekeeping, "parse_api", counting_parse)
        monkeypatch.setattr(timekeeping, "format_api", counting_format)
        monkeypatch.setattr(desired_module, "format_api", counting_format)
        # An empty memo of timings, so a text read by an earlier test is read again here.
        monkeypatch.setattr(timing_module, "_TIMINGS", {})

    def reset(self) -> None:
        timing_module._TIMINGS.clear()
        self.parsed.clear()
        self.formatted.clear()


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[Calls]:
    yield Calls(monkeypatch)


def load() -> DesiredSet:
    return load_desired([Source("team/checkout.yaml", YAML)])


def test_the_loader_parses_the_yaml_time_once_and_formats_it_once(calls: Calls) -> None:
    desired = load()
    (schedule,) = desired.schedules
    assert schedule.anchor == datetime(2026, 12, 1, 17, 30)
    assert schedule.payload["nextInterval"] == "2026-12-01T17:30:00.000"
    assert calls.formatted == [datetime(2026, 12, 1, 17, 30)]
    assert calls.parsed == []  # the YAML text is read by parse_next_interval, not parse_api


@pytest.mark.parametrize(
    ("now", "sent", "formats"),
    [
        (BEFORE, "2026-12-01T17:30:00.000", 0),  # ahead: sent as declared, not re-formatted
        (AFTER, "2026-12-03T17:30:00.000", 1),  # passed: the next occurrence, formatted once
    ],
)
def test_plan_and_body_never_read_the_text_back(
    calls: Calls, now: datetime, sent: str, formats: int
) -> None:
    desired = load()
    calls.reset()
    (action,) = compute_plan(desired, {}, now=now).actions
    assert action.kind is ActionKind.CREATE
    assert action.anchor == desired.schedules[0].anchor
    assert action.after is not None
    body = body_to_send(action.after, now=now, anchor=action.anchor)
    assert body["nextInterval"] == sent
    assert calls.parsed == []
    assert len(calls.formatted) == formats


def test_a_saved_plan_parses_each_anchor_once_at_its_edge(calls: Calls) -> None:
    desired = load()
    plan = compute_plan(desired, {}, now=BEFORE)
    doc = plan_to_document(plan, lineage=LINEAGE, serial=1, digest="d", options={}, key=KEY)
    written = json.loads(json.dumps(doc))
    calls.reset()
    saved = plan_from_document(written, source="plan.json", key=KEY, lineage=LINEAGE)
    (action,) = saved.plan.actions
    assert calls.parsed == ["2026-12-01T17:30:00.000"]
    assert action.anchor == datetime(2026, 12, 1, 17, 30)
    assert action.after is not None
    body = body_to_send(action.after, now=AFTER, anchor=action.anchor)
    assert body["nextInterval"] == "2026-12-03T17:30:00.000"
    assert calls.parsed == ["2026-12-01T17:30:00.000"]  # not read again at the send


class Capturing:
    """The part of the client the executor uses; keeps each body it is sent."""

    def __init__(self) -> None:
        self.bodies: list[SchedulePayload] = []

    def create_schedule(self, body: SchedulePayload) -> dict[str, object]:
        self.bodies.append(body)
        return {"id": 501, **body}

    def update_schedule(self, schedule_id: int, body: SchedulePayload) -> dict[str, object]:
        raise AssertionError("no update in this plan")

    def delete_schedule(self, schedule_id: int) -> None:
        raise AssertionError("no delete in this plan")


def test_the_executor_sends_the_body_rolled_from_the_action_anchor(
    calls: Calls, tmp_path: Path
) -> None:
    plan = compute_plan(load(), {}, now=BEFORE)
    calls.reset()
    store = open_store(f"sqlite:///{tmp_path}/state.db")
    client = Capturing()
    try:
        with store.lock(operation="apply"):
            report = apply_plan(plan, client=client, store=store, clock=lambda: AFTER)
        recorded = store.get("checkout-nightly")
    finally:
        store.close()
    assert report.count(Outcome.OK) == 1
    (body,) = client.bodies
    assert body["nextInterval"] == "2026-12-03T17:30:00.000"  # rolled at the send's clock
    assert calls.parsed == []
    assert calls.formatted == [datetime(2026, 12, 3, 17, 30)]
    assert recorded is not None  # the state keeps the anchor as declared
    assert recorded.payload["nextInterval"] == "2026-12-01T17:30:00.000"


def test_the_walk_names_where_time_is_read(calls: Calls) -> None:
    """A hand-built payload (no anchor) is the one case the text is read: it says so."""
    desired = load()
    payload = desired.schedules[0].payload
    calls.reset()
    body_to_send(payload, now=BEFORE)
    assert calls.parsed == ["2026-12-01T17:30:00.000"]


@pytest.mark.parametrize(
    ("after", "why"),
    [
        ({"name": "a", "scheduleType": "DAILY", "status": "ACTIVE"}, "of 'a' has no nextInterval"),
        ({"name": "a", "scheduleType": "SOMETIMES", "status": "ACTIVE"}, "scheduleType must"),
        (
            {**PAYLOAD, "nextInterval": "1 December"},
            'expected yyyy-MM-ddTHH:mm:ss.SSS, got "1 December"',
        ),
    ],
)
def test_a_saved_plan_whose_payload_does_not_fit_is_refused_in_words(
    after: dict[str, object], why: str
) -> None:
    action = Action(
        kind=ActionKind.CREATE, name="a", id=None, before=None, after=after, cause=Cause.DECLARED
    )
    doc = plan_to_document(
        Plan(actions=(action,)), lineage=LINEAGE, serial=1, digest="d", options={}, key=KEY
    )
    with pytest.raises(ReconcilerError) as refused:
        plan_from_document(json.loads(json.dumps(doc)), source="p.json", key=KEY, lineage=LINEAGE)
    assert str(refused.value).startswith("p.json is not a readable saved plan: ")
    assert why in str(refused.value)
