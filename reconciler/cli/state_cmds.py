"""`state ...`: inspect or edit the recorded state (`import` lives in `adopt_cmd`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from reconciler.cli.common import (
    guard,
    info,
    open_state,
    out,
    state_app,
)
from reconciler.cli.options import (
    StateOpt,
)
from reconciler.core.errors import ReconcilerError


@state_app.command("list")
@guard
def state_list(
    state: StateOpt = None,
    fmt: Annotated[
        str, typer.Option("--format", metavar="FORMAT", help="Output: text or json.")
    ] = "text",
) -> None:
    """List the recorded schedules: name, Testsigma id, last applied.

    Example: reconciler state list --format json
    """
    if fmt not in ("text", "json"):
        raise ReconcilerError(f"--format must be text or json, not {fmt!r}")
    store = open_state(state)
    try:
        records = store.read_all()
        info(
            f"State {store.url} (workspace {store.workspace}): lineage {store.lineage}, "
            f"serial {store.serial}, "
            f"{len(records)} schedule(s)"
        )
        rows = [records[name] for name in sorted(records)]
        if fmt == "json":
            out(
                json.dumps(
                    [{"name": r.name, "id": r.id, "applied_at": r.applied_at} for r in rows],
                    indent=2,
                    ensure_ascii=False,
                )
            )
        elif rows:
            # The header goes with the summary on stderr: stdout stays one record per line.
            info("NAME\tID\tAPPLIED AT")
            for rec in rows:
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
    from reconciler.app.state_edits import not_recorded

    store = open_state(state)
    try:
        rec = store.get(name)
        if rec is None:
            raise ReconcilerError(not_recorded(name, store.read_all()))
    finally:
        store.close()
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
    from reconciler.app.state_edits import forget

    store = open_state(state)
    try:
        forget(store, name)
    finally:
        store.close()
    info(f"Forgot {name!r}; it is no longer managed (it still exists in Testsigma).")


@state_app.command("unlock")
@guard
def state_unlock(lock_id: str, state: StateOpt = None) -> None:
    """Take the apply lock away from its holder, by id (shown in the "locked" message).

    Rarely needed: a lock dies with its process (kill -9 included) or database
    session. Use it only for a holder you know is stuck: if it is alive, it
    stops launching new actions at its next step and exits with an error.
    """
    from reconciler.app.state_edits import unlock

    store = open_state(state)
    try:
        holder = unlock(store, lock_id)
    finally:
        store.close()
    info(f"Released lock {lock_id}.")
    if holder is not None:
        info(
            f"Warning: its holder ({holder.owner}, since {holder.created_at}) may still be "
            "running. It starts nothing more once it notices, but requests it already sent may "
            "finish after this: check what it did before the next apply."
        )


@state_app.command("mv")
@guard
def state_mv(
    old: Annotated[str, typer.Argument(help="The recorded name.")],
    new: Annotated[str, typer.Argument(help="The name to record it under.")],
    state: StateOpt = None,
) -> None:
    """Record a schedule under a new name (state only: nothing is sent to Testsigma).

    The next apply renames it in Testsigma if the YAML declares NEW.

    Example: reconciler state mv payments-nightly payments-nightly-eu
    """
    from reconciler.app.state_edits import move

    store = open_state(state)
    try:
        move(store, old, new)
    finally:
        store.close()
    info(f"Moved {old!r} to {new!r} in the state; nothing was sent to Testsigma.")


@state_app.command("workspaces")
@guard
def state_workspaces(state: StateOpt = None) -> None:
    """List the workspaces of the state store: schedules recorded, serial, open journal entries."""
    store = open_state(state)
    try:
        summaries = store.workspaces()
        current = store.workspace
    finally:
        store.close()
    out("workspace\tschedules\tserial\tunresolved")
    for ws in summaries:
        mark = " (current)" if ws.name == current else ""
        out(f"{ws.name}{mark}\t{ws.schedules}\t{ws.serial}\t{ws.open_journal}")


@state_app.command("resolve")
@guard
def state_resolve(entry_id: int, state: StateOpt = None) -> None:
    """Mark an unknown-outcome journal entry as checked by hand (the create did not happen)."""
    from reconciler.app.state_edits import resolve_entry

    store = open_state(state)
    try:
        resolve_entry(store, entry_id)
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
    """Replace the state with an export (its lineage and schedules).

    The serial becomes higher than both the current and the exported one, so
    no plan saved before the import can be applied after it. The state keeps
    its own plan-signing key (an export never holds it).
    """
    from reconciler.app.state_edits import import_export, read_export

    data = read_export(file)
    store = open_state(state)
    try:
        import_export(store, data)
    finally:
        store.close()
    info(f"Imported the state from {file}.")
