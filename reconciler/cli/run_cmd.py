"""`run`: trigger declared (or ad hoc) partial runs now, and wait for their verdict.

Flags, the live board, the lines on stderr and the exit code; the sequence
(preflight, trigger, wait, reports) is `reconciler.app.run_flow.run_runs`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
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
)
from reconciler.cli.options import (
    ApiKeyFileOpt,
    ApiUrlOpt,
    CaBundleOpt,
    InsecureHttpOpt,
)
from reconciler.cli.progress import RunBoard
from reconciler.cli.signals import CommandSignals
from reconciler.core.errors import EXIT_OK, ReconcilerError

if TYPE_CHECKING:
    from reconciler.app.run_flow import OnChange, RunHooks, RunResult
    from reconciler.app.runs import RunHandle


@app.command()
@guard
def run(
    args: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="NAME... PATH...",
            help="Names of runs declared under `runs:`, and the YAML files or "
            "directories that declare them.",
            show_default=False,
        ),
    ] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Wait for the verdict.")] = False,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            min=0,
            help="With --wait: seconds to wait for every verdict before giving up (exit 4). "
            "Not a per-call deadline: each API call of `run` has the 120 s one.",
        ),
    ] = 3600.0,
    poll_interval: Annotated[
        float,
        typer.Option(
            "--poll-interval",
            metavar="SECONDS",
            min=0.01,
            help="First poll interval in seconds; it grows, capped at 30 s.",
        ),
    ] = 5.0,
    junit: Annotated[
        Path | None,
        typer.Option(
            "--junit",
            metavar="FILE",
            help="Save the JUnit XML report here (with --wait; "
            "several runs add -NAME before the suffix).",
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", metavar="FORMAT", help="text or json.")] = "text",
    output_run_id: Annotated[
        Path | None,
        typer.Option("--output-run-id", metavar="FILE", help="Write the run id(s) to this file."),
    ] = None,
    execution_id: Annotated[
        int | None, typer.Option("--execution-id", metavar="ID", help="Ad hoc: the test plan id.")
    ] = None,
    config_name: Annotated[
        str | None,
        typer.Option("--config-name", metavar="NAME", help="Ad hoc: saved favourite by name."),
    ] = None,
    config_id: Annotated[
        int | None, typer.Option("--config-id", metavar="ID", help="Ad hoc: saved favourite by id.")
    ] = None,
    environment_id: Annotated[
        int | None, typer.Option("--environment-id", metavar="ID", help="Ad hoc: environment id.")
    ] = None,
    build_no: Annotated[
        str | None, typer.Option("--build-no", metavar="TEXT", help="Ad hoc: build number.")
    ] = None,
    runtime: Annotated[
        list[str] | None,
        typer.Option(
            "--runtime", metavar="KEY=VALUE", help="Ad hoc: KEY=VALUE runtime data (repeatable)."
        ),
    ] = None,
    api_url: ApiUrlOpt = None,
    api_key_file: ApiKeyFileOpt = None,
    ca_bundle: CaBundleOpt = None,
    insecure_http: InsecureHttpOpt = False,
    preflight: Annotated[
        bool,
        typer.Option(
            "--preflight/--no-preflight",
            help="Check the test plans and favourites against the account before triggering.",
        ),
    ] = True,
) -> None:
    """Trigger partial test-plan runs now; with --wait, wait for the verdict.

    Exit 0 only when every run passed, 1 when any did not, 4 when --timeout
    passed first (the runs are left running). Ctrl-C or SIGTERM stops waiting,
    not the runs (exit 130).

    Examples:

      reconciler run smoke-on-merge testsigma/ --wait --junit report.xml

      reconciler run smoke nightly-subset testsigma/ --wait

      reconciler run --execution-id 3857 --config-name "smoke only" --wait
    """
    from reconciler.app.run_flow import RunOrder, run_runs
    from reconciler.app.run_requests import AdHocFlags, requests_for
    from reconciler.app.settings import connection

    if fmt not in ("text", "json"):
        raise ReconcilerError(f"--format must be text or json, not {fmt!r}")
    ad_hoc = None
    if execution_id is not None:
        ad_hoc = AdHocFlags(
            execution_id=execution_id,
            config_name=config_name,
            config_id=config_id,
            environment_id=environment_id,
            build_no=build_no,
            runtime=tuple(runtime or ()),
        )
    order = RunOrder(
        requests=requests_for(args or [], ad_hoc=ad_hoc, load=load_desired_from),
        preflight=preflight,
        wait=wait,
        timeout=timeout,
        poll_interval=poll_interval,
        junit=junit,
        run_ids_file=output_run_id,
    )
    conn = connection(api_url, api_key_file, insecure_http=insecure_http)
    # One handler for the whole command: before the wait a signal interrupts (exit 130);
    # during it, SIGINT and SIGTERM alike stop the wait and the report is still printed.
    signals = CommandSignals(interrupt_note=None)
    with signals, make_client(conn, ca_bundle=ca_bundle, handle_signals=False) as client:
        signals.cancel = client.cancel
        result = run_runs(order, client, _hooks(signals))
    _report(result, fmt)
    if result.exit_code != EXIT_OK:
        raise typer.Exit(result.exit_code)


def _hooks(signals: CommandSignals) -> RunHooks:
    from reconciler.app.run_flow import RunHooks

    def triggered(handle: RunHandle) -> None:
        info(f"Triggered {handle.label}" + (f": {handle.link}" if handle.link else ""))

    @contextmanager
    def waiting(handles: Sequence[RunHandle], stop: threading.Event) -> Iterator[OnChange]:
        board = RunBoard(handles)

        def on_change(handle: RunHandle, line: str) -> None:
            if not board.update(handle, line):
                info(f"{handle.label}: {line}")

        # A poll in flight must not hold Ctrl-C until --timeout: cancelled at once.
        with signals.stopping(stop, grace=0, note=None), board:
            yield on_change
        if stop.is_set():
            ids = ", ".join(str(h.id) for h in handles)
            info(
                f"Stopped waiting. The run(s) go on in Testsigma (id {ids}); nothing was cancelled."
            )

    def saved_report(handle: RunHandle, path: Path) -> None:
        info(f"Saved the JUnit report of {handle.label} to {path}")

    return RunHooks(triggered=triggered, waiting=waiting, saved_report=saved_report)


def _report(result: RunResult, fmt: str) -> None:
    from reconciler.render.runs import RunRow, TriggeredRow, run_report, triggered

    if not result.waited:
        out(triggered([TriggeredRow(h.id, h.name, h.link) for h in result.handles], fmt))
        return
    rows = [
        RunRow(h.id, h.name, h.label, o.state.value, o.passed, o.summary, o.run)
        for o in result.outcomes
        for h in (o.handle,)
    ]
    out(run_report(rows, fmt))
