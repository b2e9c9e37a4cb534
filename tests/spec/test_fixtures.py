"""Every bad-input fixture is refused with its file, line, column and message; good ones load."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.app.sources import read_sources
from reconciler.core.errors import InputError
from reconciler.spec import load_desired

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
BAD = FIXTURES / "bad"
GOOD = FIXTURES / "good"


def expectation(path: Path) -> tuple[str, str]:
    """(`LINE:COL` or `LINE`, fragment) from the `# expect:` first line or EXPECTATIONS.txt."""
    first = path.read_bytes().split(b"\n", 1)[0]
    if first.startswith(b"# expect:"):
        text = first.decode("utf-8")[len("# expect:") :].strip()
    else:
        name = path.relative_to(BAD).as_posix()
        rows = (BAD / "EXPECTATIONS.txt").read_text(encoding="utf-8").splitlines()
        matches = [row.split(" ", 1)[1] for row in rows if row.startswith(name + " ")]
        assert matches, f"no expectation for {name} (first line or EXPECTATIONS.txt)"
        text = matches[0].strip()
    where, _, fragment = text.partition(" ")
    return where, fragment


CASES = sorted(p for p in BAD.iterdir() if p.name != "EXPECTATIONS.txt")


@pytest.mark.parametrize("case", CASES, ids=[p.name for p in CASES])
def test_bad_input_names_file_line_column_and_problem(case: Path) -> None:
    # a folder is one case: the file carrying the expectation is where the error is
    target = case
    if case.is_dir():
        (target,) = [p for p in case.iterdir() if p.read_bytes().startswith(b"# expect:")]
    where, fragment = expectation(target)
    with pytest.raises(InputError) as raised:
        load_desired(read_sources([case]))
    lines = raised.value.message.splitlines()
    located = f"{target}:{where}:" if where.count(":") == 1 else f"{target}:{where}"
    assert any(located in line and fragment in line for line in lines), raised.value.message


def test_there_are_enough_bad_fixtures_and_each_declares_its_expectation() -> None:
    assert len(CASES) >= 25
    for case in CASES:
        if case.is_file():
            where, fragment = expectation(case)
            assert where[:1].isdigit() and fragment


def test_duplicate_names_across_files_name_both_places() -> None:
    with pytest.raises(InputError) as raised:
        load_desired(read_sources([BAD / "dupe_names"]))
    (problem,) = raised.value.problems
    assert problem.location.file.endswith("b.yaml")
    assert f"{BAD / 'dupe_names' / 'a.yaml'}:2:5" in problem.message


def test_every_bad_fixture_at_once_reports_every_file() -> None:
    with pytest.raises(InputError) as raised:
        load_desired(read_sources([BAD]))
    files = {problem.location.file for problem in raised.value.problems}
    expected = {str(p) for p in BAD.rglob("*.yaml") if p.name != "a.yaml"}
    assert expected <= files


def test_good_fixtures_load() -> None:
    desired = load_desired(read_sources([GOOD]))
    assert [s.name for s in desired.schedules] == [
        "checkout-nightly",
        "checkout-weekly",
        "nested-biweekly",
        "release-offset",
        "release-once",
        "search-daily",
        "search-hourly",
        "search-monthly",
    ]
    assert [r.name for r in desired.runs] == ["full-by-id", "smoke-on-merge"]
    assert desired.warnings == ()
