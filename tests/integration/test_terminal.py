"""On a terminal: apply asks first, long applies show progress, runs show a live board."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import process_env, schedule, write_schedules

from reconciler.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]


def read_until(fd: int, marker: str) -> str:
    seen = ""
    while marker not in seen:
        chunk = os.read(fd, 4096).decode("utf-8", "replace")
        if not chunk:
            break
        seen += chunk
    return seen


@pytest.mark.parametrize(("answer", "applied"), [("n", False), ("y", True)])
def test_apply_on_a_terminal_asks_first(
    answer: str, applied: bool, sandbox: Sandbox, tmp_path: Path
) -> None:
    yaml_dir = write_schedules(tmp_path / "t" / "s.yaml", schedule("x")).parent
    env = process_env(sandbox.url, f"sqlite:///{tmp_path / 'state.db'}", NO_COLOR="1")
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", str(yaml_dir)],
        cwd=ROOT,
        env=env,
        stdin=slave,
        stdout=slave,
        stderr=slave,
    )
    os.close(slave)
    try:
        shown = read_until(master, "Apply these changes?")
        assert "+ create x" in shown
        assert sandbox.schedules() == []  # nothing before the answer
        os.write(master, f"{answer}\n".encode())
        rest = ""
        try:
            while chunk := os.read(master, 4096).decode("utf-8", "replace"):
                rest += chunk
        except OSError:
            pass  # the terminal closes when the process exits
        assert proc.wait(timeout=60) == (0 if applied else 1), rest
    finally:
        os.close(master)
    assert [s["name"] for s in sandbox.schedules()] == (["x"] if applied else [])
    if not applied:
        assert "cancelled" in rest


def run_on_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run the CLI with a pty as its terminal; its exit code and everything it showed."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", *args],
        cwd=ROOT,
        env=env,
        stdin=slave,
        stdout=slave,
        stderr=slave,
    )
    os.close(slave)
    shown = ""
    try:
        while chunk := os.read(master, 4096).decode("utf-8", "replace"):
            shown += chunk
    except OSError:
        pass  # the terminal closes when the process exits
    finally:
        os.close(master)
    return proc.wait(timeout=60), shown


def test_long_apply_shows_progress_and_runs_show_a_board(sandbox: Sandbox, tmp_path: Path) -> None:
    yaml_dir = write_schedules(
        tmp_path / "t" / "s.yaml", *(schedule(f"s{i}") for i in range(6))
    ).parent
    runs = tmp_path / "runs.yaml"
    runs.write_text("runs:\n  - name: smoke\n    executionId: 3857\n")
    env = process_env(
        sandbox.url, f"sqlite:///{tmp_path / 'state.db'}", NO_COLOR="1", COLUMNS="120"
    )
    code, shown = run_on_terminal(["apply", str(yaml_dir), "--auto-approve"], env)
    assert code == 0, shown
    assert "applying" in shown and "6/6" in shown
    assert "\x1b[3" not in shown  # NO_COLOR: no colour codes, only cursor movement
    code, shown = run_on_terminal(
        ["run", "smoke", str(runs), "--wait", "--poll-interval", "0.01"], env
    )
    assert code == 0, shown
    assert "status and counters" in shown and "STATUS_COMPLETED" in shown


def test_json_apply_on_a_terminal_shows_the_plan_before_asking(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    yaml_dir = write_schedules(tmp_path / "t" / "s.yaml", schedule("x")).parent
    env = process_env(sandbox.url, f"sqlite:///{tmp_path / 'state.db'}", NO_COLOR="1")
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", str(yaml_dir), "--format", "json"],
        cwd=ROOT,
        env=env,
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=slave,
    )
    os.close(slave)
    try:
        shown = read_until(master, "Apply these changes?")
        assert "+ create x" in shown  # the reviewer sees the plan, on stderr
        os.write(master, b"y\n")
        out, _ = proc.communicate(timeout=60)
    finally:
        os.close(master)
    assert proc.returncode == 0
    assert json.loads(out)["summary"]["ok"] == 1  # stdout is exactly one JSON document
