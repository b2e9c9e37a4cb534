"""`cli/progress.py`: one rule for every live display (apply's bar, run's board).

Drawn only when its stream is a terminal and --quiet is off; colourless under
NO_COLOR; while apply's bar is up, results go through its console.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator

import pytest

from reconciler.app.runs import RunHandle
from reconciler.cli.common import LiveConsole, Options
from reconciler.cli.progress import ApplyProgress, RunBoard


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


HANDLES = [RunHandle(id=90001, link=None, name="smoke")]


@pytest.fixture(autouse=True)
def loud() -> Iterator[None]:
    Options.quiet = False
    yield
    Options.quiet = False


def test_off_a_terminal_nothing_is_drawn_and_the_caller_prints_lines() -> None:
    with ApplyProgress(total=50) as bar:
        assert not bar.shown and LiveConsole.console is None
    with RunBoard(HANDLES) as board:
        assert board.update(HANDLES[0], "STATUS_QUEUED") is False  # the caller prints a line


def test_on_a_terminal_the_bar_is_drawn_and_results_go_through_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "stdout", Terminal())
    monkeypatch.setenv("NO_COLOR", "1")
    with ApplyProgress(total=50) as bar:
        assert bar.shown and LiveConsole.console is bar.console
        assert bar.console.no_color
    assert LiveConsole.console is None


def test_a_short_apply_draws_no_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", Terminal())
    with ApplyProgress(total=ApplyProgress.MIN_ACTIONS - 1) as bar:
        assert not bar.shown


def test_the_board_is_drawn_on_a_terminal_unless_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", Terminal())
    monkeypatch.setattr(sys, "stdout", Terminal())
    with RunBoard(HANDLES) as board:
        assert board.update(HANDLES[0], "STATUS_QUEUED") is True
    Options.quiet = True
    with RunBoard(HANDLES) as board:
        assert board.update(HANDLES[0], "STATUS_QUEUED") is False
    with ApplyProgress(total=50) as bar:
        assert not bar.shown
