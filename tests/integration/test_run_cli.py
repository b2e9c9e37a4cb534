"""`reconciler run` over real HTTP: pass, fail, timeout, several at once, JUnit, ad hoc."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from helpers import Cli, write_yaml

from reconciler.sandbox import Sandbox

RUNS = """
version: 1
runs:
  - name: smoke
    executionId: 3857
    executionConfig: {name: smoke only}
    environmentId: 10
    buildNo: "1.9.26"
    runtimeData: {branch: main}
  - name: flaky
    executionId: 4001
  - name: full
    executionId: 3857
"""


def runs_yaml(tmp_path: Path) -> Path:
    return write_yaml(tmp_path / "runs.yaml", RUNS)


def test_declared_run_passes_with_junit(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    report = tmp_path / "out" / "junit.xml"
    ids_file = tmp_path / "run-id.txt"
    result = cli(
        "run",
        "smoke",
        str(runs_yaml(tmp_path)),
        "--wait",
        "--poll-interval",
        "0.01",
        "--junit",
        str(report),
        "--output-run-id",
        str(ids_file),
    )
    assert result.exit_code == 0, result.output
    (post,) = [r for r in sandbox.requests() if r.method == "POST"]
    assert post.path == "/execution_results"
    assert post.body == {
        "executionId": 3857,
        "executionConfig": {"name": "smoke only"},
        "environmentId": 10,
        "buildNo": "1.9.26",
        "runtimeData": {"branch": "main"},
    }
    run_id = ids_file.read_text().strip()
    assert run_id.isdigit()
    assert f"run {run_id}" in result.stderr and "STATUS_COMPLETED" in result.stderr
    assert "PASSED" in result.stdout
    assert ET.parse(report).getroot().tag in ("testsuites", "testsuite")


def test_failing_run_exits_1(cli: Cli, tmp_path: Path) -> None:
    result = cli("run", "flaky", str(runs_yaml(tmp_path)), "--wait", "--poll-interval", "0.01")
    assert result.exit_code == 1
    assert "FAILED" in result.stdout


def test_timeout_exits_4_and_leaves_the_run(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.configure(run_polls_to_complete=10_000, run_seconds_to_complete=10_000)
    result = cli(
        "run",
        "smoke",
        str(runs_yaml(tmp_path)),
        "--wait",
        "--poll-interval",
        "0.01",
        "--timeout",
        "0.2",
    )
    assert result.exit_code == 4, result.output
    assert result.output.count("left running") == 1, result.output
    assert "still running" not in result.output


def test_several_runs_at_once_summary(cli: Cli, sandbox: Sandbox, tmp_path: Path) -> None:
    result = cli(
        "run",
        "smoke",
        "flaky",
        "full",
        str(runs_yaml(tmp_path)),
        "--wait",
        "--poll-interval",
        "0.01",
        "--format",
        "json",
    )
    assert result.exit_code == 1  # flaky fails, so not all pass
    outcomes = json.loads(result.stdout)
    assert [o["name"] for o in outcomes] == ["smoke", "flaky", "full"]
    assert [o["passed"] for o in outcomes] == [True, False, True]
    assert len([r for r in sandbox.requests() if r.method == "POST"]) == 3


def test_all_passing_runs_exit_0(cli: Cli, tmp_path: Path) -> None:
    result = cli(
        "run", "smoke", "full", str(runs_yaml(tmp_path)), "--wait", "--poll-interval", "0.01"
    )
    assert result.exit_code == 0, result.output


def test_ad_hoc_run(cli: Cli, sandbox: Sandbox) -> None:
    result = cli(
        "run", "--execution-id", "3857", "--config-name", "smoke only", "--runtime", "branch=main"
    )
    assert result.exit_code == 0, result.output
    (post,) = [r for r in sandbox.requests() if r.method == "POST"]
    assert post.body == {
        "executionId": 3857,
        "executionConfig": {"name": "smoke only"},
        "runtimeData": {"branch": "main"},
    }
    assert result.stdout.strip().isdigit()


def test_unknown_run_name_lists_the_declared_ones(cli: Cli, tmp_path: Path) -> None:
    result = cli("run", "smok", str(runs_yaml(tmp_path)))
    assert result.exit_code == 1
    assert "'smok'" in result.stderr and "flaky, full, smoke" in result.stderr


def test_bad_runtime_flag(cli: Cli, sandbox: Sandbox) -> None:
    result = cli("run", "--execution-id", "3857", "--runtime", "novalue")
    assert result.exit_code == 1
    assert "--runtime" in result.stderr
    assert sandbox.requests() == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_waiting_not_the_run(
    sandbox: Sandbox, tmp_path: Path, signum: signal.Signals
) -> None:
    """Ctrl-C and SIGTERM (a CI job cancelled) alike: the wait stops, the report is printed
    with the run left running, exit 130, and the run goes on in Testsigma."""
    from helpers import API_KEY

    from reconciler.testsigma.client import TestsigmaClient

    sandbox.configure(run_polls_to_complete=10_000, run_seconds_to_complete=10_000)
    env = {
        **os.environ,
        "TESTSIGMA_API_URL": sandbox.url,
        "TESTSIGMA_API_KEY": API_KEY,
        "PYTHONUNBUFFERED": "1",
    }
    ids_file = tmp_path / "ids.txt"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reconciler",
            "run",
            "smoke",
            str(runs_yaml(tmp_path)),
            "--wait",
            "--poll-interval",
            "0.05",
            "--format",
            "json",
            "--output-run-id",
            str(ids_file),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    for line in proc.stderr:  # wait until it is polling
        if "STATUS_" in line:
            break
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, out + err
    assert "Stopped waiting" in err and "nothing was cancelled" in err
    assert "Traceback" not in err and "Interrupted." not in err
    (report,) = json.loads(out)
    assert report["state"] == "WAIT_STOPPED" and report["passed"] is False
    run_id = int(ids_file.read_text())
    assert report["id"] == run_id
    assert not any(r.method == "DELETE" for r in sandbox.requests())
    with TestsigmaClient(base_url=sandbox.url, api_key=API_KEY) as client:
        assert client.get_run(run_id)["status"] != "STATUS_COMPLETED"  # still going


def test_unknown_plan_and_favourite_are_refused_before_any_run_starts(
    cli: Cli, sandbox: Sandbox, tmp_path: Path
) -> None:
    path = write_yaml(
        tmp_path / "bad-runs.yaml",
        """
        runs:
          - name: good
            executionId: 3857
          - name: no-plan
            executionId: 999999
          - name: no-favourite
            executionId: 3857
            executionConfig: {name: smoke onyl}
    """,
    )
    result = cli("run", "good", "no-plan", "no-favourite", str(path), "--wait")
    assert result.exit_code == 1
    assert f"{path}:5:" in result.stderr and "999999" in result.stderr
    assert f"{path}:8:" in result.stderr and "smoke only" in result.stderr
    assert [r for r in sandbox.requests() if r.method == "POST"] == []  # not even `good`
    ad_hoc = cli("run", "--execution-id", "999999")
    assert ad_hoc.exit_code == 1 and "--execution-id" in ad_hoc.stderr
    assert [r for r in sandbox.requests() if r.method == "POST"] == []
