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
from reconciler.app.refresh import NameLookup, ReadApi, name_conflicts, refresh, resolve_journal
from reconciler.core.errors import InputError
from reconciler.core.model import ActionKind, DesiredSet, Plan, RecordedSchedule
from reconciler.core.ports import StateStore
from reconciler.engine.plan import compute_plan
from reconciler.engine.preflight import (
    check_account,
    describe_favourite,
    find_favourite,
    resolve_test_plans,
    unresolved_test_plans,
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
    parallelism: int = 4,
    write: bool = False,
    account: Account | None = None,
) -> Prepared:
    """Everything a plan needs, read once, and the plan itself.

    With `account` (the preflight), every test plan and favourite the YAML
    names must exist, or InputError lists every one that does not — before
    anything is written.
    """
    if account is not None:
        desired = resolve_test_plans(desired, account.test_plans)
        problems = check_account(desired, account.test_plans, account.saved_configs)
        if any(p.severity == "error" for p in problems):
            raise InputError(problems)
    unresolved = unresolved_test_plans(desired)
    if unresolved:
        raise InputError(unresolved)
    notes: list[str] = []
    # Name lookups read live schedules too: --no-refresh turns them off with the rest.
    lookup = (
        NameLookup(client, parallelism=parallelism) if client is not None and refresh_live else None
    )
    applied_at = now.astimezone(UTC).isoformat(timespec="seconds")
    journal = resolve_journal(store, lookup=lookup, applied_at=applied_at, write=write)
    notes.extend(journal.messages)
    if write and journal.adopted:
        store.bump_serial()  # the state changed: plans saved before this are stale
    recorded = {**store.read_all(), **({} if write else journal.adopted)}
    scoped = {n: r for n, r in recorded.items() if targets is None or n in targets}
    live = None
    if refresh_live and client is not None:
        result = refresh(scoped, client=client, parallelism=parallelism)
        notes.extend(result.warnings)
        if result.reads_offered:
            live = result.live
    to_create = [
        s.name
        for s in desired.schedules
        if (targets is None or s.name in targets)
        and (
            s.name not in recorded
            or (live is not None and s.name in live and live[s.name].schedule is None)
        )
    ]
    conflicts = (
        name_conflicts(to_create, lookup=lookup, recorded=recorded) if lookup is not None else {}
    )
    conflicts.update(journal.conflicts)
    conflicts.update(claimed_elsewhere(desired, store, recorded=recorded, targets=targets))
    plan = compute_plan(
        desired, recorded, now=now, prune=prune, targets=targets, live=live, conflicts=conflicts
    )
    if account is not None:
        plan = replace(plan, details=favourite_details(plan, account))
    return Prepared(plan=plan, recorded=recorded, notes=notes)


def favourite_details(plan: Plan, account: Account) -> dict[str, str]:
    """For each partial run in the plan, what its favourite selects, in words."""
    details: dict[str, str] = {}
    for action in plan.actions:
        payload = action.after or action.before or {}
        ref = payload.get("executionConfig")
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
) -> dict[str, str]:
    """Declared names recorded by another workspace of the same store: two teams never share one."""
    names = [
        s.name
        for s in desired.schedules
        if s.name not in recorded and (targets is None or s.name in targets)
    ]
    return {
        name: f"`{name}` is managed by workspace `{workspace}` of this state store: remove it "
        f"from these files, or `reconciler state rm {name}` in workspace `{workspace}` first"
        for name, workspace in store.managed_elsewhere(names).items()
    }


def recheck_saved_creates(
    plan: Plan, store: StateStore, *, client: ReadApi, parallelism: int
) -> dict[str, str]:
    """For a saved plan about to be applied: creates whose name now exists on the server.

    A saved plan may be hours old; what it creates is looked up again, under the
    lock, just before the apply starts, so a schedule made since is never duplicated.
    """
    creates = [a.name for a in plan.changing_actions if a.kind is ActionKind.CREATE]
    lookup = NameLookup(client, parallelism=parallelism)
    found = name_conflicts(creates, lookup=lookup, recorded=store.read_all())
    found.update(claimed_elsewhere_names(creates, store))
    return found


def claimed_elsewhere_names(names: Collection[str], store: StateStore) -> dict[str, str]:
    return {
        name: f"`{name}` is managed by workspace `{workspace}` of this state store"
        for name, workspace in store.managed_elsewhere(names).items()
    }
