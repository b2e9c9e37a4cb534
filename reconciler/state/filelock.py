"""An operating-system lock on a file beside the SQLite state (`flock`), one per workspace.

Why a file lock and not a row: the kernel releases an `flock` when the last
descriptor of its holder closes, which includes `kill -9`, a crash, and a
full disk, so a lock can never outlive its process and nobody has to run
`state unlock` after a killed CI job. A row in the state's `lock` table still
names the holder, but only for messages.

`state unlock` against a live holder cannot take its `flock` away; it unlinks
the lock file instead. The holder notices at its next `still_held()` (its
descriptor no longer names the file at the path) and stops, while a new run
creates a fresh file and locks that.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from reconciler.core.ports import LockHeld, LockInfo, StateError
from reconciler.state._common import LOCK_POLL_INTERVAL

log = logging.getLogger(__name__)


class FileLock:
    """An exclusive `flock` on `path`, taken without waiting."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> bool:
        """Take the lock if free; False when another descriptor (any process) holds it."""
        if self._fd is not None:
            return False
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as exc:
                raise StateError(f"cannot create the lock file {self.path}: {exc}") from exc
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return False
            if _same_file(fd, self.path):
                self._fd = fd
                return True
            os.close(fd)  # unlinked (by `state unlock`) between open and flock: try the new one

    def acquire_within(self, timeout: float, *, holder: Callable[[], LockInfo], what: str) -> None:
        """Take the lock, waiting up to `timeout` seconds; then `LockHeld` naming `holder()`."""
        deadline = time.monotonic() + max(timeout, 0.0)
        announced = False
        while not self.try_acquire():
            held_by = holder()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LockHeld(held_by)
            if not announced:
                log.info("%s is locked by %s; waiting up to %.0fs", what, held_by.owner, timeout)
                announced = True
            time.sleep(min(LOCK_POLL_INTERVAL, remaining))

    def still_held(self) -> bool:
        """Whether we hold it and the file at the path is still the one we locked."""
        return self._fd is not None and _same_file(self._fd, self.path)

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def is_taken(self) -> bool:
        """Whether some descriptor (another process, or another store here) holds it now."""
        if self.still_held():
            return True
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise StateError(f"cannot read the lock file {self.path}: {exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # closing drops a lock taken just to test
        return False

    def break_(self) -> bool:
        """Unlink the lock file so a live holder loses it; True if there was one."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True


def _same_file(fd: int, path: Path) -> bool:
    try:
        now = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino)
