"""A bench-only slow disk: an LD_PRELOAD shim that makes every fsync/fdatasync last N ms.

CI runners on network disks take milliseconds per fsync; a developer's NVMe takes
microseconds. To show how apply behaves on both on one machine, `build()` compiles
a tiny C library (with `cc`, into bench/out/) that wraps libc's `fsync` and
`fdatasync`: it makes the real call, then sleeps until at least `BENCH_FSYNC_MS`
milliseconds have passed since the call began (a floor, not an addition: a disk
that is already slower is left as it is). SQLite calls them through libc, so a
child started with `LD_PRELOAD=<shim> BENCH_FSYNC_MS=5` sees a 5 ms disk. Nothing
of this touches the product; `commit_ms()` measures the resulting cost of one raw
SQLite commit (WAL, synchronous=FULL, the store's settings) in such a child, so
the report states the disk the apply actually saw.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from harness import PYTHON, clean_env

_SOURCE = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>

static long floor_ns(void) {
    const char *text = getenv("BENCH_FSYNC_MS");
    return text ? (long)(atof(text) * 1e6) : 0;
}

static void wait_until_floor(const struct timespec *begun) {
    long wanted = floor_ns();
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long spent = (now.tv_sec - begun->tv_sec) * 1000000000L + (now.tv_nsec - begun->tv_nsec);
    if (spent < wanted) {
        long rest = wanted - spent;
        struct timespec pause = {rest / 1000000000L, rest % 1000000000L};
        nanosleep(&pause, NULL);
    }
}

int fsync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    struct timespec begun;
    clock_gettime(CLOCK_MONOTONIC, &begun);
    int result = real(fd);
    wait_until_floor(&begun);
    return result;
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    struct timespec begun;
    clock_gettime(CLOCK_MONOTONIC, &begun);
    int result = real(fd);
    wait_until_floor(&begun);
    return result;
}
"""

_COMMITS = r"""
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA journal_mode = WAL")
conn.execute("CREATE TABLE IF NOT EXISTS t (x)")
count = 40
begun = time.perf_counter()
for i in range(count):
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO t VALUES (?)", (i,))
    conn.execute("COMMIT")
print((time.perf_counter() - begun) / count * 1000)
"""


def build(out: Path) -> Path | None:
    """Compile the shim into `out`; None when no C compiler is available."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        return None
    source = out / "slow_fsync.c"
    library = out / "slow_fsync.so"
    source.write_text(_SOURCE, encoding="utf-8")
    subprocess.run(
        [compiler, "-shared", "-fPIC", "-O2", "-o", str(library), str(source), "-ldl"],
        check=True,
    )
    return library


def env(shim: Path | None, fsync_ms: float | None) -> dict[str, str]:
    """Extra environment for a child whose fsync lasts at least `fsync_ms` (None: the disk's)."""
    if shim is None or fsync_ms is None:
        return {}
    return {"LD_PRELOAD": str(shim), "BENCH_FSYNC_MS": str(fsync_ms)}


def commit_ms(out: Path, extra: dict[str, str]) -> float:
    """Milliseconds of one raw SQLite commit (WAL, synchronous=FULL) in a child with `extra`."""
    db = out / "commit-probe.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    done = subprocess.run(
        [PYTHON, "-c", _COMMITS, str(db)],
        env=clean_env(**extra),
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.strip())
