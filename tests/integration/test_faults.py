"""Fault injection: under seeded server faults, applies converge exactly, with no duplicate."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import API_KEY, Cli, schedule, write_schedules

from reconciler.sandbox import Sandbox, SandboxConfig

COUNT = 50


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_applies_under_faults_converge_to_exactly_the_declared_set(
    seed: int, tmp_path: Path
) -> None:
    yaml_dir = write_schedules(
        tmp_path / "yaml" / "many.yaml", *(schedule(f"s{i:03d}") for i in range(COUNT))
    ).parent
    faults = SandboxConfig(fault_seed=seed, fault_rate=0.15)
    with Sandbox(api_key=API_KEY, config=faults) as sandbox:
        cli = Cli(
            {
                "TESTSIGMA_API_URL": sandbox.url,
                "TESTSIGMA_API_KEY": API_KEY,
                "RECONCILER_STATE": f"sqlite:///{tmp_path / 'state.db'}",
            },
            cwd=tmp_path,
        )
        outcomes = []
        for _ in range(20):
            result = cli("apply", str(yaml_dir), "--auto-approve", "--parallelism", "8")
            outcomes.append(result.exit_code)
            assert result.exit_code in (0, 1), result.output
            names = [s["name"] for s in sandbox.schedules()]
            assert len(names) == len(set(names)), f"duplicate created (seed {seed})"
            if result.exit_code == 0:
                break
        assert outcomes[-1] == 0, f"never converged under seed {seed}: {outcomes}"
        assert any(r.fault for r in sandbox.requests()), "no fault was injected"
        sandbox.configure(fault_rate=0.0)
        names = sorted(s["name"] for s in sandbox.schedules())
        assert names == [f"s{i:03d}" for i in range(COUNT)]
        listed = cli("state", "list").stdout.splitlines()
        recorded = {line.split("\t")[0]: int(line.split("\t")[1]) for line in listed}
        assert recorded == {s["name"]: s["id"] for s in sandbox.schedules()}
        assert cli("plan", str(yaml_dir), "--detailed-exitcode").exit_code == 0
