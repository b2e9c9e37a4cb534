"""Test-only launcher: `python commit_killer.py ARGS...` runs `reconciler ARGS`, dies at a commit.

`KILL_AT_COMMIT=N` and `KILL_WHEN=before|after` say where: the process ends with
`os._exit(KILLED)` (no cleanup, no atexit, no flush: as SIGKILL would) just before
or just after the Nth `COMMIT` of a SQLite state connection in this process. Every
write of the SQLite store is one explicit `BEGIN IMMEDIATE ... COMMIT` (reconciler/
state/sqlite.py), so counting COMMITs visits every commit point of a run in turn.
The hook lives here, in the test's own child process, never in the product: it
swaps `sqlite3.connect` for one whose connections count their COMMITs.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from typing import Any

KILLED = 86
_target = int(os.environ.get("KILL_AT_COMMIT", "0"))
_when = os.environ.get("KILL_WHEN", "after")
_seen = 0


class _CountingConnection(sqlite3.Connection):
    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        global _seen
        if sql.strip().upper() != "COMMIT":
            return super().execute(sql, parameters)
        _seen += 1
        if _seen == _target and _when == "before":
            os._exit(KILLED)
        cursor = super().execute(sql, parameters)
        if _seen == _target and _when == "after":
            os._exit(KILLED)
        return cursor


_connect = sqlite3.connect


def _counting_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
    kwargs.setdefault("factory", _CountingConnection)
    return _connect(*args, **kwargs)


def main() -> None:
    vars(sqlite3)["connect"] = _counting_connect
    from reconciler.cli import main as cli_main

    sys.argv = ["reconciler", *sys.argv[1:]]
    cli_main()


if __name__ == "__main__":
    main()
