"""Out-of-band changes (as a human in the UI) and the sandbox's lifecycle."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sandbox_helpers import AUTH, fast_client, ms, schedule_body

from reconciler.sandbox import ApiError, Sandbox


def test_edit_schedule_changes_it_as_the_ui_would(api: httpx.Client, sandbox: Sandbox) -> None:
    created = api.post("/schedule_executions", json=schedule_body()).json()
    edited = sandbox.edit_schedule(created["id"], status="IN_ACTIVE", comments="paused by hand")
    assert edited["status"] == "IN_ACTIVE"
    assert edited["updatedById"] != created["createdById"]
    assert api.get(f"/schedule_executions/{created['id']}").json() == edited
    moved = sandbox.edit_schedule(created["id"], nextInterval="2032-01-01T00:00:00.000")
    # Still read in the schedule's own zone (Asia/Kolkata, +05:30).
    assert moved["nextIntervalUTC"] == "2031-12-31T18:30:00Z"
    at = datetime(2033, 5, 5, 5, 5, tzinfo=UTC)
    assert sandbox.edit_schedule(created["id"], nextInterval=ms(at))["nextInterval"] == ms(at)


def test_edit_schedule_refuses_unknown_ids_fields_and_values(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    created = api.post("/schedule_executions", json=schedule_body()).json()
    with pytest.raises(ApiError) as missing:
        sandbox.edit_schedule(4242, status="IN_ACTIVE")
    assert missing.value.status == 404
    with pytest.raises(ApiError):
        sandbox.edit_schedule(created["id"], colour="red")
    with pytest.raises(ApiError) as bad:
        sandbox.edit_schedule(created["id"], scheduleType="SOMETIMES")
    assert bad.value.status == 400


def test_delete_and_add_outside(api: httpx.Client, sandbox: Sandbox) -> None:
    created = api.post("/schedule_executions", json=schedule_body()).json()
    sandbox.delete_schedule_outside(created["id"])
    assert api.get(f"/schedule_executions/{created['id']}").status_code == 404
    outside = sandbox.add_schedule_outside(schedule_body(name="made-in-ui"))
    assert outside["id"] == created["id"] + 1
    assert outside["createdById"] != created["createdById"]
    listed = api.get("/schedule_executions", params={"query": "name:made-in-ui"}).json()
    assert listed["content"] == [outside]
    # Names are not unique by default; with unique_names a taken name is refused.
    assert sandbox.add_schedule_outside(schedule_body(name="made-in-ui"))["id"] > outside["id"]
    sandbox.configure(unique_names=True)
    with pytest.raises(ApiError) as duplicate:
        sandbox.add_schedule_outside(schedule_body(name="made-in-ui"))
    assert duplicate.value.status == 422
    assert sandbox.requests()[-1].path == "/schedule_executions"  # inspection is not logged


def test_out_of_band_changes_over_http(
    api: httpx.Client, control: httpx.Client, sandbox: Sandbox
) -> None:
    added = control.post("/schedules", json=schedule_body(name="ui"))
    assert added.status_code == 201
    ident = added.json()["id"]
    patched = control.patch(f"/schedules/{ident}", json={"scheduleType": "WEEKLY"})
    assert patched.status_code == 200 and patched.json()["scheduleType"] == "WEEKLY"
    assert control.patch(f"/schedules/{ident}", json={"bogus": 1}).status_code == 400
    viewed = control.get(f"/schedules/{ident}").json()
    assert (viewed["fires"], viewed["queued"]) == (0, False)
    assert control.delete(f"/schedules/{ident}").status_code == 200
    assert control.delete(f"/schedules/{ident}").status_code == 404
    assert api.get(f"/schedule_executions/{ident}").status_code == 404
    assert sandbox.requests()[-1].path == f"/schedule_executions/{ident}"
    assert len(sandbox.requests()) == 1


def test_the_sandbox_clock_is_real_time_plus_advances(sandbox: Sandbox) -> None:
    before = datetime.now(UTC)
    sandbox.advance_clock(86400)
    assert sandbox.now() - before >= timedelta(days=1)
    assert sandbox.now().tzinfo is not None


def test_port_and_url_need_a_started_sandbox() -> None:
    idle = Sandbox(api_key="k")
    with pytest.raises(RuntimeError):
        _ = idle.url
    with pytest.raises(ValueError):
        Sandbox(api_key="")


def test_stop_releases_the_port() -> None:
    first = Sandbox(api_key="k").start()
    port = first.port
    first.stop()
    first.stop()  # idempotent
    with Sandbox(api_key="k", port=port) as second:
        assert second.port == port
        with fast_client(second.url, headers={"Authorization": "Bearer k"}) as http:
            assert http.get("/test_plans").status_code == 200


def test_module_entry_serves_with_a_generated_key_and_stops_on_interrupt() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler.sandbox", "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        found = re.search(r"(http://127\.0\.0\.1:\d+/api/v1) \(API key: (\S+)\)", line)
        assert found, line
        url, key = found.groups()
        with fast_client(url, headers={"Authorization": f"Bearer {key}"}) as http:
            assert http.get("/test_plans").status_code == 200
        with fast_client(url, headers=AUTH) as http:
            assert http.get("/test_plans").status_code == 401
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_it_stops_on_a_signal_even_when_started_with_sigint_ignored(stop: int) -> None:
    """A background job of a shell inherits SIGINT ignored; Ctrl-C or SIGTERM must still work."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler.sandbox", "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        assert process.stderr is not None
        assert "127.0.0.1" in process.stderr.readline()  # listening
        process.send_signal(stop)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
