"""The steps shared by plan and apply (shell): gather desired, recorded and live, then plan.

`prepare_plan` is the one place that decides what a plan looks at: the
journal left by an interrupted run, the recorded state, the live server
(when refreshing), and the names already taken on the server. It returns the
pure plan plus notes for the user; it writes to the state only when asked
(apply, under the lock), so `plan` stays read-only.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from reconciler.app.account import Account
from reconciler.app.refresh import LiveReader, ReadApi, name_conflicts, resolve_journal
from reconciler.app.settings import DEFAULT_PARALLELISM
from reconciler.core.errors import InputError, Problem
from reconciler.core.model import (
    ActionKind,
    Cause,
    Conflict,
    DesiredSet,
    Live,
    Plan,
    RecordedSchedule,
)
from reconciler.core.ports import StateStore
from reconciler.engine.calendar import collision_warnings
from reconciler.engine.favourites import describe_favourite
from reconciler.engine.plan import compute_plan, passed_once_problems
from reconciler.engine.preflight import (
    check_account,
    find_favourite,
    resolve_test_plans_collecting,
    unresolved_test_plans,
    with_test_plan_ids,
)


@dataclass
class Prepared:
    plan: Plan
    recorded: dict[str, RecordedSchedule]
    notes: list[str] = field(default_factory=list)


def prepare_plan(
    desired: DesiredSet,
    store: StateStore,
    *,
    client: ReadApi | None,
    refresh_live: bool,
    now: datetime,
    prune: bool = False,
    targets: Collection[str] | None = None,
    parallelism: int = DEFAULT_PARALLELISM,
    write: bool = False,
    account: Account | None = None,
    key_set: bool = False,
    reader: LiveReader | None = None,
) -> Prepared:
    """Everything a plan needs, read once, and the plan itself.

    With `account` (the preflight), every test plan and favourite the YAML
    names must exist, or InputError lists every one that does not — before
    anything is written. `reader` is the caller's (one that may already be
    reading the list, `LiveReader.prefetch`); by default one is made here.
    """
    key_set = key_set or client is not None
    desired = _checked_input(
        desired, store, account=account, key_set=key_set, targets=targets, now=now
    )
    # Name lookups read live schedules too: --no-refresh turns them off with the rest.
    if client is None or not refresh_live:
        reader = None
    elif reader is None:
        reader = LiveReader(client, parallelism=parallelism)
    applied_at = now.astimezone(UTC).isoformat(timespec="seconds")
    journal = resolve_journal(store, reader=reader, applied_at=applied_at, write=write)
    notes = list(journal.messages)
    if write and journal.adopted:
        store.bump_serial()  # the state changed: plans saved before this are stale
    recorded = {**store.read_all(), **({} if write else journal.adopted)}
    live = None
    if reader is not None:
        result = reader.refresh({n: r for n, r in recorded.items() if _in(n, targets)})
        notes.extend(result.warnings)
        if result.reads_offered:
            live = result.live
    conflicts = (
        name_conflicts(
            _to_create(desired, recorded, live, targets), reader=reader, recorded=recorded
        )
        if reader is not None
        else {}
    )
    conflicts.update(journal.conflicts)
    conflicts.update(claimed_elsewhere(desired, store, recorded=recorded, targets=targets))
    plan = compute_plan(
        desired, recorded, now=now, prune=prune, targets=targets, live=live, conflicts=conflicts
    )
    skipped = {"live": live is None, "names": reader is None, "account": account is None}
    plan = _annotated(
        plan, desired, account, skipped, offline=client is None and not key_set, now=now
    )
    return Prepared(plan=plan, recorded=recorded, notes=notes)


def _annotated(
    plan: Plan,
    desired: DesiredSet,
    account: Account | None,
    skipped: Mapping[str, bool],
    *,
    offline: bool,
    now: datetime,
) -> Plan:
    """The plan with what the renderers show beside the actions: favourites and test plan
    names (when the account was read), collisions, and the checks that were skipped."""
    if account is not None:
        plan = replace(
            plan,
            details=favourite_details(plan, account),
            test_plan_names=test_plan_names(plan, account),
        )
    return replace(
        plan,
        warnings=(*plan.warnings, *collision_warnings(desired, now=now)),
        unchecked=frozenset(check for check, was_skipped in skipped.items() if was_skipped),
        offline=offline,
    )


def _in(name: str, targets: Collection[str] | None) -> bool:
    return targets is None or name in targets


def _checked_input(
    desired: DesiredSet,
    store: StateStore,
    *,
    account: Account | None,
    key_set: bool,
    targets: Collection[str] | None,
    now: datetime,
) -> DesiredSet:
    """The desired set with test plan names resolved, or InputError with every problem
    knowable before the reads: test plan names, the account's ids and favourites, and ONCE
    schedules whose time has passed."""
    if account is not None:
        desired, problems = resolve_test_plans_collecting(desired, account.test_plans)
        problems += check_account(
            with_test_plan_ids(desired), account.test_plans, account.saved_configs
        )
    else:
        problems = unresolved_test_plans(desired, key_set=key_set)
    in_scope = replace(
        desired, schedules=tuple(s for s in desired.schedules if _in(s.name, targets))
    )
    problems += passed_once_problems(in_scope, now=now, recorded=store.read_all().keys())
    if problems:  # all errors: with `recorded` known, a passed ONCE is an error too
        raise InputError(sorted(problems, key=_by_place))
    return desired


def _to_create(
    desired: DesiredSet,
    recorded: Mapping[str, RecordedSchedule],
    live: Mapping[str, Live] | None,
    targets: Collection[str] | None,
) -> list[str]:
    """The declared names a create may be planned for: not recorded, or deleted outside."""
    return [
        s.name
        for s in desired.schedules
        if _in(s.name, targets)
        and (
            s.name not in recorded
            or (live is not None and s.name in live and live[s.name].schedule is None)
        )
    ]


def test_plan_names(plan: Plan, account: Account) -> dict[int, str]:
    """The name of each test plan the plan's actions use, by id (for reviewers)."""
    used = {
        payload.get("executionId")
        for action in plan.actions
        for payload in (action.before, action.after)
        if payload
    }
    return {
        tp_id: name
        for tp in account.test_plans
        if isinstance(tp_id := tp.get("id"), int)
        and tp_id in used
        and isinstance(name := tp.get("name"), str)
    }


def _by_place(problem: Problem) -> tuple[str, int, int]:
    where = problem.location
    return (where.file, where.line or 0, where.column or 0)


def favourite_details(plan: Plan, account: Account) -> dict[str, str]:
    """For each partial run in the plan, what its favourite selects, in words."""
    details: dict[str, str] = {}
    for action in plan.actions:
        payload = action.after or action.before
        ref = None if payload is None else payload.get("executionConfig")
        if not ref:
            continue
        favourite = find_favourite(ref, account.saved_configs)
        if favourite is not None:
            details[action.name] = (
                f"favourite {favourite.get('name')!r} (id {favourite.get('id')}): "
                f"{describe_favourite(favourite)}"
            )
    return details


def claimed_elsewhere(
    desired: DesiredSet,
    store: StateStore,
    *,
    recorded: Mapping[str, RecordedSchedule],
    targets: Collection[str] | None,
) -> dict[str, Conflict]:
    """Declared names recorded by another workspace of the same store: two teams never share one."""
    names = [
        s.name
        for s in desired.schedules
        if s.name not in recorded and (targets is None or s.name in targets)
    ]
    return claimed_elsewhere_names(names, store)


def recheck_saved_creates(
    plan: Plan, store: StateStore, *, client: ReadApi, parallelism: int
) -> dict[str, Conflict]:
    """For a saved plan about to be applied: creates whose name now exists on the server.

    A saved plan may be hours old; what it creates is looked up again, under the
    lock, just before the apply starts, so a schedule made since is never duplicated
    (and a lookup that fails blocks the create, as in a fresh plan).
    """
    creates = [
        a.name for a in plan.changing_actions if a.kind in (ActionKind.CREATE, ActionKind.REPLACE)
    ]
    reader = LiveReader(client, parallelism=parallelism)
    found = name_conflicts(creates, reader=reader, recorded=store.read_all())
    found.update(claimed_elsewhere_names(creates, store))
    return found


def claimed_elsewhere_names(names: Collection[str], store: StateStore) -> dict[str, Conflict]:
    return {
        name: Conflict(Cause.OTHER_WORKSPACE, detail=workspace)
        for name, workspace in store.managed_elsewhere(names).items()
    }
