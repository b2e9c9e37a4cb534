"""Reading the live server before planning (shell): refresh, lookup by name, the journal.

- `refresh` reads every recorded schedule concurrently. 404 means deleted
  outside; 405/501 means this server offers no reads: one warning, and the
  plan falls back on the recorded state.
- `NameLookup` finds schedules by name where `GET /schedule_executions?query=`
  is offered. It probes once, remembers the answer for the run, and degrades
  silently when listing is not offered. For many names it scans the whole
  list once instead of asking name by name.
- `resolve_journal` settles actions whose outcome a previous run never
  learned (killed mid-request): a create is adopted when its schedule is
  found, forgotten when it is not, and blocked with exact instructions when
  the server cannot be searched — never blindly sent again.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from reconciler.core.model import Live, RecordedSchedule
from reconciler.core.ports import JournalEntry, StateStore
from reconciler.testsigma.errors import NotFoundError, NotOfferedError

log = logging.getLogger(__name__)

#: Above this many names, one scan of the whole list beats one query per name.
SCAN_THRESHOLD = 20


class ReadApi(Protocol):
    def get_schedule(self, schedule_id: int) -> dict[str, Any]: ...

    def find_schedules_by_name(self, name: str) -> list[dict[str, Any]]: ...

    def list_schedules(self) -> list[dict[str, Any]]: ...


@dataclass
class Refreshed:
    """Live views by recorded name, and what the reader had to say."""

    live: dict[str, Live] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    reads_offered: bool = True


def refresh(
    records: Mapping[str, RecordedSchedule], *, client: ReadApi, parallelism: int
) -> Refreshed:
    """GET every recorded schedule, `parallelism` at a time."""
    result = Refreshed()
    if not records:
        return result
    names = sorted(records)

    def read(name: str) -> tuple[str, Live | None]:
        try:
            return name, Live(client.get_schedule(records[name].id))
        except NotFoundError:
            return name, Live(None)
        except NotOfferedError:
            return name, None

    with ThreadPoolExecutor(max_workers=max(1, parallelism), thread_name_prefix="refresh") as pool:
        answers = list(pool.map(read, names))
    if any(view is None for _, view in answers):
        result.reads_offered = False
        result.warnings.append(
            "this server does not offer GET /schedule_executions/{id}: "
            "changes made outside the reconciler cannot be seen; planning from the recorded state"
        )
        return result
    result.live = {name: view for name, view in answers if view is not None}
    return result


class NameLookup:
    """Find schedules by exact name; `None` from `find` means the server cannot be searched."""

    def __init__(self, client: ReadApi, *, parallelism: int = 4) -> None:
        self._client = client
        self._parallelism = parallelism
        self._offered: bool | None = None
        self._cache: dict[str, list[int]] = {}

    def find(self, name: str) -> list[int] | None:
        if self._offered is False:
            return None
        if name not in self._cache:
            try:
                found = self._client.find_schedules_by_name(name)
            except NotOfferedError:
                self._offered = False
                log.info("the server cannot list schedules by name; skipping name lookups")
                return None
            self._offered = True
            self._cache[name] = sorted(int(s["id"]) for s in found if _has_id(s))
        return self._cache[name]

    def find_many(self, names: Collection[str]) -> dict[str, list[int]] | None:
        """Ids by name for every name (one list scan when there are many names)."""
        wanted = sorted(set(names) - self._cache.keys())
        if wanted and self._offered is not False:
            if len(wanted) > SCAN_THRESHOLD:
                self._scan(wanted)
            else:
                first = self.find(wanted[0])
                if first is not None and len(wanted) > 1:
                    with ThreadPoolExecutor(max_workers=max(1, self._parallelism)) as pool:
                        list(pool.map(self.find, wanted[1:]))
        if self._offered is False:
            return None
        return {n: self._cache.get(n, []) for n in names}

    def _scan(self, names: list[str]) -> None:
        try:
            everything = self._client.list_schedules()
        except NotOfferedError:
            self._offered = False
            return
        self._offered = True
        by_name: dict[str, list[int]] = {n: [] for n in names}
        for item in everything:
            name = item.get("name")
            if isinstance(name, str) and name in by_name and _has_id(item):
                by_name[name].append(int(item["id"]))
        for name, ids in by_name.items():
            self._cache[name] = sorted(ids)


def _has_id(item: Mapping[str, Any]) -> bool:
    value = item.get("id")
    return isinstance(value, int) and not isinstance(value, bool)


def import_hint(name: str, ids: list[int]) -> str:
    if len(ids) == 1:
        return (
            f"a schedule named {name!r} already exists in Testsigma (id {ids[0]}) but the "
            f"reconciler did not create it: adopt it with `reconciler import {name} {ids[0]}`, "
            "or rename this one"
        )
    listed = ", ".join(str(i) for i in ids)
    return (
        f"{len(ids)} schedules named {name!r} already exist in Testsigma (ids {listed}): "
        f"delete the extra ones in Testsigma, then adopt one with `reconciler import {name} ID`"
    )


def name_conflicts(
    names: Collection[str],
    *,
    lookup: NameLookup,
    recorded: Mapping[str, RecordedSchedule],
) -> dict[str, str]:
    """Names about to be created that already exist on the server under ids we do not own."""
    if not names:
        return {}
    found = lookup.find_many(names)
    if found is None:
        return {}
    owned = {r.id for r in recorded.values()}
    return {
        name: import_hint(name, [i for i in ids if i not in owned])
        for name, ids in found.items()
        if any(i not in owned for i in ids)
    }


@dataclass
class JournalResolution:
    adopted: dict[str, RecordedSchedule] = field(default_factory=dict)
    conflicts: dict[str, str] = field(default_factory=dict)
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
    record = RecordedSchedule(entry.name, entry.schedule_id, dict(entry.payload), applied_at)
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
    lookup: NameLookup | None,
    applied_at: str,
    write: bool,
) -> JournalResolution:
    """Settle every journal entry a previous run left open (`write=False`: only say what)."""
    out = JournalResolution()
    records = store.read_all()
    recorded_ids = {r.id for r in records.values()}
    for entry in store.journal_unresolved():
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
        ids = lookup.find(entry.name) if lookup is not None else None
        if ids is None:
            out.conflicts[entry.name] = (
                f"an earlier run sent the create of {entry.name!r} at {entry.started_at} but "
                "never learned whether it succeeded, and it cannot be looked up by name now "
                "(the server does not offer it, or --no-refresh). "
                f"Look for a schedule named {entry.name!r} in Testsigma: if it exists, run "
                f"`reconciler import {entry.name} ID`; if it does not, run "
                f"`reconciler state resolve {entry.id}`"
            )
            continue
        fresh = [i for i in ids if i not in recorded_ids]
        if len(fresh) == 1 and entry.payload is not None:
            record = RecordedSchedule(entry.name, fresh[0], dict(entry.payload), applied_at)
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
            out.conflicts[entry.name] = import_hint(entry.name, fresh)
    return out
