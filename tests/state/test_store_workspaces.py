"""Workspaces, on both backends: one team's state each in a shared store, isolated but aware."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pg_server import database_of_its_own, with_query

from reconciler.core.model import RecordedSchedule, SchedulePayload
from reconciler.state import LockHeld, StateError, StateStore, open_store


def record(name: str, id_: int) -> RecordedSchedule:
    return RecordedSchedule(name=name, id=id_, payload=payload(name), applied_at="t")


def payload(name: str) -> SchedulePayload:
    return {
        "name": name,
        "scheduleType": "DAILY",
        "nextInterval": "2026-12-01T17:30:00.000",
        "status": "ACTIVE",
    }


@pytest.fixture
def urls(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """URLs of two workspaces, `payments` and `search`, of one store (file or database)."""
    if backend == "sqlite":
        base = f"sqlite:///{tmp_path}/shared.db"
        yield f"{base}?workspace=payments", f"{base}?workspace=search"
        return
    with database_of_its_own(request.getfixturevalue("postgres_url")) as url:
        yield with_query(url, workspace="payments"), with_query(url, workspace="search")


@pytest.fixture
def stores(urls: tuple[str, str]) -> Iterator[tuple[StateStore, StateStore]]:
    payments, search = (open_store(u) for u in urls)
    try:
        yield payments, search
    finally:
        payments.close()
        search.close()


def test_each_workspace_has_its_own_lineage_serial_journal_lock_and_key(
    stores: tuple[StateStore, StateStore],
) -> None:
    payments, search = stores
    assert (payments.workspace, search.workspace) == ("payments", "search")
    assert payments.created and search.created
    payments.record(record("payments-nightly", 11))
    payments.bump_serial()
    payments.journal_intent(action="create", name="x", schedule_id=None, payload=None)
    assert search.read_all() == {} and search.serial == 0 and search.journal_unresolved() == []
    assert payments.lineage != search.lineage
    assert payments.plan_key() != search.plan_key() and len(payments.plan_key()) == 32
    with payments.lock(operation="apply"), search.lock(operation="apply", timeout=0):
        assert search.current_lock() is not None  # each its own lock
    assert payments.current_lock() is None


def test_a_workspace_reopened_is_not_created_again(
    stores: tuple[StateStore, StateStore], urls: tuple[str, str]
) -> None:
    again = open_store(urls[0])
    try:
        assert not again.created
    finally:
        again.close()


def test_names_recorded_in_another_workspace_are_found(
    stores: tuple[StateStore, StateStore],
) -> None:
    payments, search = stores
    payments.record(record("payments-nightly", 11))
    search.record(record("search-hourly", 12))
    assert search.managed_elsewhere(["payments-nightly", "search-hourly", "new"]) == {
        "payments-nightly": "payments"
    }
    assert payments.managed_elsewhere(["payments-nightly"]) == {}


def test_workspaces_are_listed_with_counts(stores: tuple[StateStore, StateStore]) -> None:
    payments, search = stores
    payments.record(record("a", 1))
    payments.record(record("b", 2))
    payments.journal_intent(action="delete", name="b", schedule_id=2, payload=None)
    summary = {w.name: (w.schedules, w.open_journal) for w in search.workspaces()}
    assert summary == {"payments": (2, 1), "search": (0, 0)}


def test_a_record_is_renamed_in_its_workspace_only(stores: tuple[StateStore, StateStore]) -> None:
    payments, search = stores
    payments.record(record("old", 7))
    payments.record(record("taken", 8))
    with pytest.raises(StateError, match="'taken' is already recorded"):
        payments.rename("old", "taken")
    with pytest.raises(StateError, match="no schedule named 'ghost'"):
        payments.rename("ghost", "new")
    payments.rename("old", "new")
    assert sorted(payments.read_all()) == ["new", "taken"] and payments.get(
        "new"
    ) == RecordedSchedule(name="new", id=7, payload=payload("old"), applied_at="t")
    assert search.read_all() == {}


def test_a_second_store_on_one_workspace_is_refused_the_lock(
    stores: tuple[StateStore, StateStore], urls: tuple[str, str]
) -> None:
    payments, _ = stores
    other = open_store(urls[0])
    try:
        with (
            payments.lock(operation="apply"),
            pytest.raises(LockHeld, match="still running"),
            other.lock(operation="apply", timeout=0),
        ):
            pytest.fail("two holders of one workspace's lock")
    finally:
        other.close()
