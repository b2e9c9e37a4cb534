"""Correct against the open-source server's behaviour (the sandbox's defaults), over real HTTP.

Names the server's query parser mangles, a scan that spans pages, a stuck schedule, and the
server's column limits.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from helpers import Cli, changing_requests, schedule, write_schedules, write_yaml

from reconciler.sandbox import Sandbox

MANGLED = ["nightly, EU", "team:nightly", "a+b smoke", "50%off run", "[prod] smoke", "smoke!"]


def outside(sandbox: Sandbox, name: str, **fields: object) -> dict[str, object]:
    body = {
        "name": name,
        "executionId": 3857,
        "scheduleType": "DAILY",
        "nextInterval": "2027-03-01T17:30:00.000",
        "timezone": "Asia/Kolkata",
        **fields,
    }
    return sandbox.add_schedule_outside(body)


def names_on_server(sandbox: Sandbox) -> Counter[str]:
    return Counter(s["name"] for s in sandbox.schedules())


def test_names_the_query_parser_mangles_are_found_as_conflicts_across_pages(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    sandbox.configure(page_size_max=25)  # 66 schedules: the scan spans three pages
    for i in range(60):
        outside(sandbox, f"made-in-the-ui-{i:02d}")
    for name in MANGLED:
        outside(sandbox, name)
    declared = [{**schedule(n), "timezone": "Asia/Kolkata"} for n in MANGLED]
    path = write_yaml(tmp_path / "yaml" / "team.yaml", json.dumps({"schedules": declared}))
    before = names_on_server(sandbox)

    plan = cli("plan", str(path.parent), "--format", "json")
    assert plan.exit_code == 1, plan.output
    assert plan.stdout, plan.stderr
    actions = json.loads(plan.stdout)["actions"]
    assert sorted(a["name"] for a in actions if a["action"] == "conflict") == sorted(MANGLED)

    sandbox.clear_requests()
    applied = cli("apply", str(path.parent), "--auto-approve")
    assert applied.exit_code == 1, applied.output
    assert changing_requests(sandbox) == []
    assert names_on_server(sandbox) == before
    for name in MANGLED:
        assert f"conflict {name}: a schedule named {name!r} already exists" in applied.output


def test_a_stuck_schedule_is_flagged_and_healed_by_a_replace(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    """Two schedules of one test plan due in one poll: the server's scheduler strands one."""
    # Ten minutes ahead of the sandbox clock, in UTC: both due in the same 3-minute poll.
    start = sandbox.now().astimezone(UTC).replace(second=0, microsecond=0)
    when = (start + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%S")
    path = write_schedules(
        tmp_path / "yaml" / "team.yaml",
        schedule("alpha", nextInterval=when, timezone="UTC"),
        schedule("beta", nextInterval=when, timezone="UTC"),
    )
    env = {"RECONCILER_NOW": sandbox.now().isoformat()}
    assert cli("apply", str(path.parent), "--auto-approve", env=env).exit_code == 0
    sandbox.advance_clock(2 * 24 * 3600)  # two days: the stranded one is a period behind
    env = {"RECONCILER_NOW": sandbox.now().isoformat()}
    fired = {s["name"]: sandbox.fires(s["id"]) for s in sandbox.schedules()}
    stuck = [n for n, count in fired.items() if count == 0]
    assert len(stuck) == 1, fired

    plan = cli("plan", str(path.parent), "--detailed-exitcode", env=env)
    assert plan.exit_code == 2, plan.output
    assert f"-/+ replace {stuck[0]} (stuck:" in plan.stdout
    old = next(s["id"] for s in sandbox.schedules() if s["name"] == stuck[0])

    sandbox.clear_requests()
    assert cli("apply", str(path.parent), "--auto-approve", env=env).exit_code == 0
    assert changing_requests(sandbox) == [
        ("DELETE", f"/schedule_executions/{old}"),
        ("POST", "/schedule_executions"),
    ]
    assert names_on_server(sandbox) == Counter({"alpha": 1, "beta": 1})
    assert cli("plan", str(path.parent), "--detailed-exitcode", env=env).exit_code == 0


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("name", "n" * 126, "125"),
        ("comments", "c" * 46, "45"),
        ("comments", "release \U0001f680", "Basic Multilingual Plane"),
        ("name", "rocket-\U0001f680", "Basic Multilingual Plane"),
    ],
)
def test_the_servers_column_limits_are_refused_before_anything_is_sent(
    cli: Cli, sandbox: Sandbox, tmp_path: Path, field: str, value: str, says: str
) -> None:
    entry = schedule("ok", timezone="UTC")
    entry[field] = value
    path = write_yaml(
        tmp_path / "yaml" / "team.yaml",
        json.dumps({"schedules": [entry]}, ensure_ascii=False),
    )
    result = cli("validate", str(path))
    assert result.exit_code == 1
    assert f"{path}:" in result.output and says in result.output
    sandbox.clear_requests()
    assert cli("apply", str(path), "--auto-approve").exit_code == 1
    assert changing_requests(sandbox) == []
