"""Operating through data loss: after Redis lost everything and `rebuild all` restored the read models,
`lag` and `reconcile` tell the truth at once, without waiting for the next event to move a position."""

from __future__ import annotations

from projector.lag import lag_report
from projector.projections import all_projections
from projector.rebuild import head_position, rebuild_many
from projector.reconcile import reconcile
from tests.integration.projections_support import Stack, stack  # noqa: F401 - fixture
from tests.integration.test_projections_ops import _traffic


async def test_after_a_flush_and_a_rebuild_lag_is_healthy_and_reconcile_finds_no_difference(stack: Stack) -> None:
    stack.start_projector()
    await _traffic(stack)
    await stack.settle()
    await stack.stop_projector()
    async for key in stack.infra.redis.scan_iter(match=stack.prefix + "*", count=1000):
        await stack.infra.redis.delete(key)

    results = await rebuild_many(stack.infra.store, stack.infra.redis, stack.prefix, all_projections())
    assert all(r.switched and r.build.failed == 0 for r in results)

    head = await head_position(stack.infra.store)
    rows = await lag_report(stack.infra.store, stack.infra.redis, stack.prefix)
    assert [(r.name, r.behind, r.healthy) for r in rows] == [(p.name, 0, True) for p in all_projections()]
    assert all(r.position == head for r in rows if r.name == "balance"), rows
    reconciled = await reconcile(stack.infra.store, stack.infra.redis, stack.prefix)
    assert reconciled.upto_position == head
    assert reconciled.balances > 0 and reconciled.differences == []


async def test_a_projection_stuck_behind_the_log_is_still_reported_unhealthy(stack: Stack) -> None:
    await _traffic(stack)  # no projector: nothing applied, nothing rebuilt
    rows = await lag_report(stack.infra.store, stack.infra.redis, stack.prefix)
    assert all(r.behind > 0 and not r.healthy for r in rows), rows
