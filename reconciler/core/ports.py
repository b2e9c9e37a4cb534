"""The state store interface every backend implements.

The state records, for each schedule the reconciler owns, its name, the id
Testsigma gave it, the payload last sent (anchor as declared) and when. It has
a *lineage* (a random id fixed at creation) and a *serial* that grows with
every apply that changed something (before its first record and again when
it ends). One store holds several *workspaces* (one per team), each with its
own lineage, serial, journal and lock. An apply holds its workspace's lock
for its whole run; the lock is an operating-system or database-session lock,
so it dies with the process that holds it, and the who/when record beside it
is only for messages. Each write is its own transaction, so an interrupted
apply keeps every action that completed.

The *journal* records each changing action's intent before its request is
sent and its outcome after, so that a run killed mid-request leaves a trace
the next run resolves instead of blindly repeating a POST.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from reconciler.core.errors import ReconcilerError, UnsafeError
from reconciler.core.model import RecordedSchedule
from reconciler.core.payload import SchedulePayload


class StateError(ReconcilerError):
    """The state cannot be read or written (corrupt, foreign, newer version...)."""


@dataclass(frozen=True, slots=True)
class LockInfo:
    """Who holds the apply lock, so a user can tell whether it is stale."""

    id: str
    owner: str  # "user@host pid 1234"
    host: str
    pid: int
    created_at: str  # ISO 8601 UTC
    operation: str  # "apply"


class LockHeld(UnsafeError):
    """Another run holds the lock (exit 3).

    The lock dies with its holder, so a held lock belongs to a live process (or
    a live database session): the advice is to wait, not to unlock.
    """

    def __init__(self, info: LockInfo) -> None:
        self.info = info
        super().__init__(
            f"the state is locked by {info.owner} since {info.created_at} "
            f"(lock {info.id}, {info.operation}). It is still running: wait for it or pass "
            "--lock-timeout SECONDS. (A killed run's lock is released by itself; "
            f"`reconciler state unlock {info.id}` is only for a holder you know is stuck.)"
        )


class LockLost(UnsafeError):
    """This run's lock was taken away (session ended, `state unlock`): stop launching (exit 3)."""


@dataclass(frozen=True, slots=True)
class WorkspaceSummary:
    """One workspace of a store, for `state workspaces`."""

    name: str
    schedules: int
    serial: int
    lineage: str
    open_journal: int


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One changing action: intent written before the request, outcome after."""

    id: int
    action: str  # create | update | delete
    name: str
    schedule_id: int | None
    payload: SchedulePayload | None
    started_at: str
    outcome: str | None  # None while unknown; "ok" | "failed"
    detail: str | None


class StateStore(Protocol):
    """What every state backend offers. Open one with `reconciler.state.open_store`."""

    @property
    def url(self) -> str:
        """Where the state is, for messages (never with a password)."""
        ...

    @property
    def workspace(self) -> str:
        """The workspace this store reads and writes (`default` unless chosen)."""
        ...

    @property
    def created(self) -> bool:
        """Whether opening it created a new, empty state (file or workspace)."""
        ...

    @property
    def lineage(self) -> str: ...

    @property
    def serial(self) -> int: ...

    def read_all(self) -> dict[str, RecordedSchedule]:
        """Every recorded schedule, by name, in one query."""
        ...

    def get(self, name: str) -> RecordedSchedule | None: ...

    def record(self, schedule: RecordedSchedule, *, journal_entry: int | None = None) -> None:
        """Insert or replace one schedule, in its own transaction.

        With `journal_entry`, that entry's outcome is set to "ok" in the same
        transaction, so the state and the journal never disagree.
        """
        ...

    def forget(self, name: str, *, journal_entry: int | None = None) -> bool:
        """Remove one schedule from the state (never from the server). True if it was there.

        With `journal_entry`, that entry's outcome is set to "ok" in the same transaction.
        """
        ...

    def batch(self) -> AbstractContextManager[None]:
        """Group every write of the block into one transaction (one commit).

        The apply executor writes a wave of journal intents, or the results that
        arrived together, as one batch: fsyncs grow with waves, not actions.
        """
        ...

    def bump_serial(self) -> int:
        """Add one to the serial (once per apply that changed something); returns it."""
        ...

    def lock(self, *, operation: str, timeout: float = 0.0) -> AbstractContextManager[LockInfo]:
        """Hold the apply lock for the block; raise LockHeld when another holds it past timeout."""
        ...

    def ensure_locked(self) -> None:
        """Raise LockLost unless this store still holds its lock (call before each launch)."""
        ...

    def current_lock(self) -> LockInfo | None:
        """Who holds the lock now (None when nobody does: a dead holder's record is ignored)."""
        ...

    def force_unlock(self, lock_id: str) -> bool:
        """Take lock `lock_id` away from its holder, which may be alive. True if it was held."""
        ...

    def plan_key(self) -> bytes:
        """The secret that signs this workspace's saved plans (never exported or printed)."""
        ...

    def workspaces(self) -> list[WorkspaceSummary]:
        """Every workspace of the store, by name."""
        ...

    def managed_elsewhere(self, names: Iterable[str]) -> dict[str, str]:
        """Of `names`, those recorded in another workspace of this store: name -> workspace."""
        ...

    def rename(self, old: str, new: str) -> None:
        """Record `old` under the name `new` (state only); StateError when impossible."""
        ...

    def journal_intent(
        self,
        *,
        action: str,
        name: str,
        schedule_id: int | None,
        payload: SchedulePayload | None,
    ) -> int:
        """Record that a request is about to be sent; returns the entry id."""
        ...

    def journal_outcome(
        self, entry_id: int, *, outcome: str, detail: str | None = None
    ) -> None: ...

    def journal_unresolved(self) -> list[JournalEntry]:
        """Entries whose outcome was never recorded (the run died mid-request)."""
        ...

    def journal_resolve(self, entry_id: int, *, detail: str) -> None:
        """Mark an unresolved entry as handled."""
        ...

    def export(self) -> dict[str, object]:
        """The whole state as JSON-able data (lineage, serial, schedules)."""
        ...

    def replace_all(self, *, lineage: str, serial: int, schedules: list[RecordedSchedule]) -> None:
        """Replace every schedule, the lineage and the serial, in one transaction (import).

        The journal is kept: it records requests that really reached the server.
        The plan key is kept too (an export never carries it).
        """
        ...

    def close(self) -> None: ...
