"""The `calendar` use case: the window and zone asked for, test plan names, the expansion.

The shell parts live here: the machine's local zone (the default of
`--zone`), reading `--from`, and naming test plans from the account when one
is reachable (a failed read only loses the names; the calendar itself needs
no network). The expansion is `engine.calendar`, shared with `plan`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from reconciler import timekeeping as tk
from reconciler.core.errors import ReconcilerError
from reconciler.core.model import DesiredSet
from reconciler.engine.calendar import Calendar, Entry, expand
from reconciler.testsigma.client import TestsigmaClient

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_DAYS = 366


def local_zone() -> tk.Zone:
    """The machine's zone: `TZ` when it names one, else /etc/localtime's target, else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:  # pragma: no cover - realpath does not raise on a missing file
        pass
    for name in candidates:
        try:
            return tk.resolve_zone(name)
        except tk.TimeError:
            continue
    return tk.resolve_zone("UTC")


def chosen_zone(name: str | None) -> tk.Zone:
    """`--zone` (IANA name or Java short id), or the local zone."""
    if name is None:
        return local_zone()
    try:
        return tk.resolve_zone(name)
    except tk.TimeError as exc:
        raise ReconcilerError(f"--zone: {exc}") from None


def window_start(text: str | None, zone: tk.Zone, now: datetime) -> datetime:
    """`--from`: a date (midnight in `zone`), a wall time in `zone`, or an instant; else now."""
    if text is None:
        return now
    try:
        if _DATE.fullmatch(text):
            wall = datetime.combine(datetime.fromisoformat(text).date(), time())
        else:
            wall = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ReconcilerError(
            f"--from {text!r}: expected a date (2026-12-01), a time (2026-12-01T09:00) "
            f"or an instant (2026-12-01T09:00Z)"
        ) from None
    if wall.tzinfo is not None:
        return wall.astimezone(UTC)
    return tk.to_instant(wall, zone)


def test_plan_names(test_plans: Sequence[Mapping[str, object]]) -> dict[int, str]:
    """Test plan id -> name, from the account's list."""
    names: dict[int, str] = {}
    for plan in test_plans:
        ident, name = plan.get("id"), plan.get("name")
        if isinstance(ident, int) and isinstance(name, str):
            names[ident] = name
    return names


def read_test_plan_names(
    open_client: Callable[[], AbstractContextManager[TestsigmaClient]],
) -> tuple[dict[int, str] | None, str | None]:
    """The account's test plan names, or None and why (the calendar is drawn without them).

    Any failure only costs the names: a client that cannot be made (no key, a bad
    --ca-bundle) or an account that cannot be read is told as a note, never raised.
    """
    try:
        opened = open_client()
    except ReconcilerError as exc:
        return None, f"test plans are shown by id only: {exc.message}"
    try:
        with opened as client:
            return test_plan_names(client.list_test_plans()), None
    except Exception as exc:  # any failure only costs the names
        return None, f"test plans are shown by id only (the account could not be read: {exc})"


def build_calendar(
    desired: DesiredSet,
    *,
    start: datetime,
    days: int,
    now: datetime,
    max_concurrent: int,
    names: Mapping[int, str] | None = None,
) -> Calendar:
    """Every firing of the declared schedules in [start, start + days), with collisions."""
    if not 1 <= days <= MAX_DAYS:
        raise ReconcilerError(f"--days must be between 1 and {MAX_DAYS}, not {days}")
    if max_concurrent < 1:
        raise ReconcilerError(f"--max-concurrent must be at least 1, not {max_concurrent}")
    entries = []
    for schedule in desired.schedules:
        ident = schedule.payload.get("executionId")
        known = names.get(ident) if names and isinstance(ident, int) else None
        entries.append(
            Entry(
                schedule.name,
                schedule.payload,
                known or schedule.test_plan,
                anchor=schedule.anchor,
            )
        )
    return expand(
        entries,
        start=start,
        end=start + timedelta(days=days),
        now=now,
        max_concurrent=max_concurrent,
    )


def write_output(path: Path | None, text: str) -> None:
    """`--out FILE` (atomically), or nothing when the caller prints."""
    if path is not None:
        from reconciler.app.fileio import write_atomically

        write_atomically(path, text if text.endswith("\n") else text + "\n")
