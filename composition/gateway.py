"""The gateway wired: the FastAPI app with metrics and tracing, served by uvicorn in this process."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import uvicorn

from gateway.app import GatewayServer, create_app, operator_only, with_fast_refusals
from support.metrics import install_http_metrics
from support.settings import Settings
from support.telemetry import instrument_gateway


@dataclass
class RunningGateway:
    server: GatewayServer
    port: int
    task: asyncio.Task[None]

    async def stop(self) -> None:
        self.server.should_exit = True
        await self.task


async def start_gateway(settings: Settings, command_target: str, query_target: str) -> RunningGateway:
    """REST on settings.gateway_port (0 picks a free one), calling the gRPC services at the targets."""
    app = create_app(command_target, query_target, settings)
    install_http_metrics(app, operator_only)
    instrument_gateway(app)
    config = uvicorn.Config(with_fast_refusals(app, settings), host=settings.host, port=settings.gateway_port, log_level="warning",
                            lifespan="on", access_log=False)
    server = GatewayServer(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise OSError("gateway failed to start")
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    return RunningGateway(server, port, task)
