"""Locks die with their process, signals leave none, and saved plans cannot be replayed or forged.

Each test drives the real command in a child process (SIGKILL and SIGTERM need
one) against the sandbox over loopback, with a real SQLite file or PostgreSQL.
Children are synchronised on the lines they print, never on sleeps.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import IO

import psycopg
import pytest
from helpers import API_KEY, schedule, write_schedules

from reconciler.sandbox import Sandbox, SandboxConfig
from reconciler.state import open_store

ROOT = Path(__file__).resolve().parents[2]


def declared(tmp_path: Path, count: int, *, prefix: str = "s") -> Path:
    return write_schedules(
        tmp_path / "yaml" / "team.yaml", *(schedule(f"{prefix}{i:02d}") for i in range(count))
    ).parent


def environment(sandbox: Sandbox, state: str) -> dict[str, str]:
    return {
        **os.environ,
        "TESTSIGMA_API_KEY": API_KEY,
        "TESTSIGMA_API_URL": sandbox.url,
        "RECONCILER_STATE": state,
        "PYTHONUNBUFFERED": "1",
        "NO_COLOR": "1",
    }


def reconciler(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reconciler", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@contextmanager
def started(env: dict[str, str], *args: str) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=60)


def read_until(stream: IO[str] | None, marker: str) -> str:
    """Lines of a child's output up to and including the first one holding `marker`."""
    assert stream is not None
    seen = []
    for line in stream:
        seen.append(line)
        if marker in line:
            return "".join(seen)
    pytest.fail(f"the child ended without printing {marker!r}:\n{''.join(seen)}")


def names_on_server(sandbox: Sandbox) -> list[str]:
    return sorted(s["name"] for s in sandbox.schedules())


def lock_rows(state_db: Path) -> int:
    with closing(sqlite3.connect(state_db)) as conn:
        return int(conn.execute("SELECT count(*) FROM lock").fetchone()[0])


def no_lock_held(url: str) -> bool:
    store = open_store(url)
    try:
        return store.current_lock() is None
    finally:
        store.close()


@pytest.mark.slow
def test_three_kill_9_mid_apply_then_one_apply_converges_without_unlock(tmp_path: Path) -> None:
    count = 12
    yaml_dir = declared(tmp_path, count)
    url = f"sqlite:///{tmp_path / 'state.db'}"
    apply = ("apply", str(yaml_dir), "--auto-approve", "--parallelism", "2")
    with Sandbox(api_key=API_KEY, config=SandboxConfig(latency_ms=150)) as sandbox:
        env = environment(sandbox, url)
        for _ in range(3):
            with started(env, *apply) as proc:
                read_until(proc.stdout, "✓ create")  # mid-apply: one recorded, more in flight
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=30)
            assert no_lock_held(url)  # died with its holder: nobody runs `state unlock`
        final = reconciler(env, *apply)
        assert final.returncode == 0, final.stdout + final.stderr
        assert "locked" not in final.stderr
        assert names_on_server(sandbox) == [f"s{i:02d}" for i in range(count)]  # once each
        sandbox.clear_requests()
        again = reconciler(env, *apply)
        assert again.returncode == 0 and "No changes" in again.stdout, again.stdout
        assert [r.method for r in sandbox.requests() if r.method != "GET"] == []


HOLDER = """
import sys
from reconciler.state import open_store
store = open_store(sys.argv[1])
with store.lock(operation="apply") as info:
    print(info.id, flush=True)
    sys.stdin.read()
"""


def sigterm_ends_cleanly(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Received SIGTERM" in err and "Traceback" not in err
    return err


@contextmanager
def lock_held_elsewhere(env: dict[str, str], url: str) -> Iterator[None]:
    """Another process holds the apply lock for the block, then releases it normally."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url],
        env={**env, "PYTHONPATH": str(ROOT)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip()
        yield
    finally:
        holder.communicate(input="", timeout=30)


def test_sigterm_while_waiting_for_the_lock_leaves_no_lock(tmp_path: Path) -> None:
    yaml_dir = declared(tmp_path, 2)
    state_db = tmp_path / "state.db"
    url = f"sqlite:///{state_db}"
    with Sandbox(api_key=API_KEY) as sandbox:
        env = environment(sandbox, url)
        with (
            lock_held_elsewhere(env, url),
            started(
                env, "-v", "apply", str(yaml_dir), "--auto-approve", "--lock-timeout", "60"
            ) as proc,
        ):
            read_until(proc.stderr, "waiting up to")
            sigterm_ends_cleanly(proc)
        assert no_lock_held(url) and lock_rows(state_db) == 0
        assert sandbox.schedules() == []


def test_sigterm_while_planning_leaves_no_lock_and_sends_nothing(tmp_path: Path) -> None:
    yaml_dir = declared(tmp_path, 6)
    state_db = tmp_path / "state.db"
    url = f"sqlite:///{state_db}"
    with Sandbox(api_key=API_KEY, config=SandboxConfig(latency_ms=300)) as sandbox:
        env = environment(sandbox, url)
        with started(env, "-v", "apply", str(yaml_dir), "--auto-approve") as proc:
            read_until(proc.stderr, "HTTP Request: GET")  # the preflight / refresh phase
            sigterm_ends_cleanly(proc)
        assert no_lock_held(url) and lock_rows(state_db) == 0
        assert [r.method for r in sandbox.requests() if r.method != "GET"] == []


def test_sigterm_while_applying_finishes_in_flight_and_leaves_no_lock(tmp_path: Path) -> None:
    yaml_dir = declared(tmp_path, 8)
    state_db = tmp_path / "state.db"
    url = f"sqlite:///{state_db}"
    with Sandbox(api_key=API_KEY, config=SandboxConfig(latency_ms=150)) as sandbox:
        env = environment(sandbox, url)
        with started(env, "apply", str(yaml_dir), "--auto-approve", "--parallelism", "2") as proc:
            read_until(proc.stdout, "✓ create")
            sigterm_ends_cleanly(proc)
        assert no_lock_held(url) and lock_rows(state_db) == 0
        store = open_store(url)
        try:  # everything sent was recorded: no unknown outcome left behind
            assert store.journal_unresolved() == []
            assert sorted(store.read_all()) == names_on_server(sandbox)
        finally:
            store.close()
        done = reconciler(env, "apply", str(yaml_dir), "--auto-approve")
        assert done.returncode == 0, done.stderr
        assert names_on_server(sandbox) == [f"s{i:02d}" for i in range(8)]


def test_a_plan_cannot_be_saved_during_an_apply_or_with_unknown_outcomes(tmp_path: Path) -> None:
    yaml_dir = declared(tmp_path, 3)
    url = f"sqlite:///{tmp_path / 'state.db'}"
    plan_file = tmp_path / "plan.json"
    with Sandbox(api_key=API_KEY) as sandbox:
        env = environment(sandbox, url)
        with lock_held_elsewhere(env, url):  # an apply is running
            saved = reconciler(env, "plan", str(yaml_dir), "--out", str(plan_file))
        assert saved.returncode == 3, saved.stderr
        assert "an apply is running" in saved.stderr and not plan_file.exists()
        store = open_store(url)
        try:
            store.journal_intent(action="create", name="s00", schedule_id=None, payload=None)
        finally:
            store.close()
        unknown = reconciler(env, "plan", str(yaml_dir), "--out", str(plan_file))
        assert unknown.returncode == 3 and "unknown outcome" in unknown.stderr
        assert not plan_file.exists()


def test_the_serial_moves_before_the_first_record_and_again_at_the_end(tmp_path: Path) -> None:
    yaml_dir = declared(tmp_path, 3)
    url = f"sqlite:///{tmp_path / 'state.db'}"
    with Sandbox(api_key=API_KEY) as sandbox:
        env = environment(sandbox, url)
        done = reconciler(env, "apply", str(yaml_dir), "--auto-approve")
        assert done.returncode == 0 and "State serial 2." in done.stdout, done.stdout


def forge(plan_file: Path) -> Path:
    """What issue 12.7 did: add a delete of id 1, set force, recompute the digest."""
    doc = json.loads(plan_file.read_text())
    first = doc["actions"][0]
    doc["actions"].append({**first, "action": "delete", "name": "victim", "id": 1, "after": None})
    doc["options"]["force"] = True
    body = {k: v for k, v in doc.items() if k != "signature"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    doc["signature"] = hashlib.sha256(text.encode()).hexdigest()
    forged = plan_file.with_name("forged.json")
    forged.write_text(json.dumps(doc))
    return forged


def test_a_forged_plan_is_refused_and_sends_nothing(tmp_path: Path) -> None:
    yaml_dir = declared(tmp_path, 2)
    url = f"sqlite:///{tmp_path / 'state.db'}"
    plan_file = tmp_path / "plan.json"
    with Sandbox(api_key=API_KEY) as sandbox:
        env = environment(sandbox, url)
        assert reconciler(env, "plan", str(yaml_dir), "--out", str(plan_file)).returncode == 0
        assert "key" not in json.loads(plan_file.read_text())  # the signing key is not in it
        refused = reconciler(env, "apply", "--plan", str(forge(plan_file)), "--auto-approve")
        assert refused.returncode == 3, refused.stderr
        assert "signature does not match" in refused.stderr
        assert [r.method for r in sandbox.requests() if r.method != "GET"] == []


def test_a_plan_rewound_by_importing_an_older_export_stays_refused(tmp_path: Path) -> None:
    yaml_dir = declared(tmp_path, 1)
    url = f"sqlite:///{tmp_path / 'state.db'}"
    plan_file, old_export = tmp_path / "plan.json", tmp_path / "old.json"
    with Sandbox(api_key=API_KEY) as sandbox:
        env = environment(sandbox, url)
        assert reconciler(env, "state", "export", "-o", str(old_export)).returncode == 0
        old_serial = json.loads(old_export.read_text())["serial"]
        assert reconciler(env, "plan", str(yaml_dir), "--out", str(plan_file)).returncode == 0
        more = write_schedules(yaml_dir / "more.yaml", schedule("later"))
        assert reconciler(env, "apply", str(more), "--auto-approve").returncode == 0
        assert reconciler(env, "apply", "--plan", str(plan_file), "--auto-approve").returncode == 3
        store = open_store(url)
        current = store.serial
        store.close()
        imported = reconciler(env, "state", "import", str(old_export))
        assert imported.returncode == 0, imported.stderr
        store = open_store(url)
        try:
            assert store.serial > max(current, old_serial)
        finally:
            store.close()
        sandbox.clear_requests()
        rewound = reconciler(env, "apply", "--plan", str(plan_file), "--auto-approve")
        assert rewound.returncode == 3 and "stale" in rewound.stderr, rewound.stderr
        assert [r.method for r in sandbox.requests() if r.method != "GET"] == []


@pytest.mark.postgres
def test_an_apply_that_loses_its_postgres_lock_stops_and_the_next_converges(
    tmp_path: Path, pg_workspace_url: str
) -> None:
    count = 8
    yaml_dir = declared(tmp_path, count)
    database, _, query = pg_workspace_url.partition("?")
    workspace = query.split("workspace=", 1)[1]
    apply = ("apply", str(yaml_dir), "--auto-approve", "--parallelism", "1")
    with Sandbox(api_key=API_KEY, config=SandboxConfig(latency_ms=200)) as sandbox:
        env = environment(sandbox, pg_workspace_url)
        with started(env, *apply) as first:
            read_until(first.stdout, "✓ create")
            with psycopg.connect(database, autocommit=True) as conn:
                row = conn.execute(
                    "SELECT pg_terminate_backend(backend_pid) FROM reconciler.lock"
                    " WHERE workspace = %s",
                    (workspace,),
                ).fetchone()
                assert row == (True,)
            posts_at_loss = [r.method for r in sandbox.requests()].count("POST")
            _, err = first.communicate(timeout=60)
        assert first.returncode == 3, err
        assert "lost its lock" in err and "started nothing more" in err
        # It launched nothing after the loss: at most the one request already in flight.
        assert [r.method for r in sandbox.requests()].count("POST") <= posts_at_loss + 1
        second = reconciler(env, *apply)
        assert second.returncode == 0, second.stdout + second.stderr
        assert names_on_server(sandbox) == [f"s{i:02d}" for i in range(count)]  # no duplicate
        sandbox.clear_requests()
        again = reconciler(env, *apply)
        assert again.returncode == 0 and "No changes" in again.stdout
        assert [r.method for r in sandbox.requests() if r.method != "GET"] == []
