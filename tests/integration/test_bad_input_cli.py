"""Every bad-input fixture, through the real CLI: exit 1, file and line named, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import Cli

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "bad"


def expectation(path: Path) -> tuple[str, str]:
    """(`LINE:COL` or `LINE` or "", fragment) from the first-line comment or EXPECTATIONS.txt."""
    text: str | None = None
    try:
        first = path.read_bytes().split(b"\n", 1)[0].decode("utf-8")
        if first.startswith("# expect:"):
            text = first[len("# expect:") :].strip()
    except UnicodeDecodeError:
        pass
    if text is None:
        table = (FIXTURES / "EXPECTATIONS.txt").read_text(encoding="utf-8").splitlines()
        for line in table:
            if line.startswith(path.relative_to(FIXTURES).as_posix() + " "):
                text = line.split(" ", 1)[1].strip()
                text = text.removeprefix("expect:").strip()
    assert text is not None, f"no expectation for {path}"
    where, _, fragment = text.partition(" ")
    if not where[:1].isdigit():
        return "", text
    return where, fragment


CASES = sorted(
    p
    for p in FIXTURES.rglob("*")
    if p.is_file() and p.name != "EXPECTATIONS.txt" and "dupe_names" not in p.parts
)


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_validate_reports_file_line_and_message(cli: Cli, path: Path) -> None:
    where, fragment = expectation(path)
    result = cli("validate", str(path))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    located = f"{path}:{where}" if where else str(path)
    assert located in result.stderr, result.stderr
    assert fragment in result.stderr, result.stderr


def test_at_least_fifteen_cases() -> None:
    assert len(CASES) >= 15


def test_duplicate_names_across_files_name_both(cli: Cli) -> None:
    folder = FIXTURES / "dupe_names"
    result = cli("validate", str(folder))
    assert result.exit_code == 1
    files = sorted(p.name for p in folder.iterdir())
    assert all(name in result.stderr for name in files), result.stderr


def test_plan_and_apply_refuse_bad_input_before_any_call(
    cli: Cli, sandbox: object, tmp_path: Path
) -> None:
    bad = CASES[0]
    for command in (["plan"], ["apply", "--auto-approve"]):
        result = cli(*command[:1], str(bad), *command[1:])
        assert result.exit_code == 1
    assert sandbox.requests() == []  # type: ignore[attr-defined]
