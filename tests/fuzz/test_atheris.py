"""The loader under coverage-guided fuzzing (atheris), seeded with every fixture."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "fixtures"


def test_the_loader_survives_coverage_guided_fuzzing(tmp_path: Path) -> None:
    pytest.importorskip("atheris", reason="atheris is not installed (pip install '.[test]')")
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
            f"-artifact_prefix={tmp_path}/",
            str(corpus),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Done 4000 runs" in done.stderr
