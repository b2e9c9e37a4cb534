"""Coverage-guided fuzzing of the YAML loader with atheris (libFuzzer).

Run by tests/fuzz/test_atheris.py for a bounded number of inputs; by hand:
    python tests/fuzz/atheris_loader.py -max_total_time=300 CORPUS_DIR
Any exception other than InputError is a crash: atheris prints it and exits non-zero.
"""

from __future__ import annotations

import contextlib
import sys

import atheris

with atheris.instrument_imports():
    from reconciler.core.errors import InputError
    from reconciler.spec import Source, load_desired


def one_input(data: bytes) -> None:
    with contextlib.suppress(InputError):
        load_desired([Source("fuzz.yaml", data)])


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
