"""Renames over real HTTP: a `moved:` entry is one PUT with the full body, the id kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import Cli, changing_requests, write_yaml

from reconciler.sandbox import Sandbox

BEFORE = """
version: 1
defaults: {timezone: Asia/Kolkata}
schedules:
  - name: search-morning
    executionId: 3861
    executionConfig: {name: smoke only}
    scheduleType: DAILY
    nextInterval: "2027-03-01T07:30:00"
    comments: team search
  - name: untouched
    executionId: 3857
    scheduleType: WEEKLY
    nextInterval: "2027-03-01T09:00:00"
"""

AFTER = (
    BEFORE.replace("search-morning", "search-am")
    + """
moved:
  - {from: search-morning, to: search-am}
"""
)


def test_a_moved_entry_is_applied_as_one_put_keeping_the_id(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    path = write_yaml(tmp_path / "yaml" / "search.yaml", BEFORE)
    assert cli("apply", str(path), "--auto-approve").exit_code == 0
    (old,) = [s for s in sandbox.schedules() if s["name"] == "search-morning"]
    write_yaml(path, AFTER)
    sandbox.clear_requests()

    plan = cli("plan", str(path), "--detailed-exitcode")
    assert plan.exit_code == 2, plan.output
    assert f"~ rename search-morning -> search-am (id {old['id']})" in plan.stdout
    assert "Plan: 0 to create, 0 to update, 0 to delete, 1 to rename" in plan.stdout
    assert "0 orphaned" in plan.stdout and "+ create" not in plan.stdout
    assert changing_requests(sandbox) == []

    applied = cli("apply", str(path), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    writes = [r for r in sandbox.requests() if r.method in ("POST", "PUT", "DELETE")]
    assert [(r.method, r.path) for r in writes] == [("PUT", f"/schedule_executions/{old['id']}")]
    # The full body, so a merging PUT cannot keep an old value.
    assert writes[0].body == {
        "name": "search-am",
        "executionId": 3861,
        "executionConfig": {"name": "smoke only"},
        "scheduleType": "DAILY",
        "nextInterval": "2027-03-01T07:30:00.000",
        "timezone": "Asia/Kolkata",
        "status": "ACTIVE",
        "comments": "team search",
    }
    assert sorted(s["name"] for s in sandbox.schedules()) == ["search-am", "untouched"]
    assert sandbox.schedule(old["id"])["name"] == "search-am"

    shown = json.loads(cli("state", "show", "search-am").stdout)
    assert shown["id"] == old["id"]
    assert cli("state", "show", "search-morning").exit_code == 1

    # The entry may stay: once applied it is a no-op.
    sandbox.clear_requests()
    again = cli("plan", str(path), "--detailed-exitcode")
    assert again.exit_code == 0, again.output
    assert changing_requests(sandbox) == []


def test_rename_with_another_change_is_still_one_put(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    path = write_yaml(tmp_path / "yaml" / "search.yaml", BEFORE)
    assert cli("apply", str(path), "--auto-approve").exit_code == 0
    write_yaml(path, AFTER.replace("team search", "team discovery"))
    sandbox.clear_requests()
    plan = cli("plan", str(path))
    assert 'comments  "team search" -> "team discovery"' in plan.stdout, plan.stdout
    assert cli("apply", str(path), "--auto-approve").exit_code == 0
    writes = changing_requests(sandbox)
    assert len(writes) == 1 and writes[0][0] == "PUT"
    (renamed,) = [s for s in sandbox.schedules() if s["name"] == "search-am"]
    assert renamed["comments"] == "team discovery"


def test_create_plus_orphan_with_equal_payloads_suggests_moved(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    path = write_yaml(tmp_path / "yaml" / "search.yaml", BEFORE)
    assert cli("apply", str(path), "--auto-approve").exit_code == 0
    write_yaml(path, BEFORE.replace("search-morning", "search-am"))
    hint = "looks like a rename of `search-morning`"
    for fmt in ("text", "markdown", "json"):
        plan = cli("plan", str(path), "--format", fmt)
        # Printed once on stderr with the YAML's warnings, whatever the format.
        assert hint in plan.stderr, (fmt, plan.stderr)
        assert "moved: [{from: search-morning, to: search-am}]" in plan.stderr
    markdown = cli("plan", str(path), "--format", "markdown").stdout
    assert "looks like a rename of \\`search-morning\\`" in markdown  # escaped prose
    assert hint in cli("plan", str(path), "--format", "json").stdout


def test_rename_renders_in_markdown_and_json(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "yaml" / "search.yaml", BEFORE)
    assert cli("apply", str(path), "--auto-approve").exit_code == 0
    write_yaml(path, AFTER)
    markdown = cli("plan", str(path), "--format", "markdown").stdout
    assert "| rename | ` search-morning ` → ` search-am ` |" in markdown
    doc = json.loads(cli("plan", str(path), "--format", "json").stdout)
    (rename,) = [a for a in doc["actions"] if a["action"] == "rename"]
    assert rename["name"] == "search-am" and rename["renamed_from"] == "search-morning"
    assert doc["summary"]["rename"] == 1 and doc["has_changes"] is True


def test_saved_plan_with_a_rename_applies(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "yaml" / "search.yaml", BEFORE)
    assert cli("apply", str(path), "--auto-approve").exit_code == 0
    write_yaml(path, AFTER)
    saved = tmp_path / "plan.json"
    assert cli("plan", str(path), "--out", str(saved)).exit_code == 0
    sandbox.clear_requests()
    assert cli("apply", "--plan", str(saved), "--auto-approve").exit_code == 0
    assert [m for m, _ in changing_requests(sandbox)] == ["PUT"]
    assert json.loads(cli("state", "show", "search-am").stdout)["payload"]["name"] == "search-am"


def test_rename_whose_answer_is_lost_is_finished_by_the_next_apply(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    path = write_yaml(tmp_path / "yaml" / "search.yaml", BEFORE)
    assert cli("apply", str(path), "--auto-approve").exit_code == 0
    (old,) = [s for s in sandbox.schedules() if s["name"] == "search-morning"]
    write_yaml(path, AFTER)
    sandbox.clear_requests()
    sandbox.configure(fault_rate=1.0, faults=("drop_after_commit",), fault_seed=1)
    lost = cli("apply", str(path), "--auto-approve", "--no-refresh", "--no-preflight")
    assert lost.exit_code == 1
    sandbox.configure(fault_rate=0.0)
    assert sandbox.schedule(old["id"])["name"] == "search-am"  # it landed; we were not told
    again = cli("apply", str(path), "--auto-approve")
    assert again.exit_code == 0, again.output
    methods = {m for m, _ in changing_requests(sandbox)}
    assert methods == {"PUT"}  # never a POST or a DELETE
    assert sorted(s["name"] for s in sandbox.schedules()) == ["search-am", "untouched"]
    assert json.loads(cli("state", "show", "search-am").stdout)["id"] == old["id"]
    assert cli("plan", str(path), "--detailed-exitcode").exit_code == 0


def test_rename_killed_between_forget_and_record_is_recorded_next_run(
    cli: Cli, sandbox: Sandbox, tmp_path: Path, state_path: Path
) -> None:
    from reconciler.state import open_store

    path = write_yaml(tmp_path / "yaml" / "search.yaml", BEFORE)
    assert cli("apply", str(path), "--auto-approve").exit_code == 0
    (old,) = [s for s in sandbox.schedules() if s["name"] == "search-morning"]
    write_yaml(path, AFTER)
    # What a run killed right after the PUT and the old record's removal leaves behind.
    store = open_store(f"sqlite:///{state_path}")
    try:
        payload = {**store.read_all()["search-morning"].payload, "name": "search-am"}
        store.journal_intent(
            action="rename", name="search-am", schedule_id=old["id"], payload=payload
        )
        store.forget("search-morning")
    finally:
        store.close()
    sandbox.edit_schedule(old["id"], name="search-am")
    sandbox.clear_requests()
    plan = cli("plan", str(path), "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output
    assert "recorded the rename of id" in plan.stderr
    applied = cli("apply", str(path), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert changing_requests(sandbox) == []
    assert json.loads(cli("state", "show", "search-am").stdout)["id"] == old["id"]
    assert "Unresolved" not in cli("state", "list").stderr


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_state(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'other.db'}"
    return str(request.getfixturevalue("pg_workspace_url"))


def test_adopt_then_rename_on_either_store(
    cli: Cli, sandbox: Sandbox, tmp_path: Path, any_state: str
) -> None:
    env = {"RECONCILER_STATE": any_state}
    made = sandbox.add_schedule_outside(
        {
            "name": "search-morning",
            "executionId": 3861,
            "scheduleType": "DAILY",
            "nextInterval": "2027-03-01T07:30:00.000",
            "timezone": "America/New_York",
            "status": "ACTIVE",
        }
    )
    exported = cli("export", env=env).stdout
    path = tmp_path / "all.yaml"
    path.write_text(exported, encoding="utf-8")
    assert cli("import", "--all", str(path), env=env).exit_code == 0
    assert cli("plan", str(path), "--detailed-exitcode", env=env).exit_code == 0
    path.write_text(
        exported.replace("name: search-morning", "name: search-am")
        + "moved:\n  - {from: search-morning, to: search-am}\n",
        encoding="utf-8",
    )
    sandbox.clear_requests()
    applied = cli("apply", str(path), "--auto-approve", env=env)
    assert applied.exit_code == 0, applied.output
    assert changing_requests(sandbox) == [("PUT", f"/schedule_executions/{made['id']}")]
    assert json.loads(cli("state", "show", "search-am", env=env).stdout)["id"] == made["id"]
    assert cli("plan", str(path), "--detailed-exitcode", env=env).exit_code == 0


def test_a_rename_whose_put_answer_is_a_gateway_error_is_sent_again_in_the_same_apply(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    path = write_yaml(tmp_path / "yaml" / "search.yaml", BEFORE)
    assert cli("apply", str(path), "--auto-approve").exit_code == 0
    (old,) = [s for s in sandbox.schedules() if s["name"] == "search-morning"]
    write_yaml(path, AFTER)
    sandbox.clear_requests()
    sandbox.configure(commit_fail_next=1)  # the PUT is committed, then answered 502
    applied = cli("apply", str(path), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    # The same idempotent PUT twice, never a POST or a DELETE; the id kept.
    assert changing_requests(sandbox) == [("PUT", f"/schedule_executions/{old['id']}")] * 2
    assert sorted(s["name"] for s in sandbox.schedules()) == ["search-am", "untouched"]
    assert json.loads(cli("state", "show", "search-am").stdout)["id"] == old["id"]
    assert "Unresolved" not in cli("state", "list").stderr
    assert cli("plan", str(path), "--detailed-exitcode").exit_code == 0


def test_a_rename_that_clears_the_comment_clears_it_on_a_merging_server(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    path = write_yaml(tmp_path / "yaml" / "search.yaml", BEFORE)
    assert cli("apply", str(path), "--auto-approve").exit_code == 0
    (old,) = [s for s in sandbox.schedules() if s["name"] == "search-morning"]
    write_yaml(path, AFTER.replace("    comments: team search\n", ""))
    sandbox.clear_requests()
    assert cli("apply", str(path), "--auto-approve").exit_code == 0
    (put,) = [r for r in sandbox.requests() if r.method == "PUT"]
    assert put.body is not None and put.body["comments"] == ""  # left out, it would stay
    assert not sandbox.schedule(old["id"]).get("comments")
    assert cli("plan", str(path), "--detailed-exitcode").exit_code == 0


def test_a_rename_that_also_needs_a_replace_is_deleted_and_created_under_the_new_name(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    path = write_yaml(tmp_path / "yaml" / "search.yaml", BEFORE)
    assert cli("apply", str(path), "--auto-approve").exit_code == 0
    (old,) = [s for s in sandbox.schedules() if s["name"] == "search-morning"]
    # executionConfig taken away: a merging PUT cannot express it, so no single PUT can.
    write_yaml(path, AFTER.replace("    executionConfig: {name: smoke only}\n", ""))
    sandbox.clear_requests()
    plan = cli("plan", str(path))
    assert "-/+ replace search-morning -> search-am (executionConfig cannot be removed" in (
        plan.stdout
    ), plan.stdout
    assert "re-created under the new name" in plan.stdout
    assert "1 to replace" in plan.stdout and "to rename" not in plan.stdout
    applied = cli("apply", str(path), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    writes = changing_requests(sandbox)
    assert writes[0] == ("DELETE", f"/schedule_executions/{old['id']}")
    assert [m for m, _ in writes] == ["DELETE", "POST"]
    (new,) = [s for s in sandbox.schedules() if s["name"] == "search-am"]
    assert new["id"] != old["id"] and "executionConfig" not in sandbox.stored_body(new["id"])
    assert json.loads(cli("state", "show", "search-am").stdout)["id"] == new["id"]
    assert cli("state", "show", "search-morning").exit_code == 1
    assert cli("plan", str(path), "--detailed-exitcode").exit_code == 0
