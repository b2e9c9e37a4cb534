"""Mutation testing of the pure packages: `python bench/mutation.py [engine timekeeping spec]`.

Do the fast unit tests notice when the code they cover is wrong? mutmut
changes one operator, constant or call at a time in the package under test
and runs the unit tests that reach it; a mutant no test fails on "survived".
The score is the share of mutants killed. Each package runs in its own copy
of the repository (under a temporary directory, or `--work DIR` to keep it and
browse survivors with `mutmut show NAME` there), against that package's unit
tests only (`-m "not slow"`: no servers), and the scores and the surviving
mutants go to `docs/MUTATION.md`, whose rows for packages not run are kept.

After writing tests for the survivors, `--work DIR --again` runs the survivors
and untested (or not yet checked) mutants of the kept copy again against the
current tests, the code staying the copy measured: adding tests cannot revive a
killed mutant, so this gives a full run's figures in a fraction of its time.

Needs the `mutation` extra (`pip install -e '.[mutation,test]'`). Never part of
the test suite or CI: a full run takes tens of minutes on two cores.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from mutation_equivalents import excused  # bench/ is on sys.path: run as a script

REPO = Path(__file__).resolve().parent.parent

#: The unit tests that judge each package's mutants (fast, no network, no servers).
TESTS: dict[str, list[str]] = {
    "engine": ["tests/engine"],
    "timekeeping": ["tests/timekeeping"],
    "spec": ["tests/spec"],
}


#: What the tests read besides the package (the committed schema, the examples).
COPIED = ("reconciler", "tests", "schemas", "examples")

_RESULT = re.compile(r"^\s*(\S+__mutmut_\d+):\s*(.+?)\s*$")


@dataclass
class Outcome:
    package: str
    counts: Counter[str] = field(default_factory=Counter)
    survivors: dict[str, str] = field(default_factory=dict)  # name -> diff
    modules: dict[str, Counter[str]] = field(default_factory=dict)  # module -> counts

    @property
    def total(self) -> int:
        """Mutants checked: a run stopped early leaves some "not checked", left out."""
        return sum(self.counts.values()) - self.counts["not checked"]

    @property
    def shown_total(self) -> str:
        unchecked = self.counts["not checked"]
        return f"{self.total} (+{unchecked} not checked)" if unchecked else str(self.total)

    @property
    def killed(self) -> int:
        return self.counts["killed"] + self.counts["timeout"]

    @property
    def equivalent(self) -> int:
        return sum(1 for name in self.survivors if excused(name))

    def score(self, *, adjusted: bool = False) -> float:
        total = self.total - (self.equivalent if adjusted else 0)
        return 100.0 * self.killed / total if total else 0.0


def prepare(work: Path, package: str) -> None:
    """A copy of the repository whose pyproject tells mutmut what to mutate and test."""
    work.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        shutil.rmtree(work / name, ignore_errors=True)
        shutil.copytree(
            REPO / name, work / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    tests = json.dumps(
        [*TESTS[package], "-m", "not slow", "-p", "no:xdist", "-p", "no:cacheprovider"]
    )
    config = (
        "\n[tool.mutmut]\n"
        'source_paths = ["reconciler"]\n'
        f'only_mutate = ["reconciler/{package}/*"]\n'
        f"pytest_add_cli_args_test_selection = {tests}\n"
        "use_git_change_detection = false\n"
        'also_copy = ["schemas", "examples"]\n'
    )
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    text = re.sub(r"\n\[tool\.mutmut\][^\[]*", "\n", text)
    (work / "pyproject.toml").write_text(text + config, encoding="utf-8")


def mutmut(work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("RECONCILER_TEST_POSTGRES", None)
    return subprocess.run(
        [sys.executable, "-m", "mutmut", *args],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _not_killed(work: Path, package: str) -> list[str]:
    """The mutants of a kept run that survived or that no test reached, not excused."""
    listed = mutmut(work, "results", "--all", "true")
    names = []
    for line in listed.stdout.splitlines():
        match = _RESULT.match(line)
        if match and f".{package}." in match.group(1) and match.group(2) in _AGAIN:
            names.append(match.group(1))
    return [name for name in names if not excused(name)]


_AGAIN = ("survived", "no tests", "not checked")


def run_package(
    package: str,
    work: Path,
    max_children: int,
    *,
    rerun: bool = True,
    again: bool = False,
    without: tuple[str, ...] = (),
    show_limit: int = 60,
) -> Outcome:
    names: list[str] = []
    if again:
        # The code stays as measured; only the tests are the current ones.
        shutil.rmtree(work / "tests")
        shutil.copytree(
            REPO / "tests", work / "tests", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
        for test_file in without:  # judged without these (say so in the report)
            for copy in (work / test_file, work / "mutants" / test_file):
                copy.unlink(missing_ok=True)
        names = _not_killed(work, package)
        print(f"[{package}] {len(names)} survivors and untested again in {work} ...", flush=True)
    elif rerun:
        prepare(work, package)
        print(f"[{package}] mutating in {work} ...", flush=True)
    if again or rerun:
        done = mutmut(work, "run", "--max-children", str(max_children), *names)
        if done.returncode != 0:
            sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
            raise SystemExit(f"[{package}] mutmut run failed (exit {done.returncode})")
    listed = mutmut(work, "results", "--all", "true")
    outcome = Outcome(package)
    for line in listed.stdout.splitlines():
        match = _RESULT.match(line)
        if match is None or f".{package}." not in match.group(1):
            continue
        name, status = match.groups()
        outcome.counts[status] += 1
        module = name.split(".")[2]
        outcome.modules.setdefault(module, Counter())[status] += 1
        shown = sum(1 for d in outcome.survivors.values() if not d.startswith("("))
        if status == "survived" and excused(name):
            outcome.survivors[name] = "(excused)"
        elif status == "survived" and shown < show_limit:
            outcome.survivors[name] = mutmut(work, "show", name).stdout
        elif status == "survived":
            outcome.survivors[name] = (
                "(survived: mutmut show NAME in the kept --work copy gives the diff)"
            )
        elif status not in ("killed", "timeout", "not checked"):
            outcome.survivors[name] = f"({status})"
    print(f"[{package}] {outcome.score():.1f}% killed of {outcome.total}", flush=True)
    return outcome


def _survivor_lines(diff: str) -> str:
    if diff.startswith("("):
        return diff  # "(no tests)": no unit test reaches the function
    lines = [
        ln for ln in diff.splitlines() if ln.startswith(("-", "+")) and ln[:3] not in ("---", "+++")
    ]
    return " / ".join(ln.strip() for ln in lines)[:300]


def measured_at() -> str:
    """The commit whose code was measured, marked when the work tree differs from it."""
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", *COPIED], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    return f"{head or 'unknown'}{' + uncommitted changes' if dirty else ''}"


_HEADER = [
    "# Mutation testing",
    "",
    "Written by `python bench/mutation.py` (mutmut over the pure packages, each judged by",
    'its own fast unit tests only, `-m "not slow"`). A mutant is one small change to the',
    "code (an operator, a constant, a call dropped); it is *killed* when a test fails.",
    "Not part of CI: it takes tens of minutes on two cores.",
    "",
    "Equivalent mutants (no input can tell them from the original) are listed with why in",
    "`EQUIVALENT` in bench/mutation_equivalents.py, and so are the few functions mutmut",
    "cannot measure (`UNMEASURABLE`: they run at import); the last score leaves both out. The",
    "three hand",
    "mutations of issue 17 (the update threshold in engine/safety.py switched off,",
    "`>= MIN_RECORDED` made `>`, the lineage check dropped from `planfile.check_current`)",
    "each fail tests/engine/test_safety.py or tests/engine/test_planfile.py.",
    "",
    "A run rewrites the rows and sections of the packages it measured and keeps the others",
    "as they were, so each row says when and at which commit it was measured.",
    "",
    "| package | tests | mutants | killed | survived | no tests | score "
    "| score without equivalents (and unmeasurable) | measured |",
    "|---|---|---|---|---|---|---|---|---|",
]


def _kept(path: Path, rerun: set[str]) -> tuple[dict[str, str], list[list[str]]]:
    """From an earlier report: the table rows and the sections of packages not rerun."""
    if not path.exists():
        return {}, []
    rows: dict[str, str] = {}
    sections: list[list[str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = re.match(r"\| reconciler/(\w+)/ \|", line)
        if row and row.group(1) not in rerun:
            rows[row.group(1)] = line
        elif line.startswith("## "):
            sections.append([line])
        elif sections:
            sections[-1].append(line)
    mine = re.compile(rf"reconciler/({'|'.join(map(re.escape, rerun))})/")
    return rows, [s for s in sections if not mine.search(s[0])]


def _module_table(o: Outcome) -> list[str]:
    out = [
        "",
        f"## Per module in reconciler/{o.package}/",
        "",
        "| module | mutants | killed | survived | no tests | score |",
        "|---|---|---|---|---|---|",
    ]
    for module, counts in sorted(o.modules.items()):
        total = sum(counts.values()) - counts["not checked"]
        killed = counts["killed"] + counts["timeout"]
        unchecked = f" (+{counts['not checked']} not checked)" if counts["not checked"] else ""
        score = f"{100.0 * killed / total:.1f}%" if total else "-"
        out.append(
            f"| {module}.py | {total}{unchecked} | {killed} | {counts['survived']} "
            f"| {counts['no tests']} | {score} |"
        )
    return out


def write_report(outcomes: list[Outcome], path: Path, measured: str) -> None:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    rows, sections = _kept(path, {o.package for o in outcomes})
    for o in outcomes:
        rows[o.package] = (
            f"| reconciler/{o.package}/ | {' '.join(TESTS[o.package])} | {o.shown_total} "
            f"| {o.killed} "
            f"| {o.counts['survived']} | {o.counts['no tests']} | {o.score():.1f}% "
            f"| {o.score(adjusted=True):.1f}% | {now} at {measured} |"
        )
    out = [*_HEADER, *(rows[p] for p in TESTS if p in rows)]
    for section in sections:
        while section and not section[-1].strip():
            section.pop()
        out += ["", *section]
    for o in outcomes:
        out += _module_table(o)
        if not o.survivors:
            continue
        out += ["", f"## Survivors in reconciler/{o.package}/", ""]
        grouped: Counter[tuple[str, str, str]] = Counter()
        for name, diff in sorted(o.survivors.items()):
            kind_why = excused(name)
            if kind_why and kind_why[0] == "unmeasurable":
                grouped[(name.rsplit("__mutmut_", 1)[0], *kind_why)] += 1
                continue
            if kind_why:  # the reason says it; `mutmut show NAME` gives the diff
                out.append(f"- `{name}` — {kind_why[0]}: {kind_why[1]}")
            else:
                out.append(f"- `{name}`: `{_survivor_lines(diff)}`")
        for (function, kind, why), count in sorted(grouped.items()):
            out.append(f"- `{function}` ({count} mutants) — {kind}: {why}")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"wrote {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("packages", nargs="*", choices=list(TESTS), default=list(TESTS))
    parser.add_argument("--max-children", type=int, default=2, help="Parallel mutants (2).")
    parser.add_argument("--work", type=Path, help="Keep the working copies under this directory.")
    parser.add_argument("--report", type=Path, default=REPO / "docs" / "MUTATION.md")
    parser.add_argument(
        "--show-limit", type=int, default=60, help="Survivors shown with their diff (60)."
    )
    parser.add_argument(
        "--report-only", action="store_true", help="Only report on the runs kept under --work."
    )
    parser.add_argument(
        "--again",
        action="store_true",
        help="Run the survivors and untested mutants of the runs kept under --work again, "
        "against the current tests (the code stays the copy measured).",
    )
    parser.add_argument(
        "--without",
        action="append",
        default=[],
        help="With --again: a test file (tests/...) left out of the rerun, e.g. a slow fuzz "
        "test; mutants it alone would kill then count as survivors.",
    )
    parser.add_argument(
        "--measured",
        help="The commit the kept runs measured (with --report-only; default: HEAD now).",
    )
    args = parser.parse_args(argv)
    if (args.report_only or args.again) and args.work is None:
        parser.error("--report-only and --again read the runs kept with --work DIR")
    measured = args.measured or measured_at()  # before the runs: the code they copy
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="reconciler-mutation-") as tmp:
        base = args.work or Path(tmp)
        for package in args.packages or list(TESTS):
            outcome = run_package(
                package,
                base / package,
                args.max_children,
                rerun=not args.report_only,
                again=args.again,
                without=tuple(args.without),
                show_limit=args.show_limit,
            )
            outcomes.append(outcome)
    write_report(outcomes, args.report, measured)
    return 0


if __name__ == "__main__":
    sys.exit(main())
