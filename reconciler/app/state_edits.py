"""The `state ...` edits as use cases: each takes the state lock and changes the state.

`state rm`, `state mv`, `state resolve`, `state import` and `state unlock`
change the recorded state without a word to Testsigma. Each edit that
changes what a saved plan was made against moves the serial, so such a plan
is stale afterwards (docs/STATE.md "Serial, saved plans and their
signature"). The CLI opens the store, calls one of these and says what
happened; a refusal is a ReconcilerError naming what to do instead.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from reconciler.core.errors import ReconcilerError
from reconciler.core.payload import JsonValue
from reconciler.core.ports import LockInfo, StateStore
from reconciler.spec.messages import suggest
from reconciler.state import import_state


def not_recorded(name: str, records: Mapping[str, object]) -> str:
    """`no schedule named 'x' is recorded; did you mean 'y'?`."""
    hint = suggest(name, sorted(records))
    return f"no schedule named {name!r} is recorded" + (
        f"; did you mean {hint!r}?" if hint else " (`reconciler state list` lists them)"
    )


def forget(store: StateStore, name: str) -> None:
    """`state rm`: stop managing `name` (nothing is deleted in Testsigma)."""
    with store.lock(operation="state rm"):
        if not store.forget(name):
            raise ReconcilerError(not_recorded(name, store.read_all()))
        store.bump_serial()


def move(store: StateStore, old: str, new: str) -> None:
    """`state mv`: record `old` under `new`, unless another workspace manages `new`."""
    with store.lock(operation="state mv"):
        taken = store.managed_elsewhere([new])
        if taken:
            raise ReconcilerError(f"`{new}` is managed by workspace `{taken[new]}`")
        store.rename(old, new)
        store.bump_serial()


def resolve_entry(store: StateStore, entry_id: int) -> None:
    """`state resolve`: an unknown-outcome journal entry was checked by hand."""
    with store.lock(operation="state resolve"):
        if entry_id not in {e.id for e in store.journal_unresolved()}:
            raise ReconcilerError(f"journal entry {entry_id} is not unresolved")
        store.journal_resolve(entry_id, detail="resolved by hand")


def unlock(store: StateStore, lock_id: str) -> LockInfo | None:
    """`state unlock`: take the lock away by id; the holder it had (to warn about), if any."""
    holder = store.current_lock()
    if not store.force_unlock(lock_id):
        raise ReconcilerError(f"lock {lock_id} is not held")
    return holder if holder is not None and holder.id == lock_id else None


def read_export(path: Path) -> JsonValue:
    """A file written by `state export`, read before any lock is taken."""
    try:
        data: JsonValue = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReconcilerError(f"cannot read {path} as a state export: {exc}") from None
    return data  # import_state checks its shape and names every problem


def import_export(store: StateStore, data: object) -> None:
    """`state import`: replace the state with an export, under the lock."""
    with store.lock(operation="state import"):
        import_state(store, data)
