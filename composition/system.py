"""The one wiring of LedgerMesh. A process runs some parts of the system: all of them for `ledgermesh up`
and the end-to-end tests, one service for `ledgermesh serve <service>` (docker-compose) and for each
benchmark process. Whatever runs, it is connected here and nowhere else."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta

from composition.audit import start_checkpointer
from composition.command import CountingPublisher, idempotency_keys, start_command_server
from composition.gateway import start_gateway
from composition.infrastructure import Infrastructure
from composition.projector import start_projector
from composition.query import start_query_server
from eventlog.bus import EventPublisher, Relay
from projector.reconcile import reconcile_periodically
from support.cancellation import cancel_and_wait
from support.metrics import projection_pending_sampler, relay_backlog_sampler, sample_every, serve_metrics
from support.settings import Settings
from support.telemetry import create_untraced_task

Stopper = Callable[[], Awaitable[None]]

# The background tasks are cancelled once the servers have stopped; one that has not ended after this
# is logged and left behind: a stop that can hang is an outage of its own.
_BACKGROUND_STOP_S = 5.0


@dataclass(frozen=True)
class Parts:
    """Which parts of LedgerMesh run in this process."""

    command: bool = False
    # Republishes what the command service committed but did not publish: the writer's safety net.
    relay: bool = False
    query: bool = False
    projector: bool = False
    gateway: bool = False
    # Balances recomputed from the log now and then, differences logged (`ledgermesh up`).
    reconciliation: bool = False

    @property
    def uses_infrastructure(self) -> bool:
        return self.command or self.relay or self.query or self.projector or self.reconciliation

    def metrics_port(self, settings: Settings) -> int | None:
        """Where this process serves Prometheus /metrics: one registry for all its parts. A gateway alone
        serves /metrics on its own HTTP port."""
        if self.projector:
            return settings.projector_metrics_port
        if self.command or self.relay:
            return settings.command_metrics_port
        if self.query:
            return settings.query_metrics_port
        return None


EVERYTHING = Parts(command=True, relay=True, query=True, projector=True, gateway=True)
UP = replace(EVERYTHING, reconciliation=True)
# Everything behind the gateway, for whoever talks gRPC to it directly.
BACKEND = replace(EVERYTHING, gateway=False)
# `ledgermesh serve <service>`: one service per process; the relay runs next to the command service.
SERVICES: dict[str, Parts] = {
    "command": Parts(command=True, relay=True),
    "query": Parts(query=True),
    "projector": Parts(projector=True),
    "gateway": Parts(gateway=True),
}


@dataclass
class RunningSystem:
    """The parts of LedgerMesh running in this process, with the ports they bound (0 when not running)."""

    _infra: Infrastructure | None
    _stop: asyncio.Event
    command_port: int = 0
    query_port: int = 0
    gateway_port: int = 0
    metrics_port: int = 0
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _closers: list[Stopper] = field(default_factory=list)

    @property
    def infra(self) -> Infrastructure:
        if self._infra is None:
            raise RuntimeError("no part running in this process uses the infrastructure")
        return self._infra

    async def stop(self) -> None:
        self._stop.set()
        for closer in reversed(self._closers):
            await closer()
        await cancel_and_wait(self._tasks, _BACKGROUND_STOP_S, "background tasks")
        if self._infra is not None:
            await self._infra.close()


async def start_system(settings: Settings, parts: Parts = EVERYTHING) -> RunningSystem:
    """Start `parts` in this process; ports 0 in settings pick free ones. A gateway calls the command and
    query services of this process when they run here, else settings.command_target / query_target."""
    infra = await Infrastructure.open(settings) if parts.uses_infrastructure else None
    stop = asyncio.Event()
    system = RunningSystem(infra, stop)
    try:
        command_target, query_target = settings.command_target, settings.query_target
        durables: list[str] = []
        if infra is not None:
            # One publisher per process: the relay skips what the command service's fast path published.
            publisher = EventPublisher(infra.nc.jetstream(), settings.subject_prefix)
            if parts.command:
                fast_path = CountingPublisher(publisher)
                # Closers run last first: the server stops taking commands, then the queue is sent.
                system._closers.append(fast_path.close)
                keys = idempotency_keys(infra)
                await keys.beat()
                system._tasks.append(create_untraced_task(keys.keep_alive(stop), name="idempotency-heartbeat"))
                command = await start_command_server(infra, fast_path, keys)
                system._closers.append(command.stop)
                system.command_port = command.port
                command_target = f"127.0.0.1:{command.port}"
            if parts.query:
                query = await start_query_server(infra)
                system._closers.append(query.stop)
                system.query_port = query.port
                query_target = f"127.0.0.1:{query.port}"
            if parts.projector:
                projector = await start_projector(infra, stop)
                system._closers.append(projector.stop)
                durables = projector.durables
            system._tasks += _background_tasks(infra, parts, stop, durables, publisher)
        metrics_port = parts.metrics_port(settings)
        if metrics_port is not None:
            system.metrics_port, stop_metrics = _start_metrics_endpoint(settings.host, metrics_port)
            system._closers.append(stop_metrics)
        if parts.gateway:
            gateway = await start_gateway(settings, command_target, query_target)
            system._closers.append(gateway.stop)
            system.gateway_port = gateway.port
    except BaseException:
        # Whatever started before the failure is stopped again; nothing is left listening.
        await system.stop()
        raise
    return system


def _background_tasks(infra: Infrastructure, parts: Parts, stop: asyncio.Event, durables: list[str],
                      publisher: EventPublisher) -> list[asyncio.Task[None]]:
    """The relay and the Merkle checkpointer, the reconciliation, and the gauges read from the outside every second: relay backlog,
    projection consumers' pending events."""
    s = infra.settings
    tasks = []
    if parts.relay:
        # Next to a command service, what it committed this last second its fast path is still sending.
        relay = Relay(infra.store, publisher, grace=timedelta(seconds=1) if parts.command else timedelta(0))
        tasks.append(create_untraced_task(relay.run(stop), name="relay"))
        tasks.append(create_untraced_task(sample_every(1.0, stop, relay_backlog_sampler(relay))))
        # Next to the relay: it signs the Merkle log over what the relay sees committed, outside PostgreSQL.
        tasks.append(start_checkpointer(infra, stop))
    if durables:
        sampler = projection_pending_sampler(infra.nc.jetstream(), s.stream_name, durables)
        tasks.append(create_untraced_task(sample_every(1.0, stop, sampler)))
    if parts.reconciliation:
        tasks.append(asyncio.create_task(reconcile_periodically(infra.store, infra.redis, s.redis_prefix, stop)))
    return tasks


def _start_metrics_endpoint(host: str, port: int) -> tuple[int, Stopper]:
    """Prometheus /metrics on host:port (0 picks a free port); returns (port, async stop)."""
    server, bound = serve_metrics(host, port)

    async def stop() -> None:
        await asyncio.to_thread(server.shutdown)
        server.server_close()

    return bound, stop
