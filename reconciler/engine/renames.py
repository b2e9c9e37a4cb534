"""`moved:` entries against the recorded state (pure): which renames are still to do.

`pending_renames` maps each new name to the recorded name it replaces, for
entries whose `from` is still recorded; `rename_hints` warns when a plan
creates one schedule and orphans another that differ only by name (a rename
written without `moved:`). `reconciler.engine.plan` builds the actions.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping

from reconciler.core.errors import Location, Problem
from reconciler.core.model import (
    Action,
    ActionKind,
    Conflict,
    DesiredSet,
    Live,
    Payload,
    RecordedSchedule,
)


def targeted(name: str, renames: Mapping[str, str], targets: Collection[str]) -> bool:
    """Whether --target names this schedule (a rename: by its old or its new name)."""
    return name in targets or renames.get(name, name) in targets


def pending_renames(
    desired: DesiredSet,
    recorded: Mapping[str, RecordedSchedule],
    *,
    live: Mapping[str, Live],
    conflicts: Mapping[str, Conflict],
    problems: list[Problem],
) -> dict[str, str]:
    """New name -> recorded name, for each `moved:` entry still to apply.

    An entry whose `from` is not recorded is done (or was never needed): nothing.
    One whose schedule was deleted outside is not a rename either: the new name
    is created and the old record reported, as for any schedule deleted outside.
    Nor is one whose new name another schedule holds on the server (a conflict).
    """
    renames: dict[str, str] = {}
    for move in desired.moved:
        have = recorded.get(move.source)
        if have is None:
            continue
        if move.target in recorded:
            problems.append(
                Problem(
                    move.location,
                    f"moved: both `{move.source}` (id {have.id}) and `{move.target}` (id "
                    f"{recorded[move.target].id}) are recorded; remove this entry, or forget one "
                    f"with `reconciler state rm`",
                )
            )
            continue
        seen = live.get(move.source)
        if (seen is not None and seen.schedule is None) or move.target in conflicts:
            continue
        renames[move.target] = move.source
    return renames


def rename_hints(actions: list[Action]) -> tuple[Problem, ...]:
    """A create and an orphan (or delete) with equal payloads but for the name: a rename."""
    gone: dict[str, Action] = {}
    for action in actions:
        if action.kind in (ActionKind.ORPHAN, ActionKind.DELETE) and action.before is not None:
            gone.setdefault(_without_name(action.before), action)
    hints: list[Problem] = []
    for create in actions:
        if create.kind is not ActionKind.CREATE or create.after is None or not gone:
            continue
        old = gone.get(_without_name(create.after))
        if old is not None:
            hints.append(
                Problem(
                    create.location or Location(create.name),
                    f"`{create.name}` looks like a rename of `{old.name}` (id {old.id}): "
                    f"to keep the schedule and its id, add "
                    f"`moved: [{{from: {old.name}, to: {create.name}}}]`",
                    "warning",
                )
            )
    return tuple(hints)


def _without_name(payload: Payload) -> str:
    """A payload's identity apart from its name (canonical JSON), to pair renames."""
    return json.dumps({k: v for k, v in payload.items() if k != "name"}, sort_keys=True)
