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


def test_no_changes_is_said_only_when_true(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    path = write_schedules(tmp_path / "y" / "a.yaml", schedule("a"), schedule("b"))
    assert cli("apply", str(path), "--auto-approve").exit_code == 0
    write_schedules(path, schedule("a"))  # b is now orphaned
    orphaned = cli("plan", str(path))
    assert orphaned.exit_code == 0
    assert "No changes" not in orphaned.stdout
    assert "1 orphaned" in orphaned.stdout.splitlines()[0] and "--prune" in orphaned.stdout
    body = {
        "name": "c",
        "executionId": 3857,
        "scheduleType": "DAILY",
        "nextInterval": "2027-03-01T17:30:00.000",
        "timezone": "Asia/Kolkata",
    }
    sandbox.add_schedule_outside(body)
    write_schedules(path, schedule("a"), schedule("b"), schedule("c"))
    conflicted = cli("plan", str(path), "--format", "markdown")
    assert conflicted.exit_code == 1
    assert "No changes" not in conflicted.stdout and "1 in conflict" in conflicted.stdout
    write_schedules(path, schedule("a"), schedule("b"))
    assert cli("plan", str(path)).stdout.startswith("No changes.")


def test_a_warning_is_printed_once_on_stderr(cli: Cli, tmp_path: Path) -> None:
    path = write_schedules(tmp_path / "y" / "a.yaml", schedule("a", timezone="EST"))
    result = cli("plan", str(path))
    assert result.exit_code == 0, result.output
    assert result.output.count("fixed offset") == 1, result.output
    assert "fixed offset" in result.stderr


def test_an_offline_markdown_plan_says_what_it_did_not_check(cli: Cli, tmp_path: Path) -> None:
    path = write_schedules(tmp_path / "y" / "a.yaml", schedule("a", status="IN_ACTIVE"))
    offline = cli("plan", str(path), "--format", "markdown", env={"TESTSIGMA_API_KEY": ""})
    assert offline.exit_code == 0, offline.output
    top = offline.stdout.splitlines()[2]
    assert "Offline plan" in top and "duplicates" in top and "favourites" in top
    assert "IN\\_ACTIVE" not in offline.stdout and '"IN_ACTIVE"' in offline.stdout
    online = cli("plan", str(path), "--format", "markdown")
    assert "Offline" not in online.stdout and "Not checked" not in online.stdout
    assert "3857 (Checkout regression)" in online.stdout
    assert "3857 (Checkout regression)" in cli("plan", str(path)).stdout


def test_quiet_apply_prints_results_not_the_plan(cli: Cli, tmp_path: Path) -> None:
    path = write_schedules(tmp_path / "y" / "a.yaml", schedule("a"))
    result = cli("-q", "apply", str(path), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "executionId" not in result.output and "will perform" not in result.output
    assert "✓ create a" in result.stdout and "Apply: 1 succeeded" in result.stdout


def test_validate_prints_its_verdict_on_stdout(cli: Cli, tmp_path: Path) -> None:
    path = write_schedules(tmp_path / "y" / "a.yaml", schedule("a"))
    result = cli("validate", str(path))
    assert result.stdout.startswith("OK: 1 schedule(s)"), result.output


def test_state_list_has_a_header_and_json(cli: Cli, tmp_path: Path) -> None:
    import json

    path = write_schedules(tmp_path / "y" / "a.yaml", schedule("a"), schedule("b"))
    assert cli("apply", str(path), "--auto-approve").exit_code == 0
    listed = cli("state", "list")
    assert "NAME\tID\tAPPLIED AT" in listed.stderr
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == ["a", "b"]
    doc = json.loads(cli("state", "list", "--format", "json").stdout)
    assert [r["name"] for r in doc] == ["a", "b"] and all(isinstance(r["id"], int) for r in doc)


def test_a_misspelt_name_gets_a_did_you_mean(cli: Cli, tmp_path: Path) -> None:
    path = write_schedules(tmp_path / "y" / "a.yaml", schedule("checkout-nightly"))
    assert cli("apply", str(path), "--auto-approve").exit_code == 0
    for args in (
        ["state", "show", "checkout-nightyl"],
        ["state", "rm", "checkout-nightyl"],
        ["plan", str(path), "--target", "checkout-nightyl"],
    ):
        result = cli(*args)
        assert result.exit_code == 1, args
        assert "did you mean 'checkout-nightly'?" in result.stderr, (args, result.stderr)


def test_apply_as_markdown_prints_the_results_as_markdown(cli: Cli, tmp_path: Path) -> None:
    path = write_schedules(tmp_path / "y" / "a.yaml", schedule("a"), schedule("b|c"))
    result = cli("apply", str(path), "--auto-approve", "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert "### testsigma-reconciler apply" in result.stdout
    assert "| ✓ | create | ` a ` |" in result.stdout and "` b\\|c `" in result.stdout
    assert "\n✓ create" not in result.stdout
    assert "**Apply: 2 succeeded" in result.stdout


def test_a_passed_anchor_says_what_is_sent_and_why(cli: Cli, tmp_path: Path) -> None:
    path = write_schedules(
        tmp_path / "y" / "a.yaml", schedule("a", nextInterval="2020-01-06T09:00:00")
    )
    for fmt in ("text", "markdown"):
        result = cli("plan", str(path), "--format", fmt)
        assert result.exit_code == 0, result.output
        assert "2020-01-06T09:00:00.000" in result.stdout  # the anchor, as declared
        assert "sends nextInterval" in result.stdout and "has passed" in result.stdout


def test_an_ad_hoc_favourite_typo_names_its_own_flag(cli: Cli) -> None:
    result = cli("run", "--execution-id", "3857", "--config-name", "smoke onyl")
    assert result.exit_code == 1
    assert "--config-name:" in result.stderr and "--execution-id:" not in result.stderr


def test_the_json_plan_carries_offline_and_test_plan_names(cli: Cli, tmp_path: Path) -> None:
    import json

    path = write_schedules(tmp_path / "y" / "a.yaml", schedule("a"))
    online = json.loads(cli("plan", str(path), "--format", "json").stdout)
    assert online["offline"] is False and online["not_checked"] == []
    assert online["actions"][0]["test_plan_name"] == "Checkout regression"
    env = {"TESTSIGMA_API_KEY": ""}
    offline = json.loads(cli("plan", str(path), "--format", "json", env=env).stdout)
    assert offline["offline"] is True
    assert offline["not_checked"] == ["account", "live", "names"]
