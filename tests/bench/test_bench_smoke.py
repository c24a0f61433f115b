"""Every bench scenario runs end to end at its smallest size and produces the numbers its table needs.
Timings are never asserted here: performance is judged by `python -m bench`, not by tests."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bench import report
from bench.cli import run_scenario
from bench.harness import Servers
from bench.model import RunContext, Size
from bench.scenarios import SCENARIOS


@pytest.fixture
def bench_context(server_urls: dict[str, str]) -> RunContext:
    servers = Servers(server_urls["database"], server_urls["redis"], server_urls["nats"])
    return RunContext(servers, Size.SMOKE)


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_scenario_runs_at_smoke_size_and_reports_every_table_metric(
    name: str, bench_context: RunContext, tmp_path: Path
) -> None:
    scenario = SCENARIOS[name]

    result = await run_scenario(scenario, bench_context, runs=1)

    if result.not_measured:
        # Only a missing feature may excuse a scenario, and the table must say so instead of a number.
        assert name == "webhooks" and "not built" in result.not_measured
        table = report.markdown([result], report.environment("smoke", 1))
        assert "TODO: not measured" in table
        return
    assert not result.failures, result.failures
    assert len(result.runs) == 1
    summary = result.summary()
    for row in scenario.rows:
        for key in (row.metric, row.baseline):
            if key is None or (key == row.baseline and row.baseline_optional and key not in summary):
                continue
            assert key in summary, f"{name}: no {key}"
            assert not math.isnan(summary[key]["median"]), f"{name}: {key} is NaN"
    json_path, md_path = report.write([result], report.environment("smoke", 1), tmp_path)
    assert json_path.exists() and name in md_path.read_text()
