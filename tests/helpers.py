"""Test helpers: run the CLI in-process against a live sandbox, and write YAML files."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from reconciler.cli import app

API_KEY = "tsk_live_4f8a1c9e2b7d6035aa91"


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class Cli:
    """Runs `reconciler ...` in-process with a fixed environment; checks the key never leaks."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env = env
        self.cwd = cwd
        self.runner = CliRunner()

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> CliResult:
        import os

        old = Path.cwd()
        os.chdir(self.cwd)
        try:
            result = self.runner.invoke(app, list(args), env={**self.env, **(env or {})})
        finally:
            os.chdir(old)
        out = CliResult(result.exit_code, result.stdout, result.stderr)
        assert API_KEY not in out.output, "the API key leaked into the output"
        if "--verbose" not in args:  # a traceback only with --verbose
            assert "Traceback" not in out.output, out.output
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return out


def write_yaml(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def schedule(name: str, **fields: object) -> dict[str, object]:
    """A schedule entry as written in YAML, with sensible defaults."""
    entry: dict[str, object] = {
        "name": name,
        "executionId": 3857,
        "scheduleType": "DAILY",
        "nextInterval": "2027-03-01T17:30:00",
    }
    entry.update(fields)
    return entry


def write_schedules(
    path: Path, *entries: dict[str, object], defaults: dict[str, object] | None = None
) -> Path:
    """Write a v1 document with `entries` (timezone Asia/Kolkata by default)."""
    import io

    from ruamel.yaml import YAML

    doc: dict[str, object] = {
        "version": 1,
        "defaults": defaults if defaults is not None else {"timezone": "Asia/Kolkata"},
        "schedules": list(entries),
    }
    buf = io.StringIO()
    YAML(typ="safe", pure=True).dump(doc, buf)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def changing_requests(sandbox: object) -> list[tuple[str, str]]:
    """The POST/PUT/DELETE calls the sandbox received, as (method, path)."""
    return [
        (r.method, r.path)
        for r in sandbox.requests()  # type: ignore[attr-defined]
        if r.method in ("POST", "PUT", "DELETE")
    ]


def process_env(api_url: str, state: str, **extra: str) -> dict[str, str]:
    """The environment of a `reconciler` subprocess wired to a sandbox and a state."""
    import os

    return {
        **os.environ,
        "TESTSIGMA_API_URL": api_url,
        "TESTSIGMA_API_KEY": API_KEY,
        "RECONCILER_STATE": state,
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
