"""Error paths of the commands: each is one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import Cli, schedule, write_schedules

from reconciler.sandbox import Sandbox


@pytest.fixture
def yaml_dir(tmp_path: Path) -> Path:
    return write_schedules(tmp_path / "y" / "s.yaml", schedule("a")).parent


@pytest.mark.parametrize(
    ("args", "env", "fragment"),
    [
        (["apply", "--auto-approve"], {}, "apply needs YAML paths, or --plan FILE"),
        (["plan", "{yaml}", "--format", "yaml"], {}, "--format must be text, json or markdown"),
        (["run", "--execution-id", "3857", "--format", "xml"], {}, "--format must be text or json"),
        (["plan", "{yaml}", "--ca-bundle", "{tmp}/nope.pem"], {}, "--ca-bundle"),
        (
            ["plan", "{yaml}", "--api-key-file", "{tmp}/missing.key"],
            {},
            "cannot read the API key file",
        ),
        (["plan", "{yaml}"], {"RECONCILER_NOW": "tomorrow"}, "RECONCILER_NOW"),
        (
            ["apply", "--plan", "{tmp}/plan.json", "--auto-approve"],
            {},
            "cannot read the saved plan",
        ),
        (["state", "resolve", "42"], {}, "journal entry 42 is not unresolved"),
        (["state", "show", "ghost"], {}, "no schedule named 'ghost' is recorded"),
        (["state", "rm", "ghost"], {}, "no schedule named 'ghost' is recorded"),
        (["state", "unlock", "no-such-lock"], {}, "lock no-such-lock is not held"),
        (["state", "import", "{tmp}/missing.json"], {}, "cannot read"),
        (["import", "x", "999999"], {}, "Testsigma has no schedule with id 999999"),
        (["run", "smoke"], {}, "no YAML given"),
        (["run"], {}, "name the runs to trigger"),
    ],
)
def test_each_error_is_one_clear_line(
    args: list[str],
    env: dict[str, str],
    fragment: str,
    cli: Cli,
    yaml_dir: Path,
    tmp_path: Path,
) -> None:
    filled = [a.replace("{yaml}", str(yaml_dir)).replace("{tmp}", str(tmp_path)) for a in args]
    result = cli(*filled, env=env)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: "), result.stderr
    assert fragment in result.stderr


def test_a_file_that_is_not_a_saved_plan(cli: Cli, tmp_path: Path) -> None:
    for text, fragment in (
        ("{not json", "is not a saved plan"),
        ('{"hello": 1}', "is not a saved plan"),
    ):
        path = tmp_path / "p.json"
        path.write_text(text)
        result = cli("apply", "--plan", str(path), "--auto-approve")
        assert result.exit_code == 1 and fragment in result.stderr


def test_import_refuses_a_name_or_id_already_managed(
    cli: Cli, sandbox: Sandbox, yaml_dir: Path
) -> None:
    assert cli("apply", str(yaml_dir), "--auto-approve").exit_code == 0
    (live,) = sandbox.schedules()
    again = cli("import", "a", str(live["id"]))
    assert again.exit_code == 1 and "'a' is already recorded" in again.stderr
    other = cli("import", "b", str(live["id"]))
    assert other.exit_code == 1 and "already managed as 'a'" in other.stderr


def test_import_needs_reads(cli: Cli, sandbox: Sandbox) -> None:
    sandbox.configure(reads=False)
    result = cli("import", "x", "1001")
    assert result.exit_code == 1 and "cannot be read to adopt it" in result.stderr


def test_state_import_refuses_garbage_and_changes_nothing(
    cli: Cli, sandbox: Sandbox, yaml_dir: Path, tmp_path: Path
) -> None:
    assert cli("apply", str(yaml_dir), "--auto-approve").exit_code == 0
    bad = tmp_path / "bad.json"
    bad.write_text('{"format_version": 1, "lineage": 7, "schedules": "nope"}')
    result = cli("state", "import", str(bad))
    assert result.exit_code == 1
    assert "a\t" in cli("state", "list").stdout  # the state is as it was
