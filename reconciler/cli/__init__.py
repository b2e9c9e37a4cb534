"""The command line: parse flags, call the layers below, print through render.

`common` holds what every command shares (output, error handling, shared
options); each other module holds one family of commands. Heavy modules
(httpx, deepdiff, the state drivers) are imported inside the commands that
need them, so `--version` and `validate` start fast.
"""

from __future__ import annotations

import sys

from reconciler.cli import (  # noqa: F401  (importing registers the commands)
    adopt_cmd,
    apply_cmd,
    calendar_cmd,
    plan_cmd,
    run_cmd,
    sandbox_cmd,
    state_cmds,
)
from reconciler.cli.common import app


def main() -> object:
    """Entry point of the `reconciler` command."""
    return app(args=hoist_global_options(sys.argv[1:]))


def hoist_global_options(argv: list[str]) -> list[str]:
    """Move `--workspace NAME` to the front, so it is accepted anywhere on the line."""
    hoisted: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(argv):
        token = argv[index]
        if token == "--":
            rest.extend(argv[index:])
            break
        if token == "--workspace" and index + 1 < len(argv):
            hoisted.extend(argv[index : index + 2])
            index += 2
            continue
        if token.startswith("--workspace="):
            hoisted.append(token)
        else:
            rest.append(token)
        index += 1
    return hoisted + rest


__all__ = ["app", "main"]
