"""The markdown plan: the pull-request comment a reviewer approves."""

from __future__ import annotations

import re
from dataclasses import replace

from plan_samples import CONFLICT, FULL, NOW, QUIET, UPDATE

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
        if cells[2].strip("`") == name:
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
    names = [cells[2].strip("`") for cells in table(MD)[1:]]
    assert names == [
        "checkout-nightly",
        "recreated",
        "login-weekly",
        "old-smoke",
        "left-over",
        "taken",
    ]


def test_rows_carry_the_kind_symbol_and_id() -> None:
    assert row("login-weekly")["Action"] == "update"
    assert row("login-weekly")["Id"] == "42"
    assert row("login-weekly")[""] == "`~`"
    assert row("old-smoke")["Action"] == "delete" and row("old-smoke")["Id"] == "7"
    assert row("checkout-nightly")["Id"] == ""


def test_an_update_shows_each_field_before_and_after_and_the_drift() -> None:
    changes = row("login-weekly")["Changes"].split("<br>")
    assert changes[0] == "changed outside the reconciler: status ACTIVE -> IN_ACTIVE"
    assert '`scheduleType`: "DAILY" → "WEEKLY"' in changes
    assert '`status`: "ACTIVE" → "IN_ACTIVE"' in changes


def test_an_update_without_drift_shows_only_the_fields() -> None:
    plain_update = replace(UPDATE, drift=())
    changes = row("login-weekly", render_plan(Plan((plain_update,)), now=NOW))["Changes"]
    assert not changes.startswith("changed outside")
    assert changes.split("<br>")[0] == '`scheduleType`: "DAILY" → "WEEKLY"'


def test_other_actions_say_why_and_a_favourite_what_it_runs() -> None:
    assert row("checkout-nightly")["Changes"] == (
        "declared, not yet created<br>runs: favourite 'smoke': 12 test cases"
    )
    assert "already exists in Testsigma (id 99)" in row("taken")["Changes"]
    assert "use --prune to delete it" in row("left-over")["Changes"]


def test_timing_is_in_plain_words() -> None:
    assert "17:30 Asia/Kolkata" in row("checkout-nightly")["When"]
    assert row("login-weekly")["When"].startswith("WEEKLY")


def test_warnings_are_quoted_above_the_table() -> None:
    assert "> :warning: `schedules/a.yaml:9:7` timezone IST is ambiguous" in MD.splitlines()
    assert MD.index(":warning:") < MD.index("| Action")


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
