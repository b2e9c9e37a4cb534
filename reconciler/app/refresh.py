"""Reading the live server before planning (shell): refresh, lookup by name, the journal.

`LiveReader` reads what a plan needs from the server, each thing at most once:

- When the server lists schedules, one scan of the whole list (large pages,
  sorted by id) answers both the refresh (match recorded ids) and every name
  lookup, so a plan costs O(pages) requests, not O(schedules). Names are
  compared exactly here: the server's own `query=name:` filter is
  case-insensitive and mangles many names (docs/API.md "Finding a schedule by name").
- When it does not list, refresh falls back on `GET /schedule_executions/{id}`
  per recorded schedule (404: deleted outside; 405/501: no reads at all, one
  warning, plan from the recorded state), and names cannot be checked.
- A listing that fails (an error, a garbled page) makes every lookup
  *failed*: an unknown, never an "absent", so nothing is created on it.

`resolve_journal` settles actions whose outcome a previous run never learned
(killed mid-request): a create is adopted when its schedule is found exactly
once, forgotten when the complete list shows it absent, and blocked with exact
instructions otherwise — never blindly sent again.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from reconciler.app.settings import DEFAULT_PARALLELISM
from reconciler.core.errors import ReconcilerError
from reconciler.core.model import Cause, Conflict, Live, LiveSchedule, RecordedSchedule
from reconciler.core.payload import JsonValue
from reconciler.core.ports import JournalEntry, StateStore
from reconciler.testsigma.errors import NotFoundError, NotOfferedError
from reconciler.testsigma.live import to_live

log = logging.getLogger(__name__)


class ReadApi(Protocol):
    def get_schedule(self, schedule_id: int) -> LiveSchedule: ...

    def list_schedules(self) -> list[dict[str, JsonValue]]: ...


@dataclass(frozen=True, slots=True)
class Found:
    """The answer to "which schedules are called X?".

    `ids` is None when the answer is not known: `failed` then says why (the
    lookup broke), or is empty (the server cannot be searched at all).
    """

    ids: tuple[int, ...] | None
    failed: str = ""

    @property
    def known(self) -> bool:
        return self.ids is not None


@dataclass
class Refreshed:
    """Live views by recorded name, and what the reader had to say."""

    live: dict[str, Live] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    reads_offered: bool = True


class LiveReader:
    """One run's view of the live server: the list read once, GET by id as the fallback."""

    def __init__(self, client: ReadApi, *, parallelism: int = DEFAULT_PARALLELISM) -> None:
        self._client = client
        self._parallelism = max(1, parallelism)
        self._listed: dict[int, LiveSchedule] | None = None
        self._offered: bool | None = None  # None: not asked yet
        self._failure = ""
        self._early: Future[list[dict[str, JsonValue]]] | None = None

    def prefetch(self, pool: Executor) -> None:
        """Start reading the list on `pool` now, beside other reads (one round trip less).

        Only the request is sent early: its answer is taken, checked and any failure
        reported when the plan first needs it, exactly as if it were read then.
        """
        if self._listed is None and self._offered is None and self._early is None:
            self._early = pool.submit(self._client.list_schedules)

    def listing(self, *, fresh: bool = False) -> dict[int, LiveSchedule] | None:
        """Every schedule by id (None when the server does not list, or listing failed)."""
        if fresh:
            self._listed, self._failure, self._early = None, "", None
        if self._listed is None and self._offered is not False and not self._failure:
            early, self._early = self._early, None
            try:
                items = early.result() if early is not None else self._client.list_schedules()
                listed = [to_live(item, "GET /schedule_executions") for item in items]
            except NotOfferedError:
                self._offered = False
                log.info("the server does not list schedules; names cannot be checked")
                return None
            except ReconcilerError as exc:
                self._failure = exc.message
                log.warning("listing schedules failed: %s", exc.message)
                return None
            self._offered = True
            self._listed = {s.id: s for s in listed}
        return self._listed

    def find_many(self, names: Collection[str], *, fresh: bool = False) -> dict[str, Found]:
        """Exactly-named schedules for every name, from one scan of the list."""
        listed = self.listing(fresh=fresh)
        if listed is None:
            unknown = Found(None, self._failure)
            return {n: unknown for n in names}
        by_name: dict[str, list[int]] = {n: [] for n in names}
        for schedule in listed.values():
            if schedule.name in by_name:
                by_name[schedule.name].append(schedule.id)
        return {n: Found(tuple(sorted(ids))) for n, ids in by_name.items()}

    def refresh(self, records: Mapping[str, RecordedSchedule]) -> Refreshed:
        """What the server says of every recorded schedule."""
        if not records:
            return Refreshed()
        listed = self.listing()
        if listed is None:
            return self._refresh_by_id(records)
        live = {name: Live(listed[r.id]) for name, r in records.items() if r.id in listed}
        missing = {name: r for name, r in records.items() if r.id not in listed}
        if missing:
            # Absent from the list means "deleted outside" and leads to a create: confirm
            # each by id, so a list that skipped an item under concurrent change cannot
            # cause a duplicate.
            confirmed = self._refresh_by_id(missing)
            if not confirmed.reads_offered:
                confirmed.live = {name: Live(None) for name in missing}
            live.update(confirmed.live)
        return Refreshed(live=live)

    def _refresh_by_id(self, records: Mapping[str, RecordedSchedule]) -> Refreshed:
        def read(name: str) -> tuple[str, Live | None]:
            try:
                return name, Live(self._client.get_schedule(records[name].id))
            except NotFoundError:
                return name, Live(None)
            except NotOfferedError:
                return name, None

        with ThreadPoolExecutor(self._parallelism, thread_name_prefix="refresh") as pool:
            answers = list(pool.map(read, sorted(records)))
        if any(view is None for _, view in answers):
            return Refreshed(
                warnings=[
                    "this server does not offer GET /schedule_executions/{id}: "
                    "changes made outside the reconciler cannot be seen; "
                    "planning from the recorded state"
                ],
                reads_offered=False,
            )
        return Refreshed(live={name: view for name, view in answers if view is not None})


def name_conflicts(
    names: Collection[str],
    *,
    reader: LiveReader,
    recorded: Mapping[str, RecordedSchedule],
) -> dict[str, Conflict]:
    """Names about to be created that must not be: taken on the server, or not checkable.

    A server that cannot list at all gives no answer either way: the create
    goes ahead (the state is then the only guard; docs/API.md says so). A
    listing that failed is an unknown: no create is sent on it.
    """
    if not names:
        return {}
    owned = {r.id for r in recorded.values()}
    conflicts: dict[str, Conflict] = {}
    for name, found in reader.find_many(names).items():
        if found.ids is None:
            if found.failed:
                conflicts[name] = Conflict(Cause.LOOKUP_FAILED, detail=found.failed)
            continue
        foreign = tuple(i for i in found.ids if i not in owned)
        if foreign:
            conflicts[name] = Conflict(Cause.NAME_TAKEN, ids=foreign)
    return conflicts


@dataclass
class JournalResolution:
    adopted: dict[str, RecordedSchedule] = field(default_factory=dict)
    conflicts: dict[str, Conflict] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)


def _rename_half_done(entry: JournalEntry, records: Mapping[str, RecordedSchedule]) -> bool:
    """A rename whose PUT succeeded: the old record is gone, the new one not yet written."""
    return (
        entry.schedule_id is not None
        and entry.payload is not None
        and entry.name not in records
        and all(r.id != entry.schedule_id for r in records.values())
    )


def _finish_rename(
    entry: JournalEntry,
    store: StateStore,
    out: JournalResolution,
    *,
    applied_at: str,
    write: bool,
) -> None:
    """Record a half-done rename under its new name (nothing is sent again)."""
    assert entry.schedule_id is not None and entry.payload is not None
    record = RecordedSchedule(entry.name, entry.schedule_id, entry.payload.copy(), applied_at)
    out.adopted[entry.name] = record
    out.messages.append(
        f"recorded the rename of id {entry.schedule_id} to {entry.name!r}: an earlier run "
        "renamed it but was stopped before recording the new name"
    )
    if write:
        store.record(record, journal_entry=entry.id)


def resolve_journal(
    store: StateStore,
    *,
    reader: LiveReader | None,
    applied_at: str,
    write: bool,
) -> JournalResolution:
    """Settle every journal entry a previous run left open (`write=False`: only say what)."""
    out = JournalResolution()
    entries = store.journal_unresolved()
    if not entries:
        return out
    records = store.read_all()
    recorded_ids = {r.id for r in records.values()}
    creates = [e for e in entries if e.action == "create"]
    found = reader.find_many({e.name for e in creates}) if reader is not None else {}
    for entry in entries:
        if entry.action == "rename" and _rename_half_done(entry, records):
            _finish_rename(entry, store, out, applied_at=applied_at, write=write)
            continue
        if entry.action != "create":
            out.messages.append(
                f"an earlier {entry.action} of {entry.name!r} ended without an answer; "
                "it is planned again from the current state"
            )
            if write:
                store.journal_resolve(entry.id, detail="re-planned")
            continue
        answer = found.get(entry.name, Found(None))
        if answer.ids is None:
            out.conflicts[entry.name] = Conflict(
                Cause.UNKNOWN_OUTCOME if not answer.failed else Cause.LOOKUP_FAILED,
                entry_id=entry.id,
                started_at=entry.started_at,
                detail=answer.failed,
            )
            continue
        fresh = [i for i in answer.ids if i not in recorded_ids]
        if len(fresh) == 1 and entry.payload is not None:
            record = RecordedSchedule(entry.name, fresh[0], entry.payload.copy(), applied_at)
            out.adopted[entry.name] = record
            out.messages.append(
                f"adopted {entry.name!r} (id {fresh[0]}): an earlier run created it but was "
                "stopped before recording it"
            )
            if write:
                store.record(record)
                store.journal_resolve(entry.id, detail=f"adopted id {fresh[0]}")
        elif not fresh:
            out.messages.append(
                f"an earlier create of {entry.name!r} did not reach Testsigma; it is planned again"
            )
            if write:
                store.journal_resolve(entry.id, detail="not created")
        else:
            out.conflicts[entry.name] = Conflict(Cause.NAME_TAKEN, ids=tuple(fresh))
    return out
