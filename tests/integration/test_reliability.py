"""Reliability over real processes: signals, hung servers, hostile answers, secrets, state."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import API_KEY, Cli, process_env, schedule, write_schedules

from reconciler.sandbox import Sandbox, SandboxConfig

ROOT = Path(__file__).resolve().parents[2]


def declared(tmp_path: Path, count: int) -> Path:
    return write_schedules(
        tmp_path / "yaml" / "team.yaml", *(schedule(f"s{i:02d}") for i in range(count))
    ).parent


def env_for(url: str, tmp_path: Path) -> dict[str, str]:
    return process_env(url, f"sqlite:///{tmp_path / 'state.db'}")


def reconciler(*args: str) -> list[str]:
    return [sys.executable, "-m", "reconciler", *args]


@pytest.mark.slow
def test_sigterm_stops_launching_records_in_flight_and_releases_the_lock(
    tmp_path: Path,
) -> None:
    yaml_dir = declared(tmp_path, 12)
    with Sandbox(api_key=API_KEY, config=SandboxConfig(latency_ms=300)) as sandbox:
        env = env_for(sandbox.url, tmp_path)
        proc = subprocess.Popen(
            reconciler(
                "apply", str(yaml_dir), "--auto-approve", "--parallelism", "2", "--no-preflight"
            ),
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:  # wait for the first result: the apply is under way
            lines.append(line)
            if line.startswith("✓ create"):
                break
        proc.send_signal(signal.SIGTERM)
        rest, err = proc.communicate(timeout=60)
        output = "".join(lines) + rest
        assert proc.returncode == 130, output + err
        assert "Received SIGTERM" in err
        assert "- create" in output and "not started" in output
        created = {s["name"]: s["id"] for s in sandbox.schedules()}
        assert 0 < len(created) < 12
        listed = subprocess.run(
            reconciler("state", "list"),
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        recorded = {ln.split("\t")[0]: int(ln.split("\t")[1]) for ln in listed.stdout.splitlines()}
        assert recorded == created  # everything in flight finished and was recorded
        again = subprocess.run(
            reconciler("apply", str(yaml_dir), "--auto-approve"),
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert again.returncode == 0, again.stdout + again.stderr  # the lock was released
        assert len(sandbox.schedules()) == 12


@pytest.fixture
def hung_server() -> Iterator[str]:
    """A server that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                held.append(conn)
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/api/v1"
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()


def test_a_hung_server_cannot_hang_ci(hung_server: str, tmp_path: Path) -> None:
    yaml_dir = declared(tmp_path, 1)
    result = subprocess.run(
        reconciler("plan", str(yaml_dir), "--read-timeout", "0.3", "--timeout", "1.5"),
        cwd=ROOT,
        env=env_for(hung_server, tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "deadline" in result.stderr and "GET /test_plans" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("fault", ["garbage", "drop", "503"])
def test_hostile_answers_give_a_clear_error_and_record_nothing(
    fault: str, cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    sandbox.configure(fault_rate=1.0, faults=(fault,), fault_seed=1)
    result = cli("plan", str(declared(tmp_path, 2)), "--timeout", "3")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: GET /test_plans")
    assert cli("state", "list").stdout == ""


def test_a_200_without_an_id_is_not_recorded(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.configure(fault_rate=1.0, faults=("garbage",), fault_seed=3)
    result = cli(
        "apply", str(declared(tmp_path, 1)), "--auto-approve", "--no-refresh", "--no-preflight"
    )
    assert result.exit_code == 1
    assert "POST /schedule_executions" in result.stdout
    assert cli("state", "list").stdout == ""


def test_verbose_output_state_and_plan_files_never_hold_the_key(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    yaml_dir = declared(tmp_path, 3)
    env = env_for(sandbox.url, tmp_path)
    plan_file = tmp_path / "plan.json"
    runs = [
        reconciler("--verbose", "plan", str(yaml_dir), "--out", str(plan_file)),
        reconciler("--verbose", "apply", "--plan", str(plan_file), "--auto-approve"),
        reconciler("--verbose", "apply", str(yaml_dir), "--auto-approve", "--format", "json"),
        reconciler("--verbose", "state", "export"),
    ]
    logs = ""
    for command in runs:
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert API_KEY not in done.stdout + done.stderr
        assert "Authorization" not in done.stderr
        logs += done.stderr
    assert "HTTP Request: POST" in logs  # verbose really logged the requests
    for path in [plan_file, *tmp_path.glob("state.db*")]:
        assert API_KEY.encode() not in path.read_bytes()


def test_a_corrupt_state_is_refused_and_left_untouched(
    cli: Cli, tmp_path: Path, state_path: Path
) -> None:
    state_path.parent.mkdir(parents=True, exist_ok=True)
    state_path.write_bytes(b"this is not a database\x00" * 100)
    before = state_path.read_bytes()
    result = cli("apply", str(declared(tmp_path, 1)), "--auto-approve")
    assert result.exit_code == 1
    assert str(state_path) in result.stderr
    assert state_path.read_bytes() == before


def test_state_export_and_import_round_trip(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    yaml_dir = declared(tmp_path, 2)
    assert cli("apply", str(yaml_dir), "--auto-approve").exit_code == 0
    backup = tmp_path / "backup.json"
    assert cli("state", "export", "--output", str(backup)).exit_code == 0
    exported = json.loads(backup.read_text())
    other = f"sqlite:///{tmp_path / 'moved.db'}"
    assert cli("state", "import", str(backup), "--state", other).exit_code == 0
    moved = json.loads(cli("state", "export", "--state", other).stdout)
    assert moved["lineage"] == exported["lineage"]
    assert moved["schedules"] == exported["schedules"]
    plan = cli("plan", str(yaml_dir), "--state", other, "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output


def test_each_retry_is_logged_at_verbose_with_attempt_wait_and_reason(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    sandbox.configure(fault_rate=1.0, faults=("503",), fault_seed=1)
    result = cli("--verbose", "plan", str(declared(tmp_path, 1)), "--timeout", "2")
    assert result.exit_code == 1
    retries = [ln for ln in result.stderr.splitlines() if "retrying GET /test_plans" in ln]
    assert retries, result.stderr
    assert "attempt 1 failed (503" in retries[0] and "waiting" in retries[0]
    quiet = cli("plan", str(declared(tmp_path, 1)), "--timeout", "2")
    assert "retrying" not in quiet.stderr  # only with --verbose
