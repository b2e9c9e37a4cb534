"""`apply`: plan, confirm, then send the changing calls and record each result."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from reconciler.app.settings import DEFAULT_PARALLELISM
from reconciler.cli.common import (
    ApplyProgress,
    Options,
    app,
    check_format,
    err,
    guard,
    info,
    load_desired_from,
    make_client,
    open_state,
    out,
    render_plan,
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
from reconciler.cli.plan_cmd import (
    ForceOpt,
    MaxDeleteOpt,
    MaxUpdateOpt,
    PreflightOpt,
    check_safety,
    prepare,
    show_plan,
)
from reconciler.cli.signals import CommandSignals
from reconciler.core.errors import EXIT_ERROR, EXIT_INTERRUPTED, ReconcilerError, UnsafeError
from reconciler.render.words import reason

#: Seconds the requests in flight get to finish after SIGINT/SIGTERM before they are cancelled.
IN_FLIGHT_GRACE = 1.5

if TYPE_CHECKING:
    from reconciler.app.apply import ApplyReport
    from reconciler.core.model import DesiredSet, Plan
    from reconciler.core.ports import StateStore
    from reconciler.testsigma.client import TestsigmaClient


@app.command()
@guard
def apply(
    paths: Annotated[
        list[Path] | None, typer.Argument(metavar="PATH...", help="YAML files or directories.")
    ] = None,
    plan_file: Annotated[
        Path | None, typer.Option("--plan", metavar="FILE", help="Apply exactly this saved plan.")
    ] = None,
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
    auto_approve: Annotated[
        bool, typer.Option("--auto-approve", help="Apply without asking.")
    ] = False,
    lock_timeout: Annotated[
        float,
        typer.Option(
            "--lock-timeout", min=0, metavar="SECONDS", help="Seconds to wait for the state lock."
        ),
    ] = 0.0,
    force: ForceOpt = False,
    max_delete_percent: MaxDeleteOpt = 30.0,
    max_update_percent: MaxUpdateOpt = 30.0,
    preflight: PreflightOpt = True,
) -> None:
    """Plan, show the plan, ask, then apply it against Testsigma.

    Each action is recorded in the state the moment it succeeds. Without a
    terminal, --auto-approve is required; a saved plan (--plan FILE) is already
    approved: it applies without asking.

    Examples:

      reconciler apply schedules/ --auto-approve

      reconciler apply schedules/ --prune

      reconciler apply --plan plan.json
    """
    from reconciler.app.settings import connection

    check_format(fmt)
    if not paths and plan_file is None:
        raise ReconcilerError("apply needs YAML paths, or --plan FILE")
    conn = connection(api_url, api_key_file, insecure_http=insecure_http)
    conn.require_key()
    desired = load_desired_from(paths) if paths else None
    # Applying a saved plan is the approval (as in Terraform): it was reviewed when saved.
    auto_approve = auto_approve or plan_file is not None
    if not auto_approve and not sys.stdin.isatty():
        raise ReconcilerError(
            "apply asks for confirmation, but there is no terminal: pass --auto-approve "
            "(after reviewing `reconciler plan`)"
        )
    signals = CommandSignals()
    store = open_state(state)
    try:
        with (
            signals,
            store.lock(operation="apply", timeout=lock_timeout),
            make_client(
                conn,
                ca_bundle=ca_bundle,
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                total_timeout=timeout,
                handle_signals=False,  # CommandSignals: stop launching first, cancel after
            ) as client,
        ):
            signals.cancel = client.cancel
            if plan_file is not None:
                result, recorded_count, force = _load_saved(plan_file, store, desired, force)
                _recheck_creates(plan_file, result, store, client, parallelism)
            else:
                assert desired is not None
                prepared = prepare(
                    desired,
                    store,
                    client,
                    refresh=refresh,
                    prune=prune,
                    target=target,
                    parallelism=parallelism,
                    write=True,
                    preflight=preflight,
                )
                result, recorded_count = prepared.plan, len(prepared.recorded)
            # --quiet: only errors and results, unless the plan is needed to answer a prompt.
            if fmt != "json" and not (Options.quiet and auto_approve):
                show_plan(result, fmt)
            problems = check_safety(
                result,
                recorded=recorded_count,
                force=force,
                max_delete=max_delete_percent,
                max_update=max_update_percent,
            )
            if problems:
                raise UnsafeError("refusing to apply: " + "; ".join(problems))
            for conflict in result.conflicts:
                info(f"✗ conflict {conflict.name}: {reason(conflict)}")
            if not result.has_changes:
                if fmt == "json":
                    out(_result_json(result, None, serial=store.serial))
                if result.conflicts:
                    raise typer.Exit(EXIT_ERROR)
                return
            if not auto_approve and fmt == "json":
                # stdout carries one JSON document; the person asked still sees the plan.
                err(render_plan(result, "text"))
            if not auto_approve and not typer.confirm(
                "Apply these changes?", default=False, err=True
            ):
                info("Apply cancelled; nothing was changed.")
                raise typer.Exit(EXIT_ERROR)
            report = _execute(
                result,
                store=store,
                client=client,
                parallelism=parallelism,
                fmt=fmt,
                settle=refresh is not False,
                signals=signals,
            )
            if fmt == "json":
                out(_result_json(result, report, serial=report.serial))
    finally:
        store.close()
    if not report.ok or result.conflicts or report.interrupted:
        raise typer.Exit(EXIT_ERROR if not report.interrupted else EXIT_INTERRUPTED)


def _result_json(plan_: Plan, report: ApplyReport | None, *, serial: int) -> str:
    """One JSON document for pipelines: the plan, each action's result, the totals."""
    from reconciler.app.settings import now
    from reconciler.render.json_doc import plan_document

    results = (
        []
        if report is None
        else [
            {
                "action": r.action.kind.value,
                "name": r.action.name,
                "id": r.id,
                "outcome": r.outcome.value,
                "message": r.message,
            }
            for r in report.results
        ]
    )
    doc = {
        "format_version": "1",
        "plan": plan_document(plan_, now=now()),
        "results": results,
        "summary": {
            o: sum(1 for r in results if r["outcome"] == o)
            for o in ("ok", "failed", "unknown", "skipped")
        },
        "conflicts": [{"name": a.name, "reason": reason(a)} for a in plan_.conflicts],
        "interrupted": bool(report and report.interrupted),
        "serial": serial,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)


def _load_saved(
    path: Path, store: StateStore, desired: DesiredSet | None, force: bool
) -> tuple[Plan, int, bool]:
    from reconciler.engine.planfile import (
        check_current,
        check_ids,
        desired_digest,
        plan_from_document,
    )

    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ReconcilerError(f"cannot read the saved plan {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ReconcilerError(f"{path} is not a saved plan: {exc}") from None
    saved = plan_from_document(doc, source=str(path), key=store.plan_key(), lineage=store.lineage)
    check_current(saved, lineage=store.lineage, serial=store.serial, source=str(path))
    recorded = store.read_all()
    check_ids(saved.plan, recorded, source=str(path))
    if store.journal_unresolved():
        raise UnsafeError(
            f"an earlier apply was interrupted and left actions with an unknown outcome, so "
            f"{path} may be out of date: run `reconciler plan` again (it resolves them first)"
        )
    if desired is not None and desired_digest(desired) != saved.desired_digest:
        raise UnsafeError(
            f"the YAML changed since {path} was made: plan again, or apply without the paths"
        )
    return saved.plan, len(recorded), force  # --force from the command line only


def _recheck_creates(
    path: Path, plan_: Plan, store: StateStore, client: TestsigmaClient, parallelism: int
) -> None:
    from reconciler.app.prepare import recheck_saved_creates
    from reconciler.render.words import conflict_reason

    taken = recheck_saved_creates(plan_, store, client=client, parallelism=parallelism)
    if taken:
        raise UnsafeError(
            f"{path} creates schedules whose names are now taken, so it is refused "
            "(plan again):\n"
            + "\n".join(f"  - {name}: {conflict_reason(name, why)}" for name, why in taken.items())
        )


def _execute(
    plan_: Plan,
    *,
    store: StateStore,
    client: TestsigmaClient,
    parallelism: int,
    fmt: str = "text",
    settle: bool = True,
    signals: CommandSignals,
) -> ApplyReport:
    """Apply, printing each result as it comes (text), or all at the end (markdown, json)."""
    from reconciler.app.apply import ActionResult, apply_plan
    from reconciler.app.refresh import LiveReader
    from reconciler.app.settings import now
    from reconciler.render.results import ResultRow, result_line, results_markdown

    stop = threading.Event()
    rows: list[ResultRow] = []
    progress = ApplyProgress(total=len(plan_.changing_actions))

    def show(result: ActionResult) -> None:
        progress.advance()
        row = ResultRow(
            result.outcome.value,
            result.action.kind.value,
            result.action.name,
            result.id,
            result.message,
        )
        rows.append(row)
        if fmt == "json":
            info(result_line(row))
        elif fmt == "text":
            out(result_line(row))

    signals.stop = stop  # a signal now stops launching instead of interrupting
    try:
        with progress:
            report = apply_plan(
                plan_,
                client=client,
                store=store,
                parallelism=parallelism,
                clock=now,
                stop=stop,
                on_result=show,
                reader=LiveReader(client, parallelism=parallelism) if settle else None,
            )
    finally:
        signals.stop = None
    summary = _summary(report)
    if fmt == "markdown":
        out(results_markdown(rows, summary=summary))
    else:
        (info if fmt == "json" else out)(summary)
    if report.interrupted:
        info("Interrupted: the actions marked '-' were not started; run apply again to finish.")
    return report


def _summary(report: ApplyReport) -> str:
    from reconciler.app.apply import Outcome

    return (
        f"Apply: {report.count(Outcome.OK)} succeeded, {report.count(Outcome.FAILED)} failed, "
        f"{report.count(Outcome.UNKNOWN)} unknown, {report.count(Outcome.SKIPPED)} not started. "
        f"State serial {report.serial}."
    )
