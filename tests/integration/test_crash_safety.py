"""Crash safety: an action whose outcome is unknown is resolved, never blindly repeated."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import API_KEY, Cli, schedule, write_schedules

from reconciler.sandbox import Sandbox, SandboxConfig

ROOT = Path(__file__).resolve().parents[2]


def declared(tmp_path: Path, count: int) -> Path:
    return write_schedules(
        tmp_path / "yaml" / "team.yaml", *(schedule(f"s{i:02d}") for i in range(count))
    ).parent


def names_on_server(sandbox: Sandbox) -> list[str]:
    return sorted(s["name"] for s in sandbox.schedules())


def test_create_answered_by_a_dropped_connection_is_adopted_not_repeated(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    yaml_dir = declared(tmp_path, 1)
    sandbox.configure(fault_rate=1.0, faults=("drop_after_commit",), fault_seed=1)
    # No reads in this run: the only call is the POST, and its answer is lost.
    first = cli("apply", str(yaml_dir), "--auto-approve", "--no-refresh", "--no-preflight")
    assert first.exit_code == 1
    assert "outcome is unknown" in first.stdout
    assert names_on_server(sandbox) == ["s00"]  # it was created, but we were not told
    sandbox.configure(fault_rate=0.0)
    second = cli("apply", str(yaml_dir), "--auto-approve")
    assert second.exit_code == 0, second.output
    assert "adopted 's00'" in second.stderr
    assert names_on_server(sandbox) == ["s00"]
    assert [r.method for r in sandbox.requests()].count("POST") == 1
    shown = cli("state", "show", "s00").stdout
    assert str(sandbox.schedules()[0]["id"]) in shown
    assert cli("plan", str(yaml_dir), "--detailed-exitcode").exit_code == 0


def test_unknown_create_without_lookup_is_blocked_with_instructions(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    yaml_dir = declared(tmp_path, 1)
    sandbox.configure(fault_rate=1.0, faults=("drop",), fault_seed=1, list_by_name=False)
    lost = cli("apply", str(yaml_dir), "--auto-approve", "--no-refresh", "--no-preflight")
    assert lost.exit_code == 1
    sandbox.configure(fault_rate=0.0)
    blocked = cli("apply", str(yaml_dir), "--auto-approve")
    assert blocked.exit_code == 1
    assert "reconciler state resolve" in blocked.output
    assert "reconciler import s00 ID" in blocked.output
    assert sandbox.schedules() == []  # the drop happened before commit: nothing exists
    entry = blocked.output.split("reconciler state resolve ")[1].split("`")[0]
    assert cli("state", "resolve", entry).exit_code == 0
    done = cli("apply", str(yaml_dir), "--auto-approve")
    assert done.exit_code == 0, done.output
    assert names_on_server(sandbox) == ["s00"]


def assert_no_lock_left(url: str) -> None:
    """A killed apply's lock dies with it: nobody has to run `reconciler state unlock`."""
    from reconciler.state import open_store

    store = open_store(url)
    try:
        assert store.current_lock() is None
    finally:
        store.close()


@pytest.mark.slow
def test_sigkill_at_random_moments_never_duplicates(tmp_path: Path) -> None:
    """Kill `apply` with SIGKILL at random points, many times; then converge exactly."""
    rng = random.Random(int(os.environ.get("RECONCILER_KILL_SEED", "7")))
    count = 16
    yaml_dir = declared(tmp_path, count)
    env = {
        **os.environ,
        "TESTSIGMA_API_KEY": API_KEY,
        "RECONCILER_STATE": f"sqlite:///{tmp_path / 'state.db'}",
    }
    with Sandbox(api_key=API_KEY, config=SandboxConfig(latency_ms=40)) as sandbox:
        env["TESTSIGMA_API_URL"] = sandbox.url
        command = [
            sys.executable,
            "-m",
            "reconciler",
            "apply",
            str(yaml_dir),
            "--auto-approve",
            "--parallelism",
            "3",
        ]
        kills = 0
        for _ in range(12):
            proc = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            # A random kill point is the point of this test, not a synchronisation.
            time.sleep(rng.uniform(0.2, 1.2))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.wait(timeout=30)
            assert_no_lock_left(env["RECONCILER_STATE"])
        final = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
        assert final.returncode == 0, final.stdout + final.stderr
        names = names_on_server(sandbox)
        assert names == sorted(f"s{i:02d}" for i in range(count)), "duplicates or missing"
        listed = subprocess.run(
            [sys.executable, "-m", "reconciler", "state", "list"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        recorded = {
            line.split("\t")[0]: int(line.split("\t")[1]) for line in listed.stdout.splitlines()
        }
        assert recorded == {s["name"]: s["id"] for s in sandbox.schedules()}
        noop = subprocess.run(
            [sys.executable, "-m", "reconciler", "plan", str(yaml_dir), "--detailed-exitcode"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert noop.returncode == 0, noop.stdout + noop.stderr
        sandbox.clear_requests()
        again = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
        assert again.returncode == 0 and "No changes" in again.stdout, again.stdout
        assert [r for r in sandbox.requests() if r.method != "GET"] == []  # a no-op apply
        assert kills >= 3, "the kills should land mid-apply; slow the sandbox down"


@pytest.mark.slow
def test_a_plan_saved_before_a_killed_apply_is_stale(tmp_path: Path) -> None:
    yaml_dir = declared(tmp_path, 10)
    env = {
        **os.environ,
        "TESTSIGMA_API_KEY": API_KEY,
        "RECONCILER_STATE": f"sqlite:///{tmp_path / 'state.db'}",
        "PYTHONUNBUFFERED": "1",
    }
    plan_file = tmp_path / "plan.json"
    with Sandbox(api_key=API_KEY, config=SandboxConfig(latency_ms=200)) as sandbox:
        env["TESTSIGMA_API_URL"] = sandbox.url
        subprocess.run(
            [sys.executable, "-m", "reconciler", "plan", str(yaml_dir), "--out", str(plan_file)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "reconciler",
                "apply",
                str(yaml_dir),
                "--auto-approve",
                "--parallelism",
                "2",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert proc.stdout is not None
        for line in proc.stdout:  # the first schedule is created and recorded
            if line.startswith("✓ create"):
                break
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert_no_lock_left(env["RECONCILER_STATE"])
        stale = subprocess.run(
            [
                sys.executable,
                "-m",
                "reconciler",
                "apply",
                "--plan",
                str(plan_file),
                "--auto-approve",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert stale.returncode == 3, stale.stdout + stale.stderr
        names = [s["name"] for s in sandbox.schedules()]
        assert len(names) == len(set(names))
