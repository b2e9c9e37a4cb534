"""`reconciler sandbox`: paste-ready export lines, request logging, a busy port named plainly."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

from helpers import schedule, write_schedules

RECONCILER = [sys.executable, "-m", "reconciler"]


def test_it_prints_the_export_line_and_logs_each_request(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("TESTSIGMA_API_KEY", None)
    process = subprocess.Popen(
        [*RECONCILER, "sandbox", "--port", "0", "--log-requests"],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stderr is not None
        head = []
        for line in process.stderr:
            head.append(line)
            if "Ctrl-C" in line:
                break
        (export,) = [line.strip() for line in head if line.strip().startswith("export ")]
        found = re.fullmatch(r"export TESTSIGMA_API_URL=(\S+) TESTSIGMA_API_KEY=(\S+)", export)
        assert found, export
        url, key = found.groups()
        path = write_schedules(tmp_path / "y" / "a.yaml", schedule("a"))
        plan = subprocess.run(
            [*RECONCILER, "plan", str(path)],
            env={
                **env,
                "TESTSIGMA_API_URL": url,
                "TESTSIGMA_API_KEY": key,
                "RECONCILER_STATE": f"sqlite:///{tmp_path / 's.db'}",
            },
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert plan.returncode == 0, plan.stderr  # the pasted line works as printed
        assert "Offline" not in plan.stdout
        process.send_signal(signal.SIGINT)
        _, rest = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert re.search(r'"GET /api/v1/test_plans\S* HTTP/1.1" 200', rest), rest
    assert key not in rest


def test_a_busy_port_is_named_with_the_way_out() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [*RECONCILER, "sandbox", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert done.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in done.stderr
    assert "--port" in done.stderr and "RECONCILER_DEMO_PORT" in done.stderr
    assert "Internal error" not in done.stderr and "bug" not in done.stderr
