"""Exactly once over real HTTP: replaces, cleared fields, unknown outcomes settled in one apply."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
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


@pytest.mark.slow
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


def test_one_apply_converges_under_faults_on_a_server_with_unique_names(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    names = [f"u{i:02d}" for i in range(30)]
    path = write_schedules(tmp_path / "yaml" / "team.yaml", *(schedule(n) for n in names))
    sandbox.configure(
        unique_names=True,
        fault_rate=0.3,
        faults=("drop_after_commit", "502", "503"),
        fault_seed=5,
    )
    result = cli("apply", str(path.parent), "--auto-approve", "--no-preflight")
    sandbox.configure(fault_rate=0.0)
    assert names_on_server(sandbox) == Counter({n: 1 for n in names}), result.output
    assert result.exit_code == 0, result.output
    assert cli("plan", str(path.parent), "--detailed-exitcode").exit_code == 0


@pytest.mark.parametrize("status", [502, 503, 504])
def test_a_post_committed_then_answered_5xx_ends_with_exactly_one_schedule(
    cli: Cli, sandbox: Sandbox, tmp_path: Path, status: int
) -> None:
    path = write_schedules(tmp_path / "yaml" / "team.yaml", schedule("alpha"), schedule("beta"))
    sandbox.configure(commit_fail_next=2, commit_fail_statuses=(status,))
    result = cli("apply", str(path.parent), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert names_on_server(sandbox) == Counter({"alpha": 1, "beta": 1})
    posts = [r for r in changing_requests(sandbox) if r[0] == "POST"]
    assert len(posts) == 2  # never sent again: the lost answers were found by name
    assert cli("plan", str(path.parent), "--detailed-exitcode").exit_code == 0


@pytest.mark.slow
@pytest.mark.parametrize("run", range(3))
def test_under_an_eight_per_second_rate_limit_one_apply_creates_all_forty(
    cli: Cli, sandbox: Sandbox, tmp_path: Path, run: int
) -> None:
    names = [f"r{run}-{i:02d}" for i in range(40)]
    path = write_schedules(tmp_path / "yaml" / "team.yaml", *(schedule(n) for n in names))
    sandbox.configure(rate_limit=8.0, fault_seed=run)
    result = cli("apply", str(path.parent), "--auto-approve", "--parallelism", "16")
    sandbox.configure(rate_limit=0.0)
    assert result.exit_code == 0, result.output
    assert names_on_server(sandbox) == Counter({n: 1 for n in names})


def test_an_id_reused_from_another_schedule_is_never_recorded_and_apply_converges(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    first = write_schedules(tmp_path / "yaml" / "a.yaml", schedule("first"))
    assert cli("apply", str(first.parent), "--auto-approve").exit_code == 0
    write_schedules(tmp_path / "yaml" / "b.yaml", schedule("second"))
    sandbox.configure(id_oddities=("reused",))
    result = cli("apply", str(first.parent), "--auto-approve")
    sandbox.configure(id_oddities=())
    assert result.exit_code == 0, result.output
    assert names_on_server(sandbox) == Counter({"first": 1, "second": 1})
    assert recorded_ids(cli) == {s["name"]: s["id"] for s in sandbox.schedules()}
    assert cli("plan", str(first.parent), "--detailed-exitcode").exit_code == 0


@pytest.mark.parametrize("oddity", ["huge", "string"])
def test_an_id_we_cannot_trust_is_an_unknown_never_a_record_nor_a_duplicate(
    cli: Cli, sandbox: Sandbox, tmp_path: Path, oddity: str
) -> None:
    """The server keeps a schedule under an id no client can use: say so, record nothing."""
    first = write_schedules(tmp_path / "yaml" / "a.yaml", schedule("first"))
    assert cli("apply", str(first.parent), "--auto-approve").exit_code == 0
    write_schedules(tmp_path / "yaml" / "b.yaml", schedule("second"))
    sandbox.configure(id_oddities=(oddity,))
    for _ in range(2):
        result = cli("apply", str(first.parent), "--auto-approve")
        assert result.exit_code == 1, result.output
        assert names_on_server(sandbox) == Counter({"first": 1, "second": 1})
    assert "could not check whether a schedule named 'second' already exists" in result.output
    assert set(recorded_ids(cli)) == {"first"}


def recorded_ids(cli: Cli) -> dict[str, int]:
    listed = json.loads(cli("state", "list", "--format", "json").stdout)
    return {r["name"]: r["id"] for r in listed}
