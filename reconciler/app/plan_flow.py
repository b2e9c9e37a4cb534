"""The `plan` use case: client -> prepare -> (may it be saved?) -> show -> safety -> save.

The command line parses flags and prints; `run_plan` sequences the reads
(nothing is written to the state: `plan` is read-only) and returns a
`PlanOutcome`. What the user sees goes through `PlanHooks`: `show_plan` (the
plan, once it is made and the client closed) and `tell` (notes, warnings).

With `save_to` (`plan --out FILE`) the plan is signed with the state's key
and written atomically (`engine/planfile.py`, docs/STATE.md "Serial, saved
plans and their signature"); saving is refused while an apply holds the lock
or the journal is open, before anything is shown.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from reconciler.app.apply_flow import PlanOptions, plan_for, safety_problems
from reconciler.app.fileio import write_atomically
from reconciler.core.model import DesiredSet, Plan
from reconciler.core.ports import StateStore
from reconciler.engine.planfile import check_can_save, desired_digest, plan_to_document
from reconciler.engine.safety import Limits
from reconciler.testsigma.client import TestsigmaClient


@dataclass(frozen=True, slots=True)
class PlanRequest:
    """What to plan, with which limits, and where to save it (None: not saved)."""

    desired: DesiredSet
    options: PlanOptions
    limits: Limits
    force: bool = False
    save_to: Path | None = None
    #: An API key is set (even when no client is opened): the preflight's notes depend on it.
    key_set: bool = False


@dataclass(frozen=True, slots=True)
class PlanHooks:
    show_plan: Callable[[Plan], None]
    tell: Callable[[str], None]


@dataclass(frozen=True, slots=True)
class PlanOutcome:
    """The plan, the safety limits `apply` would refuse it for, and where it was saved."""

    plan: Plan
    refusals: tuple[str, ...] = ()
    saved_to: Path | None = None


def run_plan(
    request: PlanRequest,
    store: StateStore,
    open_client: Callable[[], AbstractContextManager[TestsigmaClient]] | None,
    hooks: PlanHooks,
    *,
    now: datetime,
) -> PlanOutcome:
    """Plan (read-only), show it, check the limits, and save it when asked."""
    opened = open_client() if open_client is not None else nullcontext(None)
    with opened as client:
        prepared = plan_for(
            request.desired,
            store,
            client,
            request.options,
            now=now,
            tell=hooks.tell,
            write=False,
            key_set=request.key_set,
        )
        document = _signed(request, prepared.plan, store) if request.save_to else None
    hooks.show_plan(prepared.plan)
    refusals = safety_problems(
        prepared.plan,
        recorded=len(prepared.recorded),
        limits=request.limits,
        force=request.force,
        tell=hooks.tell,
    )
    if request.save_to is not None and document is not None:
        write_atomically(request.save_to, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return PlanOutcome(prepared.plan, tuple(refusals), request.save_to)


def _signed(request: PlanRequest, plan: Plan, store: StateStore) -> dict[str, object]:
    """The saved plan, signed, or UnsafeError when a plan saved now would be out of date."""
    holder = store.current_lock()
    check_can_save(
        lock_holder=None if holder is None else holder.owner,
        open_entries=[e.id for e in store.journal_unresolved()],
    )
    targets = request.options.targets
    return plan_to_document(
        plan,
        lineage=store.lineage,
        serial=store.serial,
        digest=desired_digest(request.desired),
        options={"prune": request.options.prune, "targets": sorted(targets or [])},
        key=store.plan_key(),
    )
