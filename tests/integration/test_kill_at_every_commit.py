"""Kill `apply` at every commit point of its state, in turn; the next apply converges exactly.

A small apply (6 creates, 2 updates, 2 deletes with `--prune`) runs in a child
process launched by `commit_killer.py`, which ends the process (`os._exit`, no
cleanup) just before, or just after, the Nth COMMIT of the SQLite state, for N =
1, 2, ... until a run gets through all its commits. After each kill a plain
`apply` (no manual step: no unlock, no resolve) must leave the server holding each
declared schedule exactly once with its declared fields, the schedule nobody
declared untouched, the two pruned ones gone, and a further plan a no-op.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from helpers import API_KEY, schedule, write_schedules
from killable import KILLED, child_env, reconciler

from reconciler.sandbox import Sandbox

KEPT = [f"k{i}" for i in range(6)]  # k0, k1 updated; k2, k3 pruned; k4, k5 unchanged
NEW = [f"n{i}" for i in range(6)]
DECLARED = [*NEW, "k0", "k1", "k4", "k5"]


def before(path: Path) -> Path:
    return write_schedules(path, *(schedule(n) for n in KEPT))


def after(path: Path) -> Path:
    changed = {"k0", "k1"}
    return write_schedules(
        path,
        *(schedule(n, comments="changed") if n in changed else schedule(n) for n in DECLARED),
    )


def one_round(tmp_path: Path, *, at: int, when: str) -> bool:
    """Set up, kill at commit `at`, recover, check. False when the run was not killed."""
    work = tmp_path / f"{when}-{at}"
    path = work / "yaml" / "team.yaml"
    state = work / "state.db"
    with Sandbox(api_key=API_KEY, port=0) as sandbox:
        env = child_env(sandbox.url, state)
        stranger = sandbox.add_schedule_outside(
            {
                **schedule("not-ours"),
                "nextInterval": "2030-01-31T17:30:00.000",
                "timezone": "Asia/Kolkata",
            }
        )
        before(path)
        assert reconciler("apply", str(path.parent), "--auto-approve", env=env).returncode == 0
        after(path)
        apply = ("apply", str(path.parent), "--auto-approve", "--prune")
        kill = {"KILL_AT_COMMIT": str(at), "KILL_WHEN": when}
        run = reconciler(*apply, env=env, kill=kill)
        if run.returncode != KILLED:
            assert run.returncode == 0, run.stdout + run.stderr
        recovered = reconciler(*apply, env=env)
        where = f"killed {when} commit {at}"
        assert recovered.returncode == 0, f"{where}: {recovered.stdout}{recovered.stderr}"
        on_server = sandbox.schedules()
        names = Counter(s["name"] for s in on_server)
        assert names == Counter({n: 1 for n in [*DECLARED, "not-ours"]}), where
        assert sandbox.schedule(stranger["id"])["name"] == "not-ours", where
        for found in on_server:
            wanted = "changed" if found["name"] in ("k0", "k1") else None
            if found["name"] != "not-ours":
                assert found.get("comments") == wanted, f"{where}: {found}"
        noop = reconciler("plan", str(path.parent), "--prune", "--detailed-exitcode", env=env)
        assert noop.returncode == 0, f"{where}: {noop.stdout}{noop.stderr}"
        return run.returncode == KILLED


@pytest.mark.slow
@pytest.mark.parametrize("when", ["before", "after"])
def test_apply_killed_at_each_commit_converges_on_the_next_run(tmp_path: Path, when: str) -> None:
    at = 1
    while one_round(tmp_path, at=at, when=when):
        at += 1
        assert at < 200, "the apply never finished: the kill hook counts wrongly"
    assert at > 5, f"only {at - 1} commit points: the hook did not see the apply's commits"
