"""The core loop over real HTTP: plan sends nothing, apply converges, re-apply is a no-op."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import Cli, changing_requests, schedule, write_schedules

from reconciler.sandbox import Sandbox


def three(tmp_path: Path) -> Path:
    return write_schedules(
        tmp_path / "yaml" / "team.yaml",
        schedule("nightly", executionConfig={"name": "fav_config_name"}, comments="team a"),
        schedule("weekly", scheduleType="WEEKLY", timezone="America/New_York"),
        schedule("one-off", scheduleType="ONCE", nextInterval="2029-12-20T09:00:00"),
    ).parent


def test_plan_sends_no_changing_call(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    result = cli("plan", str(three(tmp_path)))
    assert result.exit_code == 0, result.output
    assert "+ create nightly" in result.stdout
    assert "Plan: 3 to create, 0 to update, 0 to delete" in result.stdout
    assert changing_requests(sandbox) == []
    assert sandbox.schedules() == []


def test_apply_creates_exactly_the_declared_payloads(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    result = cli("apply", str(three(tmp_path)), "--auto-approve")
    assert result.exit_code == 0, result.output
    posts = [r for r in sandbox.requests() if r.method == "POST"]
    bodies = sorted((r.body for r in posts), key=lambda b: b["name"])
    assert bodies == [
        {
            "name": "nightly",
            "executionId": 3857,
            "executionConfig": {"name": "fav_config_name"},
            "scheduleType": "DAILY",
            "nextInterval": "2027-03-01T17:30:00.000",
            "timezone": "Asia/Kolkata",
            "status": "ACTIVE",
            "comments": "team a",
        },
        {
            "name": "one-off",
            "executionId": 3857,
            "scheduleType": "ONCE",
            "nextInterval": "2029-12-20T09:00:00.000",
            "timezone": "Asia/Kolkata",
            "status": "ACTIVE",
        },
        {
            "name": "weekly",
            "executionId": 3857,
            "scheduleType": "WEEKLY",
            "nextInterval": "2027-03-01T17:30:00.000",
            "timezone": "America/New_York",
            "status": "ACTIVE",
        },
    ]
    assert sorted(s["name"] for s in sandbox.schedules()) == ["nightly", "one-off", "weekly"]
    assert "Apply: 3 succeeded, 0 failed" in result.stdout


def test_second_apply_sends_nothing(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    yaml_dir = three(tmp_path)
    assert cli("apply", str(yaml_dir), "--auto-approve").exit_code == 0
    sandbox.clear_requests()
    again = cli("apply", str(yaml_dir), "--auto-approve")
    assert again.exit_code == 0, again.output
    assert "No changes" in again.stdout
    assert changing_requests(sandbox) == []
    detailed = cli("plan", str(yaml_dir), "--detailed-exitcode")
    assert detailed.exit_code == 0, detailed.output


def test_editing_one_schedule_sends_one_put_to_its_id(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    yaml_dir = three(tmp_path)
    assert cli("apply", str(yaml_dir), "--auto-approve").exit_code == 0
    ids = {s["name"]: s["id"] for s in sandbox.schedules()}
    write_schedules(
        yaml_dir / "team.yaml",
        schedule(
            "nightly",
            executionConfig={"name": "fav_config_name"},
            comments="team a",
            scheduleType="HOURLY",
        ),
        schedule("weekly", scheduleType="WEEKLY", timezone="America/New_York"),
        schedule("one-off", scheduleType="ONCE", nextInterval="2029-12-20T09:00:00"),
    )
    plan = cli("plan", str(yaml_dir), "--detailed-exitcode")
    assert plan.exit_code == 2
    assert "~ update nightly" in plan.stdout and '"DAILY" -> "HOURLY"' in plan.stdout
    sandbox.clear_requests()
    assert cli("apply", str(yaml_dir), "--auto-approve").exit_code == 0
    assert changing_requests(sandbox) == [("PUT", f"/schedule_executions/{ids['nightly']}")]
    (put,) = [r for r in sandbox.requests() if r.method == "PUT"]
    assert put.body["scheduleType"] == "HOURLY" and put.body["name"] == "nightly"
    assert put.body["executionConfig"] == {"name": "fav_config_name"}  # the full body


def test_removed_schedule_is_orphaned_until_prune(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    yaml_dir = three(tmp_path)
    assert cli("apply", str(yaml_dir), "--auto-approve").exit_code == 0
    weekly_id = next(s["id"] for s in sandbox.schedules() if s["name"] == "weekly")
    write_schedules(
        yaml_dir / "team.yaml",
        schedule("nightly", executionConfig={"name": "fav_config_name"}, comments="team a"),
        schedule("one-off", scheduleType="ONCE", nextInterval="2029-12-20T09:00:00"),
    )
    sandbox.clear_requests()
    left = cli("apply", str(yaml_dir), "--auto-approve")
    assert left.exit_code == 0, left.output
    assert "! orphan weekly" in left.stdout
    assert changing_requests(sandbox) == []
    pruned = cli("apply", str(yaml_dir), "--auto-approve", "--prune")
    assert pruned.exit_code == 0, pruned.output
    assert changing_requests(sandbox) == [("DELETE", f"/schedule_executions/{weekly_id}")]
    assert "weekly" not in cli("state", "list").stdout


def test_json_and_markdown_plans(cli: Cli, tmp_path: Path) -> None:
    yaml_dir = three(tmp_path)
    doc = json.loads(cli("plan", str(yaml_dir), "--format", "json").stdout)
    assert doc["format_version"] == "1"
    assert doc["summary"]["create"] == 3
    first = doc["actions"][0]
    assert set(first) >= {"action", "name", "id", "before", "after", "changes", "reason"}
    assert first["next_instant"].endswith("Z")
    markdown = cli("plan", str(yaml_dir), "--format", "markdown").stdout
    assert "| | Action | Schedule |" in markdown and "` nightly `" in markdown


def test_apply_without_terminal_needs_auto_approve(cli: Cli, tmp_path: Path) -> None:
    result = cli("apply", str(three(tmp_path)))
    assert result.exit_code == 1
    assert "--auto-approve" in result.stderr


def test_apply_without_key_is_a_clear_error(cli: Cli, tmp_path: Path) -> None:
    result = cli("apply", str(three(tmp_path)), "--auto-approve", env={"TESTSIGMA_API_KEY": ""})
    assert result.exit_code == 1
    assert "TESTSIGMA_API_KEY" in result.stderr


def test_wrong_key_fails_without_recording(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    result = cli(
        "apply", str(three(tmp_path)), "--auto-approve", env={"TESTSIGMA_API_KEY": "not-the-key"}
    )
    assert result.exit_code == 1
    assert "401" in result.output
    assert sandbox.schedules() == []
    assert cli("state", "list").stdout.strip() == ""


def test_one_failure_does_not_stop_the_others(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    yaml_dir = write_schedules(
        tmp_path / "y" / "a.yaml",
        schedule("good-1"),
        schedule("bad-config", executionConfig={"name": "no such favourite"}),
        schedule("good-2"),
    ).parent
    # --no-preflight, so that the server itself refuses the one bad schedule.
    result = cli("apply", str(yaml_dir), "--auto-approve", "--no-preflight")
    assert result.exit_code == 1
    assert "✗ create bad-config" in result.stdout
    assert sorted(s["name"] for s in sandbox.schedules()) == ["good-1", "good-2"]
    listed = cli("state", "list").stdout
    assert "good-1" in listed and "good-2" in listed and "bad-config" not in listed


def test_lock_held_exits_3(cli: Cli, tmp_path: Path, state_path: Path) -> None:
    from reconciler.state import open_store

    yaml_dir = three(tmp_path)
    store = open_store(f"sqlite:///{state_path}")
    try:
        with store.lock(operation="apply"):
            result = cli("apply", str(yaml_dir), "--auto-approve")
    finally:
        store.close()
    assert result.exit_code == 3, result.output
    assert "locked" in result.stderr
