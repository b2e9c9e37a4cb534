"""Output that fits: colour only on a terminal and never with NO_COLOR; JSON apply results."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from helpers import Cli, schedule, write_schedules

from reconciler.cli import common

PLAN = "  + create a\n      when: x\n  ~ update b (id 2)\n  - delete c (id 3): gone\nPlan: ..."


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setattr("sys.stdout", Tty())
    assert common.use_colour()
    monkeypatch.setenv("NO_COLOR", "1")
    assert not common.use_colour()
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert not common.use_colour()
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setattr("sys.stdout", io.StringIO())
    assert not common.use_colour()


def test_colour_plan_colours_only_action_lines() -> None:
    coloured = common.colour_plan(PLAN).splitlines()
    assert coloured[0].startswith("\x1b[") and "+ create a" in coloured[0]
    assert coloured[1] == "      when: x"
    assert "\x1b[" in coloured[2] and "\x1b[" in coloured[3]
    assert coloured[4] == "Plan: ..."


def test_plain_output_off_a_terminal(cli: Cli, tmp_path: Path) -> None:
    path = write_schedules(tmp_path / "y" / "a.yaml", schedule("a"))
    result = cli("plan", str(path))
    assert "\x1b[" not in result.output
    assert "  + create a" in result.stdout


def test_apply_json_is_one_document_for_pipelines(cli: Cli, tmp_path: Path) -> None:
    path = write_schedules(tmp_path / "y" / "a.yaml", schedule("a"), schedule("b"))
    result = cli("apply", str(path), "--auto-approve", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["summary"] == {"ok": 2, "failed": 0, "unknown": 0, "skipped": 0}
    assert sorted(r["name"] for r in doc["results"]) == ["a", "b"]
    assert all(isinstance(r["id"], int) for r in doc["results"])
    assert doc["plan"]["summary"]["create"] == 2
    again = json.loads(cli("apply", str(path), "--auto-approve", "--format", "json").stdout)
    assert again["results"] == [] and again["plan"]["has_changes"] is False


def test_every_command_has_help_with_an_example(cli: Cli) -> None:
    for command in (
        ["validate"],
        ["plan"],
        ["apply"],
        ["import"],
        ["export"],
        ["run"],
        ["sandbox"],
        ["state", "list"],
        ["schema"],
    ):
        result = cli(*command, "--help")
        assert result.exit_code == 0
        assert "Usage:" in result.stdout
        if command[0] in (
            "validate",
            "plan",
            "apply",
            "import",
            "export",
            "run",
            "sandbox",
            "schema",
        ):
            assert "Example" in result.stdout, command


def test_version_prints_the_version(cli: Cli) -> None:
    result = cli("--version")
    assert result.exit_code == 0 and result.stdout.startswith("reconciler ")


def test_shell_completion_scripts_are_offered() -> None:
    import os
    import subprocess
    import sys

    # Without this, typer guesses the shell from the parent processes (and a run with no
    # shell among them gets "Shell  not supported"); with it, --show-completion takes SHELL.
    env = {**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    for shell in ("bash", "zsh", "fish"):
        done = subprocess.run(
            [sys.executable, "-m", "reconciler", "--show-completion", shell],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        assert done.returncode == 0, done.stderr
        assert "reconciler" in done.stdout and "complete" in done.stdout.lower()
