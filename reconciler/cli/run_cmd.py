"""`run`: trigger declared (or ad hoc) partial runs now, and wait for their verdict."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from reconciler.cli.common import (
    Options,
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
from reconciler.core.errors import EXIT_OK, ReconcilerError

if TYPE_CHECKING:
    from reconciler.app.run_requests import RunRequest
    from reconciler.app.runs import RunHandle, RunOutcome


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
    passed first (the runs are left running). Ctrl-C stops waiting, not the runs.

    Examples:

      reconciler run smoke-on-merge testsigma/ --wait --junit report.xml

      reconciler run smoke nightly-subset testsigma/ --wait

      reconciler run --execution-id 3857 --config-name "smoke only" --wait
    """
    from reconciler.app.runs import trigger, write_run_ids
    from reconciler.app.settings import connection

    if fmt not in ("text", "json"):
        raise ReconcilerError(f"--format must be text or json, not {fmt!r}")
    requests = _requests(
        args or [],
        execution_id=execution_id,
        config_name=config_name,
        config_id=config_id,
        environment_id=environment_id,
        build_no=build_no,
        runtime=runtime or [],
    )
    conn = connection(api_url, api_key_file, insecure_http=insecure_http)
    with make_client(conn, ca_bundle=ca_bundle) as client:
        requests = _checked(requests, client, preflight=preflight)
        handles = [trigger(client, request) for request in requests]
        for handle in handles:
            info(f"Triggered {handle.label}" + (f": {handle.link}" if handle.link else ""))
        if output_run_id is not None:
            write_run_ids(output_run_id, [h.id for h in handles])
        if not wait:
            if fmt == "json":
                out(
                    json.dumps(
                        [{"id": h.id, "name": h.name, "link": h.link} for h in handles], indent=2
                    )
                )
            else:
                for handle in handles:
                    out(str(handle.id))
            return
        outcomes = _wait(client, handles, timeout=timeout, poll_interval=poll_interval)
        if junit is not None:
            _save_reports(client, outcomes, junit)
    _report(outcomes, fmt)
    from reconciler.app.runs import exit_code_for

    code = exit_code_for(outcomes)
    if code != EXIT_OK:
        raise typer.Exit(code)


def _requests(
    args: list[str],
    *,
    execution_id: int | None,
    config_name: str | None,
    config_id: int | None,
    environment_id: int | None,
    build_no: str | None,
    runtime: list[str],
) -> list[RunRequest]:
    from reconciler.app.run_requests import ad_hoc_request, request_for

    paths = [Path(a) for a in args if Path(a).exists()]
    names = [a for a in args if not Path(a).exists()]
    if execution_id is not None:
        if names:
            raise ReconcilerError(
                f"--execution-id triggers one ad hoc run; it cannot be mixed with declared "
                f"run names ({', '.join(names)})"
            )
        return [
            ad_hoc_request(
                execution_id=execution_id,
                config_name=config_name,
                config_id=config_id,
                environment_id=environment_id,
                build_no=build_no,
                runtime=runtime,
            )
        ]
    if not names:
        raise ReconcilerError(
            "name the runs to trigger (declared under `runs:`) and the YAML that declares them, "
            "or use --execution-id for an ad hoc run"
        )
    if not paths:
        raise ReconcilerError(
            f"no YAML given: add the files or directories that declare {', '.join(names)} "
            "(or no such file: check the path)"
        )
    desired = load_desired_from(paths)
    declared = {r.name: r for r in desired.runs}
    missing = [n for n in names if n not in declared]
    if missing:
        known = ", ".join(sorted(declared)) or "none"
        raise ReconcilerError(
            f"no run named {', '.join(repr(m) for m in missing)} is declared under `runs:` "
            f"(declared: {known})"
        )
    return [request_for(declared[n]) for n in names]


def _checked(requests: list[RunRequest], client: Any, *, preflight: bool) -> list[RunRequest]:
    """Resolve `testPlan` names, and check test plans and favourites before triggering.

    Triggering is a write, so every problem of every requested run is reported
    before any of them starts, each at its line in the YAML (or at its flag).
    """
    from dataclasses import replace

    from reconciler.app.account import read_account
    from reconciler.app.run_requests import ad_hoc_flag_locations
    from reconciler.core.errors import InputError, Location
    from reconciler.core.model import DesiredRun, DesiredSet
    from reconciler.engine.preflight import check_account, resolve_test_plans

    needs_names = any("executionId" not in r.body for r in requests)
    if not preflight and not needs_names:
        return requests
    account = read_account(client)
    runs = DesiredSet(
        runs=tuple(
            r.declared
            or DesiredRun(
                name=r.name or "ad hoc run",
                body=r.body,
                location=Location("--execution-id"),
                field_locations=ad_hoc_flag_locations(r.body),
            )
            for r in requests
        )
    )
    runs = resolve_test_plans(runs, account.test_plans)
    if preflight:
        problems = check_account(runs, account.test_plans, account.saved_configs)
        if problems:
            raise InputError(problems)
    return [replace(r, body=run.body) for r, run in zip(requests, runs.runs, strict=True)]


def _wait(
    client: Any, handles: list[RunHandle], *, timeout: float, poll_interval: float
) -> list[RunOutcome]:
    from reconciler.app.runs import describe_run, wait_for_runs

    stop = threading.Event()
    board = RunBoard(handles)

    def on_change(handle: RunHandle, state: dict[str, Any]) -> None:
        if not board.update(handle, describe_run(state)):
            info(f"{handle.label}: {describe_run(state)}")

    def on_signal(_signum: int, _frame: object) -> None:
        stop.set()
        client.cancel()  # a poll in flight must not hold Ctrl-C until --timeout

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGINT, on_signal)
    try:
        with board:
            outcomes = wait_for_runs(
                client,
                handles,
                timeout=timeout,
                poll_interval=poll_interval,
                on_change=on_change,
                stop=stop,
            )
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        client.cancellation.reset()  # the reports of completed runs can still be fetched
    if stop.is_set():
        ids = ", ".join(str(h.id) for h in handles)
        info(f"Stopped waiting. The run(s) go on in Testsigma (id {ids}); nothing was cancelled.")
    return outcomes


class RunBoard:
    """On a terminal, a live table of the runs (status and counters); elsewhere nothing,
    and the caller prints one plain line per change instead."""

    def __init__(self, handles: list[RunHandle]) -> None:
        self._rows = {h.id: (h.label, "triggered") for h in handles}
        self._live: Any = None

    def __enter__(self) -> RunBoard:
        if sys.stderr.isatty() and not Options.quiet:
            from rich.console import Console
            from rich.live import Live

            console = Console(stderr=True, no_color=bool(os.environ.get("NO_COLOR")))
            self._live = Live(self._table(), console=console, transient=False)
            self._live.start()
        return self

    def update(self, handle: RunHandle, line: str) -> bool:
        """Show the change on the board; False when there is no board."""
        self._rows[handle.id] = (handle.label, line)
        if self._live is None:
            return False
        self._live.update(self._table())
        return True

    def _table(self) -> Any:
        from rich.table import Table

        table = Table(show_header=True, header_style="bold", box=None)
        table.add_column("run")
        table.add_column("status and counters")
        for label, line in self._rows.values():
            table.add_row(label, line)
        return table

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.stop()


def _save_reports(client: Any, outcomes: list[RunOutcome], junit: Path) -> None:
    from reconciler.app.runs import RunState, save_junit

    for outcome in outcomes:
        if outcome.state not in (RunState.PASSED, RunState.FAILED):
            continue
        target = junit
        if len(outcomes) > 1:
            label = outcome.handle.name or str(outcome.handle.id)
            target = junit.with_name(f"{junit.stem}-{label}{junit.suffix}")
        save_junit(client, outcome.handle.id, target)
        info(f"Saved the JUnit report of {outcome.handle.label} to {target}")


def _report(outcomes: list[RunOutcome], fmt: str) -> None:
    if fmt == "json":
        out(
            json.dumps(
                [
                    {
                        "id": o.handle.id,
                        "name": o.handle.name,
                        "state": o.state.value,
                        "passed": o.passed,
                        "run": dict(o.run),
                    }
                    for o in outcomes
                ],
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    width = max(len(o.handle.label) for o in outcomes)
    for outcome in outcomes:
        # A timed-out run's summary already says it was left running, and where.
        out(f"{outcome.handle.label.ljust(width)}  {outcome.state.value:<12}  {outcome.summary}")
