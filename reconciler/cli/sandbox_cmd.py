"""`sandbox`: a local Testsigma-compatible API for trying the tool and for tests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from reconciler.cli.common import app, err, guard

if TYPE_CHECKING:
    from reconciler.sandbox import Sandbox

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
    unique, the regex query parser); see docs/SANDBOX.md.

    Example: reconciler sandbox --port 8765 --api-key demo-key
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

    def ready(server: Sandbox) -> None:
        err(f"Sandbox listening on {server.url}")
        if api_key is None:
            # The one key ever printed: a throwaway one the sandbox just made up.
            typer.echo(f"API key: {server.api_key}", err=True)
        err("Press Ctrl-C to stop.")

    serve(port=port, api_key=api_key, config=config, on_ready=ready)
