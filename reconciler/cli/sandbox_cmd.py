"""`sandbox`: a local Testsigma-compatible API for trying the tool and for tests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from reconciler.cli.common import app, err, guard

if TYPE_CHECKING:
    from reconciler.sandbox import Sandbox


@app.command()
@guard
def sandbox(
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1.")] = 8765,
    api_key: Annotated[
        str | None, typer.Option("--api-key", help="Key to accept (generated when omitted).")
    ] = None,
    latency_ms: Annotated[
        float, typer.Option("--latency-ms", min=0, help="Delay added to every call.")
    ] = 0.0,
) -> None:
    """Serve a local Testsigma-compatible API on 127.0.0.1 (schedules, test plans, runs).

    It keeps everything in memory and is seeded with test plans (3857 "Checkout
    regression", ...) and favourites (fav_config_name, smoke only).

    Example: reconciler sandbox --port 8765 --api-key demo-key
    """
    from reconciler.sandbox import serve

    def ready(server: Sandbox) -> None:
        err(f"Sandbox listening on {server.url}")
        if api_key is None:
            # The one key ever printed: a throwaway one the sandbox just made up.
            typer.echo(f"API key: {server.api_key}", err=True)
        err("Press Ctrl-C to stop.")

    serve(port=port, api_key=api_key, latency_ms=latency_ms, on_ready=ready)
