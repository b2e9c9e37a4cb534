"""The `apply` use case: lock -> client -> plan (or saved plan) -> safety -> confirm -> execute.

The command line parses flags, prompts and prints; this module sequences the
I/O between those moments and returns an `ApplyOutcome`. What the user sees
and answers goes through `ApplyHooks`, so this module prints nothing and
never reads a terminal: `show_plan` (the plan before the question),
`confirm` (the question), `tell` (notes and warnings), `on_result` (each
action's result as it lands) and `executing` (a context entered around the
executor: the CLI points its signal handlers at `stop` and shows progress).

`plan_for` is the part `plan` shares: read the account when the preflight is
on, prepare the plan, and tell the notes and warnings it raised.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from reconciler.app.account import Account, read_account
from reconciler.app.apply import ActionResult, ApplyReport, apply_plan
from reconciler.app.prepare import Prepared, prepare_plan, recheck_saved_creates
from reconciler.app.refresh import LiveReader
from reconciler.app.settings import DEFAULT_PARALLELISM
from reconciler.core.errors import ReconcilerError, UnsafeError
from reconciler.core.model import DesiredSet, Plan
from reconciler.core.ports import StateStore
from reconciler.engine.planfile import check_current, check_ids, desired_digest, plan_from_document
from reconciler.engine.safety import Limits, mostly_orphaned, safety_violations
from reconciler.render.common import mostly_orphaned_warning
from reconciler.render.words import conflict_reason, reason

if TYPE_CHECKING:  # an offline plan does not import the HTTP client
    from reconciler.testsigma.client import TestsigmaClient


@dataclass(frozen=True, slots=True)
class PlanOptions:
    """How to plan: the flags `plan` and `apply` share."""

    refresh: bool | None = None
    prune: bool = False
    targets: Collection[str] | None = None
    parallelism: int = DEFAULT_PARALLELISM
    preflight: bool = True


@dataclass(frozen=True, slots=True)
class ApplyRequest:
    """What to apply: YAML (`desired`) or a saved plan (`plan_file`), and the limits."""

    desired: DesiredSet | None
    plan_file: Path | None
    options: PlanOptions
    limits: Limits
    force: bool = False
    lock_timeout: float = 0.0


@dataclass(frozen=True, slots=True)
class ApplyHooks:
    """The moments the user sees or answers (see the module docstring)."""

    show_plan: Callable[[Plan], None]
    confirm: Callable[[Plan], bool]
    tell: Callable[[str], None]
    on_result: Callable[[ActionResult], None]
    executing: Callable[[Plan, threading.Event], AbstractContextManager[object]]


@dataclass(frozen=True, slots=True)
class ApplyOutcome:
    """The plan applied (or not), and the executor's report when it ran."""

    plan: Plan
    serial: int
    report: ApplyReport | None = None
    #: The user answered no: nothing was changed.
    cancelled: bool = False


def plan_for(
    desired: DesiredSet,
    store: StateStore,
    client: TestsigmaClient | None,
    options: PlanOptions,
    *,
    now: datetime,
    tell: Callable[[str], None],
    write: bool,
    key_set: bool = False,
) -> Prepared:
    """The account (with the preflight), the prepared plan, and its notes and warnings told."""
    if options.targets:
        tell("Warning: --target limits the plan to some schedules; it is not for routine use.")
    reader = None
    if client is not None and options.refresh is not False:
        reader = LiveReader(client, parallelism=options.parallelism)
    account = None
    if client is not None and options.preflight:
        listing = reader if reader is not None and _lists(desired, store) else None
        account = _read_account_and_list(client, listing)
    prepared = prepare_plan(
        desired,
        store,
        client=client,
        refresh_live=client is not None and options.refresh is not False,
        now=now,
        prune=options.prune,
        targets=frozenset(options.targets) if options.targets else None,
        parallelism=options.parallelism,
        write=write,
        account=account,
        key_set=key_set,
        reader=reader,
    )
    for note in prepared.notes:
        tell(f"Note: {note}")
    for warning in prepared.plan.warnings:
        if warning not in desired.warnings:  # the planner's own (a likely rename), once
            tell(str(warning))
    lost = mostly_orphaned(prepared.plan, recorded_count=len(prepared.recorded))
    if lost is not None:
        tell(mostly_orphaned_warning(lost.orphaned, lost.recorded, workspace=store.workspace))
    return prepared


def _read_account_and_list(client: TestsigmaClient, reader: LiveReader | None) -> Account:
    """The account, with the list of schedules requested beside it (one round trip).

    The listing is only started here; its answer is checked, and any failure told,
    when the plan reads it, so what is checked and the order of the messages a user
    sees are those of reading it afterwards. A failed account read raises once the
    listing has ended too: no request is left running behind the command.
    """
    if reader is None:
        return read_account(client)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="listing") as pool:
        reader.prefetch(pool)
        return read_account(client)


def _lists(desired: DesiredSet, store: StateStore) -> bool:
    """Whether the plan will read the list: something declared (a name to look up or a
    record to refresh) or something recorded (to refresh)."""
    return bool(desired.schedules) or bool(store.read_all())


def safety_problems(
    plan: Plan, *, recorded: int, limits: Limits, force: bool, tell: Callable[[str], None]
) -> list[str]:
    """The safety limits the plan breaks; with --force, told as warnings and allowed."""
    problems = safety_violations(plan, recorded_count=recorded, limits=limits)
    if problems and force:
        for problem in problems:
            tell(f"Warning (--force): {problem}")
        return []
    return problems


def run_apply(
    request: ApplyRequest,
    store: StateStore,
    open_client: Callable[[], AbstractContextManager[TestsigmaClient]],
    hooks: ApplyHooks,
    *,
    now: Callable[[], datetime],
) -> ApplyOutcome:
    """Apply under the state lock; UnsafeError when a limit or a stale plan refuses it."""
    with store.lock(operation="apply", timeout=request.lock_timeout), open_client() as client:
        plan, recorded = _plan_to_apply(request, store, client, hooks, now=now())
        hooks.show_plan(plan)
        problems = safety_problems(
            plan, recorded=recorded, limits=request.limits, force=request.force, tell=hooks.tell
        )
        if problems:
            raise UnsafeError("refusing to apply: " + "; ".join(problems))
        for conflict in plan.conflicts:
            hooks.tell(f"✗ conflict {conflict.name}: {reason(conflict)}")
        if not plan.has_changes:
            return ApplyOutcome(plan, serial=store.serial)
        if not hooks.confirm(plan):
            return ApplyOutcome(plan, serial=store.serial, cancelled=True)
        stop = threading.Event()
        parallelism = request.options.parallelism
        settle = request.options.refresh is not False
        with hooks.executing(plan, stop):
            report = apply_plan(
                plan,
                client=client,
                store=store,
                parallelism=parallelism,
                clock=now,
                stop=stop,
                on_result=hooks.on_result,
                reader=LiveReader(client, parallelism=parallelism) if settle else None,
            )
        return ApplyOutcome(plan, serial=report.serial, report=report)


def _plan_to_apply(
    request: ApplyRequest,
    store: StateStore,
    client: TestsigmaClient,
    hooks: ApplyHooks,
    *,
    now: datetime,
) -> tuple[Plan, int]:
    """The plan (saved and still current, or made now) and how many schedules are recorded."""
    if request.plan_file is not None:
        plan, recorded = load_saved_plan(request.plan_file, store, request.desired)
        _recheck_creates(request.plan_file, plan, store, client, request.options.parallelism)
        return plan, recorded
    assert request.desired is not None
    prepared = plan_for(
        request.desired, store, client, request.options, now=now, tell=hooks.tell, write=True
    )
    return prepared.plan, len(prepared.recorded)


def load_saved_plan(path: Path, store: StateStore, desired: DesiredSet | None) -> tuple[Plan, int]:
    """A saved plan that is still current for this state (and this YAML, when given)."""
    try:
        doc: object = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ReconcilerError(f"cannot read the saved plan {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ReconcilerError(f"{path} is not a saved plan: {exc}") from None
    saved = plan_from_document(doc, source=str(path), key=store.plan_key(), lineage=store.lineage)
    check_current(saved, lineage=store.lineage, serial=store.serial, source=str(path))
    recorded = store.read_all()
    check_ids(saved.plan, recorded, source=str(path))
    if store.journal_unresolved():
        raise UnsafeError(
            f"an earlier apply was interrupted and left actions with an unknown outcome, so "
            f"{path} may be out of date: run `reconciler plan` again (it resolves them first)"
        )
    if desired is not None and desired_digest(desired) != saved.desired_digest:
        raise UnsafeError(
            f"the YAML changed since {path} was made: plan again, or apply without the paths"
        )
    return saved.plan, len(recorded)


def _recheck_creates(
    path: Path, plan: Plan, store: StateStore, client: TestsigmaClient, parallelism: int
) -> None:
    taken = recheck_saved_creates(plan, store, client=client, parallelism=parallelism)
    if taken:
        raise UnsafeError(
            f"{path} creates schedules whose names are now taken, so it is refused "
            "(plan again):\n"
            + "\n".join(f"  - {name}: {conflict_reason(name, why)}" for name, why in taken.items())
        )
