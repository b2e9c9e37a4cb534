"""What a new user tripped over in the first hour (issue 15), each pinned by a test."""

from __future__ import annotations

from pathlib import Path

from helpers import Cli, changing_requests, schedule, write_schedules

from reconciler.sandbox import Sandbox


def test_a_saved_plan_applies_without_asking_again(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    path = write_schedules(tmp_path / "y" / "a.yaml", schedule("a"))
    assert cli("plan", str(path), "--out", "plan.json").exit_code == 0
    # No terminal and no --auto-approve: applying the reviewed plan is the approval.
    result = cli("apply", "--plan", "plan.json")
    assert result.exit_code == 0, result.output
    assert changing_requests(sandbox) == [("POST", "/schedule_executions")]
    # YAML paths without --auto-approve still ask (and, without a terminal, refuse).
    refused = cli("apply", str(path))
    assert refused.exit_code == 1 and "--auto-approve" in refused.stderr
