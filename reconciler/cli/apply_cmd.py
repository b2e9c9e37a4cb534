"""`apply`: plan, confirm, then send the changing calls and record each result."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from reconciler.app.settings import DEFAULT_PARALLELISM
from reconciler.cli.common import (
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
    show_plan,
)
from reconciler.cli.progress import ApplyProgress
from reconciler.cli.signals import APPLY_STOP_NOTE, IN_FLIGHT_GRACE, CommandSignals
from reconciler.core.errors import EXIT_ERROR, EXIT_INTERRUPTED, ReconcilerError

if TYPE_CHECKING:
    from reconciler.app.apply import ActionResult
    from reconciler.app.apply_flow import ApplyHooks, ApplyOutcome
    from reconciler.core.model import Plan
    from reconciler.render.results import ResultRow
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
    from reconciler.app.apply_flow import ApplyRequest, PlanOptions, run_apply
    from reconciler.app.settings import connection, now
    from reconciler.engine.safety import Limits

    check_format(fmt)
    if not paths and plan_file is None:
        raise ReconcilerError("apply needs YAML paths, or --plan FILE")
    conn = connection(api_url, api_key_file, insecure_http=insecure_http)
    conn.require_key()
    # Applying a saved plan is the approval (as in Terraform): it was reviewed when saved.
    auto_approve = auto_approve or plan_file is not None
    if not auto_approve and not sys.stdin.isatty():
        raise ReconcilerError(
            "apply asks for confirmation, but there is no terminal: pass --auto-approve "
            "(after reviewing `reconciler plan`)"
        )
    request = ApplyRequest(
        desired=load_desired_from(paths) if paths else None,
        plan_file=plan_file,
        options=PlanOptions(
            refresh=refresh,
            prune=prune,
            targets=target or None,
            parallelism=parallelism,
            preflight=preflight,
        ),
        limits=Limits(max_delete_percent=max_delete_percent, max_update_percent=max_update_percent),
        force=force,  # --force from the command line only, for a saved plan too
        lock_timeout=lock_timeout,
    )
    signals = CommandSignals()

    @contextmanager
    def open_client() -> Iterator[TestsigmaClient]:
        with make_client(
            conn,
            ca_bundle=ca_bundle,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            total_timeout=timeout,
            handle_signals=False,  # CommandSignals: stop launching first, cancel after
        ) as client:
            signals.cancel = client.cancel
            yield client

    hooks = _Hooks(fmt, auto_approve=auto_approve, signals=signals)
    store = open_state(state)
    try:
        with signals:
            outcome = run_apply(request, store, open_client, hooks.as_hooks(), now=now)
    finally:
        store.close()
    _finish(outcome, hooks, fmt)


def _finish(outcome: ApplyOutcome, hooks: _Hooks, fmt: str) -> None:
    """Print the results (and the JSON document), and exit with what they mean."""
    # Imported here, not at the top: `reconciler --version` and `--help` load no model.
    from reconciler.app.results import result_rows
    from reconciler.app.settings import now
    from reconciler.render.results import apply_summary, results_document, results_markdown

    plan_, report = outcome.plan, outcome.report
    if outcome.cancelled:
        info("Apply cancelled; nothing was changed.")
        raise typer.Exit(EXIT_ERROR)
    if report is None:
        if fmt == "json":
            out(results_document(plan_, [], interrupted=False, serial=outcome.serial, now=now()))
        if plan_.conflicts:
            raise typer.Exit(EXIT_ERROR)
        return
    summary = apply_summary(result_rows(report), serial=report.serial)
    if fmt == "markdown":
        out(results_markdown(hooks.rows, summary=summary))
    else:
        (info if fmt == "json" else out)(summary)
    if report.interrupted:
        info("Interrupted: the actions marked '-' were not started; run apply again to finish.")
    if fmt == "json":
        rows = result_rows(report)
        doc = results_document(
            plan_, rows, interrupted=report.interrupted, serial=report.serial, now=now()
        )
        out(doc)
    if not report.ok or plan_.conflicts or report.interrupted:
        raise typer.Exit(EXIT_ERROR if not report.interrupted else EXIT_INTERRUPTED)


class _Hooks:
    """What the user sees and answers during `apply`: the plan, the question, each result."""

    def __init__(self, fmt: str, *, auto_approve: bool, signals: CommandSignals) -> None:
        self.fmt, self.auto_approve, self.signals = fmt, auto_approve, signals
        self.rows: list[ResultRow] = []
        self.progress: ApplyProgress | None = None

    def as_hooks(self) -> ApplyHooks:
        from reconciler.app.apply_flow import ApplyHooks

        return ApplyHooks(self.show_plan, self.confirm, info, self.on_result, self.executing)

    def show_plan(self, plan_: Plan) -> None:
        # --quiet: only errors and results, unless the plan is needed to answer a prompt.
        if self.fmt != "json" and not (Options.quiet and self.auto_approve):
            show_plan(plan_, self.fmt)

    def confirm(self, plan_: Plan) -> bool:
        if self.auto_approve:
            return True
        if self.fmt == "json":
            # stdout carries one JSON document; the person asked still sees the plan.
            err(render_plan(plan_, "text"))
        return typer.confirm("Apply these changes?", default=False, err=True)

    @contextmanager
    def executing(self, plan_: Plan, stop: threading.Event) -> Iterator[None]:
        # A signal now stops launching instead of interrupting; in flight get a grace.
        self.progress = ApplyProgress(total=len(plan_.changing_actions))
        grace, note = IN_FLIGHT_GRACE, APPLY_STOP_NOTE
        with self.signals.stopping(stop, grace=grace, note=note), self.progress:
            yield

    def on_result(self, result: ActionResult) -> None:
        from reconciler.app.results import result_row
        from reconciler.render.results import result_line

        if self.progress is not None:
            self.progress.advance()
        row = result_row(result)
        self.rows.append(row)
        if self.fmt == "json":
            info(result_line(row))
        elif self.fmt == "text":
            out(result_line(row))
