"""Read the YAML files a user names into `Source`s (the shell around `reconciler.spec`).

The only module of the YAML layer that touches the filesystem, kept small so the
language itself stays pure. Files named directly are taken as given, whatever
their extension; directories are searched recursively for `*.yaml` / `*.yml`,
skipping hidden directories and hidden files, in sorted order. Symlinks are
followed, but every directory and file is visited once (by device and inode), so a
symlink loop cannot hang and a file reachable twice is read once. Only regular
files are read (a FIFO could block forever), and at most `MAX_FILE_BYTES`.
Every problem (missing path, unreadable file, too large, no YAML in a directory)
is collected and raised together as one `InputError`.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Sequence

from reconciler.core.errors import InputError, Location, Problem
from reconciler.spec import Source

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 5 * 1024 * 1024
YAML_SUFFIXES = (".yaml", ".yml")


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


def _find_yaml(top: str, problems: list[Problem]) -> list[str]:
    """YAML files under `top`, sorted; hidden entries and revisited directories skipped."""
    found: list[str] = []
    visited: set[tuple[int, int]] = set()

    def unreadable(exc: OSError) -> None:
        problems.append(Problem(Location(exc.filename or top), f"cannot read: {_reason(exc)}"))

    for dirpath, dirnames, filenames in os.walk(top, onerror=unreadable, followlinks=True):
        try:
            info = os.stat(dirpath)
        except OSError as exc:
            unreadable(exc)
            dirnames[:] = []
            continue
        if (info.st_dev, info.st_ino) in visited:
            log.debug("skipping %s: already searched (a symlink loop?)", dirpath)
            dirnames[:] = []
            continue
        visited.add((info.st_dev, info.st_ino))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found.extend(
            os.path.join(dirpath, name)
            for name in filenames
            if not name.startswith(".") and name.lower().endswith(YAML_SUFFIXES)
        )
    return sorted(found)


def _read(label: str) -> bytes:
    """The bytes of one regular file, refusing anything over the size limit."""
    with open(label, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise ValueError("not a regular file")
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    return data


def read_sources(paths: Sequence[str | os.PathLike[str]]) -> list[Source]:
    """Read every YAML file named by `paths` (files, or directories searched recursively).

    Raises `InputError` naming each path that is missing, unreadable, too large, or a
    directory holding no YAML file.
    """
    problems: list[Problem] = []
    labels: list[str] = []
    for path in paths:
        label = os.fspath(path)
        try:
            is_dir = stat.S_ISDIR(os.stat(label).st_mode)
        except OSError as exc:
            problems.append(Problem(Location(label), f"cannot read: {_reason(exc)}"))
            continue
        if not is_dir:
            labels.append(label)
            continue
        before = len(problems)
        found = _find_yaml(label, problems)
        if not found and len(problems) == before:
            problems.append(Problem(Location(label), "no *.yaml or *.yml files in this directory"))
        labels.extend(found)
    sources: list[Source] = []
    seen: set[tuple[int, int]] = set()
    for label in labels:
        try:
            info = os.stat(label)
            if (info.st_dev, info.st_ino) in seen:
                continue
            seen.add((info.st_dev, info.st_ino))
            sources.append(Source(label, _read(label)))
        except OSError as exc:
            problems.append(Problem(Location(label), f"cannot read: {_reason(exc)}"))
        except ValueError as exc:
            problems.append(Problem(Location(label), str(exc)))
    if problems:
        raise InputError(problems)
    return sources
