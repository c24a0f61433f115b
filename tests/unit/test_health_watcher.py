"""Health that tells the truth without crying wolf: an unreachable dependency turns the service
NOT_SERVING at the next probe; one slow answer on a saturated host does not."""

from __future__ import annotations

import asyncio

from grpc_health.v1 import health, health_pb2

from support.health import Dependency, HealthWatcher

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class Redis:
    """A dependency whose next answers the test chooses: 'ok', 'refused' or 'slow'."""

    def __init__(self) -> None:
        self.answer = "ok"

    async def probe(self) -> None:
        if self.answer == "refused":
            raise ConnectionRefusedError("connection refused")
        if self.answer == "slow":
            await asyncio.sleep(1.0)


async def _status(servicer: health.aio.HealthServicer) -> int:
    reply = await servicer.Check(health_pb2.HealthCheckRequest(service="query"), None)
    return reply.status


async def _watching(redis: Redis) -> tuple[HealthWatcher, health.aio.HealthServicer]:
    servicer = health.aio.HealthServicer()
    watcher = HealthWatcher(servicer, ["query"], [Dependency("redis", redis.probe)], timeout=0.05)
    await watcher.check_once()
    return watcher, servicer


async def test_a_refused_probe_turns_the_service_not_serving_at_once_and_an_answer_brings_it_back() -> None:
    redis = Redis()
    watcher, servicer = await _watching(redis)
    assert await _status(servicer) == SERVING

    redis.answer = "refused"
    await watcher.check_once()
    assert await _status(servicer) == NOT_SERVING
    assert watcher.down() == {"redis"}

    redis.answer = "ok"
    await watcher.check_once()
    assert await _status(servicer) == SERVING
    assert watcher.down() == frozenset()


async def test_one_slow_probe_is_load_not_an_outage_but_two_in_a_row_are() -> None:
    redis = Redis()
    watcher, servicer = await _watching(redis)

    redis.answer = "slow"
    await watcher.check_once()
    assert await _status(servicer) == SERVING, "one slow ping must not turn every caller away"

    redis.answer = "ok"
    await watcher.check_once()
    redis.answer = "slow"
    await watcher.check_once()
    assert await _status(servicer) == SERVING, "slow probes count only when they come in a row"

    await watcher.check_once()
    assert await _status(servicer) == NOT_SERVING
    assert watcher.down() == {"redis"}

    await watcher.check_once()
    assert await _status(servicer) == NOT_SERVING, "still slow: still down"
    redis.answer = "ok"
    await watcher.check_once()
    assert await _status(servicer) == SERVING
