"""The CLI as a child process against a hostile server: bounded time, bounded memory, no leak.

Every case runs `python -m reconciler` over real HTTP to `hostile.HostileServer`
on 127.0.0.1 and checks what a CI job relies on: the command ends within its
deadline plus a small margin (start-up included), its peak RSS stays under
`RSS_BOUND_MIB` (measured with wait4 by a small launcher), it says one clear thing
on stderr and exits non-zero, and the API key appears in no output in any
encoding (raw, repr- or JSON-escaped, URL-encoded, base64).
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import schedule, write_schedules
from hostile import HostileServer

ROOT = Path(__file__).resolve().parents[2]
KEY = "tsk_live_HOSTILE_9f3a61c0d2b84e57"
#: Start-up of the interpreter and the CLI on a loaded machine, plus scheduling noise.
MARGIN = 6.0
#: Peak resident memory of one CLI process (a plain `plan` measured 51 MiB, the gzip
#: bomb 73 MiB, the 300 MiB body 67 MiB; before the cap they took 7.4 GB and 4.1 GB).
RSS_BOUND_MIB = 128
PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@dataclass
class Finished:
    code: int
    stdout: str
    stderr: str
    raw: bytes
    seconds: float
    peak_rss_mib: float


#: Runs the CLI and writes its peak RSS (KiB) to $RECONCILER_TEST_RSS. A launcher, because a
#: child forked from a large pytest worker inherits the worker's RSS high-water mark
#: (Linux keeps it across exec); the launcher's own image is small when it forks the CLI.
LAUNCHER = """
import os, signal, subprocess, sys
child = subprocess.Popen(sys.argv[1:])
for sig in (signal.SIGINT, signal.SIGTERM):
    signal.signal(sig, lambda signum, frame: child.send_signal(signum))
while True:
    try:
        _, status, usage = os.wait4(child.pid, 0)
        break
    except InterruptedError:
        continue
with open(os.environ["RECONCILER_TEST_RSS"], "w") as out:
    out.write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""


def run_cli(
    args: list[str],
    env: dict[str, str],
    *,
    limit: float = 120,
    on_start: Callable[[subprocess.Popen[bytes]], None] | None = None,
) -> Finished:
    """Run the CLI (through `LAUNCHER`, for its peak RSS); kill it past `limit` seconds."""
    tmp = Path(env["RECONCILER_TEST_TMP"])
    out_path, err_path, rss_path = tmp / "stdout", tmp / "stderr", tmp / "rss"
    env = {**env, "RECONCILER_TEST_RSS": str(rss_path)}
    command = [sys.executable, "-c", LAUNCHER, sys.executable, "-m", "reconciler", *args]
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.monotonic()
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)
        if on_start is not None:
            on_start(proc)
        try:
            code = proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            pytest.fail(f"the command was still running after {limit} s: {args}")
        seconds = time.monotonic() - started
    stdout, stderr = out_path.read_bytes(), err_path.read_bytes()
    return Finished(
        code=code,
        stdout=stdout.decode("utf-8", errors="replace"),
        stderr=stderr.decode("utf-8", errors="replace"),
        raw=stdout + stderr,
        seconds=seconds,
        peak_rss_mib=int(rss_path.read_text()) / 1024,
    )


def env_for(url: str, tmp_path: Path, *, key: str = KEY, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.lower() not in PROXY_VARS}
    env.update(
        {
            "TESTSIGMA_API_URL": url,
            "TESTSIGMA_API_KEY": key,
            "RECONCILER_STATE": f"sqlite:///{tmp_path / 'state.db'}",
            "RECONCILER_TEST_TMP": str(tmp_path),
            "NO_COLOR": "1",
            **extra,
        }
    )
    return env


def forms_of(secret: str) -> set[bytes]:
    """Every encoding a secret could leak in (base64 at each alignment inside a text)."""
    raw = secret.encode("utf-8")
    forms = {
        raw,
        repr(secret)[1:-1].encode(),
        json.dumps(secret)[1:-1].encode(),
        urllib.parse.quote(secret, safe="").encode(),
        urllib.parse.quote_plus(secret, safe="").encode(),
        secret.encode("unicode_escape"),
    }
    for offset in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            text = encode(b"\0" * offset + raw).rstrip(b"=")
            forms.add(text[(offset * 4 + 2) // 3 : len(text) - 2])
    return {f for f in forms if len(f) >= 6}


def assert_no_leak(result: Finished, *secrets: str) -> None:
    for secret in secrets:
        core = secret.strip()
        for form in forms_of(core) | forms_of(secret):
            assert form not in result.raw, f"a credential leaked as {form!r}"


def assert_one_clear_error(result: Finished, *words: str) -> None:
    assert result.code != 0, result.stderr
    assert "Traceback" not in result.stderr
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    for word in words:
        assert word in errors[0], errors[0]


def assert_bounded(result: Finished, deadline: float) -> None:
    assert result.seconds <= deadline + MARGIN, f"took {result.seconds:.1f} s"
    assert result.peak_rss_mib <= RSS_BOUND_MIB, f"peak RSS {result.peak_rss_mib:.0f} MiB"


def yaml_dir(tmp_path: Path, count: int = 1) -> str:
    entries = [schedule(f"s{i:02d}") for i in range(count)]
    return str(write_schedules(tmp_path / "yaml" / "team.yaml", *entries).parent)


# --- time -----------------------------------------------------------------------


@pytest.mark.slow
def test_a_body_trickled_one_byte_per_second_ends_at_the_deadline(tmp_path: Path) -> None:
    with HostileServer("trickle") as server:
        result = run_cli(
            ["plan", yaml_dir(tmp_path), "--timeout", "3", "--read-timeout", "2"],
            env_for(server.url, tmp_path),
        )
    assert_one_clear_error(result, "GET /", "3 s deadline")
    assert_bounded(result, 3)
    assert_no_leak(result, KEY)


@pytest.mark.slow
def test_endless_pages_end_at_the_deadline(tmp_path: Path) -> None:
    with HostileServer("endless_pages") as server:
        result = run_cli(
            ["plan", yaml_dir(tmp_path), "--timeout", "4"], env_for(server.url, tmp_path)
        )
    assert_one_clear_error(result, "GET /test_plans")
    assert "deadline" in result.stderr or "never end" in result.stderr
    assert_bounded(result, 4)
    assert_no_leak(result, KEY)


def test_a_repeating_page_is_refused_at_once(tmp_path: Path) -> None:
    with HostileServer("repeating_page") as server:
        result = run_cli(
            ["plan", yaml_dir(tmp_path), "--timeout", "30"], env_for(server.url, tmp_path)
        )
        pages = [path.split("?")[0] for method, path in server.requests if method == "GET"]
    assert_one_clear_error(result, "GET /test_plans", "repeats id 1")
    # Each paged read stops at the repeat: the first page and its repeat of the test plans,
    # the favourites, and of the schedule list requested in the same round (its answer is
    # never looked at: the account failed first).
    assert pages.count("/api/v1/test_plans") <= 2
    assert pages.count("/api/v1/schedule_executions") <= 2
    assert len(pages) <= 5
    assert_bounded(result, 0)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_ends_a_hung_plan_within_a_second(tmp_path: Path, sig: signal.Signals) -> None:
    with HostileServer("hang") as server:
        stopped: dict[str, float] = {}

        def interrupt(proc: subprocess.Popen[bytes]) -> None:
            assert server.first_request.wait(60), "the CLI never called the server"
            stopped["at"] = time.monotonic()
            proc.send_signal(sig)

        result = run_cli(
            ["plan", yaml_dir(tmp_path), "--timeout", "100"],
            env_for(server.url, tmp_path),
            on_start=interrupt,
        )
        ended = time.monotonic() - stopped["at"]
    assert result.code == 130, result.stderr
    assert "Interrupted." in result.stderr and "Traceback" not in result.stderr
    assert ended <= 1.0 + 2.0  # about a second, plus scheduling noise on a loaded machine


def test_sigterm_ends_an_apply_whose_post_hangs(tmp_path: Path) -> None:
    with HostileServer("hang") as server:
        stopped: dict[str, float] = {}

        def interrupt(proc: subprocess.Popen[bytes]) -> None:
            assert server.first_request.wait(60), "the CLI never called the server"
            stopped["at"] = time.monotonic()
            proc.send_signal(signal.SIGTERM)

        result = run_cli(
            [
                "apply",
                yaml_dir(tmp_path),
                "--auto-approve",
                "--no-refresh",
                "--no-preflight",
                "--timeout",
                "100",
            ],
            env_for(server.url, tmp_path),
            on_start=interrupt,
        )
        ended = time.monotonic() - stopped["at"]
        posts = server.count("POST")
    assert result.code != 0
    assert posts == 1
    assert "unknown" in result.stdout + result.stderr  # kept in the journal, never re-sent
    assert ended <= 1.5 + 2.0  # the grace for requests in flight, plus noise


def test_ctrl_c_ends_a_run_wait_whose_poll_hangs(tmp_path: Path) -> None:
    with HostileServer("run_then_hang") as server:
        stopped: dict[str, float] = {}

        def interrupt(proc: subprocess.Popen[bytes]) -> None:
            assert server.first_get.wait(60), "the CLI never polled the run"
            stopped["at"] = time.monotonic()
            proc.send_signal(signal.SIGINT)

        result = run_cli(
            ["run", "--execution-id", "3857", "--no-preflight", "--wait", "--poll-interval", "0.1"],
            env_for(server.url, tmp_path),
            on_start=interrupt,
        )
        ended = time.monotonic() - stopped["at"]
        posts = server.count("POST")
    assert result.code == 130, result.stderr
    assert "Stopped waiting" in result.stderr and "Traceback" not in result.stderr
    assert posts == 1
    assert ended <= 1.0 + 2.0


# --- memory ---------------------------------------------------------------------


@pytest.mark.parametrize("scenario", ["gzip_bomb", "huge"])
def test_an_oversized_body_is_stopped_at_the_cap(tmp_path: Path, scenario: str) -> None:
    with HostileServer(scenario) as server:
        result = run_cli(
            ["plan", yaml_dir(tmp_path), "--timeout", "60"], env_for(server.url, tmp_path)
        )
    assert_one_clear_error(result, "MiB cap")
    assert_bounded(result, 60)
    assert_no_leak(result, KEY)


# --- secrets --------------------------------------------------------------------


def test_a_key_with_a_trailing_newline_is_stripped_and_works(tmp_path: Path) -> None:
    with HostileServer("auth", key=KEY) as server:
        result = run_cli(
            ["--verbose", "plan", yaml_dir(tmp_path), "--timeout", "30"],
            env_for(server.url, tmp_path, key=KEY + "\n"),
        )
    assert result.code == 0, result.stderr
    assert "Incorrect API Key" not in result.stderr
    assert_no_leak(result, KEY)


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        (KEY + "é", "a non-ASCII character"),
        (KEY[:10] + "\n" + KEY[10:], "a control or whitespace character"),
        (KEY[:10] + "\x00" + KEY[10:], "a control or whitespace character"),
    ],
)
def test_a_key_with_a_forbidden_character_is_refused_unseen(
    tmp_path: Path, key: str, kind: str
) -> None:
    if "\x00" in key:  # an environment variable cannot hold NUL: use the key file
        key_file = tmp_path / "key"
        key_file.write_bytes(key.encode())
        args, env = ["--api-key-file", str(key_file)], env_for("", tmp_path, key="")
    else:
        args, env = [], env_for("", tmp_path, key=key)
    with HostileServer("auth", key=KEY) as server:
        env["TESTSIGMA_API_URL"] = server.url
        result = run_cli(["plan", yaml_dir(tmp_path), *args], env)
        sent = list(server.requests)
    assert_one_clear_error(result, kind, "not shown")
    assert sent == []
    assert_bounded(result, 0)
    assert_no_leak(result, key, KEY)


def test_a_plain_text_401_is_one_clear_auth_error(tmp_path: Path) -> None:
    with HostileServer("auth", key="another-key-entirely") as server:
        result = run_cli(["plan", yaml_dir(tmp_path)], env_for(server.url, tmp_path))
    assert_one_clear_error(result, "API key was refused", "Incorrect API Key")
    assert_no_leak(result, KEY)


def test_an_http_url_to_another_host_is_refused_before_any_connection(tmp_path: Path) -> None:
    # Any connection attempt would go through this "proxy" on loopback, and be seen.
    with HostileServer("auth", key=KEY) as proxy:
        proxies = {"HTTP_PROXY": proxy.address, "HTTPS_PROXY": proxy.address}
        env = env_for("http://example.invalid/api/v1", tmp_path, **proxies)
        refused = run_cli(["plan", yaml_dir(tmp_path)], env)
        assert proxy.requests == []
        allowed = run_cli(["plan", yaml_dir(tmp_path), "--insecure-http"], env)
        reached = list(proxy.requests)
    assert_one_clear_error(refused, "refusing to send the API key unencrypted to example.invalid")
    assert_bounded(refused, 0)
    assert allowed.code == 0, allowed.stderr
    assert "Warning: --insecure-http" in allowed.stderr
    assert reached  # with the flag, the call is made (through the loopback proxy)
    assert_no_leak(refused, KEY)
    assert_no_leak(allowed, KEY)


def test_a_url_with_userinfo_is_refused_without_echoing_the_password(tmp_path: Path) -> None:
    password = "S3cr3t-PW/with?odd%2Fchars"
    with HostileServer("auth", key=KEY) as server:
        quoted = urllib.parse.quote(password, safe="")
        url = server.url.replace("http://", f"http://ci:{quoted}@")
        result = run_cli(["plan", yaml_dir(tmp_path)], env_for(url, tmp_path))
        sent = list(server.requests)
    assert_one_clear_error(result, "user name or password")
    assert sent == []
    assert_no_leak(result, KEY, password, quoted)


# --- outcomes -------------------------------------------------------------------


def test_a_run_trigger_answered_502_is_sent_once_and_says_how_to_check(tmp_path: Path) -> None:
    with HostileServer("post_502") as server:
        result = run_cli(
            ["run", "--execution-id", "3857", "--no-preflight"], env_for(server.url, tmp_path)
        )
        posts = server.count("POST")
    assert posts == 1
    assert_one_clear_error(result, "POST /execution_results", "may have started")
    assert_no_leak(result, KEY)


def test_a_post_answered_502_after_commit_is_sent_exactly_once(tmp_path: Path) -> None:
    with HostileServer("post_502") as server:
        result = run_cli(
            ["apply", yaml_dir(tmp_path), "--auto-approve", "--no-refresh", "--no-preflight"],
            env_for(server.url, tmp_path),
        )
        posts = server.count("POST")
    assert posts == 1
    assert result.code != 0
    assert "502" in result.stdout and "unknown" in result.stdout
    assert_no_leak(result, KEY)


@pytest.mark.slow
def test_429_bursts_end_with_everything_created_once_and_few_429s(tmp_path: Path) -> None:
    count = 30
    with HostileServer("rate_limited", rate=10, burst=5) as server:
        result = run_cli(
            [
                "apply",
                yaml_dir(tmp_path, count),
                "--auto-approve",
                "--no-refresh",
                "--no-preflight",
                "--parallelism",
                "16",
                "--timeout",
                "60",
            ],
            env_for(server.url, tmp_path),
        )
        names = sorted(s["name"] for s in server.created)
        throttled = server.throttled
    assert result.code == 0, result.stdout + result.stderr
    assert names == sorted(f"s{i:02d}" for i in range(count))  # each exactly once
    assert throttled < count, f"{throttled} answers of 429"  # no lockstep stampede
    assert_no_leak(result, KEY)
