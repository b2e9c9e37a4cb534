"""Preflight in plan and apply: unknown test plans and favourites are named with their line."""

from __future__ import annotations

from pathlib import Path

from helpers import Cli, changing_requests, write_yaml

from reconciler.sandbox import Sandbox

BAD = """
version: 1
defaults: {timezone: Asia/Kolkata}
schedules:
  - name: ok
    executionId: 3857
    scheduleType: DAILY
    nextInterval: "2027-03-01T17:30:00"
  - name: unknown-plan
    executionId: 999999
    scheduleType: DAILY
    nextInterval: "2027-03-01T17:30:00"
  - name: unknown-favourite
    executionId: 3857
    executionConfig: {name: fav_config_nam}
    scheduleType: DAILY
    nextInterval: "2027-03-01T17:30:00"
"""


def test_unknown_plan_and_favourite_are_reported_together(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    path = write_yaml(tmp_path / "bad.yaml", BAD)
    for command in (["plan"], ["apply", "--auto-approve"]):
        result = cli(command[0], str(path), *command[1:])
        assert result.exit_code == 1, result.output
        assert f"{path}:9:" in result.stderr and "999999" in result.stderr
        assert f"{path}:14:" in result.stderr and "fav_config_name" in result.stderr
    assert changing_requests(sandbox) == []


def test_no_preflight_skips_the_account_reads(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "bad.yaml", BAD)
    result = cli("plan", str(path), "--no-preflight", "--no-refresh")
    assert result.exit_code == 0, result.output
    assert sandbox.requests() == []


def test_plan_shows_what_a_favourite_selects(cli: Cli, tmp_path: Path) -> None:
    path = write_yaml(
        tmp_path / "ok.yaml",
        """
        version: 1
        defaults: {timezone: Asia/Kolkata}
        schedules:
          - name: partial
            executionId: 3857
            executionConfig: {name: fav_config_name}
            scheduleType: DAILY
            nextInterval: "2027-03-01T17:30:00"
    """,
    )
    result = cli("plan", str(path))
    assert result.exit_code == 0, result.output
    assert "runs: favourite 'fav_config_name'" in result.stdout
    assert "suites" in result.stdout


BY_NAME = """
version: 1
defaults: {timezone: Asia/Kolkata}
schedules:
  - name: by-name
    testPlan: Checkout regression
    scheduleType: DAILY
    nextInterval: "2027-03-01T17:30:00"
"""


def test_test_plan_by_name_is_resolved_to_its_id(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    path = write_yaml(tmp_path / "a.yaml", BY_NAME)
    assert cli("validate", str(path)).exit_code == 0
    result = cli("apply", str(path), "--auto-approve")
    assert result.exit_code == 0, result.output
    (post,) = [r for r in sandbox.requests() if r.method == "POST"]
    assert post.body["executionId"] == 3857 and "testPlan" not in post.body
    assert cli("plan", str(path), "--detailed-exitcode").exit_code == 0


def test_ambiguous_and_unknown_test_plan_names_name_the_candidates(
    cli: Cli, tmp_path: Path
) -> None:
    path = write_yaml(
        tmp_path / "a.yaml",
        BY_NAME.replace("Checkout regression", "Smoke")
        + BY_NAME.split("schedules:\n")[1]
        .replace("by-name", "unknown")
        .replace("Checkout regression", "Chekout regresion"),
    )
    result = cli("plan", str(path))
    assert result.exit_code == 1
    assert f"{path}:5:" in result.stderr and "3858" in result.stderr and "3859" in result.stderr
    assert f"{path}:9:" in result.stderr and "Checkout regression" in result.stderr


def test_test_plan_by_name_needs_the_account(cli: Cli, tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "a.yaml", BY_NAME)
    # The key is set: what is missing is the preflight, and the message says so.
    result = cli("plan", str(path), "--no-preflight")
    assert result.exit_code == 1
    assert "--no-preflight" in result.stderr and f"{path}:5:" in result.stderr
    assert "set TESTSIGMA_API_KEY" not in result.stderr
    offline = cli("plan", str(path), env={"TESTSIGMA_API_KEY": ""})
    assert offline.exit_code == 1
    assert "set TESTSIGMA_API_KEY" in offline.stderr and f"{path}:5:" in offline.stderr


ANCHORED = """
version: 1
x-checkout: &checkout
  testPlan: Checkout regression
  scheduleType: DAILY
  timezone: Asia/Kolkata
schedules:
"""


def test_an_unresolved_anchor_is_one_error_not_one_per_schedule(cli: Cli, tmp_path: Path) -> None:
    entries = "".join(
        f'  - {{<<: *checkout, name: s{i}, nextInterval: "2027-03-01T17:30:00"}}\n'
        for i in range(6)
    )
    path = write_yaml(tmp_path / "a.yaml", ANCHORED + entries)
    result = cli("plan", str(path), "--no-preflight")
    assert result.exit_code == 1
    assert result.stderr.count("testPlan 'Checkout regression'") == 1, result.stderr
    assert "used by 6 entries" in result.stderr and "1 error found" in result.stderr


def test_import_with_yaml_using_test_plan_names_succeeds(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    other = write_yaml(tmp_path / "y" / "a.yaml", BY_NAME)
    assert cli("apply", str(other), "--auto-approve").exit_code == 0
    schedule_id = cli("state", "list").stdout.split("by-name")[1].split()[0]
    assert cli("state", "rm", "by-name").exit_code == 0
    write_yaml(tmp_path / "y" / "b.yaml", BY_NAME.replace("by-name", "another"))
    result = cli("import", "by-name", schedule_id, str(tmp_path / "y"))
    assert result.exit_code == 0, result.output
    assert "Imported schedule" in result.stderr and "error" not in result.output


def test_run_by_test_plan_name(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    path = write_yaml(
        tmp_path / "r.yaml",
        """
        runs:
          - name: smoke
            testPlan: Checkout regression
    """,
    )
    result = cli("run", "smoke", str(path))
    assert result.exit_code == 0, result.output
    (post,) = [r for r in sandbox.requests() if r.method == "POST"]
    assert post.body == {"executionId": 3857}


ALL_AT_ONCE = """
version: 1
defaults: {timezone: Asia/Kolkata}
schedules:
  - name: ambiguous
    testPlan: Smoke
    scheduleType: DAILY
    nextInterval: "2027-03-01T17:30:00"
  - name: unknown-plan
    executionId: 999999
    scheduleType: DAILY
    nextInterval: "2027-03-01T17:30:00"
  - name: unknown-favourite
    executionId: 3857
    executionConfig: {name: fav_config_nam}
    scheduleType: DAILY
    nextInterval: "2027-03-01T17:30:00"
  - name: once-passed
    executionId: 3857
    scheduleType: ONCE
    nextInterval: "2020-03-01T17:30:00"
"""


def test_every_problem_knowable_before_sending_comes_in_one_round(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    path = write_yaml(tmp_path / "a.yaml", ALL_AT_ONCE)
    result = cli("plan", str(path))
    assert result.exit_code == 1
    for line, what in ((5, "3858"), (9, "999999"), (14, "fav_config_name"), (20, "has passed")):
        assert f"{path}:{line}:" in result.stderr and what in result.stderr, (line, result.stderr)
    assert "4 errors found" in result.stderr
    assert changing_requests(sandbox) == []


def test_validate_flags_a_once_in_the_past(cli: Cli, tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "a.yaml", ALL_AT_ONCE)
    result = cli("validate", str(path))
    assert result.exit_code == 0  # maybe applied before: a warning, the state decides
    assert f"{path}:20:" in result.stderr and "warning" in result.stderr
    assert "has passed" in result.stderr


def test_an_import_whose_preview_fails_still_reports_success(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    path = write_yaml(tmp_path / "y" / "a.yaml", BY_NAME)
    assert cli("apply", str(path), "--auto-approve").exit_code == 0
    schedule_id = cli("state", "list").stdout.split("by-name")[1].split()[0]
    assert cli("state", "rm", "by-name").exit_code == 0
    write_yaml(path, BY_NAME.replace("Checkout regression", "Smoke"))  # ambiguous now
    result = cli("import", "by-name", schedule_id, str(path.parent))
    assert result.exit_code == 0, result.output
    assert "Imported schedule" in result.stderr and "Warning: imported, but" in result.stderr
    assert "by-name" in cli("state", "list").stdout
