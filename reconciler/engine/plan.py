"""From desired, recorded (and, when refreshed, live) to an ordered plan (pure).

`compute_plan` pairs every declared schedule with its recorded twin by name
(the identity) and decides one action each: create, update (with field-level
changes), replace, noop, orphan (recorded but no longer declared) or delete
(an orphan under --prune). Recorded payloads keep the anchor as declared, so a
plan does not change just because time passed. Same inputs, same plan, same order;
actions carry a `Cause` and data, never sentences (render/ words them).

When the live server was read (refresh), `live` maps recorded names to what
the server said: fields changed outside the reconciler become drift the
update heals, a schedule deleted outside is created again, and a schedule the
server's scheduler left stuck is replaced. `conflicts` maps names that must
not be created to why (the name is taken on the server, an earlier create's
outcome is unknown, or the lookup could not be completed).

The server merges a PUT into what it has (docs/API.md "Updates merge"): a
field left out keeps its old value. So an update always sends `comments`
(cleared with ""), and a change a merge cannot express — taking
`executionConfig` away, or switching it between name and id — is planned as
a replace (delete, then create), like Terraform's forced replacement.

A `moved:` entry whose `from` is recorded becomes one rename action (a PUT
to the recorded id with the full new body); one whose `from` is not recorded
does nothing. A rename that also needs a replace cannot be one PUT: it is
planned as a replace under the new name (the old id deleted, the schedule
created under the new name), with `renamed_from` set. A create and an
orphan with equal payloads but for the name get a warning suggesting `moved:`.

`body_to_send` is where the anchor becomes the time sent: a past anchor moves to
its first occurrence after now (Testsigma refuses past times with a 500), rolled
from the loader's parsed `Action.anchor`; `nextInterval` is rewritten only then.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta

from reconciler import timekeeping as tk
from reconciler.core.errors import InputError, Location, Problem
from reconciler.core.model import (
    Action,
    ActionKind,
    Cause,
    Conflict,
    DesiredSchedule,
    DesiredSet,
    FieldChange,
    Live,
    LiveSchedule,
    Payload,
    Plan,
    RecordedSchedule,
)
from reconciler.engine.diff import field_changes
from reconciler.engine.drift import live_as_payload_values, live_drift, stuck_for
from reconciler.engine.renames import pending_renames, rename_hints, targeted
from reconciler.spec.messages import suggest
from reconciler.timekeeping.timing import ScheduleTiming

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
    conflicts: Mapping[str, Conflict] | None = None,
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
        if name in renamed or (targets is not None and not targeted(name, renames, targets)):
            continue
        want = declared.get(name)
        have = recorded.get(name)
        seen = live.get(name)
        if have is not None and not _readable(have, problems):
            continue
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
            schedule = seen.schedule if seen is not None else None
            drift = () if schedule is None else live_drift(have.payload, schedule, now=now)
            action = _compare(want, have, now=now, problems=problems, drift=drift, live=schedule)
        if action is not None:
            actions.append(action)
    if targets is not None:
        problems += _unknown_targets(targets, sorted(declared.keys() | recorded.keys()))
    if problems:
        raise InputError(problems)
    return Plan(
        actions=tuple(actions),
        warnings=desired.warnings
        + rename_hints(actions, {(m.source, m.target) for m in desired.moved}),
    )


def _unknown_targets(targets: Collection[str], known: list[str]) -> list[Problem]:
    """A `--target` that names nothing declared or recorded, with a "did you mean"."""
    problems = []
    for name in sorted(set(targets) - set(known)):
        hint = suggest(name, known)
        problems.append(
            Problem(
                Location("--target"),
                f"no schedule named {name!r} is declared or recorded"
                + (f"; did you mean {hint!r}?" if hint else ""),
            )
        )
    return problems


def _readable(have: RecordedSchedule, problems: list[Problem]) -> bool:
    """Whether a recorded payload can be read; a damaged one is a problem naming the fix."""
    try:
        ScheduleTiming.from_payload(have.payload)
    except (KeyError, TypeError, ValueError) as exc:
        problems.append(
            Problem(
                Location("state"),
                f"the recorded payload of {have.name!r} (id {have.id}) is damaged ({exc}): "
                f"run `reconciler state rm {have.name}`, then `reconciler import "
                f"{have.name} {have.id}`",
            )
        )
        return False
    return True


def body_to_send(
    payload: Payload, *, now: datetime, update: bool = False, anchor: datetime | None = None
) -> Payload:
    """The API body for a POST or PUT: the payload with a past anchor rolled forward.

    `anchor`: the payload's nextInterval as the loader parsed it (`Action.anchor`; else
    the text is read). `nextInterval` is written only when it moves. For a PUT
    (`update`), `comments` is always sent ("" when absent): the server merges.
    """
    timing = ScheduleTiming.from_payload(payload, anchor)
    upcoming = timing.next_after(now + SEND_MARGIN)
    if upcoming is None:
        raise ValueError(f"{payload['name']}: the ONCE time {payload['nextInterval']} has passed")
    body = payload.copy()
    if upcoming != timing.anchor:
        body["nextInterval"] = tk.format_api(upcoming)
    if update and not body.get("comments"):
        body["comments"] = ""
    return body


def once_passed_problem(want: DesiredSchedule, *, created: bool = False) -> Problem:
    """A ONCE whose time has passed: an error before it is created, a warning otherwise."""
    where = want.location_of("nextInterval")
    head = (
        f"schedule {want.name!r} is ONCE at {want.payload['nextInterval']} "
        f"{want.payload['timezone']}, which has passed"
    )
    if created:
        return Problem(
            where,
            f"{head}: it cannot be created (Testsigma refuses past times); once applied, "
            "plans report it as already fired",
            "warning",
        )
    fix = "Move nextInterval into the future or remove the schedule."
    return Problem(where, f"{head}: Testsigma refuses past times. {fix}")


def passed_once_problems(
    desired: DesiredSet, *, now: datetime, recorded: Collection[str] | None = None
) -> list[Problem]:
    """ONCE schedules whose time has passed: errors for those not recorded (they cannot be
    created); with `recorded` unknown (validate reads no state), warnings for all."""
    return [
        once_passed_problem(s, created=recorded is None)
        for s in desired.schedules
        if (recorded is None or s.name not in recorded)
        and has_fired(s.payload, now=now, anchor=s.anchor)
    ]


def has_fired(payload: Payload, *, now: datetime, anchor: datetime | None = None) -> bool:
    """Whether a ONCE schedule's time has passed (`anchor`: as for `body_to_send`)."""
    if payload["scheduleType"] != "ONCE":
        return False  # recurring schedules never finish: nothing to read (most payloads)
    return ScheduleTiming.from_payload(payload, anchor).has_fired(now)


def needs_replace(before: Payload, after: Payload) -> bool:
    """Whether going from `before` to `after` is a change a merging PUT cannot express.

    The server ignores absent and null fields, so `executionConfig` cannot be
    taken away, nor switched between its `name` and `id` forms (the old key
    would stay beside the new one).
    """
    old = before.get("executionConfig")
    new = after.get("executionConfig")
    if not old:
        return False
    if not new:
        return True
    return bool(set(old) - set(new))


def _create(
    want: DesiredSchedule,
    *,
    now: datetime,
    problems: list[Problem],
    gone: RecordedSchedule | None = None,
) -> Action | None:
    if has_fired(want.payload, now=now, anchor=want.anchor):
        problems.append(once_passed_problem(want))
        return None
    return Action(
        kind=ActionKind.CREATE,
        name=want.name,
        id=None,
        before=None,
        after=want.payload,
        cause=Cause.DELETED_OUTSIDE if gone is not None else Cause.DECLARED,
        previous_id=gone.id if gone is not None else None,
        location=want.location,
        anchor=want.anchor,
    )


def _conflict(want: DesiredSchedule, why: Conflict) -> Action:
    return Action(
        kind=ActionKind.CONFLICT,
        name=want.name,
        id=None,
        before=None,
        after=want.payload,
        cause=why.cause,
        conflict=why,
        location=want.location,
        anchor=want.anchor,
    )


def _compare(
    want: DesiredSchedule,
    have: RecordedSchedule,
    *,
    now: datetime,
    problems: list[Problem],
    drift: tuple[FieldChange, ...] = (),
    live: LiveSchedule | None = None,
) -> Action | None:
    changes = field_changes(have.payload, want.payload)
    fired = has_fired(want.payload, now=now, anchor=want.anchor)
    if fired and not changes:
        drift = ()  # a ONCE that fired cannot be sent again; what the server shows is history
    behind = None if live is None or fired else stuck_for(have.payload, live, now=now)
    if not changes and not drift and behind is None:
        return Action(
            kind=ActionKind.NOOP,
            name=want.name,
            id=have.id,
            before=have.payload,
            after=want.payload,
            cause=Cause.ALREADY_FIRED if fired else Cause.IN_SYNC,
            location=want.location,
            anchor=want.anchor,
        )
    if drift:
        assert live is not None
        changes = field_changes(_as_on_server(have.payload, live, drift), want.payload)
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
    replace = behind is not None or needs_replace(have.payload, want.payload)
    cause = Cause.CHANGED
    if behind is not None:
        cause = Cause.STUCK
    elif replace:
        cause = Cause.CONFIG_REMOVED
    return Action(
        kind=ActionKind.REPLACE if replace else ActionKind.UPDATE,
        name=want.name,
        id=have.id,
        before=have.payload,
        after=want.payload,
        changes=changes,
        cause=cause,
        location=want.location,
        drift=drift,
        behind_seconds=behind,
        anchor=want.anchor,
    )


def _as_on_server(
    recorded: Payload, live: LiveSchedule, drift: tuple[FieldChange, ...]
) -> dict[str, object]:
    """The recorded payload with the drifted fields as the server has them now."""
    server_now = live_as_payload_values(recorded, live)
    return {**recorded, **{d.field: server_now.get(d.field, d.after) for d in drift}}


def _rename(
    want: DesiredSchedule,
    have: RecordedSchedule,
    *,
    now: datetime,
    problems: list[Problem],
    live: Live | None,
) -> Action | None:
    """One PUT that gives the recorded schedule its new name (and any other change).

    When the change also needs a replace (`needs_replace`, or a stuck schedule),
    the action stays a REPLACE (with its cause) that knows the old name.
    """
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
    if compared.kind is ActionKind.REPLACE:
        return dataclasses.replace(compared, renamed_from=have.name)
    return dataclasses.replace(
        compared, kind=ActionKind.RENAME, cause=Cause.RENAMED, renamed_from=have.name
    )


def _orphan(have: RecordedSchedule, *, prune: bool, gone: bool = False) -> Action:
    if gone:
        return Action(
            kind=ActionKind.DELETE if prune else ActionKind.ORPHAN,
            name=have.name,
            id=have.id,
            before=have.payload,
            after=None,
            cause=Cause.GONE,
        )
    if prune:
        return Action(
            kind=ActionKind.DELETE,
            name=have.name,
            id=have.id,
            before=have.payload,
            after=None,
            cause=Cause.NOT_DECLARED,
        )
    return Action(
        kind=ActionKind.ORPHAN,
        name=have.name,
        id=have.id,
        before=have.payload,
        after=None,
        cause=Cause.NOT_DECLARED,
    )
