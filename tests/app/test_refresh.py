"""The refresh rules: name conflicts, import hints, and settling what a killed run left open.

The server is an in-memory stand-in for the three reads (a unit test of the
rules); the state is a real SQLite file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.app.refresh import (
    SCAN_THRESHOLD,
    NameLookup,
    import_hint,
    name_conflicts,
    refresh,
    resolve_journal,
)
from reconciler.core.model import RecordedSchedule
from reconciler.core.ports import StateStore
from reconciler.state import open_store
from reconciler.testsigma.errors import NotFoundError, NotOfferedError

APPLIED_AT = "2026-11-29T08:00:00+00:00"


class Server:
    """Schedules by id; `searchable=False` answers 405 to listing, `readable=False` to GET."""

    def __init__(self, *named: tuple[int, str], searchable: bool = True, readable: bool = True):
        self.schedules = {i: {"id": i, "name": n, "scheduleType": "DAILY"} for i, n in named}
        self.searchable = searchable
        self.readable = readable
        self.calls: list[str] = []

    def get_schedule(self, schedule_id: int) -> dict[str, Any]:
        self.calls.append(f"get {schedule_id}")
        if not self.readable:
            raise NotOfferedError("GET /schedule_executions/{id}", "not offered", status=405)
        if schedule_id not in self.schedules:
            raise NotFoundError("GET /schedule_executions/{id}", "gone", status=404)
        return dict(self.schedules[schedule_id])

    def find_schedules_by_name(self, name: str) -> list[dict[str, Any]]:
        self.calls.append(f"find {name}")
        if not self.searchable:
            raise NotOfferedError("GET /schedule_executions?query=", "not offered", status=405)
        return [dict(s) for s in self.schedules.values() if s["name"] == name]

    def list_schedules(self) -> list[dict[str, Any]]:
        self.calls.append("list")
        if not self.searchable:
            raise NotOfferedError("GET /schedule_executions", "not offered", status=405)
        return [dict(s) for s in self.schedules.values()]


def record(name: str, schedule_id: int) -> RecordedSchedule:
    return RecordedSchedule(name, schedule_id, {"name": name, "executionId": 1}, APPLIED_AT)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    opened = open_store(f"sqlite:///{tmp_path}/state.db")
    yield opened
    opened.close()


# --- refresh -----------------------------------------------------------------------------


def test_refresh_reads_every_recorded_schedule_and_marks_404_as_deleted_outside() -> None:
    server = Server((1, "a"))
    result = refresh({"a": record("a", 1), "b": record("b", 2)}, client=server, parallelism=2)
    assert result.reads_offered and result.warnings == []
    assert result.live["a"].schedule is not None and result.live["a"].schedule["id"] == 1
    assert result.live["b"].schedule is None
    assert sorted(server.calls) == ["get 1", "get 2"]


def test_refresh_without_reads_warns_once_and_plans_from_the_record() -> None:
    server = Server((1, "a"), readable=False)
    result = refresh({"a": record("a", 1), "b": record("b", 2)}, client=server, parallelism=1)
    assert not result.reads_offered and result.live == {}
    (warning,) = result.warnings
    assert "does not offer GET /schedule_executions/{id}" in warning
    assert "planning from the recorded state" in warning


def test_refresh_of_nothing_asks_nothing() -> None:
    server = Server()
    assert refresh({}, client=server, parallelism=4).live == {}
    assert server.calls == []


# --- name lookup and conflicts ---------------------------------------------------------------


def test_lookup_finds_ids_by_exact_name_sorted_and_asks_once() -> None:
    server = Server((9, "a"), (3, "a"), (4, "ab"))
    lookup = NameLookup(server)
    assert lookup.find("a") == [3, 9]
    assert lookup.find("a") == [3, 9]
    assert server.calls == ["find a"]


def test_lookup_ignores_items_without_a_usable_id() -> None:
    server = Server((3, "a"))
    server.schedules[4] = {"id": "4", "name": "a"}
    server.schedules[5] = {"id": True, "name": "a"}
    assert NameLookup(server).find("a") == [3]


def test_a_server_that_cannot_search_is_asked_once_then_never_again() -> None:
    server = Server((3, "a"), searchable=False)
    lookup = NameLookup(server)
    assert lookup.find("a") is None
    assert lookup.find("b") is None
    assert lookup.find_many(["c", "d"]) is None
    assert server.calls == ["find a"]


def test_many_names_are_found_with_one_scan_of_the_list() -> None:
    names = [f"s{i:03}" for i in range(SCAN_THRESHOLD + 1)]
    server = Server(*((i + 1, n) for i, n in enumerate(names)))
    found = NameLookup(server).find_many([*names, "missing"])
    assert found is not None
    assert found["s000"] == [1] and found["missing"] == []
    assert server.calls == ["list"]


def test_a_few_names_are_found_one_query_each() -> None:
    server = Server((1, "a"), (2, "b"))
    found = NameLookup(server, parallelism=2).find_many(["a", "b", "c"])
    assert found == {"a": [1], "b": [2], "c": []}
    assert sorted(server.calls) == ["find a", "find b", "find c"]


def test_a_scan_the_server_refuses_means_no_lookup() -> None:
    names = [f"s{i:03}" for i in range(SCAN_THRESHOLD + 1)]
    assert NameLookup(Server(searchable=False)).find_many(names) is None


def test_a_name_taken_on_the_server_by_a_schedule_we_do_not_own_is_a_conflict() -> None:
    server = Server((50, "new"), (7, "mine"))
    conflicts = name_conflicts(
        ["new", "mine", "free"], lookup=NameLookup(server), recorded={"mine": record("mine", 7)}
    )
    assert list(conflicts) == ["new"]
    assert "reconciler import new 50" in conflicts["new"]


def test_our_own_schedule_under_a_name_is_no_conflict() -> None:
    server = Server((7, "mine"))
    assert name_conflicts(["mine"], lookup=NameLookup(server), recorded={"x": record("x", 7)}) == {}


def test_no_names_or_no_search_means_no_conflicts() -> None:
    server = Server((1, "a"))
    assert name_conflicts([], lookup=NameLookup(server), recorded={}) == {}
    assert server.calls == []
    blind = Server((1, "a"), searchable=False)
    assert name_conflicts(["a"], lookup=NameLookup(blind), recorded={}) == {}


def test_the_hint_for_one_schedule_gives_the_import_command() -> None:
    hint = import_hint("nightly", [42])
    assert "already exists in Testsigma (id 42)" in hint
    assert "`reconciler import nightly 42`" in hint and "rename this one" in hint


def test_the_hint_for_several_schedules_lists_them_and_says_to_delete_extras() -> None:
    hint = import_hint("nightly", [42, 43])
    assert "2 schedules named 'nightly'" in hint and "ids 42, 43" in hint
    assert "delete the extra ones" in hint and "`reconciler import nightly ID`" in hint


# --- the journal -----------------------------------------------------------------------------


def open_create(store: StateStore, name: str) -> int:
    payload = {"name": name, "executionId": 1}
    return store.journal_intent(action="create", name=name, schedule_id=None, payload=payload)


def settle(store: StateStore, server: Server | None, *, write: bool = True) -> Any:
    lookup = NameLookup(server) if server is not None else None
    return resolve_journal(store, lookup=lookup, applied_at=APPLIED_AT, write=write)


def test_a_create_that_reached_the_server_is_adopted_not_sent_again(store: StateStore) -> None:
    open_create(store, "a")
    out = settle(store, Server((77, "a")))
    assert out.adopted["a"].id == 77 and out.conflicts == {}
    assert "adopted 'a' (id 77)" in out.messages[0]
    recorded = store.get("a")
    assert recorded is not None and recorded.id == 77
    assert recorded.payload == {"name": "a", "executionId": 1}
    assert store.journal_unresolved() == []


def test_a_create_that_never_arrived_is_forgotten_and_planned_again(store: StateStore) -> None:
    open_create(store, "a")
    out = settle(store, Server())
    assert out.adopted == {} and out.conflicts == {}
    assert "did not reach Testsigma; it is planned again" in out.messages[0]
    assert store.get("a") is None and store.journal_unresolved() == []


def test_a_schedule_already_recorded_under_that_id_is_not_adopted_twice(store: StateStore) -> None:
    store.record(record("other", 77))
    open_create(store, "a")
    out = settle(store, Server((77, "a")))
    assert out.adopted == {} and store.get("a") is None


def test_an_unknown_create_on_a_server_that_cannot_search_blocks_with_instructions(
    store: StateStore,
) -> None:
    entry = open_create(store, "a")
    for server in (Server((77, "a"), searchable=False), None):
        out = settle(store, server)
        assert out.adopted == {}
        message = out.conflicts["a"]
        assert "never learned whether it succeeded" in message
        assert "`reconciler import a ID`" in message
        assert f"`reconciler state resolve {entry}`" in message
        assert [e.id for e in store.journal_unresolved()] == [entry]


def test_two_candidates_block_rather_than_guess(store: StateStore) -> None:
    open_create(store, "a")
    out = settle(store, Server((77, "a"), (78, "a")))
    assert out.adopted == {} and "ids 77, 78" in out.conflicts["a"]
    assert len(store.journal_unresolved()) == 1


def test_an_unfinished_update_or_delete_is_planned_again(store: StateStore) -> None:
    for action in ("update", "delete"):
        store.journal_intent(action=action, name="a", schedule_id=3, payload=None)
    out = settle(store, Server())
    assert len(out.messages) == 2
    assert all("planned again from the current state" in m for m in out.messages)
    assert store.journal_unresolved() == []


def test_without_write_it_only_says_what_it_would_do(store: StateStore) -> None:
    open_create(store, "a")
    store.journal_intent(action="update", name="b", schedule_id=3, payload=None)
    serial = store.serial
    out = settle(store, Server((77, "a")), write=False)
    assert out.adopted["a"].id == 77 and len(out.messages) == 2
    assert store.get("a") is None and len(store.journal_unresolved()) == 2
    assert store.serial == serial
