"""Bring an existing account under management, over real HTTP against the sandbox.

An account with 40 schedules made outside the reconciler (several test plans, favourites,
IST and New York zones) is exported, validated (loader and JSON Schema), adopted with
`import --all`, then planned and applied with no change and no request that writes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from helpers import Cli, changing_requests
from ruamel.yaml import YAML

from reconciler.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]
PLANS = (3857, 3858, 3859, 3860, 3861, 3862)
FAVOURITES = ({"name": "fav_config_name"}, {"name": "smoke only"}, {"id": 203}, None)
ZONES = ("IST", "America/New_York", "Asia/Kolkata", "UTC")
TYPES = ("DAILY", "WEEKLY", "MONTHLY", "HOURLY", "DAILY", "ONCE")


def make_account(sandbox: Sandbox, count: int = 40) -> list[dict[str, Any]]:
    """`count` schedules made in the UI, varied in every field the API takes."""
    made = []
    for i in range(count):
        body: dict[str, Any] = {
            "name": f"team-{i % 5} schedule {i:02d}",
            "executionId": PLANS[i % len(PLANS)],
            "scheduleType": TYPES[i % len(TYPES)],
            "nextInterval": f"2027-{1 + i % 12:02d}-{1 + i % 27:02d}T"
            f"{i % 24:02d}:{(i * 7) % 60:02d}:00.000",
            "timezone": ZONES[i % len(ZONES)],
            "status": "IN_ACTIVE" if i % 9 == 0 else "ACTIVE",
        }
        favourite = FAVOURITES[i % len(FAVOURITES)]
        if favourite is not None:
            body["executionConfig"] = favourite
        if i % 3:
            body["comments"] = f"owned by team {i % 5}"
        made.append(sandbox.add_schedule_outside(body))
    return made


def schema_errors(path: Path) -> list[str]:
    """Problems of a YAML file against schemas/reconciler-v1.schema.json (another parser)."""
    schema = json.loads((ROOT / "schemas" / "reconciler-v1.schema.json").read_text())
    doc = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]


def test_forty_schedules_exported_validated_adopted_and_planned_with_no_change(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    made = make_account(sandbox)
    sandbox.clear_requests()

    exported = cli("export", "--out", "yaml")
    assert exported.exit_code == 0, exported.output
    assert "Exported 40 schedule(s) in 6 document(s); 40 need a look" in exported.stderr
    files = sorted(p.name for p in (tmp_path / "yaml").iterdir())
    assert files == [
        "checkout-regression.yaml",
        "mobile-onboarding.yaml",
        "payments-api.yaml",
        "search-nightly.yaml",
        "smoke-3858.yaml",  # two test plans are named "Smoke"
        "smoke-3859.yaml",
    ]
    text = "".join((tmp_path / "yaml" / f).read_text(encoding="utf-8") for f in files)
    assert sorted(int(i) for i in re.findall(r"# id (\d+) in Testsigma", text)) == sorted(
        s["id"] for s in made
    )
    assert text.count("check: timezone, executionConfig (not returned by Testsigma)") == 40
    for name in files:
        assert schema_errors(tmp_path / "yaml" / name) == [], name
        names = re.findall(r"- name: (.*)", (tmp_path / "yaml" / name).read_text())
        assert names == sorted(names), f"{name}: schedules sorted by name"

    valid = cli("validate", "yaml")
    assert valid.exit_code == 0, valid.output
    assert "OK: 40 schedule(s)" in valid.stdout

    adopted = cli("import", "--all", "yaml")
    assert adopted.exit_code == 0, adopted.output
    assert "Adopted 40 schedule(s); nothing was sent to Testsigma" in adopted.stdout
    assert "Not adopted" not in adopted.stdout
    assert adopted.stdout.count("in sync") == 40

    plan = cli("plan", "yaml", "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output
    assert "Plan: 0 to create, 0 to update, 0 to delete; 40 unchanged" in plan.stdout
    applied = cli("apply", "yaml", "--auto-approve")
    assert applied.exit_code == 0 and "No changes" in applied.stdout, applied.output
    assert changing_requests(sandbox) == []  # export, import, plan, apply: not one write
    listing = [r for r in sandbox.requests() if r.path == "/schedule_executions"]
    assert listing and all(r.query.get("sort") == "id,asc" for r in listing)


def test_one_stream_on_stdout_is_one_valid_document(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    make_account(sandbox, 12)
    streamed = cli("export", "--out", "-")
    assert streamed.exit_code == 0, streamed.output
    assert streamed.stdout.count("version: 1") == 1
    path = tmp_path / "all.yaml"
    path.write_text(streamed.stdout, encoding="utf-8")
    assert schema_errors(path) == []
    assert cli("validate", str(path)).exit_code == 0
    assert cli("import", "--all", str(path)).exit_code == 0
    assert cli("plan", str(path), "--detailed-exitcode").exit_code == 0
    assert changing_requests(sandbox) == []


def test_match_filters_and_existing_files_are_never_overwritten(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    make_account(sandbox, 10)
    only = cli("export", "--match", "team-1 *")
    assert only.exit_code == 0
    assert set(re.findall(r"- name: (.*)", only.stdout)) == {
        "team-1 schedule 01",
        "team-1 schedule 06",
    }
    assert cli("export", "--out", "yaml").exit_code == 0
    before = {p: p.read_bytes() for p in (tmp_path / "yaml").iterdir()}
    again = cli("export", "--out", "yaml")
    assert again.exit_code == 1
    assert "already exist and would be overwritten" in again.stderr
    assert {p: p.read_bytes() for p in (tmp_path / "yaml").iterdir()} == before


def test_a_favourite_and_a_zone_export_cannot_know_round_trip_without_surprise(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    """The documented behaviour (docs/ADOPTION.md): adopting sends nothing, so the server keeps
    its favourite and zone; declaring them later is planned as one visible update (same
    instant), applied as one PUT."""
    made = sandbox.add_schedule_outside(
        {
            "name": "checkout-nightly",
            "executionId": 3857,
            "executionConfig": {"name": "fav_config_name"},
            "scheduleType": "DAILY",
            "nextInterval": "2027-03-01T17:30:00.000",
            "timezone": "IST",
            "status": "ACTIVE",
        }
    )
    assert cli("export", "--out", "yaml").exit_code == 0
    path = tmp_path / "yaml" / "checkout-regression.yaml"
    text = path.read_text(encoding="utf-8")
    assert 'nextInterval: "2027-03-01T12:00:00Z"' in text  # 17:30 IST, as the exact instant
    adopted = cli("import", "--all", str(path))
    assert adopted.exit_code == 0 and "in sync" in adopted.stdout
    assert "recorded as the YAML declares them" in adopted.stderr
    assert cli("plan", str(path), "--detailed-exitcode").exit_code == 0
    assert changing_requests(sandbox) == []  # nothing sent: the favourite is untouched

    # The person checks the `check:` comments and declares what export could not know.
    path.write_text(
        text.replace(
            "    scheduleType: DAILY\n",
            "    executionConfig: {name: fav_config_name}\n    scheduleType: DAILY\n",
        ).replace("  timezone: UTC", "  timezone: IST"),
        encoding="utf-8",
    )
    plan = cli("plan", str(path), "--detailed-exitcode")
    assert plan.exit_code == 2, plan.output
    assert 'executionConfig  null -> {"name": "fav_config_name"}' in plan.stdout
    assert 'timezone         "UTC" -> "IST"' in plan.stdout
    assert '"2027-03-01T12:00:00.000" -> "2027-03-01T17:30:00.000"' in plan.stdout
    assert cli("apply", str(path), "--auto-approve").exit_code == 0
    (put,) = [r for r in sandbox.requests() if r.method in ("POST", "PUT", "DELETE")]
    assert (put.method, put.path) == ("PUT", f"/schedule_executions/{made['id']}")
    assert put.body["executionConfig"] == {"name": "fav_config_name"}
    assert put.body["timezone"] == "IST"
    assert sandbox.schedule(made["id"])["nextInterval"] == made["nextInterval"]  # same instant
    assert cli("plan", str(path), "--detailed-exitcode").exit_code == 0


def test_import_all_lists_what_it_could_not_adopt_and_never_hides_a_difference(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    made = make_account(sandbox, 3)
    text = cli("export").stdout  # stdout is the default
    path = tmp_path / "all.yaml"
    # One more declared schedule that Testsigma does not have, and a comment edited in the UI.
    text += (
        "  - name: brand-new\n    executionId: 3857\n    scheduleType: DAILY\n"
        '    nextInterval: "2027-06-01T10:00:00Z"\n'
    )
    path.write_text(text, encoding="utf-8")
    sandbox.edit_schedule(made[0]["id"], comments="edited in the UI")
    adopted = cli("import", "--all", str(path))
    assert adopted.exit_code == 0, adopted.output
    assert "Adopted 3 schedule(s)" in adopted.stdout
    assert "+ brand-new: no schedule of that name in Testsigma; apply will create it" in (
        adopted.stdout
    )
    assert "update: comments" in adopted.stdout
    plan = cli("plan", str(path))
    assert "+ create brand-new" in plan.stdout
    assert '"edited in the UI" -> ' in plan.stdout  # the YAML wins at the next apply
    again = cli("import", "--all", str(path))
    assert "= team-0 schedule 00: already managed" in again.stdout
    assert changing_requests(sandbox) == []


@pytest.mark.parametrize("args", [["import"], ["import", "x"], ["import", "x", "abc"]])
def test_import_usage_errors_are_one_clear_line(cli: Cli, args: list[str]) -> None:
    result = cli(*args)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and len(result.stderr.strip().splitlines()) == 1


def test_a_server_that_cannot_list_gets_one_clear_error(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    make_account(sandbox, 2)
    exported = cli("export")
    path = tmp_path / "all.yaml"
    path.write_text(exported.stdout, encoding="utf-8")
    sandbox.configure(list_by_name=False)
    for args in (["export"], ["import", "--all", str(path)]):
        result = cli(*args)
        assert result.exit_code == 1, result.output
        assert "does not list schedules" in result.stderr
    assert "import NAME ID" in result.stderr
    assert cli("state", "list").stdout == ""  # nothing recorded


def test_export_to_a_place_it_cannot_write_is_one_clear_error(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    make_account(sandbox, 2)
    (tmp_path / "taken").write_text("a file, not a directory", encoding="utf-8")
    result = cli("export", "--out", "taken")
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: cannot write taken/")
    assert (tmp_path / "taken").read_text(encoding="utf-8") == "a file, not a directory"


def test_import_all_adopts_nothing_for_a_name_held_by_several_schedules(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    body = {
        "name": "checkout nightly",
        "executionId": 3857,
        "scheduleType": "DAILY",
        "nextInterval": "2027-03-01T02:00:00.000",
        "timezone": "UTC",
        "status": "ACTIVE",
    }
    # The open-source server does not keep names unique: two schedules made in the UI.
    first = sandbox.add_schedule_outside(body)
    second = sandbox.add_schedule_outside(body)
    path = tmp_path / "one.yaml"
    path.write_text(
        "version: 1\nschedules:\n  - name: checkout nightly\n    executionId: 3857\n"
        '    scheduleType: DAILY\n    nextInterval: "2027-03-01T02:00:00"\n    timezone: UTC\n',
        encoding="utf-8",
    )
    adopted = cli("import", "--all", str(path))
    assert adopted.exit_code == 0, adopted.output
    ids = sorted((first["id"], second["id"]))
    assert (
        f"x checkout nightly: 2 schedules have that name (ids {ids[0]}, {ids[1]}); "
        "choose one with `reconciler import checkout nightly ID`"
    ) in adopted.stdout
    assert cli("state", "show", "checkout nightly").exit_code == 1  # nothing guessed
    # The plan refuses to create a third: a conflict naming both ids.
    plan = cli("plan", str(path))
    assert "x conflict checkout nightly" in plan.stdout, plan.stdout
    assert f"(ids {ids[0]}, {ids[1]})" in plan.stdout
    # Choosing one by id adopts it; the other stays the user's to delete.
    chosen = cli("import", "checkout nightly", str(ids[0]))
    assert chosen.exit_code == 0, chosen.output
    assert json.loads(cli("state", "show", "checkout nightly").stdout)["id"] == ids[0]
    assert changing_requests(sandbox) == []
