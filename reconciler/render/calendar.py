"""Calendars as JSON, text and markdown (the html page is `calendar_html`).

All three show the same `engine.calendar.Calendar` in one chosen zone (the
`--zone`): the grid counts the runs starting in each hour of each day on that
zone's wall clock, so a reader sees "what runs tonight" in their own time,
while every firing also names its schedule's own zone and local time.

The JSON document is the contract other tools and tests consume; it is
versioned like the plan document and lists every firing and collision.
The text grid fits 100 columns (7 days a block; longer windows get more
blocks) and is coloured only when the caller says the output is a terminal.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from datetime import UTC, date, datetime, timedelta, tzinfo

from reconciler import timekeeping as tk
from reconciler.engine.calendar import Calendar, Collision, Firing

FORMAT_VERSION = "1"
_HOURS = range(24)
_CELL = 11
_COLUMNS = 100


def iso(instant: datetime) -> str:
    """An aware instant as ISO 8601 UTC with a Z."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _local(instant: datetime, zone: tzinfo) -> str:
    return instant.astimezone(zone).isoformat(timespec="seconds")


def calendar_document(cal: Calendar, *, zone: tk.Zone, now: datetime) -> dict[str, object]:
    """`{format_version, kind, from, to, zone, firings: [...], collisions: [...]}`."""
    return {
        "format_version": FORMAT_VERSION,
        "kind": "calendar",
        "generated_at": iso(now),
        "from": iso(cal.start),
        "to": iso(cal.end),
        "zone": zone.name,
        "max_concurrent": cal.max_concurrent,
        "summary": {
            "firings": len(cal.firings),
            "schedules": len({f.name for f in cal.firings}),
            "collisions": len(cal.collisions),
        },
        "firings": [
            {
                "name": f.name,
                "executionId": f.execution_id,
                "testPlan": f.test_plan,
                "scheduleType": f.schedule_type,
                "at": iso(f.at),
                "local": _local(f.at, zone.tzinfo),
                "zone": f.zone.name,
                "ownLocal": _local(f.at, f.zone.tzinfo),
            }
            for f in cal.firings
        ],
        "collisions": [collision_document(c, zone=zone) for c in cal.collisions],
    }


def collision_document(clash: Collision, *, zone: tk.Zone) -> dict[str, object]:
    return {
        "kind": clash.kind,
        "names": list(clash.names),
        "executionId": clash.execution_id,
        "testPlan": clash.test_plan,
        "limit": clash.limit,
        "largest": clash.largest or None,
        "times": [iso(t) for t in clash.times],
        "local": [_local(t, zone.tzinfo) for t in clash.times],
        "message": collision_line(clash, zone=zone),
    }


def collision_line(clash: Collision, *, zone: tk.Zone) -> str:
    """One sentence per collision, with its first time in `zone` and how often it repeats."""
    first = clash.times[0].astimezone(zone.tzinfo)
    when = f"{first:%a %Y-%m-%d %H:%M} {first.tzname()}"
    again = f", {len(clash.times)} times in this window" if len(clash.times) > 1 else ""
    if clash.kind == "same-test-plan":
        plan = _plan_label(clash.execution_id, clash.test_plan) or "the same test plan"
        return (
            f"{clash.names[0]} and {clash.names[1]} both start {plan} within 3 minutes "
            f"({when}{again}): the scheduler skips the second, which is then stuck"
        )
    return (
        f"{clash.largest} runs start within 15 minutes ({when}{again}), more than "
        f"--max-concurrent {clash.limit}: {', '.join(clash.names)}"
    )


def _plan_label(execution_id: int | None, name: str | None) -> str:
    if name and execution_id is not None:
        return f"test plan {name!r} ({execution_id})"
    if name:
        return f"test plan {name!r}"
    return f"test plan {execution_id}" if execution_id is not None else ""


def days_of(cal: Calendar, zone: tzinfo) -> list[date]:
    """The days of the window on `zone`'s wall clock, first to last."""
    first = cal.start.astimezone(zone).date()
    last = (cal.end - timedelta(microseconds=1)).astimezone(zone).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def hour_counts(firings: tuple[Firing, ...], zone: tzinfo) -> Counter[tuple[date, int]]:
    """Runs starting in each (day, hour) of `zone`'s wall clock."""
    counts: Counter[tuple[date, int]] = Counter()
    for firing in firings:
        local = firing.at.astimezone(zone)
        counts[(local.date(), local.hour)] += 1
    return counts


def collision_cells(cal: Calendar, zone: tzinfo) -> set[tuple[date, int]]:
    """The (day, hour) cells in which a collision starts."""
    cells = set()
    for clash in cal.collisions:
        for instant in clash.times:
            local = instant.astimezone(zone)
            cells.add((local.date(), local.hour))
    return cells


def _paint(text: str, count: int, limit: int, clash: bool, colour: bool) -> str:
    if not colour or count == 0:
        return text
    code = "31;1" if clash or count > limit else ("33" if count > limit // 2 else "32")
    return f"\x1b[{code}m{text}\x1b[0m"


def render_text(cal: Calendar, *, zone: tk.Zone, colour: bool = False) -> str:
    """Week grids (rows hours, columns days), a legend, the next 24 hours, the collisions."""
    counts = hour_counts(cal.firings, zone.tzinfo)
    clashes = collision_cells(cal, zone.tzinfo)
    days = days_of(cal, zone.tzinfo)
    lines = [
        f"Calendar {cal.start.astimezone(zone.tzinfo):%Y-%m-%d %H:%M} to "
        f"{cal.end.astimezone(zone.tzinfo):%Y-%m-%d %H:%M} in {zone.name}: "
        f"{len(cal.firings)} run(s) of {len({f.name for f in cal.firings})} schedule(s)",
    ]
    width = 8 if len(days) == 8 else 7  # a week from mid-day spans 8 dates: one block
    for week in range(0, len(days), width):
        block = days[week : week + width]
        lines.append("")
        lines.append("hour  │" + "".join(f"{d:%a %m-%d}".rjust(_CELL) for d in block))
        lines.append("──────┼" + "─" * (_CELL * len(block)))
        for hour in _HOURS:
            cells = []
            for day in block:
                count = counts.get((day, hour), 0)
                marked = (day, hour) in clashes
                text = (f"{count}!" if marked else str(count)) if count else "·"
                cells.append(_paint(text.rjust(_CELL), count, cal.max_concurrent, marked, colour))
            lines.append(f"{hour:02d}:00 │" + "".join(cells))
    lines += [
        "",
        f"Legend: each cell counts the runs starting in that hour ({zone.name} wall clock); "
        "· none;",
        f"  ! a collision starts there (same test plan within 3 minutes, or more than "
        f"{cal.max_concurrent} runs in 15 minutes).",
        "",
        f"The 24 hours from {cal.start.astimezone(zone.tzinfo):%a %Y-%m-%d %H:%M}:",
    ]
    soon = [f for f in cal.firings if f.at < cal.start + timedelta(hours=24)]
    lines += [_firing_line(f, zone) for f in soon] or ["  (no runs)"]
    lines += ["", "Collisions:"]
    for clash in cal.collisions:
        lines += textwrap.wrap(
            collision_line(clash, zone=zone),
            width=_COLUMNS,
            initial_indent="  ! ",
            subsequent_indent="    ",
            break_on_hyphens=False,
        )
    if not cal.collisions:
        lines.append("  (none)")
    return "\n".join(lines)


def _firing_line(firing: Firing, zone: tk.Zone) -> str:
    local = firing.at.astimezone(zone.tzinfo)
    own = firing.local
    abbreviation = own.tzname() or ""
    own_zone = firing.zone.name
    if abbreviation != own_zone and not abbreviation.startswith(("+", "-")):
        own_zone += f" {abbreviation}"
    plan = _plan_label(firing.execution_id, firing.test_plan)
    return (
        f"  {local:%a %H:%M} {local.tzname():<5} {firing.name}  "
        f"({firing.schedule_type}, {own:%H:%M} {own_zone}" + (f", {plan})" if plan else ")")
    )


def render_markdown(cal: Calendar, *, zone: tk.Zone) -> str:
    """The grid as a markdown table (hours with no run are left out), and the collisions."""
    counts = hour_counts(cal.firings, zone.tzinfo)
    clashes = collision_cells(cal, zone.tzinfo)
    days = days_of(cal, zone.tzinfo)
    parts = [
        f"### When schedules run ({zone.name})",
        "",
        f"{len(cal.firings)} run(s) from {cal.start.astimezone(zone.tzinfo):%Y-%m-%d %H:%M} to "
        f"{cal.end.astimezone(zone.tzinfo):%Y-%m-%d %H:%M}; each cell counts the runs "
        "starting in that hour; **bold!** marks a collision.",
        "",
        "| Hour | " + " | ".join(f"{d:%a %m-%d}" for d in days) + " |",
        "|---|" + "---:|" * len(days),
    ]
    for hour in _HOURS:
        if not any(counts.get((day, hour)) for day in days):
            continue
        cells = []
        for day in days:
            count = counts.get((day, hour), 0)
            text = str(count) if count else ""
            cells.append(f"**{count}!**" if (day, hour) in clashes and count else text)
        parts.append(f"| {hour:02d}:00 | " + " | ".join(cells) + " |")
    parts.append("")
    if cal.collisions:
        parts.append("**Collisions**")
        parts.append("")
        parts += [f"- :warning: {collision_line(c, zone=zone)}" for c in cal.collisions]
    else:
        parts.append("No collisions.")
    return "\n".join(parts)
