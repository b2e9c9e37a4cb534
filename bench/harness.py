"""The benchmark's plumbing: timed child processes, statistics, a sandbox subprocess.

Every measured command runs in a fresh process (start-up and imports are part of
what a user waits for). Wall time comes from `time.perf_counter` around the
child; peak memory from `os.wait4`, which returns the rusage of that one child
(`ru_maxrss`, KiB on Linux), so one measurement's peak never leaks into the next
the way `RUSAGE_CHILDREN`'s running maximum would.

The sandbox runs as its own process (`python -m reconciler sandbox`), so its
threads never compete with the measured client for one interpreter's GIL, as
they would not in real life.
"""

from __future__ import annotations

import json
import logging
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("bench")

PYTHON = sys.executable
REPO = Path(__file__).resolve().parent.parent
API_KEY = "bench-key"


@dataclass(frozen=True, slots=True)
class Sample:
    """One run of one command: wall seconds, peak resident memory (MiB), exit code."""

    seconds: float
    peak_mib: float
    code: int


@dataclass(frozen=True, slots=True)
class Stats:
    """Median and spread of several samples of one quantity."""

    median: float
    low: float
    high: float
    runs: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Stats:
        return cls(statistics.median(values), min(values), max(values), len(values))

    def to_json(self) -> dict[str, float]:
        return {"median": self.median, "min": self.low, "max": self.high, "runs": self.runs}

    def show(self, unit: str = "s", digits: int = 2) -> str:
        return (
            f"{self.median:.{digits}f} {unit} "
            f"({self.low:.{digits}f}–{self.high:.{digits}f}, n={self.runs})"
        )


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a child: no Testsigma or state settings of the caller's."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TESTSIGMA_", "RECONCILER_")) and k != "PYTHONPROFILEIMPORTTIME"
    }
    env.update(extra)
    return env


def run_timed(
    args: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path | None = None,
    ok_codes: tuple[int, ...] = (0,),
    stdout: Path | None = None,
) -> Sample:
    """Run `args` once; its wall time and peak memory. Raises when the exit code is not ok."""
    out = open(stdout, "wb") if stdout else subprocess.DEVNULL  # noqa: SIM115
    try:
        started = time.perf_counter()
        child = subprocess.Popen(
            list(args), env=dict(env), cwd=cwd, stdout=out, stderr=subprocess.PIPE
        )
        assert child.stderr is not None
        errors = child.stderr.read()
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if stdout:
            out.close()  # type: ignore[union-attr]
    if child.returncode not in ok_codes:
        tail = errors.decode(errors="replace")[-2000:]
        raise RuntimeError(f"{' '.join(args)} exited {child.returncode}:\n{tail}")
    return Sample(seconds, usage.ru_maxrss / 1024, child.returncode)


def repeat(
    args: Sequence[str], *, runs: int, env: Mapping[str, str], **kwargs: Any
) -> list[Sample]:
    return [run_timed(args, env=env, **kwargs) for _ in range(runs)]


def reconciler(*args: str) -> list[str]:
    """The command line of `reconciler ARGS` in a fresh interpreter."""
    return [PYTHON, "-m", "reconciler", *args]


def fresh_state(path: Path) -> Path:
    """`path` as a new SQLite state: the file and its companions removed."""
    for suffix in ("", "-wal", "-shm", "-journal", ".lock"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


class SandboxProcess:
    """`reconciler sandbox` in a child process, on a free port, driven over HTTP."""

    def __init__(self, *, latency_ms: float = 0) -> None:
        self.latency_ms = latency_ms
        self._child: subprocess.Popen[bytes] | None = None
        self.url = ""

    def __enter__(self) -> SandboxProcess:
        args = reconciler("sandbox", "--port", "0", "--api-key", API_KEY, "--control")
        if self.latency_ms:
            args += ["--latency-ms", str(self.latency_ms)]
        self._child = subprocess.Popen(
            args, env=clean_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        assert self._child.stderr is not None
        for raw in self._child.stderr:
            found = re.search(r"listening on (\S+)", raw.decode())
            if found:
                self.url = found.group(1)
                break
        else:
            raise RuntimeError("the sandbox exited before listening")
        # Nothing else is read from stderr: the sandbox logs only at debug level.
        return self

    def __exit__(self, *exc: object) -> None:
        if self._child is not None:
            self._child.terminate()
            self._child.wait(timeout=10)
            self._child = None

    @property
    def root(self) -> str:
        return self.url.rsplit("/api/v1", 1)[0]

    def control(self, method: str, path: str, body: Any = None) -> Any:
        """Call a `/_sandbox/` control endpoint (never delayed, never logged)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.root}/_sandbox{path}",
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as answer:
            return json.loads(answer.read() or b"null")

    def set_latency(self, latency_ms: float) -> None:
        self.control("POST", "/config", {"latency_ms": latency_ms})

    def requests(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.control("GET", "/requests")
        return result

    def clear_requests(self) -> None:
        self.control("DELETE", "/requests")

    def env(self, state: Path) -> dict[str, str]:
        """The environment of a reconciler run against this sandbox with `state`."""
        return clean_env(
            TESTSIGMA_API_URL=self.url,
            TESTSIGMA_API_KEY=API_KEY,
            RECONCILER_STATE=f"sqlite:///{state}",
        )


def calls_by_kind(records: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """`GET /schedule_executions/{id}`-style call names and how often each was made."""
    counts: dict[str, int] = {}
    for record in records:
        path = re.sub(r"/\d+", "/{id}", str(record["path"]))
        key = f"{record['method']} {path}"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))
