"""Start-up: the HTTP adapter does not load httpx's own command-line client.

`import httpx` imports `httpx._main` (click, rich, pygments: tens of milliseconds of
every command's start-up) unless it is marked absent first, which
`reconciler/testsigma/__init__.py` does. A fresh interpreter proves it: what `apply`
imports, and a client that makes a request, leave those modules unloaded.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers import API_KEY

from reconciler.sandbox import Sandbox

REPO = Path(__file__).resolve().parents[2]


def test_the_adapter_never_loads_the_httpx_command_line(sandbox: Sandbox) -> None:
    code = (
        "import sys\n"
        "import reconciler.cli, reconciler.cli.apply_cmd, reconciler.app.apply_flow\n"
        "from reconciler.testsigma.client import TestsigmaClient\n"
        f"with TestsigmaClient(base_url={sandbox.url!r}, api_key={API_KEY!r}) as client:\n"
        "    print(len(client.list_test_plans()))\n"
        "print(sorted(m for m, module in sys.modules.items() if module is not None and\n"
        "      (m.split('.')[0] in ('rich', 'pygments', 'click') or m == 'httpx._main')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    count, loaded = done.stdout.splitlines()
    assert int(count) > 0  # httpx works without its CLI
    assert loaded == "[]"
