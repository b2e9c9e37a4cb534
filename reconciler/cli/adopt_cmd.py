"""`import` and `export`: bring schedules made outside the reconciler under management."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from reconciler.cli.common import (
    app,
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
    InsecureHttpOpt,
    StateOpt,
)
from reconciler.core.errors import ReconcilerError

if TYPE_CHECKING:
    from reconciler.app.settings import Connection

LockTimeoutOpt = Annotated[
    float,
    typer.Option(
        "--lock-timeout", min=0, metavar="SECONDS", help="Seconds to wait for the state lock."
    ),
]


@app.command("import")
@guard
def import_schedule(
    args: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="NAME ID [PATH...] | --all PATH...",
            help="The name to manage it under, its Testsigma id, and optionally the YAML; "
            "with --all, the YAML files or directories.",
            show_default=False,
        ),
    ] = None,
    adopt_everything: Annotated[
        bool,
        typer.Option(
            "--all", help="Adopt every declared schedule that exists under exactly its name."
        ),
    ] = False,
    state: StateOpt = None,
    api_url: ApiUrlOpt = None,
    api_key_file: ApiKeyFileOpt = None,
    ca_bundle: CaBundleOpt = None,
    insecure_http: InsecureHttpOpt = False,
    lock_timeout: LockTimeoutOpt = 0.0,
) -> None:
    """Adopt existing Testsigma schedules: record them as managed. Nothing is sent.

    NAME ID adopts one schedule. With the YAML paths, shows how it differs
    from its declaration; the next apply sends the declared body.

    --all PATH... adopts every declared schedule that exists in Testsigma
    under exactly its name, shows a table of what it adopted, and lists what it
    could not: absent (apply will create it) or several with that name (choose
    with `import NAME ID`). Testsigma does not report timezone or
    executionConfig: they are recorded as the YAML declares them.

    Examples:

      reconciler import checkout-nightly 1042 schedules/

      reconciler export --out schedules/ && reconciler import --all schedules/
    """
    from reconciler.app.settings import connection

    words = list(args or [])
    conn = connection(api_url, api_key_file, insecure_http=insecure_http)
    if adopt_everything:
        if not words:
            raise ReconcilerError("import --all needs the YAML paths: import --all PATH...")
        _import_all([Path(w) for w in words], state, conn, ca_bundle, lock_timeout)
        return
    if len(words) < 2:
        raise ReconcilerError(
            "import needs NAME ID (and optionally the YAML paths), or --all PATH..."
        )
    name, raw_id, paths = words[0], words[1], [Path(w) for w in words[2:]]
    if not raw_id.isdigit() or int(raw_id) < 1:
        raise ReconcilerError(
            f"ID must be a Testsigma schedule id (a whole number), not {raw_id!r}"
        )
    _import_one(name, int(raw_id), paths, state, conn, ca_bundle, lock_timeout)


def _import_one(
    name: str,
    schedule_id: int,
    paths: list[Path],
    state: str | None,
    conn: Connection,
    ca_bundle: Path | None,
    lock_timeout: float,
) -> None:
    from reconciler.app.adopt import import_one
    from reconciler.app.settings import now

    desired = load_desired_from(paths) if paths else None
    declared = desired.schedule_named(name) if desired else None
    if desired is not None and declared is None:
        info(f"Warning: no schedule named {name!r} is declared in the given YAML.")
    store = open_state(state)
    try:
        with make_client(conn, ca_bundle=ca_bundle) as client:
            outcome = import_one(
                name,
                schedule_id,
                store,
                client=client,
                declared=declared,
                now=now(),
                lock_timeout=lock_timeout,
            )
    finally:
        store.close()
    info(f"Imported schedule {schedule_id} as {name!r}.")
    if outcome.live.name != name:
        info(
            f"Note: it is named {outcome.live.name!r} in Testsigma; the next apply "
            f"renames it to {name!r}."
        )
    if declared is not None:
        info(
            "Testsigma does not report timezone or executionConfig, so the next apply "
            "sends the full declared body once."
        )
    if outcome.preview_error is not None:
        err(f"Warning: imported, but the plan for it cannot be shown: {outcome.preview_error}")
    elif outcome.preview is not None:
        out(render_plan(outcome.preview, "text"))


def _import_all(
    paths: list[Path],
    state: str | None,
    conn: Connection,
    ca_bundle: Path | None,
    lock_timeout: float,
) -> None:
    from reconciler.app.adopt import adopt_all
    from reconciler.app.settings import now
    from reconciler.render.adoption import adoption_table

    desired = load_desired_from(paths)
    store = open_state(state)
    try:
        with make_client(conn, ca_bundle=ca_bundle) as client:
            report = adopt_all(desired, store, client=client, now=now(), lock_timeout=lock_timeout)
    finally:
        store.close()
    out(adoption_table(report))
    unconfirmed = len(report.adopted)
    if unconfirmed:
        info(
            f"Note: Testsigma does not report timezone or executionConfig: for the {unconfirmed} "
            "adopted schedule(s) they are recorded as the YAML declares them, and the server "
            "keeps its own values until an apply next sends that schedule. Check them "
            "(docs/ADOPTION.md) before changing these schedules."
        )


@app.command("export")
@guard
def export(
    out_dir: Annotated[
        str,
        typer.Option(
            "--out",
            metavar="DIR|-",
            help="Directory for one file per test plan, or - for one YAML stream on stdout.",
        ),
    ] = "-",
    match: Annotated[
        str | None,
        typer.Option("--match", metavar="GLOB", help="Only schedules whose name matches GLOB."),
    ] = None,
    api_url: ApiUrlOpt = None,
    api_key_file: ApiKeyFileOpt = None,
    ca_bundle: CaBundleOpt = None,
    insecure_http: InsecureHttpOpt = False,
) -> None:
    """Write the live account's schedules as v1 YAML (nothing is changed anywhere).

    One file per test plan, named after it; each schedule carries its
    Testsigma id in a comment. Testsigma returns neither timezone nor
    executionConfig: nextInterval is written as the exact instant (Z) with
    timezone UTC, and `check:` comments say what to verify. Existing files are
    never overwritten.

    Examples:

      reconciler export --out schedules/

      reconciler export --match 'checkout-*' > checkout.yaml
    """
    from reconciler.app.export import export_account
    from reconciler.app.settings import connection, now

    conn = connection(api_url, api_key_file, insecure_http=insecure_http)
    with make_client(conn, ca_bundle=ca_bundle) as client:
        result = export_account(client, out=out_dir, match=match, source=conn.api_url, now=now)
    if not result.documents:
        info("No schedule to export" + (f" matches {match!r}." if match else "."))
        return
    if result.stdout is not None:
        out(result.stdout.rstrip("\n"))
    for path in result.written:
        info(f"Wrote {path}")
    info(result.summary)
    for problem in result.export.unreadable:
        info(f"Warning: not exported: {problem}")
