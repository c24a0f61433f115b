"""Health that tells the truth without crying wolf: an unreachable dependency turns the service
NOT_SERVING at the next probe; slow answers on a saturated host do not, unless the dependency has
answered nothing at all for the unresponsive bound (a paused or cut-off server)."""

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


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _watching(redis: Redis, clock: Clock | None = None, last_answer: Clock | None = None
                    ) -> tuple[HealthWatcher, health.aio.HealthServicer]:
    servicer = health.aio.HealthServicer()
    watcher = HealthWatcher(servicer, ["query"], [Dependency("redis", redis.probe, last_answer=last_answer)],
                            timeout=0.05, unresponsive_after=5.0, clock=clock or Clock())
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


async def test_slow_probes_are_load_not_an_outage_until_nothing_has_answered_for_the_bound() -> None:
    redis, clock = Redis(), Clock()
    watcher, servicer = await _watching(redis, clock)

    redis.answer = "slow"
    for _ in range(3):  # 0, 1.5, 3.0 s after the first slow probe was sent
        await watcher.check_once()
        assert await _status(servicer) == SERVING, "slow pings on a busy host must not turn every caller away"
        clock.now += 1.5
    await watcher.check_once()  # 4.5 s
    assert await _status(servicer) == SERVING

    clock.now += 1.5  # 6 s without an answer: paused or cut off, not slow
    await watcher.check_once()
    assert await _status(servicer) == NOT_SERVING
    assert watcher.down() == {"redis"}

    clock.now += 1.5
    await watcher.check_once()
    assert await _status(servicer) == NOT_SERVING, "still silent: still down"
    redis.answer = "ok"
    await watcher.check_once()
    assert await _status(servicer) == SERVING


async def test_an_answered_probe_starts_the_silence_again() -> None:
    redis, clock = Redis(), Clock()
    watcher, servicer = await _watching(redis, clock)
    redis.answer = "slow"
    await watcher.check_once()
    clock.now += 4.0
    redis.answer = "ok"
    await watcher.check_once()
    redis.answer = "slow"
    for _ in range(3):
        clock.now += 1.5
        await watcher.check_once()
    assert await _status(servicer) == SERVING, "4.5 s of slow probes since the last answer"


async def test_slow_probes_while_calls_are_answered_keep_the_service_serving() -> None:
    redis, clock = Redis(), Clock()
    answered = Clock()
    watcher, servicer = await _watching(redis, clock, last_answer=answered)
    redis.answer = "slow"
    for _ in range(10):
        clock.now += 1.5
        answered.now = clock.now - 0.2  # the calls of a saturated host: slow, but answered
        await watcher.check_once()
        assert await _status(servicer) == SERVING

    # The calls stop being answered too: down once nothing has come back for the bound.
    for _ in range(4):
        clock.now += 1.5
        await watcher.check_once()
    assert await _status(servicer) == NOT_SERVING


async def test_a_slow_probe_does_not_bring_back_a_dependency_that_refused() -> None:
    redis = Redis()
    watcher, servicer = await _watching(redis)
    redis.answer = "refused"
    await watcher.check_once()
    redis.answer = "slow"
    await watcher.check_once()
    assert await _status(servicer) == NOT_SERVING
