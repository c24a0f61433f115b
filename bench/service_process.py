"""One LedgerMesh service in its own process, as a deployment runs them (DESIGN §1):
`python -m bench.service_process <role> '<settings JSON>' '<options JSON>'` prints `READY <port>` and
serves until SIGTERM. Roles: command (optionally with the relay), projector, query, gateway, wired by
composition.system like `ledgermesh serve`; and `empty`: a gRPC server with nothing but health
checking, the baseline of any gRPC call; `all`: everything as `ledgermesh up` runs it (this process
supervising one child process per service, composition.supervisor); and `all-one-process`: every part
in this one process, as `ledgermesh up --one-process` runs them."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from composition.heap import settle_heap
from composition.subcommand import run_service
from composition.supervisor import start_supervised, until_listening, with_ports_picked
from composition.system import SERVICES, UP, start_system
from support.settings import Settings
from support.telemetry import setup_tracing


async def _serve_empty(stop: asyncio.Event) -> None:
    server = grpc.aio.server()
    servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    await servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    print(f"READY {port}", flush=True)
    try:
        await stop.wait()
    finally:
        await server.stop(grace=0.5)


async def _serve_supervised(settings: Settings, stop: asyncio.Event) -> None:
    """`all`: as `ledgermesh up` (and so `make run`) runs it; READY once every service listens."""
    settings = with_ports_picked(settings)
    setup_tracing(settings)
    supervised = await start_supervised(settings)
    try:
        # Every service takes connections (the projector's /metrics starts after its consumers).
        if await until_listening(settings, stop, 90.0):
            print(f"READY {settings.gateway_port}", flush=True)
        await stop.wait()
    finally:
        await supervised.stop()


async def _serve_role(role: str, settings: Settings, options: dict[str, Any], stop: asyncio.Event) -> None:
    # `all-one-process`: everything in one process, as `ledgermesh up --one-process` runs it; it answers on
    # the gateway.
    parts = UP if role == "all-one-process" else SERVICES[role]
    if role == "command":
        # Several command processes share one log; only the one asked to runs the relay.
        parts = replace(parts, relay=bool(options.get("relay")))
    if role == "gateway":
        settings = settings.with_(command_target=options["command"], query_target=options["query"])
    # As `ledgermesh serve` runs it: instrumented, sampling at the settings' ratio.
    setup_tracing(settings)
    system = await start_system(settings, parts)
    settle_heap()
    port = {"command": system.command_port, "query": system.query_port, "gateway": system.gateway_port,
            "all-one-process": system.gateway_port}.get(role, 0)
    print(f"READY {port}", flush=True)
    try:
        await stop.wait()
    finally:
        await system.stop()


async def serve(role: str, fields: dict[str, Any], options: dict[str, Any]) -> None:
    fields["data_dir"] = Path(str(fields["data_dir"]))
    settings = Settings(**fields)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    if role == "empty":
        await _serve_empty(stop)
    elif role == "all":
        await _serve_supervised(settings, stop)
    else:
        await _serve_role(role, settings, options, stop)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    run_service(serve(sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}))
