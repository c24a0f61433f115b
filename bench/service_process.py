"""One LedgerMesh service in its own process, as a deployment runs them (DESIGN §1):
`python -m bench.service_process <role> '<settings JSON>' '<options JSON>'` prints `READY <port>` and
serves until SIGTERM. Roles: command (optionally with the relay), projector, query, gateway, and
`empty`: a gRPC server with nothing but health checking, the baseline of any gRPC call."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

Stopper = Callable[[], Awaitable[None]]


async def _command(settings: Any, options: dict[str, Any], stop: asyncio.Event) -> tuple[int, list[Stopper]]:
    from command_svc.bootstrap import start_command_server
    from composition.app import Infrastructure
    from composition.audit import start_checkpointer
    from eventlog.bus import EventPublisher, Relay

    infra = await Infrastructure.open(settings)
    server = await start_command_server(infra)
    stoppers: list[Stopper] = [server.stop]
    if options.get("relay"):
        relay = Relay(infra.store, EventPublisher(infra.nc.jetstream(), settings.subject_prefix))
        # The checkpointer too, as `ledgermesh serve command` runs it.
        tasks = [asyncio.create_task(relay.run(stop)), start_checkpointer(infra, stop)]

        async def stop_relay() -> None:
            await asyncio.gather(*tasks, return_exceptions=True)

        stoppers.append(stop_relay)
    stoppers.append(infra.close)
    return server.port, stoppers


async def _projector(settings: Any, options: dict[str, Any], stop: asyncio.Event) -> tuple[int, list[Stopper]]:
    from composition.app import Infrastructure
    from projector.bootstrap import start_projector

    infra = await Infrastructure.open(settings)
    projector = await start_projector(infra, stop)
    return 0, [projector.stop, infra.close]


async def _query(settings: Any, options: dict[str, Any], stop: asyncio.Event) -> tuple[int, list[Stopper]]:
    from composition.app import Infrastructure
    from query_svc.bootstrap import start_query_server

    infra = await Infrastructure.open(settings)
    server = await start_query_server(infra)
    return server.port, [server.stop, infra.close]


async def _gateway(settings: Any, options: dict[str, Any], stop: asyncio.Event) -> tuple[int, list[Stopper]]:
    from composition.app import start_gateway

    server, port, task = await start_gateway(settings, options["command"], options["query"])

    async def stop_gateway() -> None:
        server.should_exit = True
        await task

    return port, [stop_gateway]


async def _empty(settings: Any, options: dict[str, Any], stop: asyncio.Event) -> tuple[int, list[Stopper]]:
    import grpc
    from grpc_health.v1 import health, health_pb2, health_pb2_grpc

    server = grpc.aio.server()
    servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    await servicer.set("", health_pb2.HealthCheckResponse.SERVING)

    async def stop_server() -> None:
        await server.stop(grace=0.5)

    return port, [stop_server]


ROLES = {"command": _command, "projector": _projector, "query": _query, "gateway": _gateway, "empty": _empty}


async def serve(role: str, fields: dict[str, Any], options: dict[str, Any]) -> None:
    from support.settings import Settings

    fields["data_dir"] = Path(str(fields["data_dir"]))
    settings = Settings(**fields)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    port, stoppers = await ROLES[role](settings, options, stop)
    print(f"READY {port}", flush=True)
    try:
        await stop.wait()
    finally:
        for stopper in stoppers:
            await stopper()


if __name__ == "__main__":
    from bench.harness import ensure_import_paths

    ensure_import_paths()
    import logging

    logging.basicConfig(level=logging.WARNING)
    asyncio.run(serve(sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}))
