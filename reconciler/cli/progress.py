"""Live progress on a terminal, one rule for every command: `apply`'s bar, `run`'s board.

A display is drawn only when its stream is a terminal and --quiet is off, in
colour only when NO_COLOR is unset and TERM is not dumb (no-color.org).
Elsewhere (CI logs, pipes) nothing is drawn and the commands print their
plain, stable lines instead. While `apply`'s bar runs on stdout, `out()` goes
through its console so result lines and the bar do not tear each other.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from reconciler.cli.common import LiveConsole, Options

if TYPE_CHECKING:
    from rich.console import Console
    from rich.live import Live
    from rich.progress import Progress, TaskID
    from rich.table import Table

    from reconciler.app.runs import RunHandle


class LiveDisplay:
    """A Rich Live display on stdout or stderr, started on enter when the rule allows."""

    def __init__(self, *, stderr: bool, wanted: bool = True) -> None:
        self._stderr = stderr
        self._wanted = wanted
        self.console: Console | None = None

    def _allowed(self) -> bool:
        stream = sys.stderr if self._stderr else sys.stdout
        return self._wanted and stream.isatty() and not Options.quiet

    def _make_console(self) -> Console:
        from rich.console import Console

        plain = bool(os.environ.get("NO_COLOR")) or os.environ.get("TERM", "") == "dumb"
        return Console(stderr=self._stderr, no_color=plain, highlight=False)

    @property
    def shown(self) -> bool:
        return self.console is not None

    def _start(self) -> None:
        """Start drawing (subclasses build their renderable on `self.console`)."""

    def _stop(self) -> None:
        """Stop drawing."""

    def __enter__(self) -> LiveDisplay:
        if self._allowed():
            self.console = self._make_console()
            self._start()
            if not self._stderr:
                LiveConsole.console = self.console
        return self

    def __exit__(self, *exc: object) -> None:
        if self.console is not None:
            self._stop()
            if not self._stderr:
                LiveConsole.console = None
            self.console = None


class ApplyProgress(LiveDisplay):
    """A progress bar for long applies (`MIN_ACTIONS` or more) on stdout."""

    MIN_ACTIONS = 5

    def __init__(self, *, total: int) -> None:
        super().__init__(stderr=False, wanted=total >= self.MIN_ACTIONS)
        self._total = total
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def _start(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self._progress = Progress(
            TextColumn("applying"),
            BarColumn(),
            MofNCompleteColumn(),
            console=self.console,
            transient=True,
        )
        self._task = self._progress.add_task("apply", total=self._total)
        self._progress.start()

    def advance(self) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task)

    def _stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
        self._progress = None


class RunBoard(LiveDisplay):
    """A live table of the runs (status and counters) on stderr."""

    def __init__(self, handles: Sequence[RunHandle]) -> None:
        super().__init__(stderr=True)
        self._rows = {h.id: (h.label, "triggered") for h in handles}
        self._live: Live | None = None

    def _start(self) -> None:
        from rich.live import Live

        live = self._live = Live(self._table(), console=self.console, transient=False)
        live.start()

    def update(self, handle: RunHandle, line: str) -> bool:
        """Show the change on the board; False when there is no board."""
        self._rows[handle.id] = (handle.label, line)
        if self._live is None:
            return False
        self._live.update(self._table())
        return True

    def _table(self) -> Table:
        from rich.table import Table

        table = Table(show_header=True, header_style="bold", box=None)
        table.add_column("run")
        table.add_column("status and counters")
        for label, line in self._rows.values():
            table.add_row(label, line)
        return table

    def _stop(self) -> None:
        if self._live is not None:
            self._live.stop()
        self._live = None
