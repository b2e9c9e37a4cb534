"""The server's scheduler: a poll every 3 minutes, with its stuck-schedule flaw.

Testsigma's open-source scheduler wakes every 3 minutes. Each poll marks every
due ACTIVE schedule (not already queued) as in progress, then goes through
them in id order: one whose test plan already has a run in progress —
including a run started earlier in the same poll — is skipped without being
advanced or reset, so it stays ACTIVE, queued and behind forever; any other
fires (a run of its plan starts), and then moves one period on from its
previous scheduled time (milliseconds dropped: the time goes through
`yyyy-MM-dd HH:mm:ss`) or, if ONCE, becomes IN_ACTIVE.

Polls happen on multiples of 3 minutes since the epoch, on the sandbox clock,
from the moment the sandbox was created; `catch_up` runs every poll between
the last one and now, jumping straight to polls where something is due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from reconciler.sandbox.clockwork import add_period
from reconciler.sandbox.runs import RunBook
from reconciler.sandbox.schedules import Schedule, ScheduleBook

POLL = timedelta(minutes=3)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: Bound on polls per catch-up, so an absurd clock jump cannot hang the sandbox.
_MAX_POLLS = 2_000_000


def poll_at_or_after(instant: datetime) -> datetime:
    """The first poll instant at or after `instant`."""
    polls = -((_EPOCH - instant) // POLL)  # ceiling division
    return _EPOCH + polls * POLL


@dataclass(frozen=True, slots=True)
class PollRules:
    """The settings a poll needs (from `SandboxConfig`)."""

    in_utc: bool
    scheduled_run_seconds: float
    run_seconds: float
    run_polls: int


class Scheduler:
    """Remembers the last poll and when each test plan's scheduled run ends."""

    def __init__(self, started: datetime) -> None:
        self._last_poll = poll_at_or_after(started) - POLL
        self._busy_until: dict[int, datetime] = {}

    def catch_up(
        self,
        book: ScheduleBook,
        runs: RunBook,
        now: datetime,
        rules: PollRules,
    ) -> int:
        """Run every poll up to `now`; returns how many schedules fired."""
        fired = 0
        for _ in range(_MAX_POLLS):
            pending = [s for s in book.stored() if s.status == "ACTIVE" and not s.queued]
            if not pending:
                break
            earliest = min(s.next_instant for s in pending)
            poll = max(poll_at_or_after(earliest), self._last_poll + POLL)
            if poll > now:
                break
            self._last_poll = poll
            fired += self._poll(pending, runs, poll, rules)
        return fired

    def _poll(
        self,
        pending: list[Schedule],
        runs: RunBook,
        poll: datetime,
        rules: PollRules,
    ) -> int:
        due = sorted((s for s in pending if s.next_instant <= poll), key=lambda s: s.id)
        for schedule in due:
            schedule.queued = True
        started: set[int] = set()
        running = runs.running_plans(
            poll, polls_to_complete=rules.run_polls, seconds=rules.run_seconds
        )
        fired = 0
        for schedule in due:
            plan = schedule.execution_id
            busy = plan in started or self._busy_until.get(plan, _EPOCH) > poll or plan in running
            if busy:
                continue  # skipped: stays queued, ACTIVE and behind (stuck)
            started.add(plan)
            self._busy_until[plan] = poll + timedelta(seconds=rules.scheduled_run_seconds)
            schedule.fires += 1
            fired += 1
            schedule.queued = False
            if schedule.schedule_type == "ONCE":
                schedule.status = "IN_ACTIVE"
            else:
                zone = UTC if rules.in_utc else schedule.zone
                following = add_period(schedule.next_instant, schedule.schedule_type, zone)
                schedule.next_instant = following.replace(microsecond=0)
        return fired
