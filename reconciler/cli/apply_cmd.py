"""`apply`: plan, confirm, then send the changing calls and record each result."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from reconciler.cli.common import (
    ApiKeyFileOpt,
    ApiUrlOpt,
    ApplyProgress,
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
from reconciler.cli.plan_cmd import (
    ForceOpt,
    MaxDeleteOpt,
    MaxUpdateOpt,
    PreflightOpt,
    check_safety,
    prepare,
    show_plan,
)
from reconciler.core.errors import EXIT_ERROR, ReconcilerError, UnsafeError

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
    parallelism: ParallelismOpt = 4,
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
    terminal, --auto-approve is required.

    Examples:

      reconciler apply schedules/ --auto-approve

      reconciler apply schedules/ --prune

      reconciler apply --plan plan.json --auto-approve
    """
    from reconciler.app.settings import connection

    check_format(fmt)
    if not paths and plan_file is None:
        raise ReconcilerError("apply needs YAML paths, or --plan FILE")
    conn = connection(api_url, api_key_file, insecure_http=insecure_http)
    conn.require_key()
    desired = load_desired_from(paths) if paths else None
    if not auto_approve and not sys.stdin.isatty():
        raise ReconcilerError(
            "apply asks for confirmation, but there is no terminal: pass --auto-approve "
            "(after reviewing `reconciler plan`)"
        )
    store = open_state(state)
    try:
        with (
            store.lock(operation="apply", timeout=lock_timeout),
            make_client(
                conn,
                ca_bundle=ca_bundle,
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                total_timeout=timeout,
            ) as client,
        ):
            if plan_file is not None:
                result, recorded_count, force = _load_saved(plan_file, store, desired, force)
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
            if fmt != "json":
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
                info(f"✗ conflict {conflict.name}: {conflict.reason}")
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
                quiet_lines=fmt == "json",
            )
            if fmt == "json":
                out(_result_json(result, report, serial=report.serial))
    finally:
        store.close()
    if not report.ok or result.conflicts or report.interrupted:
        raise typer.Exit(EXIT_ERROR if not report.interrupted else 130)


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
        "conflicts": [{"name": a.name, "reason": a.reason} for a in plan_.conflicts],
        "interrupted": bool(report and report.interrupted),
        "serial": serial,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)


def _load_saved(
    path: Path, store: StateStore, desired: DesiredSet | None, force: bool
) -> tuple[Plan, int, bool]:
    from reconciler.engine.planfile import check_current, desired_digest, plan_from_document

    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ReconcilerError(f"cannot read the saved plan {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ReconcilerError(f"{path} is not a saved plan: {exc}") from None
    saved = plan_from_document(doc, source=str(path))
    check_current(saved, lineage=store.lineage, serial=store.serial, source=str(path))
    if store.journal_unresolved():
        raise UnsafeError(
            f"an earlier apply was interrupted and left actions with an unknown outcome, so "
            f"{path} may be out of date: run `reconciler plan` again (it resolves them first)"
        )
    if desired is not None and desired_digest(desired) != saved.desired_digest:
        raise UnsafeError(
            f"the YAML changed since {path} was made: plan again, or apply without the paths"
        )
    return saved.plan, len(store.read_all()), force or bool(saved.options.get("force"))


def _execute(
    plan_: Plan,
    *,
    store: StateStore,
    client: TestsigmaClient,
    parallelism: int,
    quiet_lines: bool = False,
) -> ApplyReport:
    import signal

    from reconciler.app.apply import ActionResult, Outcome, apply_plan
    from reconciler.app.settings import now

    stop = threading.Event()
    marks = {"ok": "✓", "failed": "✗", "unknown": "?", "skipped": "-"}

    progress = ApplyProgress(total=len(plan_.changing_actions))

    def show(result: ActionResult) -> None:
        progress.advance()
        line = (
            f"{marks[result.outcome.value]} {result.action.kind.value} {result.action.name}: "
            f"{result.message}"
        )
        if quiet_lines:
            info(line)
        else:
            out(line)

    def on_signal(signum: int, _frame: object) -> None:
        if not stop.is_set():
            info(
                f"Received {signal.Signals(signum).name}: finishing the requests in flight, "
                f"starting no new ones (any still unanswered in {IN_FLIGHT_GRACE:g} s are "
                "cancelled and kept in the journal as unknown)."
            )
            # A hung request must not hold the command until --timeout.
            grace = threading.Timer(IN_FLIGHT_GRACE, client.cancel)
            grace.daemon = True
            grace.start()
        stop.set()

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, on_signal)
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
            )
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    (info if quiet_lines else out)(
        f"Apply: {report.count(Outcome.OK)} succeeded, {report.count(Outcome.FAILED)} failed, "
        f"{report.count(Outcome.UNKNOWN)} unknown, {report.count(Outcome.SKIPPED)} not started. "
        f"State serial {report.serial}."
    )
    if report.interrupted:
        info("Interrupted: the actions marked '-' were not started; run apply again to finish.")
    return report
