"""`validate`, `plan` and `schema`, and the planning steps `apply` shares."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from reconciler.app.settings import DEFAULT_PARALLELISM
from reconciler.cli.common import (
    app,
    check_format,
    colour_plan,
    guard,
    info,
    load_desired_from,
    make_client,
    open_state,
    out,
    render_plan,
    use_colour,
)
from reconciler.cli.options import (
    ApiKeyFileOpt,
    ApiUrlOpt,
    CaBundleOpt,
    ConnectTimeoutOpt,
    FormatOpt,
    InsecureHttpOpt,
    ParallelismOpt,
    PruneOpt,
    ReadTimeoutOpt,
    RefreshOpt,
    StateOpt,
    TargetOpt,
    TotalTimeoutOpt,
)
from reconciler.core.errors import EXIT_CHANGES, EXIT_ERROR

if TYPE_CHECKING:
    from reconciler.core.model import Plan
    from reconciler.testsigma.client import TestsigmaClient

ForceOpt = Annotated[bool, typer.Option("--force", help="Allow a plan over the safety limits.")]
PreflightOpt = Annotated[
    bool,
    typer.Option(
        "--preflight/--no-preflight",
        help="Check test plans and favourites against the account first (when an API key is set).",
    ),
]
MaxDeleteOpt = Annotated[
    float,
    typer.Option(
        "--max-delete-percent",
        metavar="PERCENT",
        min=0,
        max=100,
        help="Refuse a plan deleting more than this share of recorded schedules "
        "(when at least 10 are recorded).",
    ),
]
MaxUpdateOpt = Annotated[
    float,
    typer.Option(
        "--max-update-percent",
        metavar="PERCENT",
        min=0,
        max=100,
        help="Refuse a plan updating more than this share of recorded schedules "
        "(when at least 10 are recorded).",
    ),
]


@app.command()
@guard
def validate(
    paths: Annotated[
        list[Path], typer.Argument(metavar="PATH...", help="YAML files or directories.")
    ],
) -> None:
    """Load and check the YAML; no network.

    Every problem of every file is reported at once, each with file, line and column.

    Example: reconciler validate schedules/
    """
    from reconciler.app.settings import now
    from reconciler.engine.plan import passed_once_problems

    desired = load_desired_from(paths)
    # The clock is all this check needs; whether the schedule was applied is the state's.
    for warning in passed_once_problems(desired, now=now()):
        info(str(warning))
    out(f"OK: {len(desired.schedules)} schedule(s) and {len(desired.runs)} run(s) are valid.")


def plan_text_blocks(plan: Plan) -> Iterator[str]:
    """The text plan in blocks of whole lines; printed one by one they read as
    `render_plan(plan, "text")` printed at once (one block when redaction needs the
    whole text: a secret's form spanning a line break)."""
    from reconciler.app.settings import now, redacts_within_lines
    from reconciler.render.text import plan_blocks

    if not redacts_within_lines():
        yield render_plan(plan, "text")
        return
    yield from plan_blocks(plan, now=now())


def show_plan(plan_: Plan, fmt: str) -> None:
    if fmt == "text":
        # Written in blocks of whole lines: a plan of 50,000 is never held as one text.
        colour = use_colour()
        for block in plan_text_blocks(plan_):
            out(colour_plan(block) if colour else block)
        return
    out(render_plan(plan_, fmt))


@app.command()
@guard
def plan(
    paths: Annotated[
        list[Path], typer.Argument(metavar="PATH...", help="YAML files or directories.")
    ],
    state: StateOpt = None,
    api_url: ApiUrlOpt = None,
    api_key_file: ApiKeyFileOpt = None,
    ca_bundle: CaBundleOpt = None,
    insecure_http: InsecureHttpOpt = False,
    connect_timeout: ConnectTimeoutOpt = 10.0,
    read_timeout: ReadTimeoutOpt = 30.0,
    timeout: TotalTimeoutOpt = 120.0,
    fmt: FormatOpt = "text",
    prune: PruneOpt = False,
    target: TargetOpt = None,
    refresh: RefreshOpt = None,
    parallelism: ParallelismOpt = DEFAULT_PARALLELISM,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", metavar="FILE", help="Save the plan for `apply --plan FILE`."),
    ] = None,
    detailed_exitcode: Annotated[
        bool, typer.Option("--detailed-exitcode", help="Exit 2 when there are changes.")
    ] = False,
    force: ForceOpt = False,
    max_delete_percent: MaxDeleteOpt = 30.0,
    max_update_percent: MaxUpdateOpt = 30.0,
    preflight: PreflightOpt = True,
) -> None:
    """Preview what apply would do. Sends no changing call (no POST, PUT or DELETE).

    With an API key it first reads the live schedules, to show what changed
    outside the reconciler; --no-refresh plans from the recorded state alone.

    Examples:

      reconciler plan schedules/

      reconciler plan schedules/ --format markdown > plan.md

      reconciler plan schedules/ --out plan.json && reconciler apply --plan plan.json
    """
    from reconciler.app.apply_flow import PlanOptions
    from reconciler.app.plan_flow import PlanHooks, PlanRequest, run_plan
    from reconciler.app.settings import connection, now
    from reconciler.engine.safety import Limits

    check_format(fmt)
    conn = connection(api_url, api_key_file, insecure_http=insecure_http)
    request = PlanRequest(
        desired=load_desired_from(paths),
        options=PlanOptions(
            refresh=refresh,
            prune=prune,
            targets=target or None,
            parallelism=parallelism,
            preflight=preflight,
        ),
        limits=Limits(max_delete_percent=max_delete_percent, max_update_percent=max_update_percent),
        force=force,
        save_to=out_file,
        key_set=bool(conn.api_key),
    )

    def open_client() -> TestsigmaClient:
        return make_client(
            conn,
            ca_bundle=ca_bundle,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            total_timeout=timeout,
        )

    reads_live = bool(conn.api_key) and (refresh is not False or preflight)
    hooks = PlanHooks(show_plan=lambda p: show_plan(p, fmt), tell=info)
    store = open_state(state)
    try:
        outcome = run_plan(request, store, open_client if reads_live else None, hooks, now=now())
    finally:
        store.close()
    for refusal in outcome.refusals:
        info(f"Warning: apply will refuse this plan: {refusal}")
    if outcome.saved_to is not None:
        path = outcome.saved_to
        info(f"Saved the plan to {path}; apply exactly it with `reconciler apply --plan {path}`.")
    if outcome.plan.conflicts:
        raise typer.Exit(EXIT_ERROR)
    if detailed_exitcode and outcome.plan.has_changes:
        raise typer.Exit(EXIT_CHANGES)


@app.command()
@guard
def schema() -> None:
    """Print the JSON Schema of the YAML format (for editors and CI checks).

    Example: reconciler schema > schemas/reconciler-v1.schema.json
    """
    from reconciler.spec import json_schema

    out(json.dumps(json_schema(), indent=2, ensure_ascii=False))
