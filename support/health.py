"""gRPC health that tells the truth: a watcher probes a server's dependencies and reports NOT_SERVING
while any of them is down, SERVING again once all answer."""

from __future__ import annotations

import asyncio
import logging
import time
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
# A dependency that answers nothing this long is down even though no probe failed (SIGSTOP, a network
# cut): as long as a read through the query service's Redis link waits before it fails.
UNRESPONSIVE_AFTER_S = 5.0


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
    # When the dependency last answered this process's calls (time.monotonic), where the process
    # knows: answers to calls while a probe is slow say the dependency is there and the host is busy.
    last_answer: Callable[[], float] | None = None


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


def redis(client: Redis, last_answer: Callable[[], float] | None = None) -> Dependency:
    async def probe() -> None:
        await client.ping()

    return Dependency("redis", probe, last_answer=last_answer)


class HealthWatcher:
    """Probes every `interval` seconds and sets the health status of "" and each service name.

    A probe that fails (refused, reset, an error) marks its dependency down at once, so an outage is
    told to callers within one interval. A probe that only runs past `timeout` is slow, and a slow
    probe is what a saturated host looks like as much as a hung dependency: it marks the dependency
    down only once the dependency has left this process unanswered for `unresponsive_after` (the
    wait a call through it would meet anyway, the Redis read timeout), counting from the first slow
    probe or the latest answer to a call (`Dependency.last_answer`), whichever is later. Turning
    every caller away sooner refused calls that would have been answered: two slow pings at load 12
    (1 s each) made the query service answer UNAVAILABLE, the gateway 503 (docs/reliability.md)."""

    def __init__(self, servicer: health.aio.HealthServicer, service_names: Sequence[str],
                 dependencies: Sequence[Dependency], *, interval: float = 0.5, timeout: float = 1.0,
                 unresponsive_after: float = UNRESPONSIVE_AFTER_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._servicer = servicer
        self._names = tuple(service_names)
        self._dependencies = tuple(dependencies)
        self._interval = interval
        self._timeout = timeout
        self._unresponsive_after = unresponsive_after
        self._clock = clock
        # Per dependency: since when it has answered neither a probe nor a call (slow probes only).
        self._unanswered_since: dict[str, float] = {}
        self._serving: bool | None = None
        self._down: frozenset[str] = frozenset()
        self._task: asyncio.Task[None] | None = None

    async def _up(self, dependency: Dependency) -> bool:
        name = dependency.name
        sent = self._clock()
        try:
            await asyncio.wait_for(dependency.probe(), self._timeout)
        except TimeoutError:
            since = max(self._unanswered_since.get(name, sent),
                        dependency.last_answer() if dependency.last_answer is not None else 0.0)
            self._unanswered_since[name] = since
            unanswered = self._clock() - since
            log.debug("%s probe slower than %.1f s (unanswered for %.1f s)", name, self._timeout, unanswered)
            outcome = "slow"
            # Down already (a failed probe, or unanswered too long): slow answers do not bring it back.
            up = unanswered < self._unresponsive_after and name not in self._down
        except Exception as exc:  # any failure of a probe means "not available", whatever raised it
            log.debug("%s probe failed: %s", name, exc)
            self._unanswered_since.pop(name, None)
            outcome, up = "failed", False
        else:
            self._unanswered_since.pop(name, None)
            outcome, up = "answered", True
        METRICS.dependency_probes.labels(name, outcome).inc()
        METRICS.dependency_up.labels(name).set(1 if up else 0)
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
