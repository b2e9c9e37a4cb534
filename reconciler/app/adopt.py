"""`reconciler import`: adopt schedules made outside the reconciler (shell).

`import_one` is `import NAME ID [PATH...]`: `adopt_one` records the schedule,
then, when the YAML declares it, the plan for it is prepared as a preview.
`adopt_all` is `import --all`, which adopts every declared schedule found
live under its name. Each returns a result object; the CLI prints it.

Nothing is sent to Testsigma. The account's schedules are listed once (all
pages, sorted by id); each declared schedule that is not recorded yet and has
exactly one live schedule of its name (not already recorded under another
name) is recorded, in its own transaction, under the state lock. What the
record holds is `reconciler.engine.adopt.declared_record`: the server's values
where it reports them, the YAML's where it does not (timezone,
executionConfig). Everything else is reported, not guessed: absent names
(apply will create them) and names held by several schedules (the user
chooses with `import NAME ID`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from reconciler.app.account import read_account
from reconciler.app.prepare import prepare_plan
from reconciler.core.errors import InputError, ReconcilerError
from reconciler.core.model import (
    DesiredSchedule,
    DesiredSet,
    ExecutionConfigRef,
    FieldChange,
    LiveSchedule,
    Plan,
    RecordedSchedule,
    SchedulePayload,
)
from reconciler.core.payload import JsonValue
from reconciler.core.ports import StateStore
from reconciler.engine.adopt import adopted_payload, declared_record
from reconciler.engine.preflight import resolve_test_plans, unresolved_test_plans
from reconciler.testsigma.client import TestsigmaClient
from reconciler.testsigma.errors import NotFoundError, NotOfferedError
from reconciler.testsigma.live import to_live


class AdoptApi(Protocol):
    def list_schedules(self) -> list[dict[str, JsonValue]]: ...

    def list_test_plans(self) -> list[dict[str, JsonValue]]: ...


class OneApi(Protocol):
    def get_schedule(self, schedule_id: int) -> LiveSchedule: ...


@dataclass(frozen=True, slots=True)
class Adopted:
    name: str
    id: int
    execution_id: int | None
    #: Where the server differs from the YAML (YAML -> server): the next plan updates them.
    differences: tuple[FieldChange, ...] = ()
    #: The YAML names a favourite the server cannot confirm, or none.
    favourite: str | None = None


@dataclass
class AdoptionReport:
    adopted: list[Adopted] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    ambiguous: dict[str, list[int]] = field(default_factory=dict)
    already: dict[str, int] = field(default_factory=dict)
    #: Live schedules of that name are all recorded under other names.
    owned_elsewhere: dict[str, list[str]] = field(default_factory=dict)
    #: The name is recorded by another workspace of the same store: that team's, not ours.
    other_workspace: dict[str, str] = field(default_factory=dict)


def adopt_all(
    desired: DesiredSet,
    store: StateStore,
    *,
    client: AdoptApi,
    now: datetime,
    lock_timeout: float = 0.0,
) -> AdoptionReport:
    """Record every declared schedule that exists live under exactly its name."""
    if any(s.test_plan is not None for s in desired.schedules):
        desired = resolve_test_plans(desired, client.list_test_plans())
    unresolved = unresolved_test_plans(desired)
    if unresolved:
        raise InputError(unresolved)
    try:
        live = [to_live(item, "GET /schedule_executions") for item in client.list_schedules()]
    except NotOfferedError:
        raise ReconcilerError(
            "this server does not list schedules (GET /schedule_executions), so they cannot be "
            "found by name: adopt each one with `reconciler import NAME ID`"
        ) from None
    report = AdoptionReport()
    stamp = now.astimezone(UTC).isoformat(timespec="seconds")
    with store.lock(operation="import", timeout=lock_timeout):
        records = store.read_all()
        by_name = _by_name(live)
        owner = {r.id: r.name for r in records.values()}
        report.other_workspace = store.managed_elsewhere([s.name for s in desired.schedules])
        for schedule in desired.schedules:
            if schedule.name in report.other_workspace:
                continue
            item = _single_match(schedule.name, records, by_name, owner, report)
            if item is None:
                continue
            name = schedule.name
            payload, differences = declared_record(schedule.payload, item, now=now)
            if not report.adopted:
                store.bump_serial()  # the state changes: plans saved before this are stale
            store.record(RecordedSchedule(name, item.id, payload, stamp))
            owner[item.id] = name
            favourite = schedule.payload.get("executionConfig")
            report.adopted.append(
                Adopted(
                    name=name,
                    id=item.id,
                    execution_id=schedule.payload.get("executionId"),
                    differences=differences,
                    favourite=_favourite(favourite),
                )
            )
    return report


def _single_match(
    name: str,
    records: Mapping[str, RecordedSchedule],
    by_name: Mapping[str, list[LiveSchedule]],
    owner: Mapping[int, str],
    report: AdoptionReport,
) -> LiveSchedule | None:
    """The one live schedule `name` may adopt, or None (and why, in `report`)."""
    if name in records:
        report.already[name] = records[name].id
        return None
    found = by_name.get(name, [])
    free = [item for item in found if item.id not in owner]
    if not free and found:
        report.owned_elsewhere[name] = [owner[i.id] for i in found]
    elif not free:
        report.absent.append(name)
    elif len(free) > 1:
        report.ambiguous[name] = sorted(i.id for i in free)
    else:
        return free[0]
    return None


def _by_name(live: list[LiveSchedule]) -> dict[str, list[LiveSchedule]]:
    by_name: dict[str, list[LiveSchedule]] = {}
    for item in live:
        by_name.setdefault(item.name, []).append(item)
    return by_name


def _favourite(ref: ExecutionConfigRef | None) -> str | None:
    if ref is None:
        return None
    if "name" in ref:
        return ref["name"]
    return f"id {ref.get('id')}"


def adopt_one(
    name: str,
    schedule_id: int,
    store: StateStore,
    *,
    client: OneApi,
    declared: SchedulePayload | None,
    now: datetime,
    lock_timeout: float = 0.0,
) -> LiveSchedule:
    """`import NAME ID`: record schedule `schedule_id` as `name`; returns the live schedule."""
    with store.lock(operation="import", timeout=lock_timeout):
        records = store.read_all()
        elsewhere = store.managed_elsewhere([name])
        if elsewhere:
            raise ReconcilerError(f"`{name}` is managed by workspace `{elsewhere[name]}`")
        if name in records:
            raise ReconcilerError(
                f"{name!r} is already recorded (id {records[name].id}); "
                f"`reconciler state rm {name}` first to adopt another"
            )
        owner = next((r.name for r in records.values() if r.id == schedule_id), None)
        if owner is not None:
            raise ReconcilerError(f"schedule {schedule_id} is already managed as {owner!r}")
        try:
            live = client.get_schedule(schedule_id)
        except NotFoundError:
            raise ReconcilerError(f"Testsigma has no schedule with id {schedule_id}") from None
        except NotOfferedError:
            raise ReconcilerError(
                "this server does not offer GET /schedule_executions/{id}, so the schedule "
                "cannot be read to adopt it"
            ) from None
        payload = adopted_payload(name, live, declared)
        stamp = now.astimezone(UTC).isoformat(timespec="seconds")
        store.record(RecordedSchedule(name, schedule_id, payload, stamp))
        store.bump_serial()
    return live


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """`import NAME ID`: the schedule adopted, and the preview of its next apply."""

    live: LiveSchedule
    #: The plan for the adopted schedule, when the YAML declares it and it could be made.
    preview: Plan | None = None
    #: Why the preview could not be made (the import itself is done).
    preview_error: str | None = None


def import_one(
    name: str,
    schedule_id: int,
    store: StateStore,
    *,
    client: TestsigmaClient,
    declared: DesiredSchedule | None,
    now: datetime,
    lock_timeout: float = 0.0,
) -> ImportOutcome:
    """Adopt `schedule_id` as `name`; with its declaration, preview what apply would send."""
    live = adopt_one(
        name,
        schedule_id,
        store,
        client=client,
        declared=declared.payload if declared else None,
        now=now,
        lock_timeout=lock_timeout,
    )
    if declared is None:
        return ImportOutcome(live)
    # Only the adopted schedule: other entries' problems are not this command's.
    # The import is done: a preview that cannot be made is told, not raised.
    try:
        prepared = prepare_plan(
            DesiredSet(schedules=(declared,)),
            store,
            client=client,
            refresh_live=True,
            now=now,
            targets=frozenset({name}),
            account=read_account(client) if declared.test_plan else None,
        )
    except ReconcilerError as exc:
        return ImportOutcome(live, preview_error=exc.message)
    return ImportOutcome(live, preview=prepared.plan)
