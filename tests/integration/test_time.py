"""Time over real HTTP: past anchors roll forward, and a week of firing is not drift."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import Cli, changing_requests, schedule, write_schedules

from reconciler.sandbox import Sandbox

WEEK = 7 * 24 * 3600


def mixed(tmp_path: Path) -> Path:
    return write_schedules(
        tmp_path / "yaml" / "times.yaml",
        schedule("hourly", scheduleType="HOURLY", nextInterval="2026-01-01T00:15:00"),
        schedule("daily-kolkata", scheduleType="DAILY", nextInterval="2026-01-01T17:30:00"),
        schedule(
            "daily-ny",
            scheduleType="DAILY",
            nextInterval="2026-03-08T02:30:00Z",
            timezone="America/New_York",
        ),
        schedule(
            "weekly-lord-howe",
            scheduleType="WEEKLY",
            nextInterval="2026-02-02T09:00:00",
            timezone="Australia/Lord_Howe",
        ),
        schedule(
            "biweekly",
            scheduleType="BIWEEKLY",
            nextInterval="2026-01-05T06:00:00",
            timezone="Europe/London",
        ),
        schedule(
            "monthly-end",
            scheduleType="MONTHLY",
            nextInterval="2026-01-31T08:00:00",
            timezone="America/Sao_Paulo",
        ),
        schedule(
            "yearly-leap", scheduleType="YEARLY", nextInterval="2024-02-29T10:00:00", timezone="UTC"
        ),
        schedule("once", scheduleType="ONCE", nextInterval="2026-12-02T10:00:00"),
    ).parent


def now_of(sandbox: Sandbox) -> dict[str, str]:
    return {"RECONCILER_NOW": sandbox.now().isoformat()}


@pytest.mark.parametrize("in_utc", [False, True], ids=["zone-arithmetic", "utc-arithmetic"])
def test_a_week_of_firing_is_in_sync(
    in_utc: bool, cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    sandbox.configure(advance_in_utc=in_utc)
    yaml_dir = mixed(tmp_path)
    applied = cli("apply", str(yaml_dir), "--auto-approve", env=now_of(sandbox))
    assert applied.exit_code == 0, applied.output  # no past time was ever sent
    assert all(r.status != 500 for r in sandbox.requests())
    for _ in range(7):
        sandbox.advance_clock(WEEK / 7)
        plan = cli("plan", str(yaml_dir), "--detailed-exitcode", env=now_of(sandbox))
        assert plan.exit_code == 0, plan.output
    fired = {s["name"] for s in sandbox.schedules() if sandbox.fires(s["id"]) > 0}
    assert {"hourly", "daily-kolkata", "daily-ny", "weekly-lord-howe", "once"} <= fired
    once = next(s for s in sandbox.schedules() if s["name"] == "once")
    assert once["status"] == "IN_ACTIVE"
    doc = json.loads(cli("plan", str(yaml_dir), "--format", "json", env=now_of(sandbox)).stdout)
    reasons = {a["name"]: a["reason"] for a in doc["actions"]}
    assert reasons["once"] == "already fired"
    final = cli("apply", str(yaml_dir), "--auto-approve", env=now_of(sandbox))
    assert final.exit_code == 0
    assert "No changes" in final.stdout


def test_past_anchor_is_sent_as_the_next_occurrence_and_recorded_as_declared(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    yaml_dir = write_schedules(
        tmp_path / "y" / "a.yaml",
        schedule("nightly", scheduleType="DAILY", nextInterval="2026-01-01T17:30:00"),
    ).parent
    result = cli("apply", str(yaml_dir), "--auto-approve", env=now_of(sandbox))
    assert result.exit_code == 0, result.output
    (post,) = [r for r in sandbox.requests() if r.method == "POST"]
    sent = post.body["nextInterval"]
    assert sent.endswith("T17:30:00.000") and sent > "2026-01-01T17:30:00.000"
    assert "anchor 2026-01-01T17:30:00.000 has passed" in result.stdout
    shown = cli("state", "show", "nightly").stdout
    assert '"nextInterval": "2026-01-01T17:30:00.000"' in shown
    sandbox.clear_requests()
    sandbox.advance_clock(3 * 24 * 3600)
    assert cli("apply", str(yaml_dir), "--auto-approve", env=now_of(sandbox)).exit_code == 0
    assert changing_requests(sandbox) == []


def test_changing_the_time_of_day_is_a_real_change(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    path = tmp_path / "y" / "a.yaml"
    write_schedules(path, schedule("nightly", nextInterval="2027-01-01T17:30:00"))
    assert cli("apply", str(path.parent), "--auto-approve").exit_code == 0
    write_schedules(path, schedule("nightly", nextInterval="2027-01-01T18:30:00"))
    plan = cli("plan", str(path.parent), "--detailed-exitcode")
    assert plan.exit_code == 2
    assert '"2027-01-01T17:30:00.000" -> "2027-01-01T18:30:00.000"' in plan.stdout


def test_an_edit_of_the_live_time_outside_is_drift(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    path = write_schedules(tmp_path / "y" / "a.yaml", schedule("nightly"))
    assert cli("apply", str(path.parent), "--auto-approve").exit_code == 0
    (live,) = sandbox.schedules()
    sandbox.edit_schedule(live["id"], nextInterval=live["nextInterval"] + 3600 * 1000)
    plan = cli("plan", str(path.parent), "--detailed-exitcode")
    assert plan.exit_code == 2
    assert "changed outside the reconciler: nextInterval" in plan.stdout


def test_plans_speak_time_plainly(cli: Cli, tmp_path: Path) -> None:
    path = write_schedules(
        tmp_path / "y" / "a.yaml", schedule("n", nextInterval="2027-03-01T17:30:00")
    )
    text = cli("plan", str(path)).stdout
    assert "DAILY at 17:30 Asia/Kolkata (12:00 UTC), next 2027-03-01 17:30 IST" in text
