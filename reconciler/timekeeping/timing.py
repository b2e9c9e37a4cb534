"""One schedule's timing read once from its payload (pure).

A payload carries `nextInterval` as API text, `timezone` as a name and
`scheduleType` as a word. `ScheduleTiming.from_payload` is the one place that
turns those three into values (a resolved `Zone`, a naive wall-time anchor),
so the plan, drift, adoption and the renderers share the same meaning. A
declared schedule's anchor was parsed by the loader and travels with it (and
its action): given that anchor, `from_payload` does not read the text again.
`format_api` is the one place that writes a time back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from reconciler.core.payload import SchedulePayload
from reconciler.timekeeping.instants import to_instant
from reconciler.timekeeping.parse import parse_api
from reconciler.timekeeping.recurrence import (
    check_schedule_type,
    has_fired,
    next_occurrence_after,
)
from reconciler.timekeeping.zones import Zone, resolve_zone


@dataclass(frozen=True, slots=True)
class ScheduleTiming:
    """When a schedule fires: its anchor (wall time in `zone`), recurrence and zone."""

    anchor: datetime
    schedule_type: str
    zone: Zone

    @classmethod
    def from_payload(
        cls, payload: SchedulePayload, anchor: datetime | None = None
    ) -> ScheduleTiming:
        """Read a canonical payload; a payload that is not one raises `TimeError`/`KeyError`.

        `anchor` is the payload's `nextInterval` already parsed (the loader's, carried
        by the declared schedule and its action): then the text is not read again.

        Canonical payloads come from the loader (validated) or the state (checked by
        `core.payload.read_payload` on the way out), so a failure here is a bug or a
        corrupt state: callers let it surface rather than guess.
        """
        if anchor is not None:  # the loader's parse: the text is not read again
            return cls(
                anchor=anchor,
                schedule_type=check_schedule_type(payload["scheduleType"]),
                zone=resolve_zone(payload.get("timezone") or "UTC"),
            )
        # A record adopted from the server has no `timezone` (the API does not
        # report it): its nextInterval is kept as UTC wall time.
        key = (
            str(payload["nextInterval"]),
            str(payload.get("scheduleType")),
            str(payload.get("timezone") or "UTC"),
        )
        found = _TIMINGS.get(key)
        if found is None:
            found = cls(
                anchor=parse_api(key[0]),
                schedule_type=check_schedule_type(str(payload["scheduleType"])),
                zone=resolve_zone(key[2]),
            )
            if len(_TIMINGS) >= _TIMINGS_LIMIT:
                _TIMINGS.clear()
            _TIMINGS[key] = found
        return found

    @property
    def recurring(self) -> bool:
        return self.schedule_type != "ONCE"

    def next_after(self, now: datetime) -> datetime | None:
        """The first occurrence strictly after `now`, as wall time (None: a passed ONCE)."""
        return next_occurrence_after(self.anchor, self.schedule_type, self.zone, now)

    def has_fired(self, now: datetime) -> bool:
        """Whether a ONCE has passed (recurring schedules never finish)."""
        return has_fired(self.anchor, self.schedule_type, self.zone, now)

    def instant(self, wall: datetime | None = None) -> datetime:
        """The instant of `wall` (default: the anchor) in this schedule's zone."""
        return to_instant(self.anchor if wall is None else wall, self.zone)


#: Recently read (nextInterval, scheduleType, timezone) -> timing. A plan reads each
#: payload's timing in several places (the ONCE check, the collision check, the
#: renderer); bounded (emptied when full) so memory stays flat.
_TIMINGS: dict[tuple[str, str, str], ScheduleTiming] = {}
_TIMINGS_LIMIT = 8192
