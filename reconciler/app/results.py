"""What an apply returns: each action's result and the report (plain values).

Kept apart from the executor so the renderers and the command line can name
them without the machinery.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from reconciler.core.model import Action, SchedulePayload
from reconciler.core.payload import JsonValue
from reconciler.render.results import ResultRow
from reconciler.testsigma.errors import ApiError, DuplicateNameError


class ScheduleApi(Protocol):
    """The part of the Testsigma client the executor needs."""

    def create_schedule(self, body: SchedulePayload) -> dict[str, JsonValue]: ...

    def update_schedule(
        self, schedule_id: int, body: SchedulePayload
    ) -> dict[str, JsonValue] | None: ...

    def delete_schedule(self, schedule_id: int) -> None: ...


class Outcome(StrEnum):
    OK = "ok"
    FAILED = "failed"
    UNKNOWN = "unknown"  # sent, no answer: left in the journal
    SKIPPED = "skipped"  # not launched (stopped by a signal)


@dataclass(frozen=True, slots=True)
class ActionResult:
    """What one action did."""

    action: Action
    outcome: Outcome
    id: int | None
    message: str
    #: UNKNOWN: the open journal entry, the HTTP status that made it unknown, and what
    #: the server or the transport said (the message adds our words around it).
    entry: int | None = None
    status: int | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ApplyReport:
    results: tuple[ActionResult, ...]
    serial: int
    interrupted: bool

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome is outcome)

    @property
    def ok(self) -> bool:
        return all(r.outcome is Outcome.OK for r in self.results)


def result_row(result: ActionResult) -> ResultRow:
    """`result` as the plain values the renderers take."""
    action = result.action
    return ResultRow(
        result.outcome.value, action.kind.value, action.name, result.id, result.message
    )


def result_rows(report: ApplyReport | None) -> list[ResultRow]:
    """Each result of `report` (none when nothing was applied) as a `ResultRow`."""
    return [result_row(r) for r in (report.results if report is not None else ())]


def refusal_message(action: Action, exc: ApiError) -> str:
    """What a user reads when the server certainly refused `action` (with the way out)."""
    if isinstance(exc, DuplicateNameError):
        return (
            f"{exc.message}. A schedule named {action.name!r} already exists on the server but "
            f"is not recorded: adopt it with `reconciler import {action.name} ID` "
            "(its id is in the Testsigma UI)"
        )
    return exc.message
