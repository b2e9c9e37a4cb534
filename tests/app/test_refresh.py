"""The refresh rules: one listing for refresh and lookups, name conflicts, the journal.

The server is an in-memory stand-in for the reads (a unit test of the rules);
the state is a real SQLite file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.app.refresh import LiveReader, name_conflicts, resolve_journal
from reconciler.core.model import Cause, LiveSchedule, RecordedSchedule, SchedulePayload
from reconciler.core.ports import StateStore
from reconciler.render.words import conflict_reason, import_hint
from reconciler.state import open_store
from reconciler.testsigma.errors import NotFoundError, NotOfferedError, ServerError
from reconciler.testsigma.live import to_live

APPLIED_AT = "2026-11-29T08:00:00+00:00"


class Server:
    """Schedules by id; `searchable=False` answers 405 to listing, `readable=False` to GET,
    `broken=True` answers the listing with a 500."""

    def __init__(
        self,
        *named: tuple[int, str],
        searchable: bool = True,
        readable: bool = True,
        broken: bool = False,
    ):
        self.schedules = {
            i: {"id": i, "name": n, "scheduleType": "DAILY", "executionId": 1} for i, n in named
        }
        self.searchable = searchable
        self.readable = readable
        self.broken = broken
        self.calls: list[str] = []

    def get_schedule(self, schedule_id: int) -> LiveSchedule:
        self.calls.append(f"get {schedule_id}")
        if not self.readable:
            raise NotOfferedError("GET /schedule_executions/{id}", "not offered", status=405)
        if schedule_id not in self.schedules:
            raise NotFoundError("GET /schedule_executions/{id}", "gone", status=404)
        return to_live(dict(self.schedules[schedule_id]), "GET /schedule_executions/{id}")

    def list_schedules(self) -> list[dict[str, Any]]:
        self.calls.append("list")
        if self.broken:
            raise ServerError("GET /schedule_executions", "Internal Server Error", status=500)
        if not self.searchable:
            raise NotOfferedError("GET /schedule_executions", "not offered", status=405)
        return [dict(s) for s in self.schedules.values()]


def payload(name: str) -> SchedulePayload:
    return {
        "name": name,
        "executionId": 1,
        "scheduleType": "DAILY",
        "nextInterval": "2026-12-01T17:30:00.000",
        "status": "ACTIVE",
    }


def record(name: str, schedule_id: int) -> RecordedSchedule:
    return RecordedSchedule(name, schedule_id, payload(name), APPLIED_AT)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    opened = open_store(f"sqlite:///{tmp_path}/state.db")
    yield opened
    opened.close()


# --- refresh -----------------------------------------------------------------------------


def test_refresh_reads_the_list_once_and_confirms_an_absence_by_id() -> None:
    server = Server((1, "a"))
    result = LiveReader(server).refresh({"a": record("a", 1), "b": record("b", 2)})
    assert result.live["a"].schedule is not None and result.live["a"].schedule.id == 1
    assert result.live["b"].schedule is None  # deleted outside, and GET by id agrees
    assert server.calls == ["list", "get 2"]


def test_a_schedule_missing_from_the_list_but_readable_by_id_is_not_deleted() -> None:
    server = Server((1, "a"), (2, "b"))
    reader = LiveReader(server)
    listed = reader.listing()
    assert listed is not None
    listed.pop(2)  # as if a page had skipped it
    result = reader.refresh({"b": record("b", 2)})
    assert result.live["b"].schedule is not None


def test_without_a_list_refresh_reads_each_schedule_by_id() -> None:
    server = Server((1, "a"), searchable=False)
    result = LiveReader(server).refresh({"a": record("a", 1), "b": record("b", 2)})
    assert result.live["a"].schedule is not None and result.live["b"].schedule is None
    assert sorted(server.calls) == ["get 1", "get 2", "list"]


def test_refresh_without_any_reads_warns_once_and_plans_from_the_record() -> None:
    result = LiveReader(Server((1, "a"), searchable=False, readable=False)).refresh(
        {"a": record("a", 1), "b": record("b", 2)}
    )
    assert not result.reads_offered and result.live == {}
    assert len(result.warnings) == 1


def test_refresh_of_nothing_asks_nothing() -> None:
    server = Server((1, "a"))
    assert LiveReader(server).refresh({}).live == {}
    assert server.calls == []


# --- lookups and conflicts ---------------------------------------------------------------


def test_every_lookup_of_a_plan_is_answered_by_one_scan_with_exact_names() -> None:
    server = Server((3, "a"), (1, "a"), (2, "A"), (4, "b"))
    reader = LiveReader(server)
    found = reader.find_many(["a", "b", "missing"])
    assert found["a"].ids == (1, 3)  # exact, not the server's case-insensitive match
    assert found["b"].ids == (4,) and found["missing"].ids == ()
    assert reader.find_many(["b"])["b"].ids == (4,)
    assert server.calls == ["list"]


def test_a_fresh_lookup_reads_the_list_again() -> None:
    server = Server((1, "a"))
    reader = LiveReader(server)
    reader.find_many(["a"])
    server.schedules[2] = {"id": 2, "name": "b", "executionId": 1}
    assert reader.find_many(["b"], fresh=True)["b"].ids == (2,)
    assert server.calls == ["list", "list"]


def test_a_listing_that_fails_is_an_unknown_never_an_absence() -> None:
    found = LiveReader(Server(broken=True)).find_many(["a"])["a"]
    assert found.ids is None and "Internal Server Error" in found.failed


def test_a_name_taken_on_the_server_by_a_schedule_we_do_not_own_is_a_conflict() -> None:
    server = Server((5, "new"), (7, "mine"))
    conflicts = name_conflicts(
        ["new", "mine", "free"], reader=LiveReader(server), recorded={"mine": record("mine", 7)}
    )
    assert list(conflicts) == ["new"]
    assert conflicts["new"].cause is Cause.NAME_TAKEN and conflicts["new"].ids == (5,)


def test_a_failed_lookup_blocks_the_create() -> None:
    conflicts = name_conflicts(["a"], reader=LiveReader(Server(broken=True)), recorded={})
    assert conflicts["a"].cause is Cause.LOOKUP_FAILED
    assert "nothing is created on an unknown" in conflict_reason("a", conflicts["a"])


def test_no_names_or_a_server_that_cannot_list_means_no_conflicts() -> None:
    assert name_conflicts([], reader=LiveReader(Server((1, "a"))), recorded={}) == {}
    blind = LiveReader(Server((1, "a"), searchable=False))
    assert name_conflicts(["a"], reader=blind, recorded={}) == {}


def test_the_hint_for_one_schedule_gives_the_import_command() -> None:
    hint = import_hint("nightly", [42])
    assert "`reconciler import nightly 42`" in hint


def test_the_hint_for_several_schedules_lists_them_and_says_to_delete_extras() -> None:
    hint = import_hint("nightly", [42, 43])
    assert "2 schedules named 'nightly'" in hint and "ids 42, 43" in hint
    assert "delete the extra ones" in hint and "`reconciler import nightly ID`" in hint


# --- the journal -----------------------------------------------------------------------------


def open_create(store: StateStore, name: str) -> int:
    return store.journal_intent(action="create", name=name, schedule_id=None, payload=payload(name))


def settle(store: StateStore, server: Server | None, *, write: bool = True) -> Any:
    reader = LiveReader(server) if server is not None else None
    return resolve_journal(store, reader=reader, applied_at=APPLIED_AT, write=write)


def test_a_create_that_reached_the_server_is_adopted_not_sent_again(store: StateStore) -> None:
    open_create(store, "a")
    out = settle(store, Server((77, "a")))
    assert out.adopted["a"].id == 77 and out.conflicts == {}
    assert "adopted 'a' (id 77)" in out.messages[0]
    recorded = store.get("a")
    assert recorded is not None and recorded.id == 77
    assert recorded.payload == payload("a")
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
        message = conflict_reason("a", out.conflicts["a"])
        assert "never learned whether it succeeded" in message
        assert "`reconciler import a ID`" in message
        assert f"`reconciler state resolve {entry}`" in message
        assert [e.id for e in store.journal_unresolved()] == [entry]


def test_two_candidates_block_rather_than_guess(store: StateStore) -> None:
    open_create(store, "a")
    out = settle(store, Server((77, "a"), (78, "a")))
    assert out.adopted == {} and out.conflicts["a"].ids == (77, 78)
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
