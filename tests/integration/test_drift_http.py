"""Drift, adoption and safety over real HTTP: see what changed outside, never duplicate."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import Cli, changing_requests, schedule, write_schedules

from reconciler.sandbox import Sandbox


def declared(tmp_path: Path, *names: str) -> Path:
    return write_schedules(
        tmp_path / "yaml" / "team.yaml",
        *(schedule(n, executionConfig={"name": "fav_config_name"}) for n in names),
    ).parent


def applied(cli: Cli, tmp_path: Path, *names: str) -> Path:
    yaml_dir = declared(tmp_path, *names)
    result = cli("apply", str(yaml_dir), "--auto-approve")
    assert result.exit_code == 0, result.output
    return yaml_dir


def ids(sandbox: Sandbox) -> dict[str, int]:
    return {s["name"]: s["id"] for s in sandbox.schedules()}


def test_edit_outside_is_shown_as_drift_and_healed_by_one_put(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    yaml_dir = applied(cli, tmp_path, "a", "b")
    sandbox.edit_schedule(ids(sandbox)["a"], scheduleType="HOURLY")
    plan = cli("plan", str(yaml_dir), "--detailed-exitcode")
    assert plan.exit_code == 2, plan.output
    assert "changed outside the reconciler: scheduleType DAILY -> HOURLY" in plan.stdout
    sandbox.clear_requests()
    assert cli("apply", str(yaml_dir), "--auto-approve").exit_code == 0
    assert changing_requests(sandbox) == [("PUT", f"/schedule_executions/{ids(sandbox)['a']}")]
    assert next(s for s in sandbox.schedules() if s["name"] == "a")["scheduleType"] == "DAILY"
    assert cli("plan", str(yaml_dir), "--detailed-exitcode").exit_code == 0


def test_no_refresh_plans_from_the_recorded_state(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    yaml_dir = applied(cli, tmp_path, "a")
    sandbox.edit_schedule(ids(sandbox)["a"], scheduleType="HOURLY")
    sandbox.clear_requests()
    plan = cli("plan", str(yaml_dir), "--no-refresh", "--detailed-exitcode")
    assert plan.exit_code == 0
    assert [r for r in sandbox.requests() if r.path.startswith("/schedule_executions")] == []


def test_deletion_outside_is_healed_by_one_post(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    yaml_dir = applied(cli, tmp_path, "a", "b")
    old = ids(sandbox)["b"]
    sandbox.delete_schedule_outside(old)
    plan = cli("plan", str(yaml_dir))
    assert f"deleted outside the reconciler (was id {old})" in plan.stdout
    sandbox.clear_requests()
    assert cli("apply", str(yaml_dir), "--auto-approve").exit_code == 0
    assert changing_requests(sandbox) == [("POST", "/schedule_executions")]
    assert sorted(ids(sandbox)) == ["a", "b"]
    shown = json.loads(cli("state", "show", "b").stdout)
    assert shown["id"] == ids(sandbox)["b"] != old


def test_name_taken_outside_gives_the_import_command_and_no_post(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    outside = sandbox.add_schedule_outside(
        {
            "name": "a",
            "executionId": 3857,
            "scheduleType": "DAILY",
            "nextInterval": "2027-03-01T17:30:00.000",
            "timezone": "Asia/Kolkata",
        }
    )
    yaml_dir = declared(tmp_path, "a", "b")
    plan = cli("plan", str(yaml_dir))
    assert plan.exit_code == 1
    assert f"reconciler import a {outside['id']}" in plan.stdout
    sandbox.clear_requests()
    result = cli("apply", str(yaml_dir), "--auto-approve")
    assert result.exit_code == 1
    assert f"reconciler import a {outside['id']}" in result.output
    posts = [r.body["name"] for r in sandbox.requests() if r.method == "POST"]
    assert posts == ["b"]
    # Adopting it as the message says converges with one PUT, and nothing is duplicated.
    adopted = cli("import", "a", str(outside["id"]), str(yaml_dir))
    assert adopted.exit_code == 0, adopted.output
    assert cli("apply", str(yaml_dir), "--auto-approve").exit_code == 0
    assert sorted(s["name"] for s in sandbox.schedules()) == ["a", "b"]
    assert cli("plan", str(yaml_dir), "--detailed-exitcode").exit_code == 0


def test_duplicate_name_answer_without_lookup_gives_the_import_hint(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    # Without a by-name lookup, a server with unique names is the only guard: its 422
    # ("Entity with same name already exists, ...") must read as a taken name.
    sandbox.configure(list_by_name=False, unique_names=True)
    sandbox.add_schedule_outside(
        {
            "name": "a",
            "executionId": 3857,
            "scheduleType": "DAILY",
            "nextInterval": "2027-03-01T17:30:00.000",
            "timezone": "Asia/Kolkata",
        }
    )
    result = cli("apply", str(declared(tmp_path, "a")), "--auto-approve")
    assert result.exit_code == 1
    assert "reconciler import a" in result.output
    assert [s["name"] for s in sandbox.schedules()] == ["a"]


def test_stale_saved_plan_is_refused(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    yaml_dir = declared(tmp_path, "a")
    plan_file = tmp_path / "plan.json"
    assert cli("plan", str(yaml_dir), "--out", str(plan_file)).exit_code == 0
    assert "tsk_" not in plan_file.read_text()
    write_schedules(yaml_dir / "other.yaml", schedule("z"))
    assert cli("apply", str(yaml_dir), "--auto-approve").exit_code == 0  # serial moves on
    sandbox.clear_requests()
    stale = cli("apply", "--plan", str(plan_file), "--auto-approve")
    assert stale.exit_code == 3, stale.output
    assert "stale" in stale.stderr
    assert changing_requests(sandbox) == []


def test_saved_plan_applies_exactly_and_refuses_alteration(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    yaml_dir = declared(tmp_path, "a", "b")
    plan_file = tmp_path / "plan.json"
    assert cli("plan", str(yaml_dir), "--out", str(plan_file)).exit_code == 0
    altered = tmp_path / "altered.json"
    altered.write_text(plan_file.read_text().replace('"b"', '"c"'))
    refused = cli("apply", "--plan", str(altered), "--auto-approve")
    assert refused.exit_code == 3 and "altered" in refused.stderr
    assert sandbox.schedules() == []
    done = cli("apply", "--plan", str(plan_file), "--auto-approve")
    assert done.exit_code == 0, done.output
    assert sorted(ids(sandbox)) == ["a", "b"]
    again = cli("apply", "--plan", str(plan_file), "--auto-approve")
    assert again.exit_code == 3  # applied once: now stale


def test_apply_that_changes_nothing_keeps_the_serial(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    yaml_dir = applied(cli, tmp_path, "a")
    before = json.loads(cli("state", "export").stdout)["serial"]
    assert cli("apply", str(yaml_dir), "--auto-approve").exit_code == 0
    assert json.loads(cli("state", "export").stdout)["serial"] == before


def test_large_prune_is_refused_without_force(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    names = [f"s{i:02d}" for i in range(12)]
    applied(cli, tmp_path, *names)
    yaml_dir = declared(tmp_path, *names[:6])
    sandbox.clear_requests()
    refused = cli("apply", str(yaml_dir), "--auto-approve", "--prune")
    assert refused.exit_code == 3, refused.output
    assert "deletes 6 of 12" in refused.stderr
    assert changing_requests(sandbox) == []
    forced = cli("apply", str(yaml_dir), "--auto-approve", "--prune", "--force")
    assert forced.exit_code == 0
    assert len(changing_requests(sandbox)) == 6


def test_deleting_everything_is_refused_whatever_the_number(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    applied(cli, tmp_path, "a")
    empty = tmp_path / "empty"
    write_schedules(empty / "x.yaml", schedule("unrelated"))
    result = cli("apply", str(empty), "--auto-approve", "--prune", "--target", "a")
    assert result.exit_code == 3
    assert "deletes all 1" in result.stderr


def test_reads_not_offered_warns_once_and_plans_from_state(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    yaml_dir = applied(cli, tmp_path, "a", "b")
    sandbox.configure(reads=False, list_by_name=False)
    plan = cli("plan", str(yaml_dir), "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output
    assert plan.stderr.count("does not offer GET /schedule_executions/{id}") == 1


def test_target_warns_and_limits(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    yaml_dir = declared(tmp_path, "a", "b")
    result = cli("apply", str(yaml_dir), "--auto-approve", "--target", "b")
    assert result.exit_code == 0
    assert "not for routine use" in result.stderr
    assert sorted(ids(sandbox)) == ["b"]


def test_state_rm_forgets_without_deleting(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    applied(cli, tmp_path, "a")
    sandbox.clear_requests()
    assert cli("state", "rm", "a").exit_code == 0
    assert changing_requests(sandbox) == []
    assert [s["name"] for s in sandbox.schedules()] == ["a"]
    assert cli("state", "show", "a").exit_code == 1
