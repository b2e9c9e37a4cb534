"""`reconciler` in a child process that `integration/commit_killer.py` can kill at a commit.

Shared by the kill tests: the child ends with `os._exit(KILLED)` (no clean-up) just
before or after the Nth COMMIT of its SQLite state, as the `kill` environment says.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from helpers import API_KEY

INTEGRATION = Path(__file__).resolve().parent / "integration"
KILLER = INTEGRATION / "commit_killer.py"
KILLED = 86  # commit_killer's exit status


def child_env(api_url: str, state: Path) -> dict[str, str]:
    """The environment of a reconciler process against `api_url` with the SQLite `state`."""
    return {
        **os.environ,
        "TESTSIGMA_API_URL": api_url,
        "TESTSIGMA_API_KEY": API_KEY,
        "RECONCILER_STATE": f"sqlite:///{state}",
        "NO_COLOR": "1",
    }


def reconciler(
    *args: str, env: dict[str, str], kill: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`reconciler ARGS` in its own process (through the killer when `kill` says where).

    A process, not the in-process runner: a killed run's dropped connections make the
    in-process sandbox log resets to this process's stderr, which an in-process CLI
    would capture as its own output. Whatever the outcome, the API key never appears in
    the output, and only a killed run may end without a clean message.
    """
    launcher = [str(KILLER)] if kill is not None else ["-m", "reconciler"]
    done = subprocess.run(
        [sys.executable, *launcher, *args],
        cwd=INTEGRATION,
        env={**env, **(kill or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = done.stdout + done.stderr
    assert API_KEY not in output, "the API key leaked into the output"
    if done.returncode != KILLED:
        assert "Traceback" not in output, output
    return done
