"""The options several commands share, so that one flag means one thing everywhere.

`--timeout` here is the deadline of each API call; `reconciler run --timeout` is the
wait for a verdict instead, and says so in its help (README.md, "Talking to Testsigma").
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

StateOpt = Annotated[
    str | None,
    typer.Option(
        "--state",
        metavar="URL",
        envvar="RECONCILER_STATE",
        help="State URL: sqlite:///path.db (default .reconciler/state.db) or "
        "postgresql://user@host/db?workspace=NAME.",
    ),
]
ApiUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--api-url",
        metavar="URL",
        help="Testsigma API base URL (env TESTSIGMA_API_URL).",
        show_default="https://app.testsigma.com/api/v1",
    ),
]
ApiKeyFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--api-key-file",
        metavar="FILE",
        help="File holding the API key (else env TESTSIGMA_API_KEY).",
    ),
]
CaBundleOpt = Annotated[
    Path | None,
    typer.Option(
        "--ca-bundle",
        metavar="FILE",
        help="CA certificates for a private Testsigma host (TLS is always verified).",
    ),
]
InsecureHttpOpt = Annotated[
    bool,
    typer.Option(
        "--insecure-http",
        envvar="RECONCILER_INSECURE_HTTP",
        help="Allow an http:// API URL to a host other than loopback (the key travels "
        "unencrypted; a warning is printed every run).",
    ),
]
ConnectTimeoutOpt = Annotated[
    float, typer.Option("--connect-timeout", min=0.1, metavar="SECONDS", help="Seconds to connect.")
]
ReadTimeoutOpt = Annotated[
    float,
    typer.Option(
        "--read-timeout", min=0.1, metavar="SECONDS", help="Seconds to wait for an answer."
    ),
]
TotalTimeoutOpt = Annotated[
    float,
    typer.Option(
        "--timeout",
        min=1,
        metavar="SECONDS",
        help="Deadline of each API call: connecting, every retry and wait, every page of a list.",
    ),
]
FormatOpt = Annotated[
    str, typer.Option("--format", metavar="FORMAT", help="Output: text, json or markdown.")
]
PruneOpt = Annotated[
    bool, typer.Option("--prune", help="Delete recorded schedules that are no longer declared.")
]
TargetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--target", metavar="NAME", help="Limit to this schedule (repeatable). Not for routine use."
    ),
]
ParallelismOpt = Annotated[
    int,
    typer.Option("--parallelism", min=1, max=64, metavar="N", help="Requests in flight at once."),
]
RefreshOpt = Annotated[
    bool | None,
    typer.Option(
        "--refresh/--no-refresh",
        help="Read the live schedules first (default: on when an API key is set).",
        show_default=False,
    ),
]
