"""Composition of the whole system in one process (the embedded default and the tests). Each
service also runs alone through `ledgermesh serve <service>` (docker-compose does that)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path

import nats
import uvicorn
from nats.aio.client import Client as NATS
from psycopg_pool import AsyncConnectionPool
from redis.asyncio import Redis

from composition.audit import start_checkpointer
from eventlog.bus import EventPublisher, Relay, connect, ensure_stream
from eventlog.integrity import Signer
from eventlog.migrations import migrate
from eventlog.store import EventStore
from support.settings import Settings
from support.telemetry import create_untraced_task

log = logging.getLogger(__name__)


def load_signer(settings: Settings) -> Signer:
    """The signing key from settings, else from the data folder (created once, kept)."""
    if settings.signing_key_hex:
        return Signer.from_seed_hex(settings.signing_key_hex)
    path = Path(settings.data_dir) / "signing_key.hex"
    if path.exists():
        return Signer.from_seed_hex(path.read_text().strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    key = Ed25519PrivateKey.generate()
    path.write_text(key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()).hex())
    path.chmod(0o600)
    (path.parent / "signing_key.pub.pem").write_text(Signer(key).public_key_pem())
    return Signer(key)


async def open_pool(settings: Settings, *, min_size: int = 2, max_size: int = 20) -> AsyncConnectionPool:
    if not settings.database_url:
        raise ValueError("DATABASE_URL is not set")
    pool = AsyncConnectionPool(
        settings.database_url, min_size=min_size, max_size=max_size, open=False,
        kwargs={"options": f"-c search_path={settings.db_schema}", "autocommit": True},
    )
    async with await _raw_connection(settings) as conn:
        await migrate(conn, settings.db_schema)
    await pool.open(wait=True, timeout=15)
    return pool


async def _raw_connection(settings: Settings):  # type: ignore[no-untyped-def]
    import psycopg

    assert settings.database_url
    return await psycopg.AsyncConnection.connect(settings.database_url, autocommit=True)


@dataclass
class Infrastructure:
    """Connections every in-process service shares."""

    settings: Settings
    pool: AsyncConnectionPool
    nc: NATS
    redis: Redis
    signer: Signer
    store: EventStore = field(init=False)

    def __post_init__(self) -> None:
        self.store = EventStore(self.pool, self.signer)

    @classmethod
    async def open(cls, settings: Settings) -> Infrastructure:
        pool = await open_pool(settings)
        assert settings.nats_url and settings.redis_url
        nc = await connect(settings.nats_url, name=settings.service_name)
        await ensure_stream(
            nc.jetstream(), settings.stream_name, settings.subject_prefix, settings.dedup_window_seconds,
            settings.stream_replicas,
        )
        redis = Redis.from_url(settings.redis_url, decode_responses=True)
        return cls(settings, pool, nc, redis, load_signer(settings))

    async def close(self) -> None:
        await self.nc.close()
        await self.redis.aclose()
        await self.pool.close()


@dataclass
class RunningSystem:
    """Every LedgerMesh service in this process, with the ports they bound."""

    infra: Infrastructure
    command_port: int
    query_port: int
    gateway_port: int
    _stop: asyncio.Event
    _tasks: list[asyncio.Task[None]]
    _closers: list[object]
    # Prometheus /metrics of the whole process (0 until bound).
    metrics_port: int = 0

    async def stop(self) -> None:
        self._stop.set()
        for closer in reversed(self._closers):
            await closer()  # type: ignore[operator]
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.infra.close()


async def start_system(settings: Settings, *, gateway: bool = True) -> RunningSystem:
    """Start command, query, projector, relay and (optionally) the gateway; ports 0 pick free ones."""
    from command_svc.bootstrap import start_command_server
    from projector.bootstrap import start_projector
    from query_svc.bootstrap import start_query_server

    infra = await Infrastructure.open(settings)
    stop = asyncio.Event()
    closers: list[object] = []
    tasks: list[asyncio.Task[None]] = []
    system = RunningSystem(infra, 0, 0, 0, stop, tasks, closers)
    try:
        command = await start_command_server(infra)
        closers.append(command.stop)
        system.command_port = command.port
        query = await start_query_server(infra)
        closers.append(query.stop)
        system.query_port = query.port
        projector = await start_projector(infra, stop)
        closers.append(projector.stop)
        relay = Relay(infra.store, EventPublisher(infra.nc.jetstream(), settings.subject_prefix))
        tasks.append(create_untraced_task(relay.run(stop), name="relay"))
        tasks.append(start_checkpointer(infra, stop))
        tasks.extend(start_samplers(infra, stop, relay, [c.durable for c in projector.consumers]))
        system.metrics_port, stop_metrics = await start_metrics_endpoint(settings.host, settings.projector_metrics_port)
        closers.append(stop_metrics)
        if gateway:
            server, system.gateway_port, gateway_task = await start_gateway(
                settings, f"127.0.0.1:{command.port}", f"127.0.0.1:{query.port}"
            )

            async def stop_gateway() -> None:
                server.should_exit = True
                await gateway_task

            closers.append(stop_gateway)
    except BaseException:
        # Whatever started before the failure is stopped again; nothing is left listening.
        await system.stop()
        raise
    return system


def start_samplers(infra: Infrastructure, stop: asyncio.Event, relay: Relay | None,
                   durables: list[str]) -> list[asyncio.Task[None]]:
    """Gauges read from the outside every second: relay backlog, projection consumers' pending events."""
    from support.metrics import projection_pending_sampler, relay_backlog_sampler, sample_every

    tasks = []
    if relay is not None:
        tasks.append(create_untraced_task(sample_every(1.0, stop, relay_backlog_sampler(relay))))
    if durables:
        sampler = projection_pending_sampler(infra.nc.jetstream(), infra.settings.stream_name, durables)
        tasks.append(create_untraced_task(sample_every(1.0, stop, sampler)))
    return tasks


async def start_metrics_endpoint(host: str, port: int):  # type: ignore[no-untyped-def]
    """Prometheus /metrics on host:port (0 picks a free port); returns (port, async stop)."""
    from support.metrics import serve_metrics

    server, bound = serve_metrics(host, port)

    async def stop() -> None:
        await asyncio.to_thread(server.shutdown)
        server.server_close()

    return bound, stop


async def start_gateway(settings: Settings, command_target: str, query_target: str):  # type: ignore[no-untyped-def]
    from gateway.app import GatewayServer, create_app
    from support.metrics import install_http_metrics
    from support.telemetry import instrument_gateway

    app = create_app(command_target, query_target, settings)
    install_http_metrics(app)
    instrument_gateway(app)
    config = uvicorn.Config(app, host=settings.host, port=settings.gateway_port, log_level="warning",
                            lifespan="on", access_log=False)
    server = GatewayServer(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise OSError("gateway failed to start")
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, port, task


async def serve_all(settings: Settings, stop: asyncio.Event) -> None:
    """`ledgermesh up`: run everything until `stop` is set."""
    from support.telemetry import setup_tracing

    setup_tracing(settings)
    system = await start_system(settings)
    from projector.reconcile import reconcile_periodically

    reconciliation = asyncio.create_task(
        reconcile_periodically(system.infra.store, system.infra.redis, settings.redis_prefix, stop))
    try:
        from composition.dev_account import ensure_dev_account

        await ensure_dev_account(settings, system)
        await stop.wait()
    finally:
        reconciliation.cancel()
        await asyncio.gather(reconciliation, return_exceptions=True)
        await system.stop()


__all__ = ["Infrastructure", "RunningSystem", "start_system", "serve_all", "nats"]
