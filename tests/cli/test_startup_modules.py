"""Start-up: `--version` and `--help` load the command line only, not the model below it.

Every command module is imported to register it, so a module-level import of a
renderer or a use case drags in spec/ (pydantic, ruamel), the engine and the HTTP
client for a user who only asked for the version. Those stay inside the commands.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("pydantic", "ruamel", "httpx", "deepdiff", "psycopg", "sqlite3")


@pytest.mark.parametrize("argument", ["--version", "--help"])
def test_the_bare_command_line_loads_no_model(argument: str) -> None:
    code = (
        "import sys\n"
        "from reconciler.cli import main\n"
        f"sys.argv = ['reconciler', {argument!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        f"heavy = {HEAVY!r}\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in heavy})\n"
        "print('LOADED', loaded)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    last = [line for line in done.stdout.splitlines() if line.startswith("LOADED")]
    assert last == ["LOADED []"], done.stdout[-2000:] + done.stderr[-2000:]
