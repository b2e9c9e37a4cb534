"""One state per team: workspaces of one SQLite file or PostgreSQL database, through the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import API_KEY, Cli, changing_requests, schedule, write_schedules

from reconciler.cli import hoist_global_options
from reconciler.sandbox import Sandbox


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_base(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A state URL without a workspace: one SQLite file, or one PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    return str(request.getfixturevalue("pg_workspace_url")).partition("?")[0]


def team(sandbox: Sandbox, state: str, workdir: Path, workspace: str) -> Cli:
    workdir.mkdir(parents=True, exist_ok=True)
    return Cli(
        {
            "TESTSIGMA_API_URL": sandbox.url,
            "TESTSIGMA_API_KEY": API_KEY,
            "RECONCILER_STATE": state,
            "RECONCILER_WORKSPACE": workspace,
            "NO_COLOR": "1",
        },
        cwd=workdir,
    )


def test_two_teams_share_a_store_without_seeing_or_taking_each_others(
    sandbox: Sandbox, store_base: str, tmp_path: Path
) -> None:
    payments = team(sandbox, store_base, tmp_path / "p", "payments")
    search = team(sandbox, store_base, tmp_path / "s", "search")
    mine = write_schedules(tmp_path / "p" / "y" / "s.yaml", schedule("pay-a"), schedule("pay-b"))
    theirs = write_schedules(tmp_path / "s" / "y" / "s.yaml", schedule("search-a"))
    assert payments("apply", str(mine.parent), "--auto-approve").exit_code == 0
    first = search("apply", str(theirs.parent), "--auto-approve")
    assert first.exit_code == 0, first.output
    assert "0 orphaned" in first.output  # the other team's schedules are not ours to report
    assert "pay-a" not in first.stdout
    # search now declares a name payments manages: refused at plan time, nothing sent
    write_schedules(tmp_path / "s" / "y" / "s.yaml", schedule("search-a"), schedule("pay-a"))
    sandbox.clear_requests()
    planned = search("plan", str(theirs.parent))
    assert planned.exit_code == 1
    assert "`pay-a` is managed by workspace `payments`" in planned.output
    applied = search("apply", str(theirs.parent), "--auto-approve")
    assert applied.exit_code == 1 and changing_requests(sandbox) == []
    listed = search("state", "workspaces")
    rows = {line.split("\t")[0]: line.split("\t")[1] for line in listed.stdout.splitlines()[1:]}
    assert rows == {"payments": "2", "search (current)": "1"}
    assert sorted(s["name"] for s in sandbox.schedules()) == ["pay-a", "pay-b", "search-a"]


def test_the_url_parameter_names_the_same_workspace_as_the_flag(
    sandbox: Sandbox, store_base: str, tmp_path: Path
) -> None:
    yaml = write_schedules(tmp_path / "y" / "s.yaml", schedule("a"))
    sep = "&" if "?" in store_base else "?"
    by_url = team(sandbox, f"{store_base}{sep}workspace=payments", tmp_path / "u", "")
    by_flag = team(sandbox, store_base, tmp_path / "f", "")
    assert by_url("apply", str(yaml.parent), "--auto-approve").exit_code == 0
    listed = by_flag("--workspace", "payments", "state", "list")
    assert listed.stdout.split("\t")[0] == "a", listed.output
    clash = by_url("--workspace", "search", "state", "list")
    assert clash.exit_code == 1 and "names workspace 'payments' but --workspace" in clash.stderr


def test_state_mv_renames_a_record_and_sends_nothing(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    yaml = write_schedules(tmp_path / "y" / "s.yaml", schedule("old-name"))
    assert cli("apply", str(yaml.parent), "--auto-approve").exit_code == 0
    (live,) = sandbox.schedules()
    sandbox.clear_requests()
    moved = cli("state", "mv", "old-name", "new-name")
    assert moved.exit_code == 0, moved.output
    assert cli("state", "list").stdout.strip().split("\t")[:2] == ["new-name", str(live["id"])]
    assert sandbox.requests() == []
    missing = cli("state", "mv", "ghost", "x")
    assert missing.exit_code == 1 and "no schedule named 'ghost'" in missing.stderr


def test_a_plan_orphaning_most_of_a_workspace_says_so(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    whole = write_schedules(tmp_path / "y" / "s.yaml", *(schedule(f"s{i}") for i in range(4)))
    assert cli("apply", str(whole.parent), "--auto-approve").exit_code == 0
    part = write_schedules(tmp_path / "part" / "s.yaml", schedule("s0"))
    planned = cli("plan", str(part.parent))
    assert "3 of the 4 schedules recorded in workspace `default`" in planned.stderr
    assert "Did you point at the whole tree" in planned.stderr
    calm = cli("plan", str(whole.parent))
    assert "whole tree" not in calm.stderr


def test_workspace_is_accepted_anywhere_on_the_line() -> None:
    assert hoist_global_options(["state", "list", "--workspace", "a"]) == [
        "--workspace",
        "a",
        "state",
        "list",
    ]
    assert hoist_global_options(["plan", "--workspace=b", "x/", "--", "--workspace"]) == [
        "--workspace=b",
        "plan",
        "x/",
        "--",
        "--workspace",
    ]
