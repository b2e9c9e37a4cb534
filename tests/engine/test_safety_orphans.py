"""The mostly-orphaned rule: a plan leaving most recorded schedules undeclared is called out."""

from __future__ import annotations

from reconciler.core.model import Action, ActionKind, Cause, Plan
from reconciler.engine.safety import MostlyOrphaned, mostly_orphaned


def orphans(count: int, *, kind: ActionKind = ActionKind.ORPHAN) -> Plan:
    return Plan(
        actions=tuple(
            Action(kind=kind, name=f"s{i}", id=i, before={}, after=None, cause=Cause.NOT_DECLARED)
            for i in range(count)
        )
    )


def test_most_recorded_schedules_orphaned_or_deleted_is_flagged() -> None:
    assert mostly_orphaned(orphans(3), recorded_count=4) == MostlyOrphaned(3, 4)
    assert mostly_orphaned(orphans(6, kind=ActionKind.DELETE), recorded_count=10) == (
        MostlyOrphaned(6, 10)
    )


def test_half_or_fewer_or_tiny_workspaces_are_not_flagged() -> None:
    assert mostly_orphaned(orphans(2), recorded_count=4) is None
    assert mostly_orphaned(orphans(2), recorded_count=2) is None  # too few to mean "most"
    assert mostly_orphaned(orphans(0), recorded_count=0) is None


def test_three_recorded_is_enough_to_mean_most() -> None:
    assert mostly_orphaned(orphans(2), recorded_count=3) == MostlyOrphaned(2, 3)
