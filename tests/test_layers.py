"""The layer contracts bite: a forbidden import in a copy of the package breaks lint-imports.

Each test copies `reconciler/` and the project's import-linter configuration
(pyproject.toml) to a temporary directory, plants one forbidden import, and
runs lint-imports against the copy (PYTHONPATH points at it). The untouched
copy passes, so a failure is the planted import and nothing else.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENGINE_MODULES = sorted(
    p.stem for p in (ROOT / "reconciler" / "engine").glob("*.py") if p.stem != "__init__"
)
FUTURE = "from __future__ import annotations\n"


def lint_imports_exe() -> str:
    found = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("lint-imports (import-linter) is not installed: pip install '.[test]'")
    return found


def copy_of_the_package(tmp_path: Path) -> Path:
    shutil.copytree(
        ROOT / "reconciler", tmp_path / "reconciler", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def plant(root: Path, module: str, line: str) -> None:
    """Add `line` as the first import of reconciler/<module>.py (after the __future__ one)."""
    path = root / "reconciler" / f"{module.replace('.', '/')}.py"
    text = path.read_text(encoding="utf-8")
    assert FUTURE in text, f"{path} has no `{FUTURE.strip()}` to plant after"
    path.write_text(text.replace(FUTURE, FUTURE + line + "\n", 1), encoding="utf-8")


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root), "NO_COLOR": "1"}
    return subprocess.run(
        [lint_imports_exe(), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def broken(output: str) -> set[str]:
    return set(re.findall(r"^(.+?) BROKEN$", output, flags=re.MULTILINE))


PURE = "The pure core does no I/O and starts no threads"
LAYERS = "Layers: imports only go down"
SANDBOX = "The sandbox imports nothing else from reconciler"


def test_the_untouched_copy_keeps_every_contract(tmp_path: Path) -> None:
    result = lint(copy_of_the_package(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert broken(result.stdout) == set()
    assert "Analyzed" in result.stdout


@pytest.mark.parametrize("forbidden", ["httpx", "time"])
def test_an_engine_module_doing_io_breaks_the_pure_core_contract(
    tmp_path: Path, forbidden: str
) -> None:
    """Planted in every engine module at once: each one is named in the report."""
    root = copy_of_the_package(tmp_path)
    for module in ENGINE_MODULES:
        plant(root, f"engine.{module}", f"import {forbidden}")
    result = lint(root)
    assert result.returncode != 0, result.stdout
    assert broken(result.stdout) == {PURE}
    assert f"reconciler.engine is not allowed to import {forbidden}:" in result.stdout
    for module in ENGINE_MODULES:
        assert f"reconciler.engine.{module} -> {forbidden} " in result.stdout


def test_an_engine_module_importing_the_app_layer_breaks_the_layers(tmp_path: Path) -> None:
    root = copy_of_the_package(tmp_path)
    plant(root, "engine.safety", "from reconciler.app import settings  # noqa")
    result = lint(root)
    assert result.returncode != 0, result.stdout
    assert LAYERS in broken(result.stdout)
    assert "reconciler.engine is not allowed to import reconciler.app:" in result.stdout
    assert "reconciler.engine.safety -> reconciler.app.settings" in result.stdout


def test_the_sandbox_importing_the_product_breaks_its_independence(tmp_path: Path) -> None:
    root = copy_of_the_package(tmp_path)
    plant(root, "sandbox.api", "from reconciler.core import errors  # noqa")
    result = lint(root)
    assert result.returncode != 0, result.stdout
    assert broken(result.stdout) == {SANDBOX}
    assert "reconciler.sandbox.api -> reconciler.core.errors" in result.stdout


def test_importing_the_sandbox_loads_nothing_else_from_reconciler() -> None:
    """At run time too (lazy imports included): the emulator stands apart from the product."""
    code = (
        "import sys, reconciler.sandbox, reconciler.sandbox.__main__\n"
        "print('\\n'.join(sorted(m for m in sys.modules if m.startswith('reconciler'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = done.stdout.split()
    assert "reconciler.sandbox.server" in loaded
    others = [m for m in loaded if m != "reconciler" and not m.startswith("reconciler.sandbox")]
    assert others == []


def test_no_sandbox_source_names_another_reconciler_package() -> None:
    pattern = re.compile(r"^\s*(?:from|import)\s+reconciler\.(?!sandbox\b)(\w+)", re.MULTILINE)
    offenders = {
        str(path.relative_to(ROOT)): pattern.findall(path.read_text(encoding="utf-8"))
        for path in (ROOT / "reconciler" / "sandbox").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
