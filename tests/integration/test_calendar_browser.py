"""The html calendar in a real browser: headless Chromium draws it and its DOM holds every run.

Skipped, with the reason, only where no Chromium is installed (`.ci/run`
installs Debian's `chromium`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers import Cli
from png_pixels import colours

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "calendar"
ARGS = ("calendar", str(EXAMPLES), "--from", "2026-12-07", "--days", "7", "--zone", "ECT")
DOT_BLUE = (0x25, 0x63, 0xEB)


def browser() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no Chromium on this machine (apt-get install chromium); .ci/run installs it")


def headless(binary: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    return subprocess.run(
        [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HOME": str(tmp_path)},
        check=False,
    )


class Runs(HTMLParser):
    """Collects the runs the page draws: (data-name, data-at) and each hover title."""

    def __init__(self) -> None:
        super().__init__()
        self.runs: list[tuple[str, str]] = []
        self.titles: list[str] = []
        self._in_run = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "circle" and "firing" in (found.get("class") or ""):
            self.runs.append((found.get("data-name") or "", found.get("data-at") or ""))
            self._in_run = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "circle":
            self._in_run = False

    def handle_data(self, data: str) -> None:
        if self._in_run and data.strip():
            self.titles.append(data)


@pytest.fixture
def page(tmp_path: Path) -> tuple[Path, dict[str, object]]:
    cli = Cli({"RECONCILER_NOW": "2026-11-29T12:00:00Z", "NO_COLOR": "1"}, cwd=tmp_path)
    html = tmp_path / "calendar.html"
    assert cli(*ARGS, "--format", "html", "--out", str(html)).exit_code == 0
    document = json.loads(cli(*ARGS, "--format", "json").stdout)
    return html, document


def test_the_page_is_self_contained(page: tuple[Path, dict[str, object]]) -> None:
    text = page[0].read_text(encoding="utf-8")
    assert "<svg" in text and "<style>" in text
    for reference in ("http://", "https://", "src=", "<link", "<script", "@import"):
        assert reference not in text, reference


def test_chromium_draws_the_calendar(page: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    binary = browser()
    shot = tmp_path / "shot.png"
    done = headless(
        binary, tmp_path, "--window-size=1000,900", f"--screenshot={shot}", page[0].as_uri()
    )
    assert shot.is_file(), done.stderr[-2000:]
    seen = colours(shot)
    total = sum(seen.values())
    background = max(seen.values())
    assert background < 0.9 * total, "the screenshot is (nearly) one colour"
    assert len(seen) > 20, "the screenshot has almost no colours"
    assert seen.get(DOT_BLUE, 0) > 10, "no run dot was drawn"


def test_the_dom_holds_every_run_with_its_hover_title(
    page: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    binary = browser()
    done = headless(binary, tmp_path, "--dump-dom", page[0].as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    runs = Runs()
    runs.feed(done.stdout)
    firings = page[1]["firings"]
    assert isinstance(firings, list) and len(firings) > 100
    assert sorted(runs.runs) == sorted((f["name"], f["at"]) for f in firings)
    # the hover title names the schedule and its local time in its own zone
    nightly = next(f for f in firings if f["name"] == "payments-nightly")
    assert "payments-nightly: Sun 2026-12-06 22:00 EST (America/New_York)" in runs.titles
    assert nightly["at"] == "2026-12-07T03:00:00Z"
    assert "more than --max-concurrent 5" in done.stdout  # the collision list is in the DOM
