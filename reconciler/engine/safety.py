"""Safety limits on a plan (pure), as octoDNS's thresholds.

A plan that deletes or updates more than a share of the recorded schedules
(when there are enough of them for a share to mean something), or that would
delete every recorded schedule whatever their number, is refused unless the
user says --force. The message gives the numbers, so the user can tell a
mistake (a wrong directory, a renamed file) from an intended clean-up.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.core.model import ActionKind, Plan

MIN_RECORDED = 10


@dataclass(frozen=True, slots=True)
class Limits:
    max_delete_percent: float = 30.0
    max_update_percent: float = 30.0


def safety_violations(plan: Plan, *, recorded_count: int, limits: Limits) -> list[str]:
    """Why the plan is over the limits (empty when it is not)."""
    problems: list[str] = []
    deletes = plan.count(ActionKind.DELETE)
    updates = plan.count(ActionKind.UPDATE)
    if recorded_count and deletes == recorded_count:
        problems.append(
            f"the plan deletes all {recorded_count} recorded schedule(s); "
            "if the YAML paths are right and this is intended, pass --force"
        )
    elif recorded_count >= MIN_RECORDED:
        for count, verb, limit in (
            (deletes, "deletes", limits.max_delete_percent),
            (updates, "updates", limits.max_update_percent),
        ):
            share = 100.0 * count / recorded_count
            if share > limit:
                flag = "--max-delete-percent" if verb == "deletes" else "--max-update-percent"
                problems.append(
                    f"the plan {verb} {count} of {recorded_count} recorded schedules "
                    f"({share:.0f}%, over the {limit:g}% limit); pass --force, or raise {flag}"
                )
    return problems


#: A plan that leaves more than this share of a workspace's records undeclared looks wrong.
MOSTLY_ORPHANED_SHARE = 0.5
#: ... when the workspace records at least this many (one of two is not "most").
MOSTLY_ORPHANED_MIN = 3


@dataclass(frozen=True, slots=True)
class MostlyOrphaned:
    """Most recorded schedules are no longer declared: the YAML paths are probably wrong."""

    orphaned: int
    recorded: int


def mostly_orphaned(plan: Plan, *, recorded_count: int) -> MostlyOrphaned | None:
    """Whether the plan orphans (or, with --prune, deletes) most recorded schedules.

    Two teams pointing one workspace at different trees, or a run from the wrong
    directory, look like this; it is said plainly, besides the safety limits.
    """
    orphaned = plan.count(ActionKind.ORPHAN) + plan.count(ActionKind.DELETE)
    if recorded_count < MOSTLY_ORPHANED_MIN or orphaned <= MOSTLY_ORPHANED_SHARE * recorded_count:
        return None
    return MostlyOrphaned(orphaned=orphaned, recorded=recorded_count)
