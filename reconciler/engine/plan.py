"""From desired, recorded (and, when refreshed, live) to an ordered plan (pure).

`compute_plan` pairs every declared schedule with its recorded twin by name
(the identity) and decides one action each: create, update (with field-level
changes), noop, orphan (recorded but no longer declared) or delete (an orphan
under --prune). Recorded payloads keep the anchor as declared, so a plan
does not change just because time passed. Same inputs, same plan, same order.

When the live server was read (refresh), `live` maps recorded names to what
the server said: fields changed outside the reconciler become drift the
update heals, and a schedule deleted outside is created again. `conflicts`
maps names that must not be created to why (a schedule of that name exists
on the server but is not recorded; a create whose outcome is unknown).

A `moved:` entry whose `from` is recorded becomes one rename action (a PUT
to the recorded id with the full new body); one whose `from` is not recorded
does nothing. A create and an orphan with equal payloads but for the name get
a warning suggesting `moved:`.

`body_to_send` is the one place where the anchor becomes the time actually
sent: a past anchor is moved to its first occurrence after now, because
Testsigma refuses past times with a 500.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from reconciler import timekeeping as tk
from reconciler.core.errors import InputError, Location, Problem
from reconciler.core.model import (
    Action,
    ActionKind,
    DesiredSchedule,
    DesiredSet,
    FieldChange,
    Live,
    Payload,
    Plan,
    RecordedSchedule,
)
from reconciler.engine.diff import field_changes, plain
from reconciler.engine.drift import live_as_payload_values, live_drift

#: A time this close to now could be past when the request lands: aim after it.
SEND_MARGIN = timedelta(minutes=2)


def compute_plan(
    desired: DesiredSet,
    recorded: Mapping[str, RecordedSchedule],
    *,
    now: datetime,
    prune: bool = False,
    targets: Collection[str] | None = None,
    live: Mapping[str, Live] | None = None,
    conflicts: Mapping[str, str] | None = None,
) -> Plan:
    """The actions that converge the recorded state on the desired one.

    Raises InputError when a declared schedule cannot be sent at all (a ONCE
    whose time has passed, before it was ever created).
    """
    problems: list[Problem] = []
    actions: list[Action] = []
    declared = {s.name: s for s in desired.schedules}
    live = live or {}
    conflicts = conflicts or {}
    renames = pending_renames(desired, recorded, live=live, conflicts=conflicts, problems=problems)
    renamed = set(renames.values())  # planned under their new names
    for name in sorted(declared.keys() | recorded.keys()):
        if name in renamed or (targets is not None and not _targeted(name, renames, targets)):
            continue
        want = declared.get(name)
        have = recorded.get(name)
        seen = live.get(name)
        action: Action | None = None
        if want is not None and name in renames:
            old = recorded[renames[name]]
            action = _rename(want, old, now=now, problems=problems, live=live.get(old.name))
        elif want is None and have is not None:
            action = _orphan(have, prune=prune, gone=seen is not None and seen.schedule is None)
        elif want is not None and (have is None or (seen is not None and seen.schedule is None)):
            if name in conflicts:
                action = _conflict(want, conflicts[name])
            else:
                action = _create(want, now=now, problems=problems, gone=have)
        elif want is not None and have is not None:
            drift = (
                ()
                if seen is None or seen.schedule is None
                else live_drift(have.payload, seen.schedule, now=now)
            )
            action = _compare(
                want,
                have,
                now=now,
                problems=problems,
                drift=drift,
                live=seen.schedule if seen is not None else None,
            )
        if action is not None:
            actions.append(action)
    if targets is not None:
        for name in sorted(set(targets) - declared.keys() - recorded.keys()):
            problems.append(
                Problem(Location("--target"), f"no schedule named {name!r} is declared or recorded")
            )
    if problems:
        raise InputError(problems)
    return Plan(actions=tuple(actions), warnings=desired.warnings + rename_hints(actions))


def _targeted(name: str, renames: Mapping[str, str], targets: Collection[str]) -> bool:
    """Whether --target names this schedule (a rename: by its old or its new name)."""
    return name in targets or renames.get(name, name) in targets


def pending_renames(
    desired: DesiredSet,
    recorded: Mapping[str, RecordedSchedule],
    *,
    live: Mapping[str, Live],
    conflicts: Mapping[str, str],
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


def body_to_send(payload: Payload, *, now: datetime) -> dict[str, Any]:
    """The API body for a POST or PUT: the payload with a past anchor rolled forward."""
    zone = tk.resolve_zone(str(payload["timezone"]))
    anchor = tk.parse_api(str(payload["nextInterval"]))
    upcoming = tk.next_occurrence_after(
        anchor, str(payload["scheduleType"]), zone, now + SEND_MARGIN
    )
    if upcoming is None:
        raise ValueError(f"{payload['name']}: the ONCE time {payload['nextInterval']} has passed")
    return {**payload, "nextInterval": tk.format_api(upcoming)}


def has_fired(payload: Payload, *, now: datetime) -> bool:
    """Whether a ONCE schedule's time has passed (so it fired, or never can)."""
    if payload.get("scheduleType") != "ONCE":
        return False
    zone = tk.resolve_zone(str(payload["timezone"]))
    anchor = tk.parse_api(str(payload["nextInterval"]))
    return tk.has_fired(anchor, "ONCE", zone, now)


def _create(
    want: DesiredSchedule,
    *,
    now: datetime,
    problems: list[Problem],
    gone: RecordedSchedule | None = None,
) -> Action | None:
    if has_fired(want.payload, now=now):
        problems.append(
            Problem(
                want.location_of("nextInterval"),
                f"schedule {want.name!r} is ONCE at {want.payload['nextInterval']} "
                f"{want.payload['timezone']}, which has passed: Testsigma refuses past times. "
                "Move nextInterval into the future or remove the schedule.",
            )
        )
        return None
    return Action(
        kind=ActionKind.CREATE,
        name=want.name,
        id=None,
        before=None,
        after=want.payload,
        reason=(
            f"deleted outside the reconciler (was id {gone.id}); creating it again"
            if gone is not None
            else "declared, not yet created"
        ),
        location=want.location,
    )


def _conflict(want: DesiredSchedule, why: str) -> Action:
    return Action(
        kind=ActionKind.CONFLICT,
        name=want.name,
        id=None,
        before=None,
        after=want.payload,
        reason=why,
        location=want.location,
    )


def _compare(
    want: DesiredSchedule,
    have: RecordedSchedule,
    *,
    now: datetime,
    problems: list[Problem],
    drift: tuple[FieldChange, ...] = (),
    live: Mapping[str, Any] | None = None,
) -> Action | None:
    yaml_changes = changes = field_changes(have.payload, want.payload)
    fired = has_fired(want.payload, now=now)
    if fired and not changes:
        drift = ()  # a ONCE that fired cannot be sent again; what the server shows is history
    if not changes and not drift:
        reason = "already fired" if fired else "in sync"
        return Action(
            kind=ActionKind.NOOP,
            name=want.name,
            id=have.id,
            before=have.payload,
            after=want.payload,
            reason=reason,
            location=want.location,
        )
    if drift:
        assert live is not None
        server_now = live_as_payload_values(have.payload, live)
        current = {**have.payload, **{d.field: server_now.get(d.field, d.after) for d in drift}}
        changes = field_changes(current, want.payload)
    if fired:
        problems.append(
            Problem(
                want.location_of("nextInterval"),
                f"schedule {want.name!r} changed, but it is ONCE at "
                f"{want.payload['nextInterval']} {want.payload['timezone']}, which has passed: "
                "Testsigma refuses past times. Move nextInterval into the future.",
            )
        )
        return None
    yaml_fields = [c.field for c in yaml_changes]
    reasons = []
    if drift:
        outside = ", ".join(f"{d.field} {plain(d.before)} -> {plain(d.after)}" for d in drift)
        reasons.append(f"changed outside the reconciler: {outside}")
    if yaml_fields:
        reasons.append(f"YAML changed: {', '.join(yaml_fields)}")
    return Action(
        kind=ActionKind.UPDATE,
        name=want.name,
        id=have.id,
        before=have.payload,
        after=want.payload,
        changes=changes,
        reason="; ".join(reasons),
        location=want.location,
        drift=drift,
    )


def _rename(
    want: DesiredSchedule,
    have: RecordedSchedule,
    *,
    now: datetime,
    problems: list[Problem],
    live: Live | None,
) -> Action | None:
    """One PUT that gives the recorded schedule its new name (and any other change)."""
    drift = (
        ()
        if live is None or live.schedule is None
        else live_drift(have.payload, live.schedule, now=now)
    )
    drift = tuple(d for d in drift if d.field != "name" or d.after != want.name)
    compared = _compare(
        want,
        have,
        now=now,
        problems=problems,
        drift=drift,
        live=live.schedule if live is not None else None,
    )
    if compared is None:
        return None
    others = [c.field for c in compared.changes if c.field != "name"]
    reason = f"moved: renamed from {have.name}"
    if others:
        reason += f"; also changes {', '.join(others)}"
    return replace(compared, kind=ActionKind.RENAME, reason=reason, renamed_from=have.name)


def _orphan(have: RecordedSchedule, *, prune: bool, gone: bool = False) -> Action:
    if gone:
        return Action(
            kind=ActionKind.DELETE if prune else ActionKind.ORPHAN,
            name=have.name,
            id=have.id,
            before=have.payload,
            after=None,
            reason="no longer declared, and already deleted outside the reconciler"
            + ("" if prune else " (use --prune to forget it)"),
        )
    if prune:
        return Action(
            kind=ActionKind.DELETE,
            name=have.name,
            id=have.id,
            before=have.payload,
            after=None,
            reason="no longer declared (--prune)",
        )
    return Action(
        kind=ActionKind.ORPHAN,
        name=have.name,
        id=have.id,
        before=have.payload,
        after=None,
        reason="no longer declared; left alone (use --prune to delete it)",
    )
