"""`reconciler export`: read the live account and write it as v1 YAML (shell).

Reads every schedule (all pages, `sort=id,asc`, so paging is stable on a
server whose pages have no order of their own) and the test plans (to name
the files), builds the documents (`reconciler.engine.export`) and writes them
(`reconciler.render.export_yaml`). Files are never overwritten: if any target
exists, nothing is written and every such file is named.
"""

from __future__ import annotations

import fnmatch
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from reconciler.app.fileio import write_atomically
from reconciler.core.errors import ReconcilerError
from reconciler.engine.export import Export, as_one_document, build_export
from reconciler.render.export_yaml import render_document
from reconciler.testsigma.errors import BadResponseError, NotOfferedError
from reconciler.testsigma.live import to_live


class ExportReader(Protocol):
    def list_schedules(self) -> list[dict[str, Any]]: ...

    def list_test_plans(self) -> list[dict[str, Any]]: ...


def read_export(client: ExportReader, *, match: str | None = None) -> Export:
    """The account's schedules (those whose name matches the glob `match`) as documents."""
    try:
        schedules = client.list_schedules()
    except NotOfferedError:
        raise ReconcilerError(
            "this server does not list schedules (GET /schedule_executions answered 405/501), "
            "so there is nothing export can read"
        ) from None
    live, unreadable = [], []
    for raw in schedules:
        try:
            item = to_live(raw, "GET /schedule_executions")
        except BadResponseError as exc:
            unreadable.append(exc.message)  # reported by the command, never guessed
            continue
        if match is None or fnmatch.fnmatchcase(item.name, match):
            live.append(item)
    return build_export(live, client.list_test_plans(), unreadable=unreadable)


def render_export(
    export: Export, *, out: str, source: str, now: datetime
) -> tuple[tuple[str, str], ...]:
    """(target, text) for each document: one per test plan under `out`, or one for `-`."""
    if out == "-":
        return (("-", render_document(as_one_document(export), source=source, now=now)),)
    directory = Path(out)
    return tuple(
        (str(directory / f.filename), render_document(f, source=source, now=now))
        for f in export.files
    )


def write_export(documents: tuple[tuple[str, str], ...]) -> None:
    """Write each file (atomically); refuse, writing nothing, when any already exists."""
    existing = [path for path, _ in documents if Path(path).exists()]
    if existing:
        raise ReconcilerError(
            f"{len(existing)} file(s) already exist and would be overwritten: "
            f"{', '.join(existing)}. Export into an empty directory, or move them away"
        )
    for path, text in documents:
        write_atomically(Path(path), text)
