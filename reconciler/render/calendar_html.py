"""A calendar as one self-contained HTML page: inline CSS and SVG, nothing fetched.

The page holds a heat map of runs per hour (days down, hours across, in the
chosen zone), a timeline of the window per test plan (one row per schedule,
one dot per run), and the collision list. Every run is an SVG element with
`data-name` and `data-at` (its UTC instant) and a hover title giving the
schedule's name and the local time in the schedule's own zone, so a browser
shows it and a test can find it. Names are HTML-escaped; no script runs.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from html import escape

from reconciler import timekeeping as tk
from reconciler.engine.calendar import Calendar, Firing
from reconciler.render.calendar import (
    collision_line,
    days_of,
    hour_counts,
    iso,
)

_WIDTH = 1000
_LABEL = 190
_ROW = 26
_CELL_W = 34
_CELL_H = 22
_PALETTE = ("#2563eb", "#d97706", "#059669", "#7c3aed", "#db2777", "#0891b2", "#65a30d")
_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1f2937;
background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:26px 0 8px}
h3{font-size:14px;margin:16px 0 4px;color:#374151}
.meta{color:#6b7280;margin:0 0 8px}
svg{display:block;max-width:100%;height:auto}
svg text{font:11px system-ui,sans-serif;fill:#374151}
.grid{stroke:#e5e7eb}.firing{stroke:#fff;stroke-width:1}
.firing:hover{stroke:#111827;stroke-width:2}
ul.collisions li{margin:4px 0}.none{color:#6b7280}
.clash{color:#b91c1c;font-weight:600}
"""


def _heat(count: int, top: int) -> str:
    if count == 0:
        return "#f3f4f6"
    share = count / max(top, 1)
    red, green, blue = 254 - int(share * 70), 215 - int(share * 170), 170 - int(share * 150)
    return f"rgb({red},{green},{blue})"


def _heat_map(cal: Calendar, zone: tk.Zone) -> str:
    counts = hour_counts(cal.firings, zone.tzinfo)
    days = days_of(cal, zone.tzinfo)
    top = max(counts.values(), default=0)
    left, head = 80, 20
    width, height = left + 24 * _CELL_W, head + len(days) * _CELL_H
    parts = [f'<svg class="heat" viewBox="0 0 {width} {height}" width="{width}" role="img">']
    parts.append("<title>Runs starting per hour</title>")
    for hour in range(24):
        x = left + hour * _CELL_W + _CELL_W // 2
        parts.append(f'<text x="{x}" y="14" text-anchor="middle">{hour:02d}</text>')
    for row, day in enumerate(days):
        y = head + row * _CELL_H
        parts.append(f'<text x="0" y="{y + 15}">{day:%a %m-%d}</text>')
        for hour in range(24):
            count = counts.get((day, hour), 0)
            x = left + hour * _CELL_W
            tip = f"{day:%a %Y-%m-%d} {hour:02d}:00-{hour:02d}:59 {zone.name}: {count} run(s)"
            parts.append(
                f'<rect class="cell" x="{x}" y="{y}" width="{_CELL_W - 2}" '
                f'height="{_CELL_H - 2}" rx="3" fill="{_heat(count, top)}" '
                f'data-count="{count}"><title>{escape(tip)}</title></rect>'
            )
            if count:
                ink = ' style="fill:#fff"' if count * 2 > top else ""
                parts.append(
                    f'<text x="{x + _CELL_W // 2 - 1}" y="{y + 15}" '
                    f'text-anchor="middle"{ink}>{count}</text>'
                )
    parts.append("</svg>")
    return "".join(parts)


def _plan_title(firing: Firing) -> str:
    if firing.test_plan and firing.execution_id is not None:
        return f"Test plan {firing.test_plan} ({firing.execution_id})"
    if firing.test_plan:
        return f"Test plan {firing.test_plan}"
    if firing.execution_id is not None:
        return f"Test plan {firing.execution_id}"
    return "Test plan unknown"


def _timeline(cal: Calendar, zone: tk.Zone, firings: list[Firing]) -> str:
    names = sorted({f.name for f in firings})
    span = (cal.end - cal.start).total_seconds() or 1.0
    track = _WIDTH - _LABEL - 10
    height = 22 + len(names) * _ROW

    def x_of(instant: datetime) -> float:
        return _LABEL + track * (instant - cal.start).total_seconds() / span

    parts = [f'<svg class="timeline" viewBox="0 0 {_WIDTH} {height}" width="{_WIDTH}">']
    midnight = datetime.combine(days_of(cal, zone.tzinfo)[0], datetime.min.time())
    day = midnight.replace(tzinfo=zone.tzinfo)
    while day < cal.end:
        if day >= cal.start:
            x = x_of(day)
            parts.append(f'<line class="grid" x1="{x:.1f}" y1="16" x2="{x:.1f}" y2="{height}"/>')
            parts.append(f'<text x="{x + 3:.1f}" y="12">{day:%a %m-%d}</text>')
        day = (day.replace(tzinfo=None) + timedelta(days=1)).replace(tzinfo=zone.tzinfo)
    for row, name in enumerate(names):
        y = 22 + row * _ROW + _ROW // 2
        colour = _PALETTE[row % len(_PALETTE)]
        label = name if len(name) <= 28 else name[:27] + "…"
        parts.append(f'<text x="0" y="{y + 4}">{escape(label)}<title>{escape(name)}</title></text>')
        parts.append(f'<line class="grid" x1="{_LABEL}" y1="{y}" x2="{_WIDTH - 10}" y2="{y}"/>')
        own_runs = [f for f in firings if f.name == name]
        radius = max(2.0, min(6.0, track / max(len(own_runs), 1) / 2.5))
        for firing in own_runs:
            own = firing.local
            tip = f"{name}: {own:%a %Y-%m-%d %H:%M} {own.tzname()} ({firing.zone.name})"
            parts.append(
                f'<circle class="firing" cx="{x_of(firing.at):.1f}" cy="{y}" r="{radius:.1f}" '
                f'fill="{colour}" data-name="{escape(name)}" data-at="{iso(firing.at)}">'
                f"<title>{escape(tip)}</title></circle>"
            )
    parts.append("</svg>")
    return "".join(parts)


def render_html(cal: Calendar, *, zone: tk.Zone, now: datetime) -> str:
    """The whole page, as one string with no external reference."""
    by_plan: dict[str, list[Firing]] = defaultdict(list)
    for firing in cal.firings:
        by_plan[_plan_title(firing)].append(firing)
    start = cal.start.astimezone(zone.tzinfo)
    end = cal.end.astimezone(zone.tzinfo)
    body = [
        "<h1>When schedules run</h1>",
        f'<p class="meta">{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} '
        f"({escape(zone.name)}): {len(cal.firings)} run(s) of "
        f"{len({f.name for f in cal.firings})} schedule(s), "
        f'<span class="{"clash" if cal.collisions else ""}">'
        f"{len(cal.collisions)} collision(s)</span>. Generated {iso(now)}.</p>",
        "<h2>Runs per hour</h2>",
        _heat_map(cal, zone),
        "<h2>Timeline per test plan</h2>",
    ]
    for title in sorted(by_plan):
        body.append(f"<section><h3>{escape(title)}</h3>")
        body.append(_timeline(cal, zone, by_plan[title]))
        body.append("</section>")
    if not by_plan:
        body.append('<p class="none">No runs in this window.</p>')
    body.append("<h2>Collisions</h2>")
    if cal.collisions:
        body.append('<ul class="collisions">')
        body += [f"<li>{escape(collision_line(c, zone=zone))}</li>" for c in cal.collisions]
        body.append("</ul>")
    else:
        body.append('<p class="none">None.</p>')
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>Schedules calendar</title><style>{_CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )
