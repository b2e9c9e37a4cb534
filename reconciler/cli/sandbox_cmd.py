"""`sandbox`: a local Testsigma-compatible API for trying the tool and for tests."""

from __future__ import annotations

import errno
import logging
import shlex
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from reconciler.cli.common import app, err, guard
from reconciler.core.errors import ReconcilerError

if TYPE_CHECKING:
    from reconciler.sandbox import Sandbox

#: The sandbox's HTTP handler logs each request here, at DEBUG (one line per call).
REQUEST_LOGGER = "reconciler.sandbox.server"
_RATE = {"min": 0.0, "max": 1.0}


@app.command()
@guard
def sandbox(
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1.")] = 8765,
    api_key: Annotated[
        str | None, typer.Option("--api-key", help="Key to accept (generated when omitted).")
    ] = None,
    unique_names: Annotated[
        bool, typer.Option("--unique-names", help="Answer 422 when a schedule name is taken.")
    ] = False,
    replacing_put: Annotated[
        bool, typer.Option("--replacing-put", help="PUT replaces a schedule instead of merging.")
    ] = False,
    ordered_lists: Annotated[
        bool, typer.Option("--ordered-lists", help="Lists without sort= come in id order.")
    ] = False,
    control: Annotated[
        bool, typer.Option("--control", help="Serve the /_sandbox/ control endpoints.")
    ] = False,
    latency_ms: Annotated[
        float, typer.Option("--latency-ms", min=0, help="Delay added to every call.")
    ] = 0.0,
    log_requests: Annotated[
        bool, typer.Option("--log-requests", help="Print one line per API call on stderr.")
    ] = False,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Seed of every fault draw (reproducible).")
    ] = None,
    fault_rate: Annotated[
        float, typer.Option("--fault-rate", **_RATE, help="Share of calls answered by a fault.")
    ] = 0.0,
    commit_fail_rate: Annotated[
        float,
        typer.Option(
            "--commit-fail-rate",
            **_RATE,
            help="Share of changes applied, then answered 5xx.",
        ),
    ] = 0.0,
    rate_limit: Annotated[
        float, typer.Option("--rate-limit", min=0, help="Requests per second before 429.")
    ] = 0.0,
    id_oddity_rate: Annotated[
        float, typer.Option("--id-oddity-rate", **_RATE, help="Share of creates with an odd id.")
    ] = 0.0,
) -> None:
    """Serve a local Testsigma-compatible API on 127.0.0.1 (schedules, test plans, runs).

    It keeps everything in memory and is seeded with test plans (3857 "Checkout
    regression", ...) and favourites (fav_config_name, smoke only). By default it
    behaves like the least forgiving plausible server (merging PUT, names not
    unique, the regex query parser); see docs/SANDBOX.md. It prints the
    `export` line that points `reconciler` in another shell at it.

    Example: reconciler sandbox --port 8765 --api-key demo-key --log-requests
    """
    from reconciler.sandbox import SandboxConfig, serve

    config = SandboxConfig(
        unique_names=unique_names,
        replacing_put=replacing_put,
        ordered_lists=ordered_lists,
        control=control,
        latency_ms=latency_ms,
        fault_seed=seed,
        fault_rate=fault_rate,
        commit_fail_rate=commit_fail_rate,
        rate_limit=rate_limit,
        id_oddity_rate=id_oddity_rate,
    )

    if log_requests:
        _log_requests_to_stderr()

    def ready(server: Sandbox) -> None:
        err(f"Sandbox listening on {server.url}")
        err("Point reconciler at it from another shell:")
        if api_key is None:
            # The one key ever printed: a throwaway one the sandbox just made up.
            typer.echo(
                f"  export TESTSIGMA_API_URL={server.url} "
                f"TESTSIGMA_API_KEY={shlex.quote(server.api_key)}",
                err=True,
            )
        else:
            err(f"  export TESTSIGMA_API_URL={server.url} TESTSIGMA_API_KEY=<your --api-key>")
        err("Press Ctrl-C to stop.")

    try:
        serve(port=port, api_key=api_key, config=config, on_ready=ready)
    except OSError as exc:
        raise ReconcilerError(_listen_error(exc, port)) from None


def _listen_error(exc: OSError, port: int) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (
            f"port {port} on 127.0.0.1 is already in use (another sandbox?): pick another "
            f"with --port N (for examples/demo.sh: RECONCILER_DEMO_PORT=N)"
        )
    if exc.errno == errno.EACCES:
        return f"not allowed to listen on port {port}: pick a port above 1023 with --port N"
    return f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}"


def _log_requests_to_stderr() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    logger = logging.getLogger(REQUEST_LOGGER)
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    logger.propagate = False
