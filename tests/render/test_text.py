"""The text plan: what a reviewer reads in a terminal or CI log before saying yes."""

from __future__ import annotations

from plan_samples import FULL, NOW, QUIET
from plan_samples import UPDATE as UPDATE_ACTION

from reconciler.core.model import Plan
from reconciler.render.text import render_plan

TEXT = render_plan(FULL, now=NOW)


def block(name: str, text: str = TEXT) -> list[str]:
    """The lines of one action: from its head line to the next blank line."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if f" {name}" in line and line.startswith("  "))
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    return lines[start:end]


def test_each_action_has_its_symbol_kind_name_and_id() -> None:
    assert block("checkout-nightly")[0] == "  + create checkout-nightly"
    assert block("login-weekly")[0] == "  ~ update login-weekly (id 42)"
    assert block("old-smoke")[0].startswith("  - delete old-smoke (id 7)")
    assert block("left-over")[0].startswith("  ! orphan left-over (id 8)")
    assert block("taken")[0].startswith("  x conflict taken")


def test_a_create_lists_every_field_it_sends_in_api_order() -> None:
    lines = block("checkout-nightly")
    sent = [
        line.split()[0] for line in lines[1:] if not line.strip().startswith(("when:", "runs:"))
    ]
    assert sent == ["executionId", "scheduleType", "nextInterval", "timezone", "status", "comments"]
    assert any('"owned by checkout"' in line for line in lines)
    assert any(line.split() == ["executionId", "3857"] for line in lines)


def test_an_update_shows_each_field_before_and_after() -> None:
    lines = [line.split() for line in block("login-weekly")]
    assert ["scheduleType", '"DAILY"', "->", '"WEEKLY"'] in lines
    assert ["status", '"ACTIVE"', "->", '"IN_ACTIVE"'] in lines


def test_drift_is_named_as_a_change_made_outside_the_reconciler() -> None:
    assert "      changed outside the reconciler: status ACTIVE -> IN_ACTIVE" in block(
        "login-weekly"
    )


def test_deletes_orphans_and_conflicts_say_why() -> None:
    assert "no longer declared (--prune)" in block("old-smoke")[0]
    assert "use --prune to delete it" in block("left-over")[0]
    assert "already exists in Testsigma (id 99)" in block("taken")[0]


def test_a_create_of_a_schedule_deleted_outside_says_so() -> None:
    assert "      (deleted outside the reconciler (was id 11); creating it again)" in block(
        "recreated"
    )
    assert not any(line.strip().startswith("(") for line in block("checkout-nightly"))


def test_timing_is_in_plain_words_except_for_orphans() -> None:
    when = [line for line in block("checkout-nightly") if line.strip().startswith("when:")]
    assert len(when) == 1 and "17:30" in when[0] and "Asia/Kolkata" in when[0]
    assert not any("when:" in line for line in block("left-over"))


def test_what_a_favourite_runs_is_shown_under_its_schedule() -> None:
    assert "      runs: favourite 'smoke': 12 test cases" in block("checkout-nightly")


def test_unchanged_schedules_are_hidden_unless_asked_for() -> None:
    assert "quiet" not in TEXT
    shown = render_plan(FULL, now=NOW, show_unchanged=True)
    assert block("quiet", shown)[0] == "    noop quiet (id 5): in sync"


def test_warnings_are_left_to_the_command_line_which_prints_them_once() -> None:
    assert "timezone IST is ambiguous" not in TEXT


def test_the_summary_line_counts_every_kind() -> None:
    assert TEXT.splitlines()[-1] == (
        "Plan: 2 to create, 1 to update, 1 to delete; 1 unchanged, 1 orphaned, "
        "1 in conflict (not applied)."
    )


def test_a_plan_without_changes_says_so() -> None:
    text = render_plan(QUIET, now=NOW)
    assert "No changes. The declared schedules match the recorded state." in text
    assert "will perform" not in text
    assert (
        text.splitlines()[-1]
        == "Plan: 0 to create, 0 to update, 0 to delete; 1 unchanged, 0 orphaned."
    )


def test_a_plan_with_changes_announces_them() -> None:
    assert "The reconciler will perform the following actions:" in render_plan(
        Plan(actions=(UPDATE_ACTION,)), now=NOW
    )
    assert "No changes" not in TEXT
