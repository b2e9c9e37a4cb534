"""README's first command: the demo script runs the main job against the sandbox."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_demo_plans_applies_and_converges(tmp_path: Path) -> None:
    bindir = Path(sys.executable).parent
    env = {
        **os.environ,
        "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}",
        "RECONCILER_DEMO_PORT": str(free_port()),
    }
    env.pop("TESTSIGMA_API_KEY", None)
    result = subprocess.run(
        ["bash", str(ROOT / "examples" / "demo.sh")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Plan: 3 to create" in result.stdout
    assert "Apply: 3 succeeded, 0 failed" in result.stdout
    assert "No changes" in result.stdout
    assert "checkout-nightly" in result.stdout
