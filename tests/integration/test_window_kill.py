"""Kill an apply right after each commit while its window holds intents never sent.

The executor journals up to `--parallelism` steps ahead of the requests (the window,
reconciler/app/executor.py), so a kill can leave open journal entries whose requests
never left. With `--parallelism 1` every step of this apply (two creates, an update, a
rename, a prune and a replace) sits in the window at one of the commit points; the
child is killed just after each commit in turn (`commit_killer.py`), until every kind
of step has been caught there. After each kill:

- the open entries are compared with the sandbox's request log, and every kind of step
  must, at some kill, have been journalled and not sent (else the test proves nothing);
- the next plain `apply` must leave each declared schedule on the server exactly once
  with its declared fields, the renamed one keeping its id, the pruned one gone, and a
  further plan a no-op.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from helpers import API_KEY, Cli, schedule, write_schedules
from killable import KILLED, child_env, reconciler

from reconciler.sandbox import Sandbox

CONFIG = {"name": "smoke only"}  # a favourite the sandbox has


def before(path: Path) -> None:
    write_schedules(
        path,
        schedule("upd"),
        schedule("old"),
        schedule("gone"),
        schedule("rep", executionConfig=CONFIG),
    )


def after(path: Path) -> None:
    write_schedules(
        path,
        schedule("n0"),
        schedule("n1"),
        schedule("upd", comments="changed"),
        schedule("new"),
        schedule("rep"),  # the favourite taken away: a merging PUT cannot, so a replace
    )
    with path.open("a", encoding="utf-8") as out:
        out.write("moved:\n  - {from: old, to: new}\n")


DECLARED = ["n0", "n1", "upd", "new", "rep"]


def never_sent(state: Path, sandbox: Sandbox) -> set[tuple[str, str]]:
    """The open journal entries, as (action, name), whose request the sandbox never got."""
    with sqlite3.connect(state) as conn:
        rows = conn.execute(
            "SELECT action, name, schedule_id FROM journal WHERE outcome IS NULL"
        ).fetchall()
    got = sandbox.requests()
    posted = {str((r.body or {}).get("name")) for r in got if r.method == "POST"}
    touched = {(r.method, r.path) for r in got}
    unsent = set()
    for action, name, schedule_id in rows:
        path = f"/schedule_executions/{schedule_id}"
        sent = {
            "create": name in posted,
            "update": ("PUT", path) in touched,
            "rename": ("PUT", path) in touched,
            "delete": ("DELETE", path) in touched,
        }[action]
        if not sent:
            unsent.add((action, name))
    return unsent


def one_round(tmp_path: Path, at: int) -> tuple[bool, set[tuple[str, str]]]:
    """Kill after commit `at`, recover, check; whether it was killed, and what was unsent."""
    work = tmp_path / str(at)
    path = work / "yaml" / "team.yaml"
    state = work / "state.db"
    with Sandbox(api_key=API_KEY, port=0) as sandbox:
        env = child_env(sandbox.url, state)
        cli = Cli(env, cwd=work)
        before(path)
        assert cli("apply", str(path.parent), "--auto-approve").exit_code == 0
        renamed_id = next(s["id"] for s in sandbox.schedules() if s["name"] == "old")
        after(path)
        sandbox.clear_requests()
        apply = ("apply", str(path.parent), "--auto-approve", "--prune", "--parallelism", "1")
        run = reconciler(*apply, env=env, kill={"KILL_AT_COMMIT": str(at), "KILL_WHEN": "after"})
        if run.returncode != KILLED:
            assert run.returncode == 0, run.stdout + run.stderr
        unsent = never_sent(state, sandbox)
        recovered = reconciler(*apply, env=env)
        where = f"killed after commit {at}"
        assert recovered.returncode == 0, f"{where}: {recovered.stdout}{recovered.stderr}"
        on_server = sandbox.schedules()
        assert Counter(s["name"] for s in on_server) == Counter(DECLARED), where
        by_name = {s["name"]: s for s in on_server}
        assert by_name["new"]["id"] == renamed_id, f"{where}: the rename must keep the id"
        assert sandbox.stored_body(by_name["upd"]["id"]).get("comments") == "changed", where
        assert not sandbox.stored_body(by_name["rep"]["id"]).get("executionConfig"), where
        noop = cli("plan", str(path.parent), "--prune", "--detailed-exitcode")
        assert noop.exit_code == 0, f"{where}: {noop.output}"
        return run.returncode == KILLED, unsent


@pytest.mark.slow
def test_kills_with_unsent_intents_in_the_window_converge_on_the_next_apply(
    tmp_path: Path,
) -> None:
    # Every kind of step must be, at some kill, journalled and never sent.
    wanted = {
        ("create", "n0"),
        ("create", "n1"),
        ("update", "upd"),
        ("rename", "new"),
        ("delete", "gone"),
        ("delete", "rep"),  # the DELETE half of the replace
        ("create", "rep"),  # its CREATE half, journalled once the DELETE is recorded
    }
    seen: set[tuple[str, str]] = set()
    at = 1
    # The kill points after the window has held every step are test_kill_at_every_commit's.
    while not wanted <= seen:
        killed, unsent = one_round(tmp_path, at)
        seen |= unsent
        assert killed, f"the apply finished; never caught in the window: {sorted(wanted - seen)}"
        at += 1
        assert at < 100, "the kill hook counts wrongly"
