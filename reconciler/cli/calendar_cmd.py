"""`calendar`: when the declared schedules fire, and where they collide."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from reconciler.cli.common import (
    app,
    guard,
    info,
    load_desired_from,
    make_client,
    out,
    use_colour,
)
from reconciler.cli.options import (
    ApiKeyFileOpt,
    ApiUrlOpt,
    CaBundleOpt,
    InsecureHttpOpt,
)
from reconciler.core.errors import ReconcilerError

if TYPE_CHECKING:
    from datetime import datetime

    from reconciler.engine.calendar import Calendar
    from reconciler.timekeeping import Zone

FORMATS = ("text", "json", "markdown", "html")


@app.command()
@guard
def calendar(
    paths: Annotated[
        list[Path], typer.Argument(metavar="PATH...", help="YAML files or directories.")
    ],
    start: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="DATE",
            help="First day (2026-12-01, midnight in --zone), a time or an instant. Default: now.",
            show_default=False,
        ),
    ] = None,
    days: Annotated[int, typer.Option("--days", metavar="N", help="Days to show.")] = 7,
    zone: Annotated[
        str | None,
        typer.Option(
            "--zone",
            metavar="ZONE",
            help="Zone to show times in: IANA name or Java short id. Default: the local zone.",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option("--format", metavar="FORMAT", help="Output: text, json, markdown or html."),
    ] = "text",
    out_file: Annotated[
        Path | None,
        typer.Option("--out", metavar="FILE", help="Write to FILE instead of stdout."),
    ] = None,
    max_concurrent: Annotated[
        int,
        typer.Option(
            "--max-concurrent",
            metavar="N",
            help="Flag more than N runs starting within 15 minutes.",
        ),
    ] = 5,
    api_url: ApiUrlOpt = None,
    api_key_file: ApiKeyFileOpt = None,
    ca_bundle: CaBundleOpt = None,
    insecure_http: InsecureHttpOpt = False,
) -> None:
    """Show when the declared ACTIVE schedules run, and where they collide. Sends nothing.

    Expands each schedule with the rules plan and apply use (DST gaps and
    folds as the server reads them, month-end clamping, passed anchors
    rolled forward). Collisions: two schedules of one test plan due within
    3 minutes (the server skips the second, which is then stuck), and more
    than --max-concurrent runs starting within 15 minutes. With an API key,
    test plans are named from the account.

    Examples:

      reconciler calendar schedules/

      reconciler calendar schedules/ --zone Asia/Kolkata --days 14 --format html --out cal.html

      reconciler calendar schedules/ --format markdown >> pr-comment.md
    """
    from reconciler.app import calendar as use_case
    from reconciler.app.settings import connection, now

    if fmt not in FORMATS:
        raise ReconcilerError(f"--format must be text, json, markdown or html, not {fmt!r}")
    shown = use_case.chosen_zone(zone)
    moment = now()
    first = use_case.window_start(start, shown, moment)
    desired = load_desired_from(paths)
    conn = connection(api_url, api_key_file, insecure_http=insecure_http)
    names = None
    if conn.api_key:
        names, why_not = use_case.read_test_plan_names(
            lambda: make_client(conn, ca_bundle=ca_bundle)
        )
        if why_not is not None:
            info(f"Note: {why_not}")
    cal = use_case.build_calendar(
        desired, start=first, days=days, now=moment, max_concurrent=max_concurrent, names=names
    )
    text = _render(cal, fmt, shown, moment, colour=out_file is None and use_colour())
    if out_file is not None:
        use_case.write_output(out_file, text)
        info(f"Wrote the calendar ({len(cal.firings)} run(s)) to {out_file}.")
    else:
        out(text)
    for clash in cal.collisions:
        if clash.kind == "same-test-plan" and fmt != "text":
            info(f"Warning: {clash.names[0]} and {clash.names[1]} collide (see the calendar).")


def _render(cal: Calendar, fmt: str, zone: Zone, moment: datetime, *, colour: bool) -> str:
    from reconciler.render import calendar as render

    if fmt == "json":
        document = render.calendar_document(cal, zone=zone, now=moment)
        return json.dumps(document, indent=2, ensure_ascii=False)
    if fmt == "markdown":
        return render.render_markdown(cal, zone=zone)
    if fmt == "html":
        from reconciler.render.calendar_html import render_html

        return render_html(cal, zone=zone, now=moment)
    return render.render_text(cal, zone=zone, colour=colour)
