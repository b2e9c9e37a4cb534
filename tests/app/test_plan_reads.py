"""The reads before a plan: the account and the schedule list in one round (over loopback).

`plan_for` (shared by plan and apply) requests the list of schedules beside the
account's test plans and favourites, so a plan waits for one round trip, not two. What
is checked and what the user is told must not change: the list's answer is looked at
only when the plan needs it, so a YAML error still comes first and alone.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from helpers import API_KEY

from reconciler.app.apply_flow import PlanOptions, plan_for
from reconciler.core.errors import InputError, Location
from reconciler.core.model import Cause, DesiredSchedule, DesiredSet
from reconciler.sandbox import Sandbox
from reconciler.state.sqlite import SqliteStore
from reconciler.testsigma.client import TestsigmaClient
from reconciler.testsigma.errors import AuthError, ServerError

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def declared(test_plan: int) -> DesiredSet:
    payload = {
        "name": "a",
        "executionId": test_plan,
        "scheduleType": "DAILY",
        "nextInterval": "2026-12-01T17:30:00.000",
        "timezone": "UTC",
        "status": "ACTIVE",
    }
    return DesiredSet(schedules=(DesiredSchedule("a", payload, Location("team.yaml", 2, 3)),))


class Rendezvous(TestsigmaClient):
    """Each of the three reads waits for the other two to start before it goes on.

    The barrier opens only when all three are in flight at once: reads made one after
    another would break it after its timeout (hang protection, not a timing bound).
    """

    barrier = threading.Barrier(3, timeout=10)

    def list_test_plans(self) -> list[dict[str, Any]]:
        self.barrier.wait()
        return super().list_test_plans()

    def list_saved_configs(self) -> list[dict[str, Any]]:
        self.barrier.wait()
        return super().list_saved_configs()

    def list_schedules(self) -> list[dict[str, Any]]:
        self.barrier.wait()
        return super().list_schedules()


class BrokenList(TestsigmaClient):
    """The list of schedules answers a 500; everything else is the sandbox's."""

    def list_schedules(self) -> list[dict[str, Any]]:
        raise ServerError("GET /schedule_executions", "Internal Server Error", status=500)


class RefusedKey(TestsigmaClient):
    """The account reads are refused (a wrong key); the list is still being read."""

    def list_test_plans(self) -> list[dict[str, Any]]:
        raise AuthError("GET /test_plans", "401 Unauthorized", status=401)


def test_the_account_and_the_list_are_read_in_one_round(
    sandbox: Sandbox, store: SqliteStore
) -> None:
    told: list[str] = []
    with Rendezvous(base_url=sandbox.url, api_key=API_KEY) as client:
        prepared = plan_for(
            declared(3857), store, client, PlanOptions(), now=NOW, tell=told.append, write=False
        )
    assert [(a.kind.value, a.name) for a in prepared.plan.changing_actions] == [("create", "a")]
    assert "names" not in prepared.plan.unchecked and "account" not in prepared.plan.unchecked
    listings = [r for r in sandbox.requests() if r.path == "/schedule_executions"]
    assert len(listings) == 1  # read once, early, and used by every lookup of the plan


def test_a_yaml_error_comes_first_and_alone_when_the_list_also_failed(
    sandbox: Sandbox, store: SqliteStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    with (
        BrokenList(base_url=sandbox.url, api_key=API_KEY) as client,
        pytest.raises(InputError) as raised,
    ):
        plan_for(declared(9999), store, client, PlanOptions(), now=NOW, tell=print, write=False)
    assert "9999" in str(raised.value)
    assert "listing schedules failed" not in caplog.text  # its answer was never looked at


def test_a_failed_list_read_early_is_told_when_the_plan_needs_it(
    sandbox: Sandbox, store: SqliteStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    with BrokenList(base_url=sandbox.url, api_key=API_KEY) as client:
        prepared = plan_for(
            declared(3857), store, client, PlanOptions(), now=NOW, tell=print, write=False
        )
    # Not "absent": a lookup that failed blocks the create, as when read after the account.
    (conflict,) = prepared.plan.conflicts
    assert conflict.name == "a" and prepared.plan.changing_actions == ()
    assert conflict.conflict is not None and conflict.conflict.cause is Cause.LOOKUP_FAILED
    assert "listing schedules failed" in caplog.text


def test_a_refused_account_read_raises_with_no_read_left_running(
    sandbox: Sandbox, store: SqliteStore
) -> None:
    with (
        RefusedKey(base_url=sandbox.url, api_key=API_KEY) as client,
        pytest.raises(AuthError, match="GET /test_plans"),
    ):
        plan_for(declared(3857), store, client, PlanOptions(), now=NOW, tell=print, write=False)
    assert [t.name for t in threading.enumerate() if t.name.startswith("listing")] == []
