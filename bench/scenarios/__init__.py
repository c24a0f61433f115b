"""The scenarios of issue 7, in the order a full run measures them (lag uses the command rate)."""

from __future__ import annotations

from bench.model import Scenario
from bench.scenarios import (
    command,
    embedded_rest,
    fair_limits,
    hot_merchant,
    lag,
    queries,
    rebuild,
    scale,
    webhooks,
)

SCENARIOS: dict[str, Scenario] = {
    s.name: s for s in (command.SCENARIO, hot_merchant.SCENARIO, embedded_rest.SCENARIO, lag.SCENARIO,
                        queries.SCENARIO, rebuild.SCENARIO, webhooks.SCENARIO, scale.SCENARIO, fair_limits.SCENARIO)
}
