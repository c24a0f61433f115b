"""The projector through a Redis outage longer than its retry window: nothing stops, nothing is
dead-lettered because Redis was away, and the read models catch up by themselves once it is back.
Redis here is a Valkey the test starts (and stops) itself; never the machine's shared one."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from composition import servers
from composition.servers import RunningServer
from projector.dead_letters import dead_letters
from projector.lag import lag_report
from projector.projections import all_projections
from projector.rebuild import rebuild
from support.settings import Settings
from tests.conftest import eventually
from tests.integration.projections_support import Stack, stack  # noqa: F401 - fixture
from tests.servers import temp_folder

log = logging.getLogger(__name__)


class OwnRedis:
    """A Valkey with its data on disk (append-only), stopped and started again on the same port."""

    def __init__(self, folder: Path) -> None:
        self._data = folder / "data"
        self._server: RunningServer | None = servers.start_valkey(self._data, append_only=True)
        self.port = self._server.port
        self.url = self._server.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def start(self) -> None:
        self._server = servers.start_valkey(self._data, self.port, append_only=True)
        assert self._server.port == self.port


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    folder = temp_folder("lm-valkey-outage-")
    redis = OwnRedis(folder)
    try:
        yield redis
    finally:
        redis.stop()


@pytest.fixture
def settings(settings: Settings, own_redis: OwnRedis) -> Settings:
    return settings.with_(redis_url=own_redis.url)


async def _charges(stack: Stack, count: int) -> list[str]:
    merchant = await stack.merchant()
    return [(await stack.charge(merchant, 1_000 + i)).charge.id for i in range(count)]


async def test_redis_down_past_the_retry_window_stops_nothing_and_projections_resume_by_themselves(
        stack: Stack, own_redis: OwnRedis) -> None:
    stack.start_projector()
    await _charges(stack, 3)
    await stack.settle()

    own_redis.stop()
    # Commands keep committing to the log while the read models' Redis is away.
    during = await _charges(stack, 5)
    worker = stack.workers[0]

    async def reported() -> str | None:
        problem = worker.problem_of("charges")
        return problem.reason if problem and "Redis" in problem.reason else None

    reason = await eventually(reported, timeout=15, message="the worker never said why it is stuck")
    assert "cannot write to Redis" in reason
    # Longer than every delivery the consumer allows an event (max_deliver x backoff) and its ack wait.
    outage = stack.options.max_deliver * max(stack.options.backoff) + stack.options.ack_wait + 1.0
    await asyncio.sleep(outage)
    assert not any(task.done() for task in stack.consumer_tasks), "a projector task ended during the outage"

    own_redis.start()
    back = time.monotonic()
    await stack.settle(timeout=30)
    log.info("projections caught up %.2fs after Redis returned", time.monotonic() - back)

    redis = stack.infra.redis
    for charge_id in during:
        assert await redis.hget(f"{stack.prefix}charge:{charge_id}", "status") == "succeeded"
    for projection in all_projections():
        assert await dead_letters(redis, stack.prefix, projection.name) == [], projection.name
        result = await rebuild(stack.infra.store, redis, stack.prefix, projection, dry_run=True)
        assert result.diff.differences == 0, (projection.name, result.diff.examples)
        assert result.build.events == await stack.event_count()

    async def healthy_again() -> list[str] | None:
        rows = await lag_report(stack.infra.store, redis, stack.prefix)
        return [r.name for r in rows] if all(r.healthy and not r.problem and r.behind == 0 for r in rows) else None

    await eventually(healthy_again, timeout=10, message="`ledgermesh lag` still reports a problem")


async def test_a_projector_stopped_while_redis_is_down_loses_nothing_once_restarted(
        stack: Stack, own_redis: OwnRedis) -> None:
    stack.start_projector()
    await _charges(stack, 2)
    await stack.settle()

    own_redis.stop()
    during = await _charges(stack, 3)
    worker = stack.workers[0]

    async def retrying() -> bool:
        problem = worker.problem_of("charges")
        return bool(problem and "Redis" in problem.reason)

    await eventually(retrying, timeout=15, message="the worker never noticed Redis was down")
    # A clean stop in the middle of the retries acknowledges nothing it could not write.
    await stack.stop_projector()
    own_redis.start()
    stack.start_projector()
    await stack.settle(timeout=30)

    for charge_id in during:
        assert await stack.infra.redis.hget(f"{stack.prefix}charge:{charge_id}", "status") == "succeeded"
    for projection in all_projections():
        result = await rebuild(stack.infra.store, stack.infra.redis, stack.prefix, projection, dry_run=True)
        assert result.diff.differences == 0, (projection.name, result.diff.examples)
