"""The command line: parse flags, call the layers below, print through render.

`common` holds what every command shares (output, error handling, shared
options); each other module holds one family of commands. Heavy modules
(httpx, deepdiff, the state drivers) are imported inside the commands that
need them, so `--version` and `validate` start fast.
"""

from __future__ import annotations

from typing import Any

from reconciler.cli import (  # noqa: F401  (importing registers the commands)
    adopt_cmd,
    apply_cmd,
    plan_cmd,
    run_cmd,
    sandbox_cmd,
    state_cmds,
)
from reconciler.cli.common import app


def main() -> Any:
    """Entry point of the `reconciler` command."""
    return app()


__all__ = ["app", "main"]
