"""Exactly once over real HTTP: replaces, cleared fields, unknown outcomes settled in one apply."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from helpers import Cli, changing_requests, schedule, write_schedules

from reconciler.sandbox import Sandbox


def names_on_server(sandbox: Sandbox) -> Counter[str]:
    return Counter(s["name"] for s in sandbox.schedules())


def test_removing_execution_config_is_a_replace_that_converges(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    path = tmp_path / "yaml" / "team.yaml"
    write_schedules(path, schedule("a", executionConfig={"name": "fav_config_name"}))
    assert cli("apply", str(path.parent), "--auto-approve").exit_code == 0
    old = next(s["id"] for s in sandbox.schedules())
    write_schedules(path, schedule("a"))
    plan = cli("plan", str(path.parent), "--detailed-exitcode")
    assert plan.exit_code == 2, plan.output
    assert "-/+ replace a (executionConfig cannot be removed in place)" in plan.stdout
    sandbox.clear_requests()
    applied = cli("apply", str(path.parent), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert changing_requests(sandbox) == [
        ("DELETE", f"/schedule_executions/{old}"),
        ("POST", "/schedule_executions"),
    ]
    assert names_on_server(sandbox) == Counter({"a": 1})
    assert cli("plan", str(path.parent), "--detailed-exitcode").exit_code == 0


def test_removing_comments_clears_them_on_the_server(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    path = tmp_path / "yaml" / "team.yaml"
    write_schedules(path, schedule("a", comments="owned by qa"))
    assert cli("apply", str(path.parent), "--auto-approve").exit_code == 0
    write_schedules(path, schedule("a"))
    assert cli("apply", str(path.parent), "--auto-approve").exit_code == 0
    assert not next(s for s in sandbox.schedules()).get("comments")
    assert cli("plan", str(path.parent), "--detailed-exitcode").exit_code == 0


def test_one_apply_converges_under_thirty_percent_faults(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    names = [f"s{i:02d}" for i in range(30)]
    path = write_schedules(tmp_path / "yaml" / "team.yaml", *(schedule(n) for n in names))
    sandbox.configure(fault_rate=0.3, faults=("drop_after_commit", "502", "503"), fault_seed=11)
    result = cli("apply", str(path.parent), "--auto-approve", "--no-preflight")
    sandbox.configure(fault_rate=0.0)
    assert names_on_server(sandbox) == Counter({n: 1 for n in names}), result.output
    assert result.exit_code == 0, result.output
    assert cli("plan", str(path.parent), "--detailed-exitcode").exit_code == 0
