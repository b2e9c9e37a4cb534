"""A state whose payloads do not fit their typed shape: one clear message, and the fix works.

Payloads are checked into `SchedulePayload` as they come out of the database
(`core.payload.read_payload`). A record damaged by hand or by a truncated write
stops every command that reads it with one line naming the record and the fix
(`state rm`, then `import`), never a traceback; that fix then works, because
`state rm` does not read the payload. A damaged journal entry is named too.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from helpers import Cli, schedule, write_schedules

from reconciler.sandbox import Sandbox


@pytest.fixture
def applied(cli: Cli, tmp_path: Path, sandbox: Sandbox) -> Path:
    yaml_dir = write_schedules(tmp_path / "y" / "s.yaml", schedule("a")).parent
    result = cli("apply", str(yaml_dir), "--auto-approve")
    assert result.exit_code == 0, result.output
    return yaml_dir


def execute(state_path: Path, sql: str) -> int:
    with closing(sqlite3.connect(state_path)) as conn:
        changed = conn.execute(sql).rowcount
        conn.commit()
    return changed


def recorded_id(state_path: Path) -> int:
    with closing(sqlite3.connect(state_path)) as conn:
        (found,) = conn.execute("SELECT id FROM schedules WHERE name = 'a'").fetchone()
    return int(found)


@pytest.mark.parametrize(
    ("payload", "why"),
    [
        ('{"name": "a", "executionId": 3857}', "scheduleType must be one of"),
        (
            '{"name": "a", "scheduleType": "DAILY", "status": "ACTIVE", "executionId": "x"}',
            "executionId must be a whole number, not 'x'",
        ),
        ("[1, 2]", "not a JSON object (list)"),
        ('{"name": "a", ', "Expecting"),  # not JSON at all
    ],
)
def test_a_damaged_record_is_one_message_naming_it_and_the_fix_works(
    cli: Cli, applied: Path, state_path: Path, payload: str, why: str
) -> None:
    schedule_id = recorded_id(state_path)
    assert execute(state_path, f"UPDATE schedules SET payload = '{payload}'") == 1
    for command in (("plan", str(applied)), ("state", "list"), ("state", "export")):
        result = cli(*command)
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        assert result.stderr.startswith(
            f"Error: the recorded payload of 'a' (id {schedule_id}) is damaged ("
        ), result.stderr
        assert why in result.stderr
        assert (
            f"run `reconciler state rm a`, then `reconciler import a {schedule_id}`"
            in result.stderr
        )
    assert cli("state", "rm", "a").exit_code == 0
    assert cli("import", "a", str(schedule_id)).exit_code == 0
    assert cli("state", "show", "a").exit_code == 0


def test_a_damaged_journal_entry_is_named(cli: Cli, applied: Path, state_path: Path) -> None:
    execute(
        state_path,
        "INSERT INTO journal (workspace, action, name, payload, started_at)"
        " VALUES ('default', 'create', 'b', '{\"name\": \"b\"}', '2026-11-29T10:00:00Z')",
    )
    result = cli("plan", str(applied))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "the payload of journal entry" in result.stderr
    assert "(create 'b') is damaged (scheduleType must be one of" in result.stderr
