"""The `moved:` entries across all files: what makes a rename well-formed (pure).

The contract is docs/YAML.md "Renames".

A rename is told by name only, so its rules are about names: `to` must be a
declared schedule and `from` must not be (the schedule is declared under its
new name only); no name is moved twice; no chain (a -> b -> c), which would
depend on the order the entries are read. Whether `from` is recorded is for
the planner: an entry whose `from` is unknown does nothing, so it can stay in
the YAML after it was applied.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.core.errors import Location, Problem
from reconciler.core.model import DesiredSchedule, Move


def check_moves(
    moves: Sequence[tuple[Move, Location]], schedules: Sequence[DesiredSchedule]
) -> list[Problem]:
    """`to` is declared, `from` is not; no name moved twice, no chain (a -> b -> c)."""
    declared = {s.name: s.location for s in schedules}
    sources: dict[str, Location] = {}
    targets: dict[str, Location] = {}
    problems: list[Problem] = []
    for move, at_to in moves:
        at = move.location
        if move.source == move.target:
            problems.append(Problem(at, f"moved: `from` and `to` are both `{move.source}`"))
            continue
        if move.target not in declared:
            problems.append(
                Problem(at_to, f"moved: `to: {move.target}` names no declared schedule")
            )
        if move.source in declared:
            problems.append(
                Problem(
                    at,
                    f"moved: `{move.source}` is still declared (at {declared[move.source]}); "
                    "a renamed schedule is declared only under its new name",
                )
            )
        for name, seen, role in ((move.source, sources, "from"), (move.target, targets, "to")):
            if name in seen:
                problems.append(
                    Problem(at, f"moved: `{role}: {name}` appears twice (also at {seen[name]})")
                )
            else:
                seen[name] = at
    for move, _ in moves:
        if move.target in sources and move.source != move.target:
            problems.append(
                Problem(
                    move.location,
                    f"moved: a chain (`{move.source}` -> `{move.target}` -> ...): "
                    "write one entry from the name recorded now to the final name",
                )
            )
    return problems
