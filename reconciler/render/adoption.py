"""What `import --all` did, as a table of what it adopted and a list of what it could not."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from reconciler.core.model import FieldChange
from reconciler.render.common import plain


class _Adopted(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def id(self) -> int: ...
    @property
    def execution_id(self) -> int | None: ...
    @property
    def differences(self) -> tuple[FieldChange, ...]: ...
    @property
    def favourite(self) -> str | None: ...


class _Report(Protocol):
    @property
    def adopted(self) -> Sequence[_Adopted]: ...
    @property
    def absent(self) -> Sequence[str]: ...
    @property
    def ambiguous(self) -> dict[str, list[int]]: ...
    @property
    def already(self) -> dict[str, int]: ...
    @property
    def owned_elsewhere(self) -> dict[str, list[str]]: ...
    @property
    def other_workspace(self) -> dict[str, str]: ...


def adoption_table(report: _Report) -> str:
    """The adopted schedules as aligned columns, then everything not adopted, and why."""
    lines: list[str] = []
    if report.adopted:
        rows = [("NAME", "ID", "TEST PLAN", "FAVOURITE (from YAML)", "NEXT PLAN")]
        for a in report.adopted:
            rows.append(
                (
                    a.name,
                    str(a.id),
                    str(a.execution_id or ""),
                    a.favourite or "-",
                    _next_plan(a.differences),
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines.append(f"Adopted {len(report.adopted)} schedule(s); nothing was sent to Testsigma:")
        for row in rows:
            cells = "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True))
            lines.append(f"  {cells}".rstrip())
    else:
        lines.append("Adopted no schedule.")
    skipped = _not_adopted(report)
    if skipped:
        lines.append("")
        lines.append(f"Not adopted ({len(skipped)}):")
        lines.extend(f"  {line}" for line in skipped)
    return "\n".join(lines).rstrip()


def _next_plan(differences: tuple[FieldChange, ...]) -> str:
    if not differences:
        return "in sync"
    shown = ", ".join(f"{d.field} {plain(d.after)} -> {plain(d.before)}" for d in differences)
    return f"update: {shown}"


def _not_adopted(report: _Report) -> list[str]:
    lines = [
        f"+ {name}: no schedule of that name in Testsigma; apply will create it"
        for name in sorted(report.absent)
    ]
    for name, ids in sorted(report.ambiguous.items()):
        listed = ", ".join(str(i) for i in ids)
        lines.append(
            f"x {name}: {len(ids)} schedules have that name (ids {listed}); choose one with "
            f"`reconciler import {name} ID` and delete or rename the others in Testsigma"
        )
    for name, owners in sorted(report.owned_elsewhere.items()):
        lines.append(
            f"x {name}: the schedule(s) of that name are already managed as "
            f"{', '.join(repr(o) for o in owners)}"
        )
    lines.extend(
        f"x {name}: managed by workspace `{workspace}` of this state store; not adopted"
        for name, workspace in sorted(report.other_workspace.items())
    )
    lines.extend(
        f"= {name}: already managed (id {ident})" for name, ident in sorted(report.already.items())
    )
    return lines
