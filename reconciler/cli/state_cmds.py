"""`import` and `state ...`: adopt a schedule, and inspect or edit the recorded state."""

from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path
from typing import Annotated

import typer

from reconciler.cli.common import (
    ApiKeyFileOpt,
    ApiUrlOpt,
    CaBundleOpt,
    InsecureHttpOpt,
    StateOpt,
    app,
    guard,
    info,
    load_desired_from,
    make_client,
    open_state,
    out,
    render_plan,
    state_app,
)
from reconciler.core.errors import ReconcilerError


@app.command("import")
@guard
def import_schedule(
    name: Annotated[str, typer.Argument(help="The name to manage it under (as in the YAML).")],
    schedule_id: Annotated[int, typer.Argument(help="Its Testsigma schedule id.", min=1)],
    paths: Annotated[
        list[Path] | None, typer.Argument(help="YAML to compare with (optional).")
    ] = None,
    state: StateOpt = None,
    api_url: ApiUrlOpt = None,
    api_key_file: ApiKeyFileOpt = None,
    ca_bundle: CaBundleOpt = None,
    insecure_http: InsecureHttpOpt = False,
    lock_timeout: Annotated[
        float,
        typer.Option(
            "--lock-timeout", min=0, metavar="SECONDS", help="Seconds to wait for the state lock."
        ),
    ] = 0.0,
) -> None:
    """Adopt an existing Testsigma schedule: record it as managed under NAME.

    Nothing is sent to Testsigma. With the YAML paths, shows how the schedule
    differs from its declaration; the next apply sends the declared body.

    Example: reconciler import checkout-nightly 1042 schedules/
    """
    from reconciler.app.prepare import prepare_plan
    from reconciler.app.settings import connection, now
    from reconciler.core.model import RecordedSchedule
    from reconciler.engine.adopt import adopted_payload
    from reconciler.testsigma.errors import NotFoundError, NotOfferedError

    conn = connection(api_url, api_key_file, insecure_http=insecure_http)
    desired = load_desired_from(paths) if paths else None
    declared = desired.schedule_named(name) if desired else None
    if desired is not None and declared is None:
        info(f"Warning: no schedule named {name!r} is declared in the given YAML.")
    store = open_state(state)
    try:
        with (
            store.lock(operation="import", timeout=lock_timeout),
            make_client(conn, ca_bundle=ca_bundle) as client,
        ):
            records = store.read_all()
            if name in records:
                raise ReconcilerError(
                    f"{name!r} is already recorded (id {records[name].id}); "
                    f"`reconciler state rm {name}` first to adopt another"
                )
            owner = next((r.name for r in records.values() if r.id == schedule_id), None)
            if owner is not None:
                raise ReconcilerError(f"schedule {schedule_id} is already managed as {owner!r}")
            try:
                live = client.get_schedule(schedule_id)
            except NotFoundError:
                raise ReconcilerError(f"Testsigma has no schedule with id {schedule_id}") from None
            except NotOfferedError:
                raise ReconcilerError(
                    "this server does not offer GET /schedule_executions/{id}, so the schedule "
                    "cannot be read to adopt it"
                ) from None
            payload = adopted_payload(name, live, declared.payload if declared else None)
            stamp = now().astimezone(UTC).isoformat(timespec="seconds")
            store.record(RecordedSchedule(name, schedule_id, payload, stamp))
            store.bump_serial()
            info(f"Imported schedule {schedule_id} as {name!r}.")
            if live.get("name") != name:
                info(
                    f"Note: it is named {live.get('name')!r} in Testsigma; the next apply "
                    f"renames it to {name!r}."
                )
            if desired is not None and declared is not None:
                info(
                    "Testsigma does not report timezone or executionConfig, so the next apply "
                    "sends the full declared body once."
                )
                prepared = prepare_plan(
                    desired,
                    store,
                    client=client,
                    refresh_live=True,
                    now=now(),
                    targets=frozenset({name}),
                )
                out(render_plan(prepared.plan, "text"))
    finally:
        store.close()


@state_app.command("list")
@guard
def state_list(state: StateOpt = None) -> None:
    """List the recorded schedules: name, Testsigma id, last applied."""
    store = open_state(state)
    try:
        records = store.read_all()
        info(
            f"State {store.url}: lineage {store.lineage}, serial {store.serial}, "
            f"{len(records)} schedule(s)"
        )
        for name in sorted(records):
            rec = records[name]
            out(f"{rec.name}\t{rec.id}\t{rec.applied_at}")
        for entry in store.journal_unresolved():
            info(
                f"Unresolved: journal entry {entry.id}: {entry.action} {entry.name!r} "
                f"sent {entry.started_at}, outcome unknown"
            )
    finally:
        store.close()


@state_app.command("show")
@guard
def state_show(name: str, state: StateOpt = None) -> None:
    """Show one recorded schedule as JSON (the payload last sent, anchor as declared)."""
    store = open_state(state)
    try:
        rec = store.get(name)
    finally:
        store.close()
    if rec is None:
        raise ReconcilerError(f"no schedule named {name!r} is recorded")
    out(
        json.dumps(
            {
                "name": rec.name,
                "id": rec.id,
                "applied_at": rec.applied_at,
                "payload": dict(rec.payload),
            },
            indent=2,
            ensure_ascii=False,
        )
    )


@state_app.command("rm")
@guard
def state_rm(name: str, state: StateOpt = None) -> None:
    """Forget a schedule: the reconciler stops managing it; nothing is deleted in Testsigma."""
    store = open_state(state)
    try:
        with store.lock(operation="state rm"):
            if not store.forget(name):
                raise ReconcilerError(f"no schedule named {name!r} is recorded")
            store.bump_serial()
    finally:
        store.close()
    info(f"Forgot {name!r}; it is no longer managed (it still exists in Testsigma).")


@state_app.command("unlock")
@guard
def state_unlock(lock_id: str, state: StateOpt = None) -> None:
    """Force-release a stale apply lock by its id (shown in the "locked" message)."""
    store = open_state(state)
    try:
        if not store.force_unlock(lock_id):
            raise ReconcilerError(f"lock {lock_id} is not held")
    finally:
        store.close()
    info(f"Released lock {lock_id}.")


@state_app.command("resolve")
@guard
def state_resolve(entry_id: int, state: StateOpt = None) -> None:
    """Mark an unknown-outcome journal entry as checked by hand (the create did not happen)."""
    store = open_state(state)
    try:
        with store.lock(operation="state resolve"):
            if entry_id not in {e.id for e in store.journal_unresolved()}:
                raise ReconcilerError(f"journal entry {entry_id} is not unresolved")
            store.journal_resolve(entry_id, detail="resolved by hand")
    finally:
        store.close()
    info(f"Journal entry {entry_id} resolved; the next apply plans it afresh.")


@state_app.command("export")
@guard
def state_export(
    state: StateOpt = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="File (default stdout).")
    ] = None,
) -> None:
    """Write the whole state as JSON (for backups and moving between stores)."""
    from reconciler.app.fileio import write_atomically

    store = open_state(state)
    try:
        text = json.dumps(store.export(), indent=2, ensure_ascii=False) + "\n"
    finally:
        store.close()
    if output is None:
        out(text.rstrip("\n"))
    else:
        write_atomically(output, text)
        info(f"Exported the state to {output}.")


@state_app.command("import")
@guard
def state_import(
    file: Annotated[Path, typer.Argument(help="A file written by `state export`.")],
    state: StateOpt = None,
) -> None:
    """Replace the state with an export (lineage and serial included)."""
    from reconciler.state import import_state

    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReconcilerError(f"cannot read {file} as a state export: {exc}") from None
    store = open_state(state)
    try:
        with store.lock(operation="state import"):
            import_state(store, data)
    finally:
        store.close()
    info(f"Imported the state from {file}.")
