"""Usage errors exit 1 (never 2, "changes pending"); global flags work anywhere on the line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import Cli, schedule, write_schedules

from reconciler.cli.common import hoist_global_flags


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "y/", "--detailed-exitcode", "--formt", "markdown"],  # unknown flag
        ["plan"],  # missing argument
        ["plan", "y/", "--parallelism", "zero"],  # bad value
        ["plan", "y/", "--parallelism", "0"],  # out of range
        ["no-such-command"],
        ["state", "show"],  # missing argument of a sub-group's command
        ["state", "frobnicate"],
    ],
)
def test_every_usage_error_exits_1(cli: Cli, tmp_path: Path, args: list[str]) -> None:
    write_schedules(tmp_path / "y" / "a.yaml", schedule("a"))
    result = cli(*args)
    assert result.exit_code == 1, result.output
    assert "Usage:" in result.stderr or "Error" in result.stderr


def test_a_usage_error_exits_1_from_the_installed_command(tmp_path: Path) -> None:
    """Through the real entry point, as CI runs it: not Typer's test runner."""
    done = subprocess.run(
        [sys.executable, "-m", "reconciler", "plan", str(tmp_path), "--detailed-exitcode", "--x"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "No such option: --x" in done.stderr


def test_global_flags_after_the_subcommand(cli: Cli, tmp_path: Path) -> None:
    path = write_schedules(tmp_path / "y" / "a.yaml", schedule("a"))
    quiet = cli("apply", str(path), "--auto-approve", "-q")
    assert quiet.exit_code == 0, quiet.output
    assert "No such option" not in quiet.output
    verbose = cli("plan", str(path), "--verbose")
    assert verbose.exit_code == 0, verbose.output
    assert "GET" in verbose.stderr  # --verbose logs the requests
    listed = cli("state", "list", "-v")
    assert listed.exit_code == 0, listed.output
    assert "a" in listed.stdout


def test_hoisting_keeps_everything_else_in_order() -> None:
    assert hoist_global_flags(["apply", "x/", "-v", "--target", "a", "--quiet"]) == [
        "-v",
        "--quiet",
        "apply",
        "x/",
        "--target",
        "a",
    ]
    # After `--`, a "-v" is an argument, not a flag.
    assert hoist_global_flags(["validate", "--", "-v"]) == ["validate", "--", "-v"]
