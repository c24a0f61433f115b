"""`ledgermesh serve command|query|projector|gateway`: one service alone in this process, configured
from the environment (docker-compose runs one container per service this way). The infrastructure
must already be running at DATABASE_URL, NATS_URL and REDIS_URL."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable

from composition.cli import Subcommand, configure_logging
from support.settings import Settings

log = logging.getLogger("ledgermesh.serve")
SERVICES = ("command", "query", "projector", "gateway")
Stopper = Callable[[], Awaitable[None]]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("service", choices=SERVICES)


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    return asyncio.run(_serve(args.service, settings))


async def _serve(service: str, settings: Settings) -> int:
    from support.telemetry import setup_tracing

    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    setup_tracing(settings.with_(service_name=f"ledgermesh-{service}"))
    stoppers = await _start(service, settings, stop)
    log.info("ledgermesh %s serving", service)
    try:
        await stop.wait()
    finally:
        stop.set()
        for stopper in reversed(stoppers):
            await stopper()
    return 0


async def _start(service: str, settings: Settings, stop: asyncio.Event) -> list[Stopper]:
    from composition.app import Infrastructure, start_gateway, start_metrics_endpoint, start_samplers
    from support.telemetry import create_untraced_task

    if service == "gateway":
        server, _, task = await start_gateway(settings, settings.command_target, settings.query_target)

        async def stop_gateway() -> None:
            server.should_exit = True
            await task

        return [stop_gateway]

    infra = await Infrastructure.open(settings)
    stoppers: list[Stopper] = [infra.close]
    tasks: list[asyncio.Task[None]] = []
    if service == "command":
        from command_svc.bootstrap import start_command_server
        from composition.audit import start_checkpointer
        from eventlog.bus import EventPublisher, Relay

        command = await start_command_server(infra)
        stoppers.append(command.stop)
        # The relay runs next to the command service: it is the writer's safety net.
        relay = Relay(infra.store, EventPublisher(infra.nc.jetstream(), settings.subject_prefix))
        tasks += [create_untraced_task(relay.run(stop), name="relay"), *start_samplers(infra, stop, relay, [])]
        # The checkpointer too: it signs the Merkle log outside PostgreSQL (composition.audit).
        tasks.append(start_checkpointer(infra, stop))
        metrics_port = settings.command_metrics_port
    elif service == "query":
        from query_svc.bootstrap import start_query_server

        query = await start_query_server(infra)
        stoppers.append(query.stop)
        metrics_port = settings.query_metrics_port
    else:
        from projector.bootstrap import start_projector

        projector = await start_projector(infra, stop)
        stoppers.append(projector.stop)
        tasks += start_samplers(infra, stop, None, [c.durable for c in projector.consumers])
        metrics_port = settings.projector_metrics_port
    _, stop_metrics = await start_metrics_endpoint(settings.host, metrics_port)

    async def stop_tasks() -> None:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    return [*stoppers, stop_tasks, stop_metrics]


COMMAND = Subcommand(help="Run one service (command, query, projector or gateway) in this process.",
                     run=run, configure=configure)
