"""`reconciler calendar` as a user runs it, and what `plan` says about collisions and time."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers import Cli, schedule, write_schedules

from reconciler.sandbox import Sandbox

NOW = {"RECONCILER_NOW": "2026-11-29T12:00:00Z", "NO_COLOR": "1"}
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "calendar"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def offline(tmp_path: Path) -> Cli:
    return Cli({**NOW, "RECONCILER_STATE": f"sqlite:///{tmp_path}/state.db"}, cwd=tmp_path)


def test_text_grid_fits_100_columns_with_legend_and_next_day(tmp_path: Path) -> None:
    result = offline(tmp_path)("calendar", str(EXAMPLES), "--zone", "UTC", "--days", "8")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert not ANSI.search(result.stdout), "colour off a terminal"
    assert any(line.startswith("03:00 │") and "!" in line for line in lines)
    assert any(line.startswith("Legend:") for line in lines)
    assert "The 24 hours from Sun 2026-11-29 12:00:" in result.stdout
    # the monthly on the 31st, anchored in October, rolls forward to November's last day
    assert "  Mon 03:40 UTC   checkout-monthly-audit  (MONTHLY, 03:40 UTC, test plan 4401)" in lines
    assert "payments-nightly and payments-smoke both start test plan 4101" in result.stdout
    assert "legacy-paused" not in result.stdout  # IN_ACTIVE


def test_text_is_coloured_only_when_asked(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from reconciler.app.calendar import build_calendar
    from reconciler.app.sources import read_sources
    from reconciler.render.calendar import render_text
    from reconciler.spec import load_desired
    from reconciler.timekeeping import resolve_zone

    now = datetime(2026, 11, 29, 12, tzinfo=UTC)
    desired = load_desired(read_sources([EXAMPLES]))
    cal = build_calendar(desired, start=now, days=7, now=now, max_concurrent=5)
    plain = render_text(cal, zone=resolve_zone("UTC"))
    painted = render_text(cal, zone=resolve_zone("UTC"), colour=True)
    assert ANSI.search(painted) and not ANSI.search(plain)
    assert ANSI.sub("", painted) == plain


def test_markdown_is_a_table_and_out_writes_a_file(tmp_path: Path) -> None:
    cli = offline(tmp_path)
    result = cli("calendar", str(EXAMPLES), "--zone", "UTC", "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert "| Hour | Sun 11-29 |" in result.stdout
    assert re.search(r"^\| 03:00 \| .*\*\*\d+!\*\*", result.stdout, re.MULTILINE)
    target = tmp_path / "out" / "cal.html"
    result = cli("calendar", str(EXAMPLES), "--format", "html", "--out", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--zone", "Asia/Kolkatta"), 'did you mean "Asia/Kolkata"'),
        (("--from", "next tuesday"), "--from 'next tuesday': expected a date"),
        (("--days", "0"), "--days must be between 1 and 366"),
        (("--format", "pdf"), "--format must be text, json, markdown or html"),
        (("--max-concurrent", "0"), "--max-concurrent must be at least 1"),
    ],
)
def test_bad_options_are_one_clear_line(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    result = offline(tmp_path)("calendar", str(EXAMPLES), *args)
    assert result.exit_code == 1
    assert message in result.stderr and result.stdout == ""


def test_java_short_ids_and_local_zone(tmp_path: Path) -> None:
    cli = offline(tmp_path)
    shown = json.loads(cli("calendar", str(EXAMPLES), "--zone", "IST", "--format", "json").stdout)
    assert shown["zone"] == "IST" and shown["firings"][0]["local"].endswith("+05:30")
    local = json.loads(
        cli("calendar", str(EXAMPLES), "--format", "json", env={"TZ": "America/Chicago"}).stdout
    )
    assert local["zone"] == "America/Chicago"
    assert local["from"] == "2026-11-29T12:00:00Z"


def test_test_plan_names_come_from_the_account(cli: Cli, tmp_path: Path) -> None:
    write_schedules(
        tmp_path / "s" / "a.yaml", schedule("nightly", nextInterval="2026-11-01T17:30:00")
    )
    result = cli("calendar", "s", "--format", "json", "--days", "2", env=NOW)
    assert result.exit_code == 0, result.output
    (first, *_) = json.loads(result.stdout)["firings"]
    assert first["executionId"] == 3857 and first["testPlan"] == "Checkout regression"


def test_unreachable_account_only_loses_the_names(tmp_path: Path) -> None:
    write_schedules(
        tmp_path / "s" / "a.yaml", schedule("nightly", nextInterval="2026-11-01T17:30:00")
    )
    env = {**NOW, "TESTSIGMA_API_URL": "http://127.0.0.1:9", "TESTSIGMA_API_KEY": "k" * 20}
    result = Cli(env, cwd=tmp_path)("calendar", "s", "--format", "json", "--days", "1")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["firings"][0]["testPlan"] is None
    assert "test plans are shown by id only" in result.stderr


def test_plan_warns_when_one_test_plan_is_due_twice_within_three_minutes(
    cli: Cli, tmp_path: Path, sandbox: Sandbox
) -> None:
    write_schedules(
        tmp_path / "s" / "a.yaml",
        schedule("nightly", nextInterval="2027-03-01T17:30:00"),
        schedule("nightly-smoke", nextInterval="2027-03-01T17:32:00"),
        schedule("later", nextInterval="2027-03-01T17:34:00", executionId=3858),
    )
    result = cli("plan", "s", env=NOW)
    assert result.exit_code == 0, result.output
    warning = next(line for line in result.output.splitlines() if "within 3 minutes" in line)
    assert re.search(r"a\.yaml:\d+:\d+: warning:", warning), warning
    assert "'nightly' and 'nightly-smoke' both run test plan 3857" in warning
    assert "stuck" in warning and "'later'" not in warning


def test_markdown_plan_says_when_created_schedules_run(cli: Cli, tmp_path: Path) -> None:
    write_schedules(
        tmp_path / "s" / "a.yaml",
        schedule("nightly", nextInterval="2026-12-01T17:30:00"),
        schedule(
            "weekly",
            executionId=3858,
            scheduleType="WEEKLY",
            timezone="America/New_York",
            nextInterval="2026-12-07T06:00:00",
        ),
    )
    result = cli("plan", "s", "--format", "markdown", env=NOW)
    assert result.exit_code == 0, result.output
    assert "#### When" in result.stdout
    assert (
        "- ` nightly `: Tue 2026-12-01 17:30 IST, Wed 2026-12-02 17:30 IST, "
        "Thu 2026-12-03 17:30 IST (UTC: 2026-12-01 12:00Z, 2026-12-02 12:00Z, 2026-12-03 12:00Z)"
    ) in result.stdout
    assert "- ` weekly `: Mon 2026-12-07 06:00 EST, Mon 2026-12-14 06:00 EST," in result.stdout
    assert (
        "Busiest hour of the next 7 days: no runs → 1 run(s) Tue 2026-12-01 12:00-12:59 UTC."
        in (result.stdout)
    )
