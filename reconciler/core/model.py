"""Value objects that flow through the core: desired, recorded, actions, plans.

A schedule's *payload* is a `SchedulePayload` (`reconciler.core.payload`): the
JSON body the Testsigma API takes, typed. A declared schedule also carries its
`nextInterval` parsed (`anchor`, naive wall time in the payload's `timezone`),
so the time is read from the YAML once and an action hands it on to the send.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from reconciler.core.errors import Location, Problem
from reconciler.core.payload import (
    SCHEDULE_TYPES,
    STATUSES,
    ExecutionConfigRef,
    FieldValue,
    RunBody,
    SchedulePayload,
    ScheduleType,
    Status,
)

#: The name most modules use for a schedule's payload.
Payload = SchedulePayload

__all__ = [
    "SCHEDULE_TYPES",
    "STATUSES",
    "ExecutionConfigRef",
    "FieldValue",
    "RunBody",
    "SchedulePayload",
    "ScheduleType",
    "Status",
]

#: The payload fields, in the order the API documents them (and plans show them).
PAYLOAD_FIELDS: tuple[str, ...] = (
    "name",
    "executionId",
    "executionConfig",
    "scheduleType",
    "nextInterval",
    "timezone",
    "status",
    "comments",
)


@dataclass(frozen=True, slots=True)
class DesiredSchedule:
    """A schedule as the YAML declares it, ready to send."""

    name: str
    payload: Payload
    location: Location
    field_locations: Mapping[str, Location] = field(default_factory=dict)
    #: The test plan's name when the YAML gave `testPlan` instead of `executionId`:
    #: the payload has no `executionId` until the shell resolves it against the account.
    test_plan: str | None = None
    #: `nextInterval` as the loader parsed it (naive wall time in `timezone`); None only
    #: for a schedule built by hand, whose anchor is then read from the payload. Not
    #: compared: it is the payload's own time, parsed.
    anchor: datetime | None = field(default=None, compare=False)

    def location_of(self, key: str) -> Location:
        """Where `key` of this schedule is written (or the schedule itself)."""
        return self.field_locations.get(key, self.location)


@dataclass(frozen=True, slots=True)
class DesiredRun:
    """An on-demand partial run declared under `runs:`."""

    name: str
    body: RunBody
    location: Location
    field_locations: Mapping[str, Location] = field(default_factory=dict)
    test_plan: str | None = None  # as for DesiredSchedule

    def location_of(self, key: str) -> Location:
        return self.field_locations.get(key, self.location)


@dataclass(frozen=True, slots=True)
class Move:
    """A `moved:` entry: the schedule recorded as `source` is now declared as `target`."""

    source: str
    target: str
    location: Location


@dataclass(frozen=True, slots=True)
class DesiredSet:
    """Everything the YAML files declare, plus the warnings loading them raised."""

    schedules: tuple[DesiredSchedule, ...] = ()
    runs: tuple[DesiredRun, ...] = ()
    warnings: tuple[Problem, ...] = ()
    moved: tuple[Move, ...] = ()

    def schedule_named(self, name: str) -> DesiredSchedule | None:
        for schedule in self.schedules:
            if schedule.name == name:
                return schedule
        return None


@dataclass(frozen=True, slots=True)
class RecordedSchedule:
    """What the state recorded for a schedule the reconciler owns."""

    name: str
    id: int
    payload: Payload
    applied_at: str  # ISO 8601 UTC


class ActionKind(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    #: delete then create: a change a merging PUT cannot express (or a stuck schedule)
    REPLACE = "replace"
    DELETE = "delete"
    NOOP = "noop"
    ORPHAN = "orphan"
    CONFLICT = "conflict"  # must not be created: the name is taken, or may be
    RENAME = "rename"  # a `moved:` entry: one PUT with the new name, the id kept

    @property
    def changes_server(self) -> bool:
        return self in (
            ActionKind.CREATE,
            ActionKind.UPDATE,
            ActionKind.REPLACE,
            ActionKind.DELETE,
            ActionKind.RENAME,
        )


class Cause(StrEnum):
    """Why an action is in the plan: data for the renderers, which own the words."""

    DECLARED = "declared"  # create: declared, not yet created
    DELETED_OUTSIDE = "deleted-outside"  # create again: `previous_id` was deleted outside
    IN_SYNC = "in-sync"
    ALREADY_FIRED = "already-fired"  # a ONCE whose time has passed
    CHANGED = "changed"  # update: see `changes` (the YAML) and `drift` (outside)
    NOT_DECLARED = "not-declared"  # orphan, or delete under --prune
    GONE = "gone"  # not declared, and already deleted outside
    NAME_TAKEN = "name-taken"  # conflict: schedules with that name exist, not ours (`ids`)
    UNKNOWN_OUTCOME = "unknown-outcome"  # conflict: an earlier create may have succeeded
    LOOKUP_FAILED = "lookup-failed"  # conflict: could not check whether the name is free
    OTHER_WORKSPACE = "other-workspace"  # conflict: another workspace records it (`detail`)
    CONFIG_REMOVED = "config-removed"  # replace: executionConfig cannot be removed in place
    STUCK = "stuck"  # replace: the server's scheduler left it behind (`behind_seconds`)
    RENAMED = "renamed"  # rename: `moved:` names it anew (`renamed_from` is the old name)


@dataclass(frozen=True, slots=True)
class Conflict:
    """Why a declared name must not be created now (found by the shell, shown by render)."""

    cause: Cause
    ids: tuple[int, ...] = ()
    #: For UNKNOWN_OUTCOME: the journal entry and when its request was sent.
    entry_id: int | None = None
    started_at: str | None = None
    #: LOOKUP_FAILED: what the server answered (its words, not ours);
    #: OTHER_WORKSPACE: the workspace that manages the name.
    detail: str = ""


@dataclass(frozen=True, slots=True)
class LiveSchedule:
    """A schedule as the server reports it, translated by the adapter (typed, checked).

    `next_ms` is the instant of `nextInterval` in epoch milliseconds. The server
    reports neither `timezone` nor `executionConfig`, so they are not here.
    """

    id: int
    name: str
    execution_id: int | None
    schedule_type: str | None
    status: str | None
    comments: str | None
    next_ms: int | None


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field that differs: `field` is a dotted path into the payload."""

    field: str
    before: FieldValue
    after: FieldValue


@dataclass(frozen=True, slots=True)
class Action:
    """One step of a plan, and why."""

    kind: ActionKind
    name: str
    id: int | None
    before: Payload | None
    after: Payload | None
    cause: Cause
    changes: tuple[FieldChange, ...] = ()
    location: Location | None = None
    #: Fields the server reports differently from what was recorded: changed outside.
    drift: tuple[FieldChange, ...] = ()
    #: For a rename: the name it is recorded under now (`name` is the new one).
    renamed_from: str | None = None
    #: CONFLICT: the ids and journal details behind it.
    conflict: Conflict | None = None
    #: DELETED_OUTSIDE: the id the schedule had.
    previous_id: int | None = None
    #: STUCK: how far the live nextInterval is behind now.
    behind_seconds: int | None = None
    #: `after`'s nextInterval, parsed (wall time in its zone): set whenever `after` is,
    #: from the declared schedule (or, for a saved plan, read once at the file's edge).
    #: Not compared: it is `after`'s own time, parsed.
    anchor: datetime | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Live:
    """What a refresh learned about one recorded schedule.

    `schedule` is None when the server answered 404 (deleted outside).
    """

    schedule: LiveSchedule | None


@dataclass(frozen=True, slots=True)
class Plan:
    """Ordered actions (by name, then kind) and the warnings met on the way."""

    actions: tuple[Action, ...]
    warnings: tuple[Problem, ...] = ()
    #: Extra lines a reviewer needs, by schedule name (what a favourite selects).
    details: Mapping[str, str] = field(default_factory=dict)
    #: Test plan names by id, when the account was read (shown next to ids).
    test_plan_names: Mapping[int, str] = field(default_factory=dict)
    #: The checks this plan did not make: "live" (drift, deleted outside), "names" (taken
    #: on the server), "account" (the preflight); and whether it had no API key.
    unchecked: frozenset[str] = frozenset()
    offline: bool = False

    def count(self, kind: ActionKind) -> int:
        return sum(1 for a in self.actions if a.kind is kind)

    @property
    def has_changes(self) -> bool:
        return any(a.kind.changes_server for a in self.actions)

    @property
    def changing_actions(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if a.kind.changes_server)

    @property
    def conflicts(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if a.kind is ActionKind.CONFLICT)
