"""`import NAME ID` as a use case (`app.adopt.import_one`): a real SQLite state, and the
sandbox over its in-process transport."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from helpers import API_KEY

from reconciler.app.adopt import import_one
from reconciler.core.errors import Location, ReconcilerError
from reconciler.core.model import ActionKind, DesiredSchedule
from reconciler.core.ports import StateStore
from reconciler.sandbox import IN_PROCESS_URL, Sandbox
from reconciler.testsigma.client import TestsigmaClient

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
BODY: dict[str, Any] = {
    "name": "checkout-nightly",
    "executionId": 3857,
    "scheduleType": "DAILY",
    "nextInterval": "2030-01-31T17:30:00.000",
    "timezone": "Asia/Kolkata",
    "status": "ACTIVE",
}


@pytest.fixture
def client() -> Iterator[TestsigmaClient]:
    sandbox = Sandbox(api_key=API_KEY)
    with TestsigmaClient(
        base_url=IN_PROCESS_URL, api_key=API_KEY, transport=sandbox.transport()
    ) as api:
        yield api


def declared(name: str, **over: Any) -> DesiredSchedule:
    payload = {**BODY, "name": name, **over}
    return DesiredSchedule(name=name, payload=payload, location=Location("s.yaml", 2, 5))


def test_without_yaml_the_schedule_is_recorded_and_nothing_previewed(
    client: TestsigmaClient, store: StateStore
) -> None:
    made = client.create_schedule(BODY)
    serial = store.serial
    outcome = import_one("nightly", made["id"], store, client=client, declared=None, now=NOW)
    assert outcome.live.name == "checkout-nightly"  # the next apply renames it
    assert outcome.preview is None and outcome.preview_error is None
    record = store.get("nightly")
    assert record is not None and record.id == made["id"]
    assert store.serial > serial  # plans saved before the import are stale


def test_with_its_declaration_the_preview_shows_what_the_next_apply_changes(
    client: TestsigmaClient, store: StateStore
) -> None:
    made = client.create_schedule(BODY)
    want = declared("checkout-nightly", status="IN_ACTIVE")
    outcome = import_one(
        "checkout-nightly", made["id"], store, client=client, declared=want, now=NOW
    )
    assert outcome.preview is not None
    (action,) = outcome.preview.actions
    assert (action.kind, action.id) == (ActionKind.UPDATE, made["id"])
    assert ("status", "ACTIVE", "IN_ACTIVE") in [
        (c.field, c.before, c.after) for c in action.changes
    ]


def test_a_preview_that_cannot_be_made_is_told_and_the_import_stands(
    client: TestsigmaClient, store: StateStore
) -> None:
    made = client.create_schedule(BODY)
    payload = {k: v for k, v in BODY.items() if k != "executionId"}
    want = DesiredSchedule(
        name="checkout-nightly",
        payload=payload,
        location=Location("s.yaml", 2, 5),
        test_plan="No such test plan",
    )
    outcome = import_one(
        "checkout-nightly", made["id"], store, client=client, declared=want, now=NOW
    )
    assert outcome.preview is None
    assert outcome.preview_error is not None and "No such test plan" in outcome.preview_error
    assert store.get("checkout-nightly") is not None


def test_an_id_already_managed_is_refused_and_nothing_is_recorded(
    client: TestsigmaClient, store: StateStore
) -> None:
    made = client.create_schedule(BODY)
    import_one("first", made["id"], store, client=client, declared=None, now=NOW)
    serial = store.serial
    with pytest.raises(ReconcilerError, match="already managed as 'first'"):
        import_one("second", made["id"], store, client=client, declared=None, now=NOW)
    assert store.get("second") is None and store.serial == serial


def test_an_unknown_id_is_named(client: TestsigmaClient, store: StateStore) -> None:
    with pytest.raises(ReconcilerError, match="no schedule with id 424242"):
        import_one("x", 424242, store, client=client, declared=None, now=NOW)
    assert store.read_all() == {}
