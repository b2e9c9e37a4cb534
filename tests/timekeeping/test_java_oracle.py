"""`timekeeping` against the server's own runtime: a real JVM and its legacy calendar API.

Testsigma runs on the JVM and reads a schedule's wall time with
`SimpleDateFormat` + `TimeZone`, then advances it with `Calendar.add`
(tests/timekeeping/java/ServerClock.java mirrors that). One JVM process is
fed every case over stdin; every instant must agree: plain, gap and fold wall
times (ONCE), and one period of HOURLY/DAILY/WEEKLY/BIWEEKLY/MONTHLY/YEARLY
advancement from instants around every transition, on a JVM whose default
zone is UTC and on one whose default zone is the schedule's.

The JDK's tz data and the `tzdata` package may disagree about a zone's future
(a country abolishes DST); such zones are compared with the JVM first and left
out, and the test fails if more than a few are.
"""

from __future__ import annotations

import random
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reconciler.timekeeping import (
    Zone,
    add_months,
    advance,
    epoch_ms,
    from_epoch_ms,
    resolve_zone,
    to_instant,
    transitions_between,
)
from reconciler.timekeeping.zones import SHORT_IDS, _iana_names

SOURCE = Path(__file__).parent / "java" / "ServerClock.java"
YEARS = (2027, 2035)
STEPPED = ("HOURLY", "DAILY", "WEEKLY", "BIWEEKLY", "MONTHLY", "YEARLY")
MUST = (
    "America/New_York",
    "Europe/London",
    "Europe/Dublin",
    "Australia/Lord_Howe",
    "Australia/Sydney",
    "America/Santiago",
    "America/Havana",
    "Asia/Beirut",
    "Pacific/Chatham",
    "Africa/Casablanca",
    "Asia/Tehran",
    "America/St_Johns",
)


@dataclass(frozen=True)
class Case:
    """One question for the JVM, and the answer `timekeeping` gives."""

    line: str
    ours: int
    what: str


@pytest.fixture(scope="module")
def server_clock(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("javac") is None or shutil.which("java") is None:
        pytest.skip("no JDK on this machine (javac/java not on PATH): the oracle needs one")
    out = tmp_path_factory.mktemp("java")
    subprocess.run(["javac", "-d", str(out), str(SOURCE)], check=True, timeout=120)
    return out


def ask(classes: Path, lines: list[str]) -> list[str]:
    """One JVM for the whole batch; one answer line per question."""
    done = subprocess.run(
        ["java", "-Xshare:auto", "-cp", str(classes), "ServerClock"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    answers = done.stdout.split()
    assert len(answers) == len(lines), done.stderr
    return answers


def zones_under_test() -> list[Zone]:
    names = sorted(_iana_names() | set(SHORT_IDS))
    picked = set(random.Random(16).sample(names, 140)) | set(MUST)
    return [resolve_zone(name) for name in sorted(picked)]


def probes(zone: Zone) -> list[datetime]:
    """Instants to compare offsets at: every transition's both sides, and monthly samples."""
    start = datetime(YEARS[0], 1, 1, tzinfo=UTC)
    end = datetime(YEARS[1], 1, 1, tzinfo=UTC)
    found = [start + timedelta(days=30 * n) for n in range((end - start).days // 30)]
    for change in transitions_between(zone, start, end):
        found += [change.at - timedelta(seconds=1), change.at]
    return found


def walls(zone: Zone, rng: random.Random) -> list[datetime]:
    """Minute edges around every transition (gap and fold), plus random plain times."""
    start = datetime(YEARS[0], 1, 1, tzinfo=UTC)
    end = datetime(YEARS[1], 1, 1, tzinfo=UTC)
    found: list[datetime] = []
    for change in transitions_between(zone, start, end)[:6]:
        low, high = sorted((change.start_wall, change.end_wall))
        middle = low + (high - low) / 2
        for edge in (low, middle, high):
            found += [edge - timedelta(minutes=1), edge, edge + timedelta(minutes=1)]
    for _ in range(6):
        found.append(start.replace(tzinfo=None) + timedelta(minutes=rng.randrange(8 * 525_600)))
    return [wall.replace(second=0, microsecond=0, fold=0) for wall in found]


def before(wall: datetime, schedule_type: str) -> datetime:
    """A wall time one period before `wall`, so that the step lands on it."""
    if schedule_type == "HOURLY":
        return wall - timedelta(hours=1)
    if schedule_type in ("DAILY", "WEEKLY", "BIWEEKLY"):
        days = {"DAILY": 1, "WEEKLY": 7, "BIWEEKLY": 14}[schedule_type]
        return wall - timedelta(days=days)
    return add_months(wall, -1 if schedule_type == "MONTHLY" else -12)


def cases_for(zone: Zone, rng: random.Random) -> list[Case]:
    found: list[Case] = []
    for wall in walls(zone, rng):
        text = wall.strftime("%Y-%m-%dT%H:%M:%S")
        ours = epoch_ms(to_instant(wall, zone))
        found.append(Case(f"P {zone.name} {text}", ours, f"{text} in {zone.name}"))
        for schedule_type in STEPPED:
            start = to_instant(before(wall, schedule_type), zone)
            for in_utc, jvm in ((False, zone.name), (True, "UTC")):
                moved = advance(start, schedule_type, zone, in_utc=in_utc)
                found.append(
                    Case(
                        f"A {jvm} {epoch_ms(start)} {schedule_type}",
                        epoch_ms(moved),
                        f"{schedule_type} from {start:%Y-%m-%dT%H:%M}Z in {jvm}",
                    )
                )
    return found


@pytest.mark.slow
def test_timekeeping_agrees_with_the_servers_jvm(server_clock: Path) -> None:
    zones = zones_under_test()
    offset_lines: list[str] = []
    expected: list[tuple[str, int]] = []
    for zone in zones:
        for instant in probes(zone):
            offset = instant.astimezone(zone.tzinfo).utcoffset()
            assert offset is not None
            offset_lines.append(f"O {zone.name} {epoch_ms(instant)}")
            expected.append((zone.name, int(offset.total_seconds() * 1000)))
    disagreeing = {
        name
        for (name, ours), theirs in zip(expected, ask(server_clock, offset_lines), strict=True)
        if ours != int(theirs)
    }
    assert len(disagreeing) <= len(zones) // 10, f"tz data differs for {sorted(disagreeing)}"
    rng = random.Random(11)
    cases = [c for zone in zones if zone.name not in disagreeing for c in cases_for(zone, rng)]
    answers = ask(server_clock, [case.line for case in cases])
    wrong = [
        f"{case.what}: ours {from_epoch_ms(case.ours):%Y-%m-%dT%H:%M}Z, "
        f"JVM {from_epoch_ms(int(answer)):%Y-%m-%dT%H:%M}Z"
        for case, answer in zip(cases, answers, strict=True)
        if case.ours != int(answer)
    ]
    folds = sum(1 for case in cases if case.line.startswith("P"))
    assert not wrong, f"{len(wrong)} of {len(cases)} differ ({folds} wall times), e.g.\n" + (
        "\n".join(wrong[:15])
    )
