"""The loader under coverage-guided fuzzing (atheris), seeded with every fixture."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "fixtures"


#: What libFuzzer writes when an input crashes, leaks, hangs or runs out of memory.
ARTEFACTS = ("crash-", "leak-", "timeout-", "oom-", "slow-unit-")


@pytest.mark.slow
def test_the_loader_survives_coverage_guided_fuzzing(tmp_path: Path) -> None:
    """Exit status 0 and no crash artefact: the loader raised nothing but InputError.

    libFuzzer's own "Done N runs" text is not asserted: N varies with how it
    counts the seed inputs (4016 has been seen for -runs=4000).
    """
    pytest.importorskip("atheris", reason="atheris is not installed (pip install '.[test]')")
    artefacts = tmp_path / "artefacts"
    artefacts.mkdir()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i, path in enumerate(p for p in FIXTURES.rglob("*") if p.is_file()):
        shutil.copy(path, corpus / f"seed-{i}")
    done = subprocess.run(
        [
            sys.executable,
            str(HERE / "atheris_loader.py"),
            "-runs=4000",
            "-seed=1",
            "-max_len=4096",
            f"-artifact_prefix={artefacts}/",
            str(corpus),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    left = [p.name for p in artefacts.iterdir() if p.name.startswith(ARTEFACTS)]
    assert left == [], f"libFuzzer saved failing inputs {left}:\n{done.stderr[-3000:]}"
