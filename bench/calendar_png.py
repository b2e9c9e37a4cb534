"""Draw docs/calendar.png: the html calendar of examples/calendar, screenshot by headless Chromium.

Run from the repository root (needs Debian's `chromium`):

    python bench/calendar_png.py

It renders `reconciler calendar examples/calendar --from 2026-12-07 --zone UTC
--format html` with the clock pinned (RECONCILER_NOW), so the picture only
changes when the examples or the page do, then screenshots it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "calendar.png"


def main() -> int:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print("chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as scratch:
        page = Path(scratch) / "calendar.html"
        env = {**os.environ, "RECONCILER_NOW": "2026-12-06T12:00:00Z", "NO_COLOR": "1"}
        command = [sys.executable, "-m", "reconciler", "calendar", "examples/calendar"]
        command += ["--from", "2026-12-07", "--zone", "UTC", "--format", "html", "--out", str(page)]
        subprocess.run(
            command,
            cwd=ROOT,
            env=env,
            check=True,
        )
        shoot = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
        shoot += [f"--user-data-dir={scratch}/profile", "--window-size=1040,1340"]
        shoot += [f"--screenshot={TARGET}", page.as_uri()]
        subprocess.run(
            shoot,
            env={**os.environ, "HOME": scratch},
            check=True,
            capture_output=True,
            timeout=120,
        )
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
