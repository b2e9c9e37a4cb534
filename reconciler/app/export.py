"""`reconciler export`: read the live account and write it as v1 YAML (shell).

Reads every schedule (all pages, `sort=id,asc`, so paging is stable on a
server whose pages have no order of their own) and the test plans (to name
the files), builds the documents (`reconciler.engine.export`) and writes them
(`reconciler.render.export_yaml`). Files are never overwritten: if any target
exists, nothing is written and every such file is named. `export_account` is
the one use case the command calls: read, render, write, and an `ExportResult`
saying what was done, which the command only prints.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from reconciler.app.fileio import write_atomically
from reconciler.core.errors import ReconcilerError
from reconciler.core.payload import JsonValue
from reconciler.engine.export import Export, as_one_document, build_export
from reconciler.render.export_yaml import render_document, summary
from reconciler.testsigma.errors import BadResponseError, NotOfferedError
from reconciler.testsigma.live import to_live


class ExportReader(Protocol):
    def list_schedules(self) -> list[dict[str, JsonValue]]: ...

    def list_test_plans(self) -> list[dict[str, JsonValue]]: ...


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What `export_account` did: the export read, and each (target, text) document.

    No documents when no schedule matched. The target `-` means the one document
    was not written: the command prints `stdout`; otherwise each target was written.
    """

    export: Export
    documents: tuple[tuple[str, str], ...]

    @property
    def stdout(self) -> str | None:
        """The YAML stream for standard output (`--out -`), or None when files were written."""
        if len(self.documents) == 1 and self.documents[0][0] == "-":
            return self.documents[0][1]
        return None

    @property
    def written(self) -> tuple[str, ...]:
        """The files written (none for `--out -`)."""
        return tuple(path for path, _ in self.documents if path != "-")

    @property
    def summary(self) -> str:
        """The one closing line: how many schedules, documents, and how many need a look."""
        return summary(self.export, written=len(self.documents))


def export_account(
    client: ExportReader,
    *,
    out: str,
    match: str | None,
    source: str,
    now: Callable[[], datetime],
) -> ExportResult:
    """Read the account, render its documents and write them under `out` (`-`: none written).

    ReconcilerError, writing nothing, when a target file exists already.
    """
    exported = read_export(client, match=match)
    if not exported.schedules:
        return ExportResult(exported, ())
    documents = render_export(exported, out=out, source=source, now=now())
    if out != "-":
        write_export(documents)
    return ExportResult(exported, documents)


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
