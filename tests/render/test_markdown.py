"""The markdown plan: the pull-request comment a reviewer approves."""

from __future__ import annotations

import re
from dataclasses import replace

from plan_samples import CONFLICT, FULL, NOW, QUIET

from reconciler.core.model import Cause, Conflict, Plan
from reconciler.render.markdown import render_plan

MD = render_plan(FULL, now=NOW)
COLUMNS = ["", "Action", "Schedule", "Id", "Changes", "When"]


def table(text: str) -> list[list[str]]:
    """The table's rows as cells, split on the pipes markdown reads (not escaped ones)."""
    rows = []
    for line in text.splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            cells = re.split(r"(?<!\\)\|", line)[1:-1]
            rows.append([c.strip() for c in cells])
    return rows


def row(name: str, text: str = MD) -> dict[str, str]:
    header, *body = table(text)
    for cells in body:
        if cells[2].strip("` ") == name:
            return dict(zip(header, cells, strict=True))
    raise AssertionError(f"no row for {name} in\n{text}")


def test_the_comment_has_a_heading_a_table_and_the_summary_in_bold() -> None:
    lines = MD.splitlines()
    assert lines[0] == "### testsigma-reconciler plan"
    assert table(MD)[0] == COLUMNS
    assert lines[-1] == (
        "**Plan: 2 to create, 1 to update, 1 to delete; 1 unchanged, 1 orphaned, "
        "1 in conflict (not applied).**"
    )


def test_every_row_has_every_column() -> None:
    assert all(len(cells) == len(COLUMNS) for cells in table(MD))


def test_every_changing_or_attention_action_has_a_row_and_unchanged_ones_do_not() -> None:
    names = [cells[2].strip("` ") for cells in table(MD)[1:]]
    assert names == [
        "checkout-nightly",
        "recreated",
        "login-weekly",
        "old-smoke",
        "left-over",
        "taken",
    ]


def test_a_pipe_or_newline_in_a_name_or_reason_cannot_break_the_table() -> None:
    server_words = Conflict(Cause.LOOKUP_FAILED, detail="line one\nline | two")
    odd = replace(CONFLICT, name="a|b", cause=Cause.LOOKUP_FAILED, conflict=server_words)
    text = render_plan(Plan((odd,)), now=NOW)
    (cells,) = table(text)[1:]
    assert len(cells) == len(COLUMNS)
    assert "\n" not in cells[4] and "line one" in cells[4] and "line" in cells[4]
    assert len([line for line in text.splitlines() if line.startswith("| `")]) == 1


def test_a_plan_without_changes_has_no_table() -> None:
    text = render_plan(QUIET, now=NOW)
    assert "No changes. The declared schedules match the recorded state." in text
    assert table(text) == []
