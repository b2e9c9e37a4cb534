"""Many runners, one state (SQLite file or PostgreSQL): no double work, one apply at a time."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import API_KEY, Cli, changing_requests, schedule, write_schedules

from reconciler.sandbox import Sandbox
from reconciler.state import open_store

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_state(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    return str(request.getfixturevalue("pg_workspace_url"))


def runner(sandbox: Sandbox, state: str, workdir: Path) -> Cli:
    """A CI runner: its own checkout (working directory), the shared state."""
    workdir.mkdir(parents=True, exist_ok=True)
    return Cli(
        {"TESTSIGMA_API_URL": sandbox.url, "TESTSIGMA_API_KEY": API_KEY, "RECONCILER_STATE": state},
        cwd=workdir,
    )


def test_a_second_runner_sends_nothing(sandbox: Sandbox, shared_state: str, tmp_path: Path) -> None:
    first, second = (runner(sandbox, shared_state, tmp_path / n) for n in ("a", "b"))
    checkout_a = write_schedules(tmp_path / "a" / "t" / "s.yaml", schedule("x"), schedule("y"))
    checkout_b = write_schedules(tmp_path / "b" / "t" / "s.yaml", schedule("x"), schedule("y"))
    assert first("apply", str(checkout_a.parent), "--auto-approve").exit_code == 0
    sandbox.clear_requests()
    again = second("apply", str(checkout_b.parent), "--auto-approve")
    assert again.exit_code == 0, again.output
    assert changing_requests(sandbox) == []
    assert len(sandbox.schedules()) == 2


def test_a_concurrent_apply_exits_3_naming_the_lock(
    sandbox: Sandbox, shared_state: str, tmp_path: Path
) -> None:
    cli = runner(sandbox, shared_state, tmp_path / "b")
    yaml_dir = write_schedules(tmp_path / "b" / "t" / "s.yaml", schedule("x")).parent
    holder = open_store(shared_state)
    try:
        with holder.lock(operation="apply") as held:
            refused = cli("apply", str(yaml_dir), "--auto-approve")
    finally:
        holder.close()
    assert refused.exit_code == 3, refused.output
    assert held.id in refused.stderr and "locked by" in refused.stderr
    assert sandbox.schedules() == []


def test_lock_timeout_waits_for_the_other_apply(
    sandbox: Sandbox, shared_state: str, tmp_path: Path
) -> None:
    yaml_dir = write_schedules(tmp_path / "t" / "s.yaml", schedule("x")).parent
    env = {
        **os.environ,
        "TESTSIGMA_API_URL": sandbox.url,
        "TESTSIGMA_API_KEY": API_KEY,
        "RECONCILER_STATE": shared_state,
        "PYTHONUNBUFFERED": "1",
    }
    holder = open_store(shared_state)
    try:
        with holder.lock(operation="apply"):
            waiting = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "reconciler",
                    "--verbose",
                    "apply",
                    str(yaml_dir),
                    "--auto-approve",
                    "--lock-timeout",
                    "60",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            assert waiting.stderr is not None
            for line in waiting.stderr:  # until it says it is waiting for our lock
                if "waiting up to" in line:
                    break
            assert sandbox.schedules() == []
    finally:
        holder.close()
    out, err = waiting.communicate(timeout=60)
    assert waiting.returncode == 0, out + err
    assert [s["name"] for s in sandbox.schedules()] == ["x"]
