"""gRPC health that tells the truth: a watcher probes a server's dependencies and reports NOT_SERVING
while any of them is down, SERVING again once all answer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from grpc_health.v1 import health, health_pb2
from nats.aio.client import Client as NATS
from opentelemetry.instrumentation.utils import suppress_instrumentation
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from redis.asyncio import Redis

from support.cancellation import cancel_and_wait
from support.metrics import METRICS
from support.telemetry import create_untraced_task

log = logging.getLogger(__name__)

# A probe runs at most `timeout` (1 s); a stopping server does not wait on the watcher longer than this.
_STOP_WAIT_S = 2.0


class DependencyDown(ConnectionError):
    """A probe found its dependency unreachable."""


@dataclass(frozen=True)
class Dependency:
    """Something a server cannot serve without, and a cheap way to ask whether it is there."""

    name: str
    probe: Callable[[], Awaitable[None]]
    # Calls fail fast (UNAVAILABLE) while a required dependency is down; the command service keeps
    # committing while NATS is away (the relay publishes later), so NATS is not required there.
    required: bool = True


def postgres(pool: AsyncConnectionPool, timeout: float = 1.0) -> Dependency:
    async def probe() -> None:
        try:
            async with pool.connection(timeout=timeout) as conn:
                await conn.execute("SELECT 1")
        except PoolTimeout as exc:  # every connection busy for `timeout`: slow, not necessarily down
            raise TimeoutError(str(exc)) from exc

    return Dependency("postgresql", probe)


def nats(nc: NATS, *, required: bool = True) -> Dependency:
    async def probe() -> None:
        if not nc.is_connected:
            raise DependencyDown("NATS connection is not established")

    return Dependency("nats", probe, required)


def redis(client: Redis) -> Dependency:
    async def probe() -> None:
        await client.ping()

    return Dependency("redis", probe)


class HealthWatcher:
    """Probes every `interval` seconds and sets the health status of "" and each service name.

    A probe that fails (refused, reset, an error) marks its dependency down at once, so an outage is
    told to callers within one interval. A probe that only runs past `timeout` marks it down when
    `slow_probes_to_down` of them come in a row: on a saturated host one slow ping is the host's
    load, not the dependency's absence, and turning every caller away for it would be the outage."""

    def __init__(self, servicer: health.aio.HealthServicer, service_names: Sequence[str],
                 dependencies: Sequence[Dependency], *, interval: float = 0.5, timeout: float = 1.0,
                 slow_probes_to_down: int = 2) -> None:
        self._servicer = servicer
        self._names = tuple(service_names)
        self._dependencies = tuple(dependencies)
        self._interval = interval
        self._timeout = timeout
        self._slow_probes_to_down = slow_probes_to_down
        self._slow_in_a_row: dict[str, int] = {}
        self._serving: bool | None = None
        self._down: frozenset[str] = frozenset()
        self._task: asyncio.Task[None] | None = None

    async def _up(self, dependency: Dependency) -> bool:
        try:
            await asyncio.wait_for(dependency.probe(), self._timeout)
        except TimeoutError:
            slow = self._slow_in_a_row.get(dependency.name, 0) + 1
            self._slow_in_a_row[dependency.name] = slow
            log.debug("%s probe slower than %.1f s (%d in a row)", dependency.name, self._timeout, slow)
            up = slow < self._slow_probes_to_down and dependency.name not in self._down
        except Exception as exc:  # any failure of a probe means "not available", whatever raised it
            log.debug("%s probe failed: %s", dependency.name, exc)
            self._slow_in_a_row[dependency.name] = 0
            up = False
        else:
            self._slow_in_a_row[dependency.name] = 0
            up = True
        METRICS.dependency_up.labels(dependency.name).set(1 if up else 0)
        return up

    async def check_once(self) -> bool:
        results = await asyncio.gather(*(self._up(d) for d in self._dependencies))
        serving = all(results)
        down = [d.name for d, up in zip(self._dependencies, results, strict=True) if not up]
        self._down = frozenset(down)
        if serving != self._serving:
            if serving:
                log.info("dependencies back; %s SERVING", ", ".join(self._names))
            else:
                log.warning("%s down; %s NOT_SERVING", ", ".join(down), ", ".join(self._names))
            await set_serving(self._servicer, self._names, serving)
            self._serving = serving
        return serving

    def down(self) -> frozenset[str]:
        """The dependencies the last check found unreachable."""
        return self._down

    def required_down(self) -> frozenset[str]:
        """The required dependencies the last check found unreachable (asked at every call)."""
        if not self._down:
            return frozenset()
        return frozenset(d.name for d in self._dependencies if d.required and d.name in self._down)

    async def _run(self) -> None:
        while True:
            await self.check_once()
            await asyncio.sleep(self._interval)

    async def start(self) -> HealthWatcher:
        """Check once (so the server starts with a true status), then keep watching."""
        with suppress_instrumentation():
            await self.check_once()
        self._task = create_untraced_task(self._run(), name=f"health-{self._names[0] if self._names else ''}")
        return self

    async def stop(self) -> None:
        if self._task is not None:
            await cancel_and_wait([self._task], _STOP_WAIT_S, f"health watcher of {', '.join(self._names)}")


async def set_serving(health_servicer: health.aio.HealthServicer, names: Sequence[str], serving: bool) -> None:
    status = health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
    for name in ("", *names):
        await health_servicer.set(name, status)
